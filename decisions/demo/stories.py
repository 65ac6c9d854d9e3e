"""Breaches the nightly check caught and the school then fixed, replayed through the services.

Each story runs after the routine rows are written, with the clock set to each step: the check of that night
(which opens the finding), the fix through the service a user would have used, and the signature of the minutes
once the record is right. The final check of `seed_demo` then resolves the finding.
"""

from datetime import date, time, timedelta

from decisions.services import decision_close, decision_link_agenda_item, task_add_progress, task_complete
from meetings.choices import AttendanceKind, AttendanceStatus
from meetings.models import AgendaItem, Communication
from meetings.services import (
    agenda_item_create,
    agenda_item_defer,
    agenda_item_record_votes,
    agenda_item_update,
    communication_confirm,
    meeting_create,
    meeting_finalise,
    meeting_mark_held,
    meeting_record_attendance,
    meeting_set_minutes,
)
from schools.choices import MeetingBody

from .base import Demo, Pair, workday
from .matters import Matter
from .sessions import Session, item_minutes, meeting_name

CHECKED = {
    "spoke_first_fixed": "SECRETARY_LAST",
    "gate_override_fixed": "GATE_OVERRIDE",
    "disagreement_deferred": "DISAGREEMENT_FORCED",
}
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


def fix_party_item(demo: Demo, party: Session, item: AgendaItem, talk: Communication, pair: Pair, kind: str) -> None:
    """A party-meeting item flagged the same night and put right before the minutes are signed: the clerk's
    wrong 末位表态 entry, the chair's written note once the talk is confirmed, or a vote withdrawn (暂缓)."""
    school, day, clerk = party.meeting.school, party.day, party.clerk
    next_day = day + timedelta(days=1)

    def story() -> None:
        demo.check(school, day, 22, CHECKED[kind])
        if kind == "spoke_first_fixed":
            votes = dict(item.votes.values_list("person_id", "choice"))
            with demo.at(next_day, 10):
                agenda_item_record_votes(user=clerk, item=item, votes=votes, secretary_spoke_last=True)
        elif kind == "gate_override_fixed":
            with demo.at(next_day, 8, 30):
                communication_confirm(user=pair.principal_user, communication=talk)
            with demo.at(next_day, 9):
                agenda_item_update(user=clerk, item=item, gate_override_reason="", pre_communications=[talk])
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
        with demo.at(day + timedelta(days=2), 17, 30):
            meeting_finalise(user=pair.secretary_user, meeting=party.meeting)
        demo.check(school, day + timedelta(days=3), 1, CHECKED[kind])

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
            with demo.at(closed_on, 16):
                decision_close(
                    user=pair.principal_user,
                    decision=matter.obj,
                    closed_on=closed_on,
                    closing_summary=f"“{matter.obj.title}”各项任务已全部完成，校长已向党组织会议报告落实情况。",
                )
        demo.check(school, done + timedelta(days=1), 1, "TASK_OVERDUE")

    demo.story(demo.moment(task.due_on + timedelta(days=4), 1), story)


def review_after(demo: Demo, year, matter: Matter, talk: Communication, day: date, pair: Pair) -> None:
    """A decision touching the staff's vital interests was flagged; a 教代会 reviews it a week later."""
    school, clerk = year.school, year.clerk(pair)
    held = workday(day + timedelta(days=6))
    number = year.number(MeetingBody.STAFF_CONGRESS, held)
    title = f"{held.year}年第{number}次{meeting_name(school, MeetingBody.STAFF_CONGRESS)}"
    chair = demo.members(school, MeetingBody.STAFF_CONGRESS, held)[0]

    def story() -> None:
        demo.check(school, day + timedelta(days=1), 1, "STAFF_CONGRESS")
        with demo.at(held - timedelta(days=4), 15):
            meeting = meeting_create(
                user=clerk,
                school=school,
                body=MeetingBody.STAFF_CONGRESS,
                title=title,
                date=held,
                start_time=time(14),
                place="图书馆报告厅",
                chair=chair,
            )
        with demo.at(held - timedelta(days=2), 10):
            item = agenda_item_create(
                user=clerk,
                meeting=meeting,
                title=f"审议《{matter.obj.title}》",
                category=matter.obj.category,
                proposer=pair.principal,
                touches_staff_interests=True,
                pre_communications=[talk],
            )
        members = list(meeting.attendance.filter(kind=AttendanceKind.MEMBER).values_list("person_id", flat=True))
        statuses = dict.fromkeys(members, (AttendanceStatus.PRESENT, ""))
        statuses[members[-1]] = (AttendanceStatus.LEAVE, "病假")
        with demo.at(held, 16, 30):
            meeting_record_attendance(user=clerk, meeting=meeting, statuses=statuses)
            meeting_mark_held(user=clerk, meeting=meeting)
        with demo.at(held, 16, 40):
            item = agenda_item_record_votes(user=clerk, item=item, totals=(len(members) - 2, 0, 1))
        with demo.at(held, 18):
            decision_link_agenda_item(user=clerk, decision=matter.obj, item=item)
        with demo.at(held + timedelta(days=1), 11):
            meeting_set_minutes(
                user=clerk,
                meeting=meeting,
                item_minutes={item.pk: item_minutes(item)},
                minutes=f"会议由{chair.name}主持，应到{len(members)}人，实到{len(members) - 1}人。"
                f"会议审议《{matter.obj.title}》。",
            )
        with demo.at(held + timedelta(days=2), 17, 30):
            meeting_finalise(user=pair.secretary_user, meeting=meeting)
        demo.check(school, held + timedelta(days=3), 1, "STAFF_CONGRESS")

    demo.story(demo.moment(day + timedelta(days=1), 1), story)
