"""Agenda items: the 会前沟通 gate, votes and recusals, and the result computed from them."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from simple_history.utils import bulk_create_with_history

from core.hooks import recheck_school
from core.models import User
from schools.choices import MeetingBody
from schools.models import Person
from schools.selectors import policy_in_force

from ..choices import (
    PRE_COMMUNICATION_CATEGORIES,
    SANZHONG_YIDA_CATEGORIES,
    AttendanceKind,
    AttendanceStatus,
    CommunicationOutcome,
    ItemResult,
    MatterCategory,
    MeetingStatus,
    VoteChoice,
)
from ..models import AgendaItem, Communication, Meeting, Recusal, Vote
from ..roster import roster_counts
from ..rules.agenda import impromptu_allowed, meeting_start
from ..rules.voting import decides_by_vote, principal_result, quorum_met, quorum_needed, voted_result
from ._common import require_edit
from .meetings import lock_meeting, touch_meeting

GATE_MESSAGE = (
    "三重一大和重要事项议题提交党组织会议前，须有书记校长已确认且达成共识的会前沟通记录；"
    "确需上会的，须由会议主持人填写书面说明。"
)
DISAGREEMENT_MESSAGE = "书记校长就该议题的最近一次沟通存在分歧，应暂缓上会；确需上会的，须由会议主持人填写书面说明。"


def _validate_pre_communications(meeting: Meeting, communications: list[Communication]) -> None:
    start = meeting_start(meeting.date, meeting.start_time)
    for communication in communications:
        if communication.school_id != meeting.school_id:
            raise ValidationError({"pre_communications": "会前沟通须为本校的沟通记录。"})
        if communication.occurred_at >= start:
            hint = "" if meeting.start_time else "（会议未登记开始时间，沟通须早于会议当天）"
            raise ValidationError({"pre_communications": f"沟通“{communication.subject}”不在会议开始之前{hint}。"})


def _apply_gate(
    *, user: User, meeting: Meeting, category: str, communications, override_reason: str, override_is_new: bool
) -> None:
    """会前沟通 gate: a 三重一大 item reaches a 党组织会议 only after a confirmed consensus of the pair.

    The chair may override it with a written reason, which is kept on the item (and raised as a finding).
    """
    if override_is_new and override_reason and (user.person_id is None or user.person_id != meeting.chair_id):
        raise ValidationError({"gate_override_reason": "只有会议主持人可以填写上会说明。"})
    if override_reason:
        return
    latest = max(communications, key=lambda c: (c.occurred_at, c.pk), default=None)
    if latest is not None and latest.outcome == CommunicationOutcome.DISAGREEMENT:
        raise ValidationError({"pre_communications": DISAGREEMENT_MESSAGE})
    if meeting.body != MeetingBody.PARTY_COMMITTEE or category not in PRE_COMMUNICATION_CATEGORIES:
        return
    if not any(c.is_confirmed and c.outcome == CommunicationOutcome.CONSENSUS for c in communications):
        raise ValidationError({"pre_communications": GATE_MESSAGE})


IMPROMPTU_SANZHONG_YIDA = "三重一大事项不得作为临时动议提出，须随会议通知和材料提前送达参会人员。"
IMPROMPTU_NO_CONSENT = "临时动议须经会议主持人同意，请登记主持人已同意。"
LEAD_NOT_MEMBER = "分管领导须为本次会议的应到成员。"


def _validate_agenda_entry(*, meeting: Meeting, item: AgendaItem, lead_changed: bool) -> None:
    """How the item reaches the agenda: a 临时动议 needs the chair's consent and is never 三重一大 (AGENDA_NOTICE);
    the 分管领导 is one of the meeting's 应到 members (ABSENT_LEAD)."""
    if not item.added_at_meeting:
        item.chair_consented = False  # consent is recorded for 临时动议 only
    elif not impromptu_allowed(category=item.category, chair_consented=item.chair_consented):
        if item.category in SANZHONG_YIDA_CATEGORIES:
            raise ValidationError({"added_at_meeting": IMPROMPTU_SANZHONG_YIDA})
        raise ValidationError({"chair_consented": IMPROMPTU_NO_CONSENT})
    if lead_changed and item.lead_member_id is not None:
        expected = meeting.attendance.filter(kind=AttendanceKind.MEMBER, person_id=item.lead_member_id)
        if not expected.exists():
            raise ValidationError({"lead_member": LEAD_NOT_MEMBER})


def _prepare(*, user: User, meeting: Meeting, communications) -> tuple[Meeting, list[Communication] | None]:
    require_edit(user, meeting.school)
    meeting = lock_meeting(meeting)
    if communications is not None:
        # Re-read: the gate must judge the stored confirmation and outcome, not a caller's copy.
        communications = list(Communication.objects.filter(pk__in=[c.pk for c in communications]))
        _validate_pre_communications(meeting, communications)
    return meeting, communications


@transaction.atomic
def agenda_item_create(
    *,
    user: User,
    meeting: Meeting,
    title: str,
    category: str,
    proposer: Person | None = None,
    touches_staff_interests: bool = False,
    pre_communications: Iterable[Communication] = (),
    gate_override_reason: str = "",
    is_confidential: bool | None = None,
    order: int | None = None,
    lead_member: Person | None = None,
    added_at_meeting: bool = False,
    chair_consented: bool = False,
) -> AgendaItem:
    meeting, communications = _prepare(user=user, meeting=meeting, communications=pre_communications)
    override = gate_override_reason.strip()
    _apply_gate(
        user=user,
        meeting=meeting,
        category=category,
        communications=communications,
        override_reason=override,
        override_is_new=True,
    )
    if order is None:
        order = (meeting.items.aggregate(last=Max("order"))["last"] or 0) + 1
    item = AgendaItem(
        meeting=meeting,
        order=order,
        title=title.strip(),
        proposer=proposer,
        category=category,
        touches_staff_interests=touches_staff_interests,
        is_confidential=category == MatterCategory.PERSONNEL if is_confidential is None else is_confidential,
        gate_override_reason=override,
        lead_member=lead_member,
        added_at_meeting=added_at_meeting,
        chair_consented=chair_consented,
    )
    _validate_agenda_entry(meeting=meeting, item=item, lead_changed=True)
    item.full_clean()
    item.save()
    item.pre_communications.set(communications)
    touch_meeting(item.meeting_id)
    recheck_school(item.meeting.school_id)
    return item


@transaction.atomic
def agenda_item_update(*, user: User, item: AgendaItem, **changes) -> AgendaItem:
    communications = changes.pop("pre_communications", None)
    meeting, communications = _prepare(user=user, meeting=item.meeting, communications=communications)
    item = AgendaItem.objects.get(pk=item.pk)
    old_override, old_lead = item.gate_override_reason, item.lead_member_id
    for field, value in changes.items():
        setattr(item, field, value.strip() if isinstance(value, str) else value)
    _apply_gate(
        user=user,
        meeting=meeting,
        category=item.category,
        communications=communications if communications is not None else list(item.pre_communications.all()),
        override_reason=item.gate_override_reason,
        override_is_new=item.gate_override_reason != old_override,
    )
    _validate_agenda_entry(meeting=meeting, item=item, lead_changed=item.lead_member_id != old_lead)
    if item.result in (ItemResult.PASSED, ItemResult.REJECTED):
        item.result = _result_of(item)
    item.full_clean()
    item.save()
    if communications is not None:
        item.pre_communications.set(communications)
    touch_meeting(item.meeting_id)
    recheck_school(item.meeting.school_id)
    return item


def _result_of(item: AgendaItem) -> str:
    """The result the item's stored votes give under the rules, with the meeting's roster as it is now; at a
    校长办公会 the principal's decision (the members' 表态 are counted nowhere)."""
    if not decides_by_vote(item.meeting.body):
        return principal_result(item.principal_decision) if item.principal_decision else item.result
    expected, present = roster_counts(item.meeting)
    return voted_result(
        body=item.meeting.body,
        category=item.category,
        expected=expected,
        present=present,
        recused=item.recusals.count(),
        votes_for=item.votes_for or 0,
        policy=policy_in_force(school=item.meeting.school, on=item.meeting.date),
    )


def _validated_votes(item, present: dict[int, Person], recused: set[int], votes, totals) -> tuple[int, int, int]:
    if (votes is None) == (totals is None):
        raise ValidationError("请按人登记表决意见，或只填写赞成、反对、弃权票数合计，二者选其一。")
    eligible = len(set(present) - recused)
    if totals is not None:
        if any(n is None or n < 0 for n in totals):
            raise ValidationError("票数须为不小于 0 的整数。")
        if sum(totals) > eligible:
            raise ValidationError(f"票数合计（{sum(totals)}）超过可参加表决的人数（{eligible}）。")
        return tuple(totals)
    errors = []
    for person_id, choice in votes.items():
        if person_id in recused:
            errors.append(f"{present.get(person_id, '该成员')}已申请回避，不能参加表决。")
        elif person_id not in present:
            errors.append("只有出席会议的应到成员可以表决，列席、缺席或请假人员不能表决。")
        elif choice not in VoteChoice.values:
            errors.append(f"{present[person_id]}的表决意见无效。")
    if errors:
        raise ValidationError(errors)
    choices = list(votes.values())
    return choices.count(VoteChoice.FOR), choices.count(VoteChoice.AGAINST), choices.count(VoteChoice.ABSTAIN)


@transaction.atomic
def agenda_item_record_votes(
    *,
    user: User,
    item: AgendaItem,
    votes: dict[int, str] | None = None,
    totals: tuple[int, int, int] | None = None,
    recusals: dict[int, str] | None = None,
    secretary_spoke_last: bool | None = None,
    claimed_result: str | None = None,
) -> AgendaItem:
    """Record the votes (per member or as totals) and recusals; the result is computed, never chosen.

    At a voting body (党组织会议, 党政联席会, 教代会) the result is `voted_result`. A 校长办公会 does not vote
    (意见 (六)): what is posted there is kept as the members' 表态 (views, counted nowhere) and the result is not
    computed from it: it stays 待决定 until the principal's decision is recorded, and follows that decision after
    (`agenda_item_record_principal_decision`); a claimed result is not compared there.
    """
    require_edit(user, item.meeting.school)
    meeting = lock_meeting(item.meeting)
    item = AgendaItem.objects.select_related("meeting").get(pk=item.pk)
    if meeting.status == MeetingStatus.PREPARING:
        raise ValidationError("会议召开并登记出席情况后，才能登记表决。")
    members = list(meeting.attendance.filter(kind=AttendanceKind.MEMBER).select_related("person"))
    present = {a.person_id: a.person for a in members if a.status == AttendanceStatus.PRESENT}
    member_ids = {a.person_id for a in members}
    expected_n, present_n = roster_counts(meeting)
    recusals = recusals or {}
    if set(recusals) - member_ids:
        raise ValidationError("只有本次会议的应到成员可以申请回避。")
    if any(not reason.strip() for reason in recusals.values()):
        raise ValidationError("请填写回避事由。")
    policy = policy_in_force(school=meeting.school, on=meeting.date)
    rules = {"body": meeting.body, "category": item.category, "policy": policy}
    if not quorum_met(expected=expected_n, present=present_n, **rules):
        needed = quorum_needed(**rules)
        raise ValidationError(
            f"应到 {expected_n} 人，实到 {present_n} 人，未达到应到人数{needed}，会议不能对本议题作出决定；"
            "可将议题暂缓。"
        )
    if meeting.body == MeetingBody.PARTY_COMMITTEE and secretary_spoke_last is None:
        raise ValidationError({"secretary_spoke_last": "党组织会议须登记书记是否末位表态。"})
    counts = _validated_votes(item, present, set(recusals), votes, totals)
    item.votes_for, item.votes_against, item.votes_abstain = counts
    item.secretary_spoke_last = secretary_spoke_last
    if decides_by_vote(meeting.body):
        item.deferral_reason = ""
        item.result = voted_result(
            expected=expected_n, present=present_n, recused=len(recusals), votes_for=counts[0], **rules
        )
        if claimed_result is not None and claimed_result != item.result:
            raise ValidationError(
                {"result": f"根据表决票数，本议题的结果应为“{ItemResult(item.result).label}”，不能登记为其他结果。"}
            )
    else:
        item.result = principal_result(item.principal_decision)
        if item.result != ItemResult.DEFERRED:
            item.deferral_reason = ""
    item.save()
    item.votes.all().delete()
    item.recusals.all().delete()
    if votes is not None:
        bulk_create_with_history(
            [Vote(item=item, person_id=pid, choice=choice) for pid, choice in votes.items()], Vote, default_user=user
        )
    bulk_create_with_history(
        [Recusal(item=item, person_id=pid, reason=r.strip()) for pid, r in recusals.items()], Recusal, default_user=user
    )
    touch_meeting(item.meeting_id)
    recheck_school(item.meeting.school_id)
    return item


@transaction.atomic
def agenda_item_defer(*, user: User, item: AgendaItem, reason: str) -> AgendaItem:
    """暂缓: the meeting does not decide the item (e.g. the pair still disagrees)."""
    require_edit(user, item.meeting.school)
    lock_meeting(item.meeting)
    if not reason.strip():
        raise ValidationError({"deferral_reason": "请填写暂缓原因。"})
    item = AgendaItem.objects.get(pk=item.pk)
    item.votes.all().delete()
    item.result = ItemResult.DEFERRED
    item.principal_decision = ""  # the meeting did not take the item up; not the principal's 暂缓
    item.deferral_reason = reason.strip()
    item.votes_for = item.votes_against = item.votes_abstain = None
    item.save()
    touch_meeting(item.meeting_id)
    recheck_school(item.meeting.school_id)
    return item
