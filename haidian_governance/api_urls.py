"""`/api/v1/`: every resource, token issue, tombstones, the OpenAPI schema and its offline Swagger UI."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from core.api.views import TokenObtainView, TombstoneViewSet, api_not_found

router = SimpleRouter()
router.register("tombstones", TombstoneViewSet, basename="api-tombstone")

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token-obtain"),
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("schools.api.urls")),
    path("", include("meetings.api.urls")),
    path("", include("decisions.api.urls")),
    path("", include("reports.api.urls")),
    path("", include(router.urls)),
    # Last: unknown paths answer the API's JSON 404. Only paths ending in "/", so that CommonMiddleware still
    # redirects `/api/v1/schools` to `/api/v1/schools/` (APPEND_SLASH).
    re_path(r"^.*/$", api_not_found, name="api-not-found"),
]
