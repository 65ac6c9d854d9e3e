from django.conf import settings

from . import dataversion
from .models import DemoDataset


def _has_demo_data() -> bool:
    return DemoDataset.objects.exists()


def portal(request):
    """Title and demo-data banner flag for the base layout (the flag read through the data-version cache, and kept
    in the process under the same version: it is on every page)."""
    return {
        "portal_title": settings.PORTAL_TITLE,
        "demo_data": dataversion.cached(("demo-data",), _has_demo_data, local=True),
    }
