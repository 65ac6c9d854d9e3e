"""执行情况报告: the principal reports the implementation of a major resolution to the 党组织 (意见; REPORT_BACK).
A 三重一大 decision is closed only once such a report is recorded."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.errors import RecordFinalisedError
from core.hooks import recheck_school
from core.models import User
from meetings.models import AgendaItem
from schools.choices import MeetingBody
from schools.models import Person

from ..choices import DecisionStatus
from ..models import Decision, ImplementationReport
from ._common import lock, require_edit

REPORTABLE = (DecisionStatus.DECIDED, DecisionStatus.IMPLEMENTING)


@transaction.atomic
def implementation_report_add(
    *,
    user: User,
    decision: Decision,
    reported_on: date,
    reporter: Person,
    summary: str,
    item: AgendaItem | None = None,
) -> ImplementationReport:
    """Record the principal's report on the decision's implementation, optionally at a 党组织会议 item."""
    require_edit(user, decision.school)
    decision = lock(decision)
    if decision.status == DecisionStatus.CLOSED:
        raise RecordFinalisedError("事项已办结，不能再登记执行情况报告；如需更正，请提交更正记录。")
    if decision.status not in REPORTABLE:
        raise ValidationError("只有已决策或落实中的事项可以登记执行情况报告。")
    if reported_on > timezone.localdate():
        raise ValidationError({"reported_on": "报告日期不能晚于今天。"})
    if decision.decided_on is not None and reported_on < decision.decided_on:
        raise ValidationError({"reported_on": "报告日期不能早于决策日期。"})
    if item is not None:
        meeting = item.meeting
        if meeting.school_id != decision.school_id or meeting.body != MeetingBody.PARTY_COMMITTEE:
            raise ValidationError({"item": "只能关联本校党组织会议的议题。"})
    if not summary.strip():
        raise ValidationError({"summary": "请填写报告内容。"})
    report = ImplementationReport(
        decision=decision, reported_on=reported_on, reporter=reporter, item=item, summary=summary.strip()
    )
    report.full_clean()
    report.save()
    decision.save(update_fields=["updated_at"])  # reports are part of the decision's record (ETag, sync)
    recheck_school(decision.school_id)
    return report
