"""Decision pages: list with filters, register and edit a proposal, the decision as a timeline, and the steps
of its lifecycle (communicate, link agenda items, consult, legal review, decide) and amendments.

Views stay thin: `decisions.selectors` read (scoped, so out of scope is 404), `decisions.services` write and
decide; their `ValidationError` goes onto the form (400, 409 for a decided record), `PermissionDenied`
becomes the 403 page with its Chinese message.
"""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import NotAllowedError, RecordFinalisedError
from core.exports import wants_xlsx
from core.models import Role, User
from core.pages import errors_to_form, forbidden
from core.paging import CachedCountPaginator
from core.scope import can_edit_school_records, can_finalise_school_records
from meetings import selectors as meeting_selectors
from meetings.choices import ItemResult
from meetings.models import AgendaItem

from .. import selectors, services
from ..choices import SANZHONG_YIDA_CATEGORIES, DecisionStatus, Outcome, Tier
from ..exports import decision_list_xlsx
from ..filters import DecisionListFilter
from ..forms.decisions import (
    AmendmentForm,
    ConsultationForm,
    DecideForm,
    DecisionForm,
    ImplementationReportForm,
    LegalReviewForm,
    LinkItemForm,
    TransitionForm,
)
from ..forms.tasks import CloseForm, TaskForm
from ..models import Decision
from ..rules.chain import StaffCongress
from ..services.decisions import EDITABLE, MANUAL_TRANSITIONS
from ..services.reports import REPORTABLE

__all__ = [
    "consultation_add",
    "decision_amend",
    "decision_create",
    "decision_decide",
    "decision_detail",
    "decision_edit",
    "decision_link_item",
    "decision_list",
    "decision_transition",
    "implementation_report_add",
    "legal_review_add",
]

REGISTERING_ROLES = (Role.DISTRICT_ADMIN, Role.SECRETARY, Role.PRINCIPAL, Role.CLERK)
EDIT_DENIED = "您没有登记或修改本校决策事项的权限。"
DECIDED_MESSAGE = "该事项已作出决定，不能修改；如需更正，请在事项页面提交更正记录。"
S = DecisionStatus


# --- helpers (also used by the task pages) ----------------------------------------------------------
def submit(
    request: HttpRequest,
    *,
    form: Form,
    service: Callable,
    again: Callable[[int], HttpResponse],
    success: str,
    done,
    school=None,
    **kwargs,
) -> HttpResponse:
    """Validate `form` and call `service` with its data; on error `again(status)` re-renders the page.

    With `school`, a user who may not edit its records gets the 403 page before anything is validated.
    """
    if school is not None and not can_edit_school_records(request.user, school):
        return forbidden(request, NotAllowedError(EDIT_DENIED))
    if not form.is_valid():
        return again(400)
    try:
        service(user=request.user, **kwargs, **form.cleaned_data)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    except ValidationError as exc:
        errors_to_form(form, exc)
        return again(409 if isinstance(exc, RecordFinalisedError) else 400)
    messages.success(request, success)
    return redirect(done)


def may_register(user: User) -> bool:
    return user.is_superuser or user.role in REGISTERING_ROLES


def get_decision(request: HttpRequest, pk: int) -> Decision:
    return get_object_or_404(selectors.decision_list(user=request.user), pk=pk)


def _agenda_items(user: User, decision: Decision) -> list[AgendaItem]:
    """The decision chain, confidential items redacted for readers outside the school."""
    items = list(decision.agenda_items.all())
    by_meeting: dict[int, list[AgendaItem]] = {}
    for item in items:
        by_meeting.setdefault(item.meeting_id, []).append(item)
    for group in by_meeting.values():
        meeting_selectors.redact_items(user=user, meeting=group[0].meeting, items=group)
    return items


def transitions_of(decision: Decision) -> list[tuple[str, str]]:
    """The manual steps open from the decision's status: (target status, button label)."""
    return [
        (target, label)
        for (source, target), label in MANUAL_TRANSITIONS.items()
        if source == decision.status
        and (target != S.ON_AGENDA or decision.agenda_items.all())
        and (source != S.DECIDED or decision.outcome == Outcome.DEFERRED)
    ]


def _allowed(user: User, decision: Decision) -> dict[str, bool]:
    """Which action forms the page shows: only steps the lifecycle allows now (the services decide)."""
    can_edit = can_edit_school_records(user, decision.school)
    undecided = decision.status in EDITABLE
    voted = any(item.result != ItemResult.PENDING for item in decision.agenda_items.all())
    return {
        "edit": can_edit and undecided,
        "transition": can_edit and bool(transitions_of(decision)),
        "link_item": can_edit and decision.status != S.CLOSED,
        # A collective matter: once an item is voted, or (an emergency decision) once it is past the proposal.
        "decide": can_edit and undecided and (decision.tier != Tier.COLLECTIVE or voted or decision.status != S.DRAFT),
        "consultation": can_edit and undecided and decision.tier == Tier.CONSULT,
        "legal_review": can_edit and undecided and decision.category in SANZHONG_YIDA_CATEGORIES,
        "task": can_edit and decision.status in (S.DECIDED, S.IMPLEMENTING) and decision.outcome == Outcome.PASSED,
        "report": can_edit and decision.status in REPORTABLE and decision.outcome == Outcome.PASSED,
        "close": can_edit and decision.status == S.IMPLEMENTING and not decision.open_task_count,
        "amend": not undecided and can_finalise_school_records(user, decision.school),
    }


def decision_page(request: HttpRequest, pk: int, *, forms: dict | None = None, status: int = 200) -> HttpResponse:
    """The decision timeline with the action forms allowed now; `forms` carries a submitted form's errors."""
    user = request.user
    decision = get_object_or_404(selectors.decision_timeline(user=user), pk=pk)
    allowed = _allowed(user, decision)
    factories = {
        "transition": lambda: TransitionForm(),
        "link_item": lambda: LinkItemForm(user=user, decision=decision),
        "decide": lambda: DecideForm(user=user, decision=decision),
        "consultation": lambda: ConsultationForm(decision=decision),
        "legal_review": lambda: LegalReviewForm(),
        "task": lambda: TaskForm(decision=decision),
        "report": lambda: ImplementationReportForm(user=user, decision=decision),
        "close": lambda: CloseForm(),
        "amend": lambda: AmendmentForm(),
    }
    built = {name: factory() for name, factory in factories.items() if allowed[name]}
    built.update(forms or {})
    amendments = meeting_selectors.amendments_for(targets=[decision])
    findings = list(selectors.decision_open_findings(user=user, decision=decision))
    titles = selectors.rule_titles()
    for finding in findings:
        finding.rule_title = titles.get(finding.rule, finding.rule)
    agenda_items = _agenda_items(user, decision)
    context = {
        "decision": decision,
        "agenda_items": agenda_items,
        "congress_step": StaffCongress.step(decision, agenda_items),
        "findings": findings,
        "amendments": [amendment for group in amendments.values() for amendment in group],
        "allowed": allowed,
        "transitions": transitions_of(decision),
        "forms": built,
    }
    return render(request, "decisions/decision_detail.html", context, status=status)


def _form_page(request, form, decision=None, status=200) -> HttpResponse:
    context = {"form": form, "decision": decision, "decided": decision is not None and decision.status not in EDITABLE}
    return render(request, "decisions/decision_form.html", context, status=status)


# --- pages ------------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET"])
def decision_list(request: HttpRequest) -> HttpResponse:
    decisions = selectors.decision_list(user=request.user)
    decision_filter = DecisionListFilter(request.GET, queryset=decisions, request=request)
    if wants_xlsx(request):
        return decision_list_xlsx(decision_filter)
    page = CachedCountPaginator(decision_filter.qs, 50).get_page(request.GET.get("page"))
    context = {"filter": decision_filter, "page": page, "can_create": may_register(request.user)}
    return render(request, "decisions/decision_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def decision_create(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    initial = {"school": request.GET.get("school"), "matter_type": request.GET.get("matter_type")}
    form = DecisionForm(data, user=request.user, initial=initial)
    if not form.can_create:
        return forbidden(request, NotAllowedError("您没有登记决策事项的权限。"))
    if data is None:
        return _form_page(request, form)
    if form.is_valid():
        try:
            decision = services.decision_create(user=request.user, **form.cleaned_data)
        except PermissionDenied as exc:
            return forbidden(request, exc)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "决策事项已登记（拟议）。")
            return redirect("decision_detail", pk=decision.pk)
    return _form_page(request, form, status=400)


@login_required
@require_http_methods(["GET"])
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return decision_page(request, pk)


@login_required
@require_http_methods(["GET", "POST"])
def decision_edit(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_decision(request, pk)
    if not can_edit_school_records(request.user, decision.school):
        return forbidden(request, NotAllowedError(EDIT_DENIED))
    data = request.POST if request.method == "POST" else None
    form = DecisionForm(data, user=request.user, decision=decision)
    if decision.status not in EDITABLE:  # decided: the page points to amendments instead
        messages.error(request, DECIDED_MESSAGE)
        return _form_page(request, form, decision, status=409)
    if data is None:
        return _form_page(request, form, decision)
    if form.is_valid():
        try:
            services.decision_update(user=request.user, decision=decision, **form.cleaned_data)
        except PermissionDenied as exc:
            return forbidden(request, exc)
        except ValidationError as exc:
            errors_to_form(form, exc)
            return _form_page(request, form, decision, status=409 if isinstance(exc, RecordFinalisedError) else 400)
        messages.success(request, "决策事项已保存。")
        return redirect("decision_detail", pk=pk)
    return _form_page(request, form, decision, status=400)


def _action(request: HttpRequest, pk: int, name: str, make_form: Callable, service: Callable, success: str):
    """One lifecycle step posted from the decision page; its errors are shown in its own form there."""
    decision = get_decision(request, pk)
    form = make_form(decision)
    return submit(
        request,
        form=form,
        service=service,
        again=lambda status: decision_page(request, pk, forms={name: form}, status=status),
        success=success,
        done=decision,
        school=None if name == "amend" else decision.school,  # amendments: the service asks for the pair
        decision=decision,
    )


@login_required
@require_POST
def decision_transition(request: HttpRequest, pk: int) -> HttpResponse:
    def form(decision):
        return TransitionForm(request.POST)

    return _action(request, pk, "transition", form, services.decision_transition, "事项状态已变更。")


@login_required
@require_POST
def decision_link_item(request: HttpRequest, pk: int) -> HttpResponse:
    def form(decision):
        return LinkItemForm(request.POST, user=request.user, decision=decision)

    return _action(request, pk, "link_item", form, services.decision_link_agenda_item, "已关联会议议题。")


@login_required
@require_POST
def decision_decide(request: HttpRequest, pk: int) -> HttpResponse:
    def form(decision):
        return DecideForm(request.POST, user=request.user, decision=decision)

    return _action(request, pk, "decide", form, services.decision_decide, "已登记决策结果。")


@login_required
@require_POST
def consultation_add(request: HttpRequest, pk: int) -> HttpResponse:
    def form(decision):
        return ConsultationForm(request.POST, decision=decision)

    return _action(request, pk, "consultation", form, services.consultation_add, "已登记征询意见。")


@login_required
@require_POST
def legal_review_add(request: HttpRequest, pk: int) -> HttpResponse:
    def form(decision):
        return LegalReviewForm(request.POST)

    return _action(request, pk, "legal_review", form, services.legal_review_add, "已登记合法性审查。")


@login_required
@require_POST
def decision_amend(request: HttpRequest, pk: int) -> HttpResponse:
    def form(decision):
        return AmendmentForm(request.POST)

    return _action(request, pk, "amend", form, services.decision_amend, "更正记录已保存，显示在原记录旁。")


@login_required
@require_POST
def implementation_report_add(request: HttpRequest, pk: int) -> HttpResponse:
    def form(decision):
        return ImplementationReportForm(request.POST, user=request.user, decision=decision)

    return _action(
        request, pk, "report", form, services.implementation_report_add, "已登记校长向党组织报告决议执行情况。"
    )
