"""Home, login, health probes and error pages."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from .health import check_database, check_redis
from .models import Role


@login_required
def home(request):
    """总览: district roles and 学区 viewers get the district dashboard, school roles their school's."""
    user = request.user
    if user.is_district or user.role == Role.XUEQU_VIEWER:
        return redirect("district_dashboard")
    if user.school_id:
        return redirect("school_dashboard", pk=user.school_id)
    return redirect("school_list")


class PortalLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@never_cache
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def readyz(request):
    checks = {"database": check_database(connection)}
    if settings.REDIS_URL:
        checks["redis"] = check_redis(settings.REDIS_URL)
    ready = all(result == "ok" for result in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)
