from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core import profile_views
from core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("accounts/login/", core_views.PortalLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/profile/", profile_views.profile, name="profile"),
    path("accounts/tokens/<int:pk>/revoke/", profile_views.token_revoke, name="token_revoke"),
    path("", include("schools.urls")),
    path("", include("meetings.urls")),
    path("", include("decisions.urls")),
    path("", include("reports.urls")),
    path("", include("reports.urls_runs")),
    path("api/v1/", include("haidian_governance.api_urls")),
    path("admin/", admin.site.urls),
]

handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
