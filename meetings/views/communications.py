"""四沟通 pages: list with filters, log and edit, the other member's confirmation, amendments, school calendar.

Views stay thin: `meetings.selectors` read (scoped, so out of scope is 404), `meetings.services` write and
decide; their `ValidationError` goes onto the form (400, 409 for a confirmed record), `PermissionDenied`
becomes the 403 page with its Chinese message.
"""

import calendar
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import NotAllowedError, RecordFinalisedError
from core.exports import wants_xlsx
from core.models import Role, User
from core.months import next_month, parse_month
from core.pages import errors_to_form, forbidden
from core.paging import CachedCountPaginator
from core.scope import can_edit_school_records, can_finalise_school_records
from schools import selectors as school_selectors

from .. import selectors, services
from ..exports import communication_list_xlsx
from ..filters import CommunicationListFilter
from ..forms.communications import AmendmentForm, CommunicationForm
from ..models import Communication

__all__ = [
    "communication_amend",
    "communication_confirm",
    "communication_create",
    "communication_detail",
    "communication_edit",
    "communication_list",
    "school_calendar",
]

LOGGING_ROLES = (Role.DISTRICT_ADMIN, Role.SECRETARY, Role.PRINCIPAL, Role.CLERK)
WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")
CONFIRMED_MESSAGE = "该沟通记录已确认，不能修改；如需更正，请提交更正记录。"


# --- helpers ----------------------------------------------------------------------------------------
def _communication(request: HttpRequest, pk: int) -> Communication:
    return get_object_or_404(selectors.communication_list(user=request.user), pk=pk)


def _may_confirm(user: User, communication: Communication) -> bool:
    """Mirrors `communication_confirm` to show its button: the other pair participant, not yet confirmed."""
    if communication.is_confirmed or user.person_id is None or user.pk == communication.logged_by_id:
        return False
    if user.person_id == communication.logged_by.person_id:
        return False
    participant_ids = {person.pk for person in communication.participants.all()}
    return user.person_id in participant_ids and can_finalise_school_records(user, communication.school)


def _detail(request, communication, amend_form=None, status=200) -> HttpResponse:
    user = request.user
    amendments = selectors.amendments_for(targets=[communication])
    context = {
        "communication": communication,
        "amendments": [amendment for group in amendments.values() for amendment in group],
        "can_confirm": _may_confirm(user, communication),
        "can_edit": not communication.is_confirmed and can_edit_school_records(user, communication.school),
        "can_amend": communication.is_confirmed and can_finalise_school_records(user, communication.school),
        "amend_form": amend_form or AmendmentForm(),
    }
    return render(request, "meetings/communication_detail.html", context, status=status)


def _form_page(request, form, communication=None, status=200) -> HttpResponse:
    context = {"form": form, "communication": communication}
    return render(request, "meetings/communication_form.html", context, status=status)


def _month_grid(events: dict[datetime.date, list], first: datetime.date) -> list[list[dict]]:
    """Monday-first weeks of the month; each day with its communications and meetings in time order."""

    def at(event) -> datetime.time:
        if isinstance(event, Communication):
            return timezone.localtime(event.occurred_at).time()
        return event.start_time or datetime.time.min

    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    return [
        [
            {
                "date": day,
                "in_month": day.month == first.month,
                "events": [
                    {"is_communication": isinstance(event, Communication), "object": event, "time": at(event)}
                    for event in sorted(events.get(day, []), key=at)
                ],
            }
            for day in week
        ]
        for week in weeks
    ]


# --- pages ------------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET"])
def communication_list(request: HttpRequest) -> HttpResponse:
    communications = selectors.communication_list(user=request.user)
    communication_filter = CommunicationListFilter(request.GET, queryset=communications, request=request)
    if wants_xlsx(request):
        return communication_list_xlsx(communication_filter)
    page = CachedCountPaginator(communication_filter.qs, 50).get_page(request.GET.get("page"))
    can_create = request.user.is_superuser or request.user.role in LOGGING_ROLES
    context = {"filter": communication_filter, "page": page, "can_create": can_create}
    return render(request, "meetings/communication_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def communication_create(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = CommunicationForm(data, user=request.user, initial={"school": request.GET.get("school")})
    if not form.can_create:
        return forbidden(request, NotAllowedError("您没有登记沟通记录的权限。"))
    if data is None:
        return _form_page(request, form)
    if form.is_valid():
        try:
            communication = services.communication_create(user=request.user, **form.cleaned_data)
        except PermissionDenied as exc:
            return forbidden(request, exc)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "沟通记录已登记，请沟通的另一方确认。")
            return redirect("communication_detail", pk=communication.pk)
    return _form_page(request, form, status=400)


@login_required
@require_http_methods(["GET"])
def communication_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _communication(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def communication_edit(request: HttpRequest, pk: int) -> HttpResponse:
    communication = _communication(request, pk)
    if not can_edit_school_records(request.user, communication.school):
        return forbidden(request, NotAllowedError("您没有修改本校沟通记录的权限。"))
    data = request.POST if request.method == "POST" else None
    form = CommunicationForm(data, user=request.user, communication=communication)
    if communication.is_confirmed:  # final: the page points to the amendment form instead
        messages.error(request, CONFIRMED_MESSAGE)
        return _form_page(request, form, communication, status=409)
    if data is None:
        return _form_page(request, form, communication)
    if form.is_valid():
        try:
            services.communication_update(user=request.user, communication=communication, **form.cleaned_data)
        except PermissionDenied as exc:
            return forbidden(request, exc)
        except ValidationError as exc:
            errors_to_form(form, exc)
            return _form_page(
                request, form, communication, status=409 if isinstance(exc, RecordFinalisedError) else 400
            )
        messages.success(request, "沟通记录已保存。")
        return redirect("communication_detail", pk=communication.pk)
    return _form_page(request, form, communication, status=400)


@login_required
@require_POST
def communication_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    communication = _communication(request, pk)
    try:
        services.communication_confirm(user=request.user, communication=communication)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _detail(request, _communication(request, pk), status=409)
    messages.success(request, "已确认该沟通记录。")
    return redirect("communication_detail", pk=pk)


@login_required
@require_POST
def communication_amend(request: HttpRequest, pk: int) -> HttpResponse:
    communication = _communication(request, pk)
    form = AmendmentForm(request.POST)
    if form.is_valid():
        try:
            services.communication_amend(user=request.user, communication=communication, **form.cleaned_data)
        except PermissionDenied as exc:
            return forbidden(request, exc)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "更正记录已保存，显示在原记录旁。")
            return redirect("communication_detail", pk=pk)
    return _detail(request, communication, amend_form=form, status=400)


@login_required
@require_http_methods(["GET"])
def school_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    school = get_object_or_404(school_selectors.school_list(user=request.user), pk=pk)
    raw_month = request.GET.get("month", "")
    first = parse_month(raw_month) or timezone.localdate().replace(day=1)
    if raw_month and parse_month(raw_month) is None:
        messages.warning(request, f"月份“{raw_month}”格式不正确，已显示本月。请按“年-月”填写，如 2024-03。")
    events = selectors.month_events(user=request.user, school_id=school.pk, year=first.year, month=first.month)
    context = {
        "school": school,
        "month": first,
        "previous": (first - datetime.timedelta(days=1)).replace(day=1),
        "next": next_month(first),
        "weeks": _month_grid(events, first),
        "weekdays": WEEKDAYS,
        "can_log": can_edit_school_records(request.user, school),
    }
    return render(request, "meetings/school_calendar.html", context)
