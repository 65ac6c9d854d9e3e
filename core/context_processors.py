from django.conf import settings

from .models import DemoDataset


def portal(request):
    """Title, demo-data banner flag and the signed-in user's role for the base layout."""
    return {
        "portal_title": settings.PORTAL_TITLE,
        "demo_data": DemoDataset.objects.exists(),
    }
