"""Decisions from proposal to decision: classification, transitions, the deciding agenda item, consultations
and legal reviews. Only legal transitions are possible; each one is recorded with who and when."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.errors import RecordFinalisedError
from core.hooks import recheck_school
from core.models import Amendment, User
from core.services import amendment_create
from meetings.choices import ItemResult
from meetings.models import AgendaItem, Communication
from schools.choices import MeetingBody
from schools.models import Person, School
from schools.selectors import policy_in_force

from ..choices import SANZHONG_YIDA_CATEGORIES, DecisionStatus, Outcome, Tier
from ..classification import check_same_matter, classify
from ..models import Consultation, Decision, LegalReview, MatterType
from ..rules.matters import EmergencyDecision, LegalReviewRule
from ._common import lock, record_transition, require_edit

S = DecisionStatus
EDITABLE = (S.DRAFT, S.COMMUNICATING, S.ON_AGENDA)
EMERGENCY_REASON_MAX = 200  # the reason is kept in the transition's note (300 characters with the name)
# Transitions a user asks for directly; deciding, implementing and closing have their own services.
MANUAL_TRANSITIONS = {
    (S.DRAFT, S.COMMUNICATING): "开始书记校长沟通",
    (S.COMMUNICATING, S.ON_AGENDA): "提交会议研究",
    (S.DECIDED, S.COMMUNICATING): "暂缓后再沟通",
}


def _same_school(school: School, records: Iterable, label: str) -> list:
    records = list(records)
    if any(record.school_id != school.pk for record in records):
        raise ValidationError({label: "只能关联本校的记录。"})
    return records


@transaction.atomic
def decision_create(
    *,
    user: User,
    school: School,
    title: str,
    category: str | None = None,
    tier: str | None = None,
    description: str = "",
    amount: Decimal | None = None,
    matter_type: MatterType | None = None,
    responsible_leaders: Iterable[Person] = (),
    communications: Iterable[Communication] = (),
    same_matter_as: Decision | None = None,
) -> Decision:
    """Create a proposal (拟议). A 事项清单 entry suggests the category and tier when they are not given; a part
    of a matter split across decisions names the matter's first decision (`same_matter_as`)."""
    require_edit(user, school)
    if matter_type is not None:
        category = category or matter_type.category
        tier = tier or matter_type.tier
    if not category or not tier:
        raise ValidationError({"category": "请选择事项类别和决策层级，或选择事项清单中的事项。"})
    check_same_matter(school=school, decision=None, target=same_matter_as)
    category, tier = classify(
        school=school,
        on=timezone.localdate(),
        category=category,
        tier=tier,
        amount=amount,
        same_matter_as=same_matter_as,
    )
    decision = Decision(
        school=school,
        title=title.strip(),
        description=description.strip(),
        category=category,
        tier=tier,
        amount=amount,
        matter_type=matter_type,
        same_matter_as=same_matter_as,
        created_by=user,
    )
    decision.full_clean()
    decision.save()
    decision.responsible_leaders.set(responsible_leaders)
    decision.communications.set(_same_school(school, communications, "communications"))
    record_transition(decision, user=user, from_status="", note="拟议")
    recheck_school(decision.school_id)
    return decision


@transaction.atomic
def decision_update(*, user: User, decision: Decision, **changes) -> Decision:
    """Edit a decision before it is decided; afterwards only amendments."""
    require_edit(user, decision.school)
    decision = lock(decision)
    if decision.status not in EDITABLE:
        raise RecordFinalisedError("决策事项已作出决定，不能修改；如需更正，请提交更正记录。")
    leaders = changes.pop("responsible_leaders", None)
    communications = changes.pop("communications", None)
    if "same_matter_as" in changes:
        check_same_matter(school=decision.school, decision=decision, target=changes["same_matter_as"])
    for field, value in changes.items():
        setattr(decision, field, value.strip() if isinstance(value, str) else value)
    decision.category, decision.tier = classify(
        school=decision.school,
        on=timezone.localdate(),
        category=decision.category,
        tier=decision.tier,
        amount=decision.amount,
        decision=decision,
        same_matter_as=decision.same_matter_as,
    )
    decision.full_clean()
    decision.save()
    if leaders is not None:
        decision.responsible_leaders.set(leaders)
    if communications is not None:
        decision.communications.set(_same_school(decision.school, communications, "communications"))
    recheck_school(decision.school_id)
    return decision


@transaction.atomic
def decision_transition(*, user: User, decision: Decision, to_status: str, note: str = "") -> Decision:
    require_edit(user, decision.school)
    decision = lock(decision)
    step = (decision.status, to_status)
    if step not in MANUAL_TRANSITIONS:
        target = S(to_status).label if to_status in S.values else to_status
        raise ValidationError(f"不能从“{S(decision.status).label}”直接变更为“{target}”。")
    if step == (S.DECIDED, S.COMMUNICATING) and decision.outcome != Outcome.DEFERRED:
        raise ValidationError("只有暂缓的事项可以重新沟通。")
    if step == (S.COMMUNICATING, S.ON_AGENDA) and not decision.agenda_items.exists():
        raise ValidationError("请先将事项关联到会议议题。")
    previous = decision.status
    decision.status = to_status
    if step == (S.DECIDED, S.COMMUNICATING):
        decision.outcome, decision.decided_on, decision.deciding_item = "", None, None
    decision.save()
    record_transition(decision, user=user, from_status=previous, note=note or MANUAL_TRANSITIONS[step])
    recheck_school(decision.school_id)
    return decision


@transaction.atomic
def decision_link_agenda_item(*, user: User, decision: Decision, item: AgendaItem) -> Decision:
    """Add an agenda item to the decision chain; a party-committee item puts the matter 已上会."""
    require_edit(user, decision.school)
    decision = lock(decision)
    if item.meeting.school_id != decision.school_id:
        raise ValidationError({"item": "只能关联本校会议的议题。"})
    decision.agenda_items.add(item)
    if decision.status in (S.DRAFT, S.COMMUNICATING) and item.meeting.body in (
        MeetingBody.PARTY_COMMITTEE,
        MeetingBody.JOINT,
    ):
        previous, decision.status = decision.status, S.ON_AGENDA
        decision.save()
        record_transition(decision, user=user, from_status=previous, note=f"列入{item.meeting}议题")
    else:
        decision.save(update_fields=["updated_at"])  # the chain changed: new ETag, picked up by `updated_since`
    recheck_school(decision.school_id)
    return decision


def _check_legal_review(decision: Decision, on: date, *, is_emergency: bool) -> None:
    """LEGAL_REVIEW: the latest review dated on or before the decision day must exist and not be 不合法."""
    policy = policy_in_force(school=decision.school, on=on)
    refusal = LegalReviewRule.refusal(decision=decision, on=on, is_emergency=is_emergency, policy=policy)
    if refusal:
        raise ValidationError(refusal)


def _decide_collectively(decision: Decision, item: AgendaItem | None) -> tuple[str, date]:
    if item is None or not decision.agenda_items.filter(pk=item.pk).exists():
        raise ValidationError({"item": "集体讨论的事项须根据已关联的会议议题作出决定。"})
    if item.result == ItemResult.PENDING:
        raise ValidationError({"item": "该议题尚未表决。"})
    if decision.category in SANZHONG_YIDA_CATEGORIES and item.meeting.body != MeetingBody.PARTY_COMMITTEE:
        raise ValidationError({"item": "三重一大事项须由党组织会议讨论决定，校长办公会只能研究提出或部署落实。"})
    return item.result, item.meeting.date


def _decide_in_emergency(
    decision: Decision, decided_by: Person | None, decided_on: date | None, reason: str
) -> tuple[str, date]:
    """EMERGENCY_DECISION: the secretary or principal decided alone, on a date, for a recorded reason."""
    if decided_on is None or decided_on > timezone.localdate():
        raise ValidationError({"decided_on": "请填写临机决定的日期（不能晚于今天）。"})
    if decided_by is None:
        raise ValidationError({"decided_by": "紧急情况临机决定须登记作出决定的书记或校长。"})
    if not EmergencyDecision.may_decide_alone(person=decided_by, school=decision.school, on=decided_on):
        raise ValidationError({"decided_by": "紧急情况下只能由本校书记或校长临机决定。"})
    if not reason:
        raise ValidationError({"emergency_reason": "请填写紧急情况及临机决定的理由。"})
    if len(reason) > EMERGENCY_REASON_MAX:
        raise ValidationError({"emergency_reason": f"临机决定理由不能超过 {EMERGENCY_REASON_MAX} 字。"})
    return Outcome.PASSED, decided_on


@transaction.atomic
def decision_decide(
    *,
    user: User,
    decision: Decision,
    item: AgendaItem | None = None,
    decided_by: Person | None = None,
    decided_on: date | None = None,
    is_emergency: bool = False,
    emergency_reason: str = "",
) -> Decision:
    """已决策: collective matters from their agenda item's computed result; a 中事 after consultation;
    a 小事 by the responsible leader; in an emergency (`is_emergency`) the secretary or principal alone, for a
    recorded reason, reported at the next 党组织会议 afterwards (EMERGENCY_DECISION)."""
    require_edit(user, decision.school)
    decision = lock(decision)
    if decision.status not in EDITABLE:
        raise RecordFinalisedError("该事项已作出决定。")
    reason = emergency_reason.strip()
    if is_emergency:
        outcome, on = _decide_in_emergency(decision, decided_by, decided_on, reason)
        item = None
    elif decision.tier == Tier.COLLECTIVE:
        outcome, on = _decide_collectively(decision, item)
    else:
        if decided_on is None or decided_on > timezone.localdate():
            raise ValidationError({"decided_on": "请填写决策日期（不能晚于今天）。"})
        on, outcome = decided_on, Outcome.PASSED
        if decision.tier == Tier.CONSULT and not decision.consultations.filter(consulted_on__lte=on).exists():
            raise ValidationError("中事须先征询意见并登记，再作决定。")
        if decision.tier == Tier.AUTONOMOUS and decided_by is None:
            raise ValidationError({"decided_by": "小事自主决策须登记决定人。"})
    _check_legal_review(decision, on, is_emergency=is_emergency)
    previous = decision.status
    decision.status, decision.outcome, decision.decided_on = S.DECIDED, outcome, on
    decision.is_emergency = is_emergency
    decision.deciding_item = item if decision.tier == Tier.COLLECTIVE else None
    decision.decided_by = decided_by if is_emergency or decision.tier != Tier.COLLECTIVE else None
    decision.save()
    note = f"决策结果：{Outcome(outcome).label}"
    if is_emergency:
        note = f"紧急情况临机决定（{decided_by.name}）：{reason}"
    record_transition(decision, user=user, from_status=previous, note=note)
    recheck_school(decision.school_id)
    return decision


@transaction.atomic
def consultation_add(*, user: User, decision: Decision, person: Person, consulted_on: date, opinion: str):
    require_edit(user, decision.school)
    decision = lock(decision)
    if decision.status not in EDITABLE:
        raise RecordFinalisedError("事项已作出决定，不能再补充征询意见。")
    if consulted_on > timezone.localdate():
        raise ValidationError({"consulted_on": "征询日期不能晚于今天。"})
    if not opinion.strip():
        raise ValidationError({"opinion": "请填写征询到的意见。"})
    return Consultation.objects.create(decision=decision, person=person, consulted_on=consulted_on, opinion=opinion)


@transaction.atomic
def legal_review_add(
    *, user: User, decision: Decision, reviewer: str, reviewed_on: date, conclusion: str, note: str = ""
) -> LegalReview:
    require_edit(user, decision.school)
    decision = lock(decision)
    if decision.status not in EDITABLE:
        raise RecordFinalisedError("事项已作出决定，不能再补充合法性审查。")
    if reviewed_on > timezone.localdate():
        raise ValidationError({"reviewed_on": "审查日期不能晚于今天。"})
    review = LegalReview(
        decision=decision, reviewer=reviewer.strip(), reviewed_on=reviewed_on, conclusion=conclusion, note=note
    )
    review.full_clean()
    review.save()
    decision.save(update_fields=["updated_at"])  # reviews are part of the decision's record (ETag, sync)
    recheck_school(decision.school_id)
    return review


def decision_amend(*, user: User, decision: Decision, correction: str, reason: str) -> Amendment:
    decision = Decision.objects.select_related("school").get(pk=decision.pk)
    return amendment_create(
        user=user,
        target=decision,
        school=decision.school,
        is_final=decision.status not in EDITABLE,
        field_label="决策事项",
        correction=correction,
        reason=reason,
    )
