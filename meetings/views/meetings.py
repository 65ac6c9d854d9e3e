"""Meeting pages: list with filters, create, the one-page edit (meeting, attendance, agenda), the 会议纪要
detail, votes and deferral per item, minutes, finalising and amendments.

Views stay thin: `meetings.selectors` read (scoped, so out of scope is 404), `meetings.services` write and
decide; their `ValidationError` goes onto the form (400), `PermissionDenied` is the 403 page and a write to
finalised minutes is 409 (`service_errors`).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import NotAllowedError, RecordFinalisedError
from core.exports import wants_xlsx
from core.models import User
from core.paging import CachedCountPaginator
from core.scope import can_edit_school_records, can_finalise_school_records
from schools.choices import MeetingBody

from .. import selectors, services
from ..choices import AttendanceKind, MeetingStatus
from ..exports import meeting_list_xlsx
from ..filters import MeetingListFilter
from ..forms.meetings import (
    AmendmentForm,
    DeferForm,
    ItemVotesForm,
    MeetingForm,
    MeetingPageForms,
    MinutesForm,
    PrincipalDecisionForm,
    attach_deliberation_forms,
    editable_schools,
)
from ..models import AgendaItem, Meeting
from ..roster import roster_counts
from ..rules.voting import decides_by_vote
from ..services.meetings import MEETING_FINALISED
from ._forms_handling import attempt, save_meeting_page, service_errors

__all__ = [
    "item_defer",
    "item_principal_decision",
    "item_votes",
    "meeting_amend",
    "meeting_create",
    "meeting_detail",
    "meeting_edit",
    "meeting_finalise",
    "meeting_list",
    "meeting_mark_held",
    "meeting_minutes",
]

EDIT_DENIED = "您没有登记或修改本校记录的权限。"


# --- helpers ----------------------------------------------------------------------------------------
def _meeting(request: HttpRequest, pk: int) -> Meeting:
    return get_object_or_404(selectors.meeting_detail(user=request.user), pk=pk)


def _items(user: User, meeting: Meeting) -> list[AgendaItem]:
    return selectors.redact_items(user=user, meeting=meeting, items=meeting.items.all())


def _item(user: User, meeting: Meeting, item_pk: int) -> AgendaItem:
    for item in _items(user, meeting):
        if item.pk == item_pk:
            return item
    raise Http404


def _require_open_for_edit(user: User, meeting: Meeting) -> None:
    """Edit pages: finalised minutes are 409 (amendments only); a reader without edit rights is 403."""
    if meeting.is_finalised:
        raise RecordFinalisedError(MEETING_FINALISED)
    if not can_edit_school_records(user, meeting.school):
        raise NotAllowedError(EDIT_DENIED)


def _roster(meeting: Meeting) -> dict[str, list]:
    """The attendance of the 会议纪要 header, grouped: 出席, 请假 (with reasons), 缺席, 未登记, 列席."""
    roster = {"present": [], "leave": [], "absent": [], "unrecorded": [], "observers": []}
    for attendance in meeting.attendance.all():
        if attendance.kind == AttendanceKind.OBSERVER:
            roster["observers"].append(attendance)
        else:
            roster[attendance.status or "unrecorded"].append(attendance)
    return roster


def _detail(request: HttpRequest, meeting: Meeting, *, action_errors=(), status: int = 200) -> HttpResponse:
    user = request.user
    items = _items(user, meeting)
    amendments = selectors.amendments_for(targets=[meeting, *items])
    item_type = ContentType.objects.get_for_model(AgendaItem).pk
    for item in items:
        item.amendment_list = [] if getattr(item, "redacted", False) else amendments.get((item_type, item.pk), [])
    can_edit = not meeting.is_finalised and can_edit_school_records(user, meeting.school)
    can_sign = can_finalise_school_records(user, meeting.school)
    if can_edit and meeting.status == MeetingStatus.HELD and not decides_by_vote(meeting.body):
        for item in items:  # 校长办公会: the principal's decision is recorded on the page itself
            item.decision_form = PrincipalDecisionForm(item=item, auto_id=f"id_item{item.pk}_%s")
    attach_deliberation_forms(meeting=meeting, items=items, can_edit=can_edit)
    context = {
        "meeting": meeting,
        "items": items,
        "roster": _roster(meeting),
        "meeting_amendments": amendments.get((ContentType.objects.get_for_model(Meeting).pk, meeting.pk), []),
        "is_party_committee": meeting.body == MeetingBody.PARTY_COMMITTEE,
        "is_principal_office": not decides_by_vote(meeting.body),
        "is_staff_congress": meeting.body == MeetingBody.STAFF_CONGRESS,
        "can_edit": can_edit,
        "can_mark_held": can_edit and meeting.status == MeetingStatus.PREPARING,
        "can_vote": can_edit and meeting.status == MeetingStatus.HELD,
        "can_finalise": can_sign and meeting.status == MeetingStatus.HELD,
        "can_amend": can_sign and meeting.is_finalised,
        "action_errors": action_errors,
    }
    return render(request, "meetings/meeting_detail.html", context, status=status)


def _page(request: HttpRequest, template: str, context: dict, *, form) -> HttpResponse:
    return render(request, template, context, status=400 if form.is_bound and form.errors else 200)


def _meeting_action(request: HttpRequest, pk: int, service, done: str) -> HttpResponse:
    """A button on the detail page (mark held, finalise): errors are shown on the page with 400."""
    meeting = _meeting(request, pk)
    try:
        service(user=request.user, meeting=meeting)
    except RecordFinalisedError:
        raise
    except ValidationError as exc:
        return _detail(request, meeting, action_errors=exc.messages, status=400)
    messages.success(request, done)
    return redirect("meeting_detail", pk=pk)


# --- pages ------------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET"])
def meeting_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    meeting_filter = MeetingListFilter(request.GET, queryset=selectors.meeting_list(user=user), request=request)
    if wants_xlsx(request):
        return meeting_list_xlsx(meeting_filter)
    page = CachedCountPaginator(meeting_filter.qs, 50).get_page(request.GET.get("page"))
    context = {"filter": meeting_filter, "page": page, "can_create": editable_schools(user).exists()}
    return render(request, "meetings/meeting_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@service_errors
def meeting_create(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = MeetingForm(data, user=request.user, school_id=request.GET.get("school"))
    if not form.fields["school"].queryset.exists():
        raise NotAllowedError("您没有登记会议的权限。")
    if data is not None and form.is_valid():
        meeting = attempt(form, services.meeting_create, user=request.user, **form.cleaned_data)
        if meeting is not None:
            messages.success(request, "会议已创建，应到成员已按会议日期的组成人员登记。请登记出席情况和议题。")
            return redirect("meeting_edit", pk=meeting.pk)
    return _page(request, "meetings/meeting_form.html", {"form": form, "meeting": None}, form=form)


@login_required
@require_http_methods(["GET"])
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _meeting(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
@service_errors
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    _require_open_for_edit(request.user, meeting)
    data = request.POST if request.method == "POST" else None
    attendance_open = meeting.date <= timezone.localdate()
    page = MeetingPageForms(
        data, user=request.user, meeting=meeting, items=_items(request.user, meeting), attendance_open=attendance_open
    )
    if data is not None and page.is_valid() and save_meeting_page(user=request.user, meeting=meeting, page=page):
        messages.success(request, "会议、出席情况和议题已保存。")
        return redirect("meeting_detail", pk=pk)
    status = 400 if data is not None and page.has_errors else 200
    return render(request, "meetings/meeting_form.html", {"meeting": meeting, "page": page}, status=status)


@login_required
@require_POST
@service_errors
def meeting_mark_held(request: HttpRequest, pk: int) -> HttpResponse:
    return _meeting_action(request, pk, services.meeting_mark_held, "会议已标记为已召开。")


@login_required
@require_http_methods(["GET", "POST"])
@service_errors
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    _require_open_for_edit(request.user, meeting)
    data = request.POST if request.method == "POST" else None
    form = MinutesForm(data, meeting=meeting, items=_items(request.user, meeting))
    if data is not None and form.is_valid():
        kwargs = {"minutes": form.cleaned_data["minutes"], "item_minutes": form.item_minutes()}
        if attempt(form, services.meeting_set_minutes, user=request.user, meeting=meeting, **kwargs):
            messages.success(request, "纪要已保存（定稿签发前可继续修改）。")
            return redirect("meeting_detail", pk=pk)
    return _page(request, "meetings/meeting_minutes.html", {"meeting": meeting, "form": form}, form=form)


@login_required
@require_POST
@service_errors
def meeting_finalise(request: HttpRequest, pk: int) -> HttpResponse:
    return _meeting_action(request, pk, services.meeting_finalise, "会议纪要已定稿签发，此后只能提交更正。")


@login_required
@require_http_methods(["GET", "POST"])
@service_errors
def meeting_amend(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    if not can_finalise_school_records(request.user, meeting.school):
        raise NotAllowedError("只有本校书记或校长可以更正已定稿的记录。")
    data = request.POST if request.method == "POST" else None
    form = AmendmentForm(data, meeting=meeting)
    saved = (
        data is not None
        and form.is_valid()
        and attempt(form, services.meeting_amend, user=request.user, meeting=meeting, **form.cleaned_data)
    )
    if saved:
        messages.success(request, "更正记录已保存，显示在原纪要旁。")
        return redirect("meeting_detail", pk=pk)
    context = {"meeting": meeting, "form": form, "items": _items(request.user, meeting)}
    return _page(request, "meetings/meeting_amend.html", context, form=form)


def _votes_page(request, meeting, item, *, votes_form=None, defer_form=None, decision_form=None) -> HttpResponse:
    members = [a for a in meeting.attendance.all() if a.kind == AttendanceKind.MEMBER]
    votes_form = votes_form or ItemVotesForm(item=item, members=members, body=meeting.body)
    defer_form = defer_form or DeferForm(initial={"deferral_reason": item.deferral_reason})
    principal_office = not decides_by_vote(meeting.body)
    if principal_office:
        decision_form = decision_form or PrincipalDecisionForm(item=item)
    context = {
        "meeting": meeting,
        "item": item,
        "votes_form": votes_form,
        "defer_form": defer_form,
        "decision_form": decision_form,
        "is_principal_office": principal_office,
        "is_staff_congress": meeting.body == MeetingBody.STAFF_CONGRESS,
    }
    context["expected"], context["present"] = roster_counts(meeting)
    forms = (votes_form, defer_form, decision_form)
    failed = any(form is not None and form.is_bound and form.errors for form in forms)
    return render(request, "meetings/item_votes.html", context, status=400 if failed else 200)


@login_required
@require_http_methods(["GET", "POST"])
@service_errors
def item_votes(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    item = _item(request.user, meeting, item_pk)
    _require_open_for_edit(request.user, meeting)
    if request.method == "GET":
        return _votes_page(request, meeting, item)
    members = [a for a in meeting.attendance.all() if a.kind == AttendanceKind.MEMBER]
    form = ItemVotesForm(request.POST, item=item, members=members, body=meeting.body)
    if form.is_valid():
        saved = attempt(form, services.agenda_item_record_votes, user=request.user, item=item, **form.service_kwargs())
        if saved is not None and not decides_by_vote(meeting.body):
            messages.success(request, "与会人员的表态已登记；校长办公会不以票数决定，结果以校长决定为准。")
            return redirect(f"{reverse('meeting_detail', args=[pk])}#item-{item.pk}")
        if saved is not None:
            messages.success(request, f"表决已登记，结果：{saved.get_result_display()}。")
            return redirect(f"{reverse('meeting_detail', args=[pk])}#item-{item.pk}")
    return _votes_page(request, meeting, item, votes_form=form)


@login_required
@require_http_methods(["GET", "POST"])
@service_errors
def item_defer(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    item = _item(request.user, meeting, item_pk)
    _require_open_for_edit(request.user, meeting)
    if request.method == "GET":
        return _votes_page(request, meeting, item)
    form = DeferForm(request.POST)
    if form.is_valid():
        reason = form.cleaned_data["deferral_reason"]
        if attempt(form, services.agenda_item_defer, user=request.user, item=item, reason=reason) is not None:
            messages.success(request, "议题已暂缓。")
            return redirect(f"{reverse('meeting_detail', args=[pk])}#item-{item.pk}")
    return _votes_page(request, meeting, item, defer_form=form)


@login_required
@require_http_methods(["GET", "POST"])
@service_errors
def item_principal_decision(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """校长办公会: the views heard and the principal's decision (the form is also on the meeting page)."""
    meeting = _meeting(request, pk)
    item = _item(request.user, meeting, item_pk)
    if decides_by_vote(meeting.body):
        raise Http404("只有校长办公会的议题由校长决定。")
    _require_open_for_edit(request.user, meeting)
    if request.method == "GET":
        return _votes_page(request, meeting, item)
    form = PrincipalDecisionForm(request.POST, item=item)
    if form.is_valid():
        saved = attempt(
            form, services.agenda_item_record_principal_decision, user=request.user, item=item, **form.service_kwargs()
        )
        if saved is not None:
            messages.success(request, f"校长决定已登记：{saved.get_principal_decision_display()}。")
            return redirect(f"{reverse('meeting_detail', args=[pk])}#item-{item.pk}")
    return _votes_page(request, meeting, item, decision_form=form)
