"""校长办公会: the principal decides an item after hearing the members' views (意见 (六)); no vote is counted."""

from django.core.exceptions import ValidationError
from django.db import transaction

from core.hooks import recheck_school
from core.models import User
from schools.selectors import policy_in_force

from ..choices import MeetingStatus, PrincipalDecision
from ..models import AgendaItem
from ..roster import roster_counts
from ..rules.voting import decides_by_vote, principal_result, quorum_met, quorum_needed
from ._common import require_edit
from .meetings import lock_meeting, touch_meeting

REASON_MAX = AgendaItem._meta.get_field("deferral_reason").max_length
NOT_PRINCIPAL_OFFICE = "只有校长办公会的议题由校长听取意见后决定；党组织会议、党政联席会和教代会的议题请登记表决。"


@transaction.atomic
def agenda_item_record_principal_decision(
    *, user: User, item: AgendaItem, principal_decision: str, views_heard: str, reason: str = ""
) -> AgendaItem:
    """Record the views heard and the principal's decision (同意 / 不同意 / 暂缓) on a 校长办公会 item.

    The item's result follows the decision (`PRINCIPAL_DECISION_RESULT`); votes posted earlier stay as the members'
    表态 and are counted nowhere. 同意 and 不同意 decide the item, so the meeting must be quorate (`quorum_met`);
    暂缓 decides nothing (like `agenda_item_defer`) and needs a reason.
    """
    require_edit(user, item.meeting.school)
    meeting = lock_meeting(item.meeting)
    item = AgendaItem.objects.select_related("meeting").get(pk=item.pk)
    if decides_by_vote(meeting.body):
        raise ValidationError(NOT_PRINCIPAL_OFFICE)
    if meeting.status != MeetingStatus.HELD:
        raise ValidationError("会议召开并登记出席情况后，才能登记校长决定。")
    errors = {}
    if principal_decision not in PrincipalDecision.values:
        errors["principal_decision"] = "请选择校长决定：同意、不同意或暂缓。"
    views = (views_heard or "").strip()
    if not views:
        errors["views_heard"] = "请填写校长作出决定前听取的与会人员意见。"
    reason = (reason or "").strip()
    if principal_decision == PrincipalDecision.DEFER and not reason:
        errors["deferral_reason"] = "校长决定暂缓的，请填写暂缓原因。"
    elif len(reason) > REASON_MAX:
        errors["deferral_reason"] = f"暂缓原因不能超过 {REASON_MAX} 个字。"
    if errors:
        raise ValidationError(errors)
    if principal_decision != PrincipalDecision.DEFER:
        expected, present = roster_counts(meeting)
        policy = policy_in_force(school=meeting.school, on=meeting.date)
        rules = {"body": meeting.body, "category": item.category, "policy": policy}
        if not quorum_met(expected=expected, present=present, **rules):
            raise ValidationError(
                f"应到 {expected} 人，实到 {present} 人，未达到应到人数{quorum_needed(**rules)}，"
                "校长办公会不能对本议题作出决定；可决定暂缓。"
            )
    item.principal_decision = principal_decision
    item.views_heard = views
    item.result = principal_result(principal_decision)
    item.deferral_reason = reason if principal_decision == PrincipalDecision.DEFER else ""
    item.save()
    touch_meeting(item.meeting_id)
    recheck_school(meeting.school_id)
    return item
