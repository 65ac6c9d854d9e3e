from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("report-runs", views.ReportRunViewSet, basename="api-reportrun")

urlpatterns = router.urls
