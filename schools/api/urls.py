from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("school-districts", views.SchoolDistrictViewSet, basename="api-schooldistrict")
router.register("groups", views.EducationGroupViewSet, basename="api-group")
router.register("schools", views.SchoolViewSet, basename="api-school")
router.register("people", views.PersonViewSet, basename="api-person")
router.register("appointments", views.AppointmentViewSet, basename="api-appointment")
router.register("memberships", views.MembershipViewSet, basename="api-membership")
router.register("pairs", views.PairViewSet, basename="api-pair")

urlpatterns = router.urls
