from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import include, path

from core import profile_views
from core import views as core_views

from .env import env_bool

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("accounts/login/", core_views.PortalLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/profile/", profile_views.profile, name="profile"),
    path("accounts/tokens/<int:pk>/revoke/", profile_views.token_revoke, name="token_revoke"),
    # Before the pages' prefix-less includes: an API request then skips their ≈ 100 patterns.
    path("api/v1/", include("haidian_governance.api_urls")),
    path("", include("core.audit.urls")),
    path("", include("schools.urls")),
    path("", include("meetings.urls")),
    path("", include("decisions.urls")),
    path("", include("reports.urls")),
    path("admin/", admin.site.urls),
]

# Benchmarks only (bench/bench_pages.py): the baseline "minimal Django view", served by the same process and
# middleware as the pages. Off unless BENCH_MINIMAL_VIEW=true; never enable it in production.
if env_bool("BENCH_MINIMAL_VIEW", False):

    def bench_minimal(request):
        return HttpResponse("<!doctype html><title>ok</title><p>ok</p>")

    urlpatterns.append(path("bench/minimal/", bench_minimal, name="bench_minimal"))

handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
