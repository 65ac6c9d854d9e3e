"""Breaches the nightly check caught and the school then fixed, replayed through the services.

Each story runs after the routine rows are written, with the clock set to each step: the check of that night
(which opens the finding), the fix through the service a user would have used, and the signature of the minutes
once the record is right. The final check of `seed_demo` then resolves the finding.
"""

from datetime import date, timedelta

from decisions.models import ImplementationReport
from decisions.services import decision_close, decision_link_agenda_item, task_add_progress, task_complete
from meetings.choices import CommunicationCategory, CommunicationOutcome, CommunicationTiming
from meetings.models import AgendaItem, Communication, Deliberation
from meetings.services import (
    agenda_item_defer,
    agenda_item_record_votes,
    agenda_item_update,
    communication_confirm,
    communication_create,
    meeting_finalise,
    meeting_set_minutes,
    meeting_update,
)
from schools.choices import MeetingBody
from schools.models import Person

from .base import Demo, Pair, workday_before, working_days_after
from .matters import Matter
from .sessions import Session, item_minutes

CHECKED = {
    "spoke_first_fixed": "SECRETARY_LAST",
    "gate_override_fixed": "GATE_OVERRIDE",
    "disagreement_deferred": "DISAGREEMENT_FORCED",
    "disagreement_relogged": "DISAGREEMENT_FORCED",
    "deliberation_late": "PERSONNEL_DELIBERATION",
    "staff_unlinked": "STAFF_CONGRESS",
}
RELOGGED = "书记、校长再次沟通，对资金来源和分步实施方案达成一致，同意提交党组织会议讨论决定。（补录）"
DEFERRAL = "会前沟通仍存在分歧，按“先共识、后决策”暂缓，待书记校长再沟通后重新上会"


def link_talk(demo: Demo, office: Session, item: AgendaItem, talk: Communication, pair: Pair) -> None:
    """The clerk forgot to link the pair's talk to the proposal; the check flags it and she links it."""
    school, day, clerk = office.meeting.school, office.day, office.clerk

    def story() -> None:
        demo.check(school, day, 22, "PRE_COMMUNICATION")
        with demo.at(day + timedelta(days=1), 9):
            agenda_item_update(user=clerk, item=item, pre_communications=[talk])
        with demo.at(day + timedelta(days=2), 17, 30):
            meeting_finalise(user=pair.principal_user, meeting=office.meeting)
        demo.check(school, day + timedelta(days=3), 1, "PRE_COMMUNICATION")

    demo.story(demo.moment(day, 22), story)


def fix_party_item(
    demo: Demo,
    party: Session,
    item: AgendaItem,
    talk: Communication,
    pair: Pair,
    kind: str,
    *,
    matter: Matter,
    congress: AgendaItem | None = None,
) -> None:
    """A party-meeting item flagged by the check and put right before the minutes are signed: the clerk's
    wrong 末位表态 entry, the chair's written note once the talk is confirmed, a vote withdrawn (暂缓), the
    consensus talk logged late, the 酝酿 registered late, or the 教代会's item linked late."""
    school, day, clerk = party.meeting.school, party.day, party.clerk
    next_day = day + timedelta(days=1)
    checked = day - timedelta(days=2) if kind == "disagreement_relogged" else day  # the night it was tabled

    def story() -> None:
        demo.check(school, checked, 22, CHECKED[kind])
        if kind == "spoke_first_fixed":
            votes = dict(item.votes.values_list("person_id", "choice"))
            with demo.at(next_day, 10):
                agenda_item_record_votes(user=clerk, item=item, votes=votes, secretary_spoke_last=True)
        elif kind == "gate_override_fixed":
            with demo.at(next_day, 8, 30):
                communication_confirm(user=pair.principal_user, communication=talk)
            with demo.at(next_day, 9):
                agenda_item_update(user=clerk, item=item, gate_override_reason="", pre_communications=[talk])
        elif kind == "disagreement_relogged":
            with demo.at(checked + timedelta(days=1), 9):
                agreed = communication_create(
                    user=pair.secretary_user,
                    school=school,
                    occurred_at=demo.moment(day - timedelta(days=3), 16),
                    category=CommunicationCategory.SANZHONG_YIDA,
                    timing=CommunicationTiming.BEFORE_DECISION,
                    subject=f"关于{matter.obj.title}的再次沟通",
                    summary=RELOGGED,
                    outcome=CommunicationOutcome.CONSENSUS,
                    participants=[pair.secretary, pair.principal],
                )
            with demo.at(checked + timedelta(days=1), 11):
                communication_confirm(user=pair.principal_user, communication=agreed)
                talks = list(item.pre_communications.all())
                agenda_item_update(user=clerk, item=item, pre_communications=[*talks, agreed])
        elif kind == "deliberation_late":
            with demo.at(next_day, 9):
                deliberation = Deliberation.objects.create(
                    item=item,
                    held_on=day - timedelta(days=6),
                    circle="党组织班子成员",
                    note="（补录）书记主持酝酿，班子成员均同意提交会议讨论决定。",
                )
                deliberation.participants.set(demo.members(school, MeetingBody.PARTY_COMMITTEE, day))
        elif kind == "staff_unlinked":
            with demo.at(next_day, 9):
                decision_link_agenda_item(user=clerk, decision=matter.obj, item=congress)
        else:
            with demo.at(next_day, 9):
                agenda_item_defer(user=pair.secretary_user, item=item, reason=DEFERRAL)
            with demo.at(next_day, 11):
                item.refresh_from_db()
                meeting_set_minutes(
                    user=clerk,
                    meeting=party.meeting,
                    minutes=party.meeting.minutes,
                    item_minutes={item.pk: item_minutes(item)},
                )
        with demo.at(working_days_after(day, 2), 17, 30):
            meeting_finalise(user=pair.secretary_user, meeting=party.meeting)
        demo.check(school, working_days_after(day, 2) + timedelta(days=1), 1, CHECKED[kind])

    demo.story(demo.moment(checked, 22), story)


def register_notice(demo: Demo, office: Session, pair: Pair) -> None:
    """The notice went out the afternoon before but its time was not registered; flagged, then recorded."""
    school, day, clerk = office.meeting.school, office.day, office.clerk
    sent = demo.moment(workday_before(day - timedelta(days=1)), 16)

    def story() -> None:
        demo.check(school, day, 22, "AGENDA_NOTICE")
        with demo.at(day + timedelta(days=1), 9):
            meeting_update(user=clerk, meeting=office.meeting, notice_sent_at=sent)
        with demo.at(working_days_after(day, 2), 17, 30):
            meeting_finalise(user=pair.principal_user, meeting=office.meeting)
        demo.check(school, working_days_after(day, 2) + timedelta(days=1), 1, "AGENDA_NOTICE")

    demo.story(demo.moment(day, 22), story)


def fix_lead(demo: Demo, office: Session, item: AgendaItem, lead: Person, pair: Pair) -> None:
    """The clerk recorded a deputy who was away as the item's 分管领导; the check warns, she corrects it."""
    school, day, clerk = office.meeting.school, office.day, office.clerk

    def story() -> None:
        demo.check(school, day, 22, "ABSENT_LEAD")
        with demo.at(day + timedelta(days=1), 9):
            agenda_item_update(user=clerk, item=item, lead_member=lead)
        with demo.at(working_days_after(day, 2), 17, 30):
            meeting_finalise(user=pair.principal_user, meeting=office.meeting)
        demo.check(school, working_days_after(day, 2) + timedelta(days=1), 1, "ABSENT_LEAD")

    demo.story(demo.moment(day, 22), story)


def link_report(demo: Demo, party: Session, emergency: Matter, item: AgendaItem) -> None:
    """An emergency decision reported at the next party meeting, linked to its item only after the check."""
    school, day = party.meeting.school, party.day

    def story() -> None:
        demo.check(school, day, 22, "EMERGENCY_DECISION")
        with demo.at(day + timedelta(days=1), 9):
            decision_link_agenda_item(user=party.clerk, decision=emergency.obj, item=item)
        demo.check(school, day + timedelta(days=2), 1, "EMERGENCY_DECISION")

    demo.story(demo.moment(day, 22), story)


def link_deployment(demo: Demo, matter: Matter, item: AgendaItem, day: date) -> None:
    """Tasks were set before the matter was deployed; the check flagged the chain, the 校长办公会 closes it."""

    def story() -> None:
        with demo.at(day, 18):
            decision_link_agenda_item(user=matter.by, decision=matter.obj, item=item)
        demo.check(matter.obj.school, day + timedelta(days=1), 1, "MEETING_ORDER")

    demo.story(demo.moment(day, 18), story)


def finish_late(demo: Demo, matter: Matter, pair: Pair) -> None:
    """A task the check found overdue, finished a week late with the reason noted; then the matter closes."""
    task, school = matter.tasks[0], matter.obj.school
    done = task.due_on + timedelta(days=8)
    if not demo.is_past(done):
        return

    def story() -> None:
        demo.check(school, task.due_on + timedelta(days=4), 1, "TASK_OVERDUE")
        with demo.at(done, 17, 30):
            task_add_progress(
                user=pair.principal_user,
                task=task,
                noted_on=done,
                text="受供货延期影响推迟完成，已于今日完成并上传验收材料。",
            )
            task_complete(user=pair.principal_user, task=task, done_on=done)
        others = [t.done_on for t in matter.tasks[1:]]
        closed_on = max([done, *others]) + timedelta(days=3) if all(others) else None
        if closed_on and demo.is_past(closed_on):
            with demo.at(closed_on - timedelta(days=1), 15):
                ImplementationReport.objects.create(
                    decision=matter.obj,
                    reported_on=closed_on - timedelta(days=1),
                    reporter=pair.principal,
                    summary=f"校长向党组织报告“{matter.obj.title}”的执行情况：任务因供货延期推迟约一周，现已全部完成。",
                )
            with demo.at(closed_on, 16):
                decision_close(
                    user=pair.principal_user,
                    decision=matter.obj,
                    closed_on=closed_on,
                    closing_summary=f"“{matter.obj.title}”各项任务已全部完成，校长已向党组织会议报告落实情况。",
                )
        demo.check(school, done + timedelta(days=1), 1, "TASK_OVERDUE")

    demo.story(demo.moment(task.due_on + timedelta(days=4), 1), story)
