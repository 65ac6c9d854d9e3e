"""Home, login, health probes and error pages."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from .health import check_database, check_redis


@login_required
def home(request):
    user = request.user
    if not user.is_district and user.school_id:
        return redirect("school_detail", pk=user.school_id)
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
