from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("decisions", views.DecisionViewSet, basename="api-decision")
router.register("consultations", views.ConsultationViewSet, basename="api-consultation")
router.register("tasks", views.TaskViewSet, basename="api-task")
router.register("findings", views.FindingViewSet, basename="api-finding")
router.register("matter-types", views.MatterTypeViewSet, basename="api-mattertype")
router.register("rules", views.RuleViewSet, basename="api-rule")

urlpatterns = router.urls
