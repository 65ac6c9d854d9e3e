"""月度报告 pages: the runs in the user's scope, the request form, a run's progress, its status (JSON, for API
clients and scripts) and the download.

Scope lives in `ReportRun.objects.visible_to(user)`; a run outside it is a 404 everywhere, the download included.
The PDF lives under MEDIA_ROOT, which no URL serves; `run_download` streams it. The progress page reloads
itself every 5 seconds while the run is pending (`<meta http-equiv="refresh">`, no JavaScript).
"""

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core.models import Role, User
from core.months import parse_month
from schools.models import School, SchoolDistrict
from schools.selectors import school_list

from .. import services
from ..aggregates import add_months, month_start
from ..models import ReportRun, ReportScope, ReportStatus

__all__ = ["run_detail", "run_download", "run_list", "run_request", "run_status"]

PAGE_SIZE = 50
REQUEST_MESSAGES = {
    ReportStatus.WAITING: "报告申请已保存。生成队列暂时不可用（等待队列），恢复后将自动开始生成，无需重新申请。",
    ReportStatus.DONE: "报告已生成。",
}


class ReportRequestForm(forms.Form):
    """Scope and month of a report; the choices offer only what the user may request."""

    scope = forms.ChoiceField(label="报告范围")
    school_district = forms.ModelChoiceField(label="学区", queryset=SchoolDistrict.objects.none(), required=False)
    school = forms.ModelChoiceField(label="学校", queryset=School.objects.none(), required=False)
    month = forms.CharField(
        label="月份", widget=forms.TextInput(attrs={"type": "month"}), help_text="格式：2026-10（年-月）。"
    )

    def __init__(self, *args, user: User, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        scopes = []
        if user.is_district:
            scopes += [ReportScope.DISTRICT, ReportScope.XUEQU]
        elif user.role == Role.XUEQU_VIEWER:
            scopes.append(ReportScope.XUEQU)
        scopes.append(ReportScope.SCHOOL)
        self.fields["scope"].choices = [(scope.value, scope.label) for scope in scopes]
        if user.is_district:
            self.fields["school_district"].queryset = SchoolDistrict.objects.order_by("code")
        elif user.role == Role.XUEQU_VIEWER:
            self.fields["school_district"].queryset = SchoolDistrict.objects.filter(pk=user.school_district_id)
        self.fields["school"].queryset = school_list(user=user).order_by("code")
        self.initial.setdefault("month", f"{add_months(month_start(today), -1):%Y-%m}")

    def clean_month(self) -> date:
        month = parse_month(self.cleaned_data["month"])
        if month is None:
            raise forms.ValidationError("请按“年-月”填写月份，如 2026-10。")
        return month

    def clean(self):
        data = super().clean()
        scope = data.get("scope")
        if scope == ReportScope.SCHOOL and not data.get("school"):
            self.add_error("school", "请选择学校。")
        if scope == ReportScope.XUEQU and not data.get("school_district"):
            self.add_error("school_district", "请选择学区。")
        return data


def _visible(request: HttpRequest):
    return ReportRun.objects.visible_to(request.user).select_related("school", "school_district", "requested_by")


def _dispatched_if_waiting(run: ReportRun) -> ReportRun:
    """A polled run that waits for the queue: try to send the waiting runs now (the broker may be back)."""
    if run.status == ReportStatus.WAITING and services.dispatch_waiting_runs():
        run.refresh_from_db()
    return run


@login_required
@require_http_methods(["GET"])
def run_list(request: HttpRequest) -> HttpResponse:
    history = request.GET.get("history") == "1"
    runs = _visible(request) if history else _visible(request).filter(is_current=True)
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reports/runs/run_list.html", {"page": page, "history": history})


@login_required
@require_http_methods(["GET", "POST"])
def run_request(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = ReportRequestForm(request.POST or None, user=request.user, today=today)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.report_run_request(
                user=request.user,
                scope=data["scope"],
                period=data["month"],
                school=data.get("school"),
                school_district=data.get("school_district"),
                today=today,
            )
        except PermissionDenied as exc:
            return render(request, "403.html", {"message": str(exc)}, status=403)
        except ValidationError as exc:
            form.add_error("month", exc.message_dict.get("period", exc.messages))
        else:
            messages.success(request, REQUEST_MESSAGES.get(run.status, "报告已进入生成队列。"))
            return redirect(run)
    status = 400 if request.method == "POST" else 200
    return render(request, "reports/runs/run_form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET"])
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _dispatched_if_waiting(get_object_or_404(_visible(request), pk=pk))
    response = render(request, "reports/runs/run_detail.html", {"run": run})
    if run.is_pending:
        response["Refresh"] = "5"  # as the page's <meta http-equiv="refresh">, for clients reading headers
    return response


@login_required
@require_http_methods(["GET"])
def run_status(request: HttpRequest, pk: int) -> JsonResponse:
    run = _dispatched_if_waiting(get_object_or_404(_visible(request), pk=pk))
    done = run.status == ReportStatus.DONE
    return JsonResponse(
        {
            "id": run.pk,
            "status": run.status,
            "status_label": run.get_status_display(),
            "progress": run.progress,
            "is_current": run.is_current,
            "size": run.size,
            "sha256": run.sha256 or None,
            "download_url": request.build_absolute_uri(reverse("report_run_download", args=[run.pk])) if done else None,
        }
    )


@login_required
@require_http_methods(["GET"])
def run_download(request: HttpRequest, pk: int) -> FileResponse:
    run = get_object_or_404(_visible(request).filter(status=ReportStatus.DONE), pk=pk)
    try:
        handle = run.file.storage.open(run.file.name, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=run.download_name, content_type="application/pdf")
    response["Cache-Control"] = "private, no-store"
    return response
