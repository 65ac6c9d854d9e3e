from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("communications", views.CommunicationViewSet, basename="api-communication")
router.register("meetings", views.MeetingViewSet, basename="api-meeting")
router.register("agenda-items", views.AgendaItemViewSet, basename="api-agendaitem")

urlpatterns = router.urls
