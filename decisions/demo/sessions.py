"""One demo meeting planned as rows: the roster of the day, attendance, agenda items with their votes and the
result the rules give (`meetings.rules.voting`; at a 校长办公会 the principal's decision), the minutes, and the
signature of the secretary or principal."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from core.models import User
from meetings.choices import (
    AttendanceKind,
    AttendanceStatus,
    ItemResult,
    MatterCategory,
    MeetingStatus,
    PrincipalDecision,
    VoteChoice,
)
from meetings.models import AgendaItem, Attendance, Communication, Deliberation, Meeting, Vote
from meetings.rules.voting import voted_result
from schools.choices import QUORUM_BODIES, MeetingBody, PartyOrgType
from schools.models import Person, Policy, School

from .base import Demo, workday_before, working_days_after
from .texts import LEAVE_REASONS

PARTY_MEETING = {
    PartyOrgType.COMMITTEE: "党委会",
    PartyOrgType.GENERAL_BRANCH: "党总支委员会",
    PartyOrgType.BRANCH: "党支部委员会",
}
BODY_NAMES = {MeetingBody.PRINCIPAL_OFFICE: "校长办公会", MeetingBody.STAFF_CONGRESS: "教职工代表大会"}
PLACES = ("行政楼会议室", "第一会议室", "图书馆报告厅")


def meeting_name(school: School, body: str) -> str:
    return PARTY_MEETING[school.party_org_type] if body == MeetingBody.PARTY_COMMITTEE else BODY_NAMES[body]


class Session:
    """A meeting of one school's body on one day, held with everybody present except `leave` members."""

    def __init__(
        self,
        demo: Demo,
        *,
        school: School,
        body: str,
        day: date,
        number: int,
        chair: Person,
        clerk: User,
        leave: int = 0,
        keep: Iterable[Person] = (),
        kind: str = "",
        away: Iterable[Person] | None = None,
        away_status: str = AttendanceStatus.LEAVE,
        created: datetime | None = None,
        notice: datetime | None | bool = True,
    ):
        """`notice`: when the agenda and papers were sent (by default the afternoon of the working day before;
        None: not registered)."""
        self.demo, self.body, self.day, self.clerk, self.chair = demo, body, day, clerk, chair
        if notice is True:
            notice = demo.moment(workday_before(day - timedelta(days=1)), 16) if body in QUORUM_BODIES else None
        self.meeting = demo.ledger.add(
            Meeting(
                school=school,
                body=body,
                title=f"{day.year}年第{number}次{meeting_name(school, body)}{kind}",
                date=day,
                start_time=time(8, 30) if body == MeetingBody.PRINCIPAL_OFFICE else time(14),
                place=demo.rng.choice(PLACES),
                chair=chair,
                notice_sent_at=notice,
                status=MeetingStatus.HELD,
                created_by=clerk,
            ),
            created or demo.moment(day - timedelta(days=4), 15),
            clerk,
        )
        members = demo.members(school, body, day)
        kept = {chair.pk, *(person.pk for person in keep)}
        if away is not None:
            away = {person.pk for person in away}
        else:
            away = set(demo.rng.sample([p.pk for p in members if p.pk not in kept], leave)) if leave else set()
        held = created or demo.moment(day, 16, 30)
        for person in members:
            status = away_status if person.pk in away else AttendanceStatus.PRESENT
            on_leave = status == AttendanceStatus.LEAVE
            reason = demo.rng.choice(LEAVE_REASONS) if on_leave else ""
            demo.ledger.add(
                Attendance(
                    meeting=self.meeting, person=person, kind=AttendanceKind.MEMBER, status=status, leave_reason=reason
                ),
                held,
                clerk,
            )
        self.present = [p for p in members if p.pk not in away]
        self.expected = len(members)
        self.items: list[AgendaItem] = []

    def add(
        self,
        title: str,
        category: str,
        *,
        proposer: Person,
        talks: Iterable[Communication] = (),
        staff: bool = False,
        override: str = "",
        spoke_last: bool = True,
        abstain: int = 0,
        by: User | None = None,
        lead: Person | None = None,
        lead_even_if_away: bool = False,
        deliberated: bool = True,
    ) -> AgendaItem:
        """An agenda item, voted at the meeting: per member in a party meeting, as totals elsewhere. `lead` is the
        分管领导, recorded when present (or `lead_even_if_away`); a 干部任免 item at a party meeting was 酝酿 among
        the committee members a week before unless `deliberated` is False."""
        ledger, order = self.demo.ledger, len(self.items) + 1
        item = ledger.add(
            AgendaItem(
                meeting=self.meeting,
                order=order,
                title=title,
                proposer=proposer,
                category=category,
                touches_staff_interests=staff,
                is_confidential=category == MatterCategory.PERSONNEL,
                gate_override_reason=override,
                lead_member=lead if lead is not None and (lead_even_if_away or lead in self.present) else None,
            ),
            self.demo.moment(self.day - timedelta(days=2), 10, order),
            by or self.clerk,
        )
        ledger.link(item, "pre_communications", talks)
        if deliberated and category == MatterCategory.PERSONNEL and self.body == MeetingBody.PARTY_COMMITTEE:
            self.deliberate(item, workday_before(self.day - timedelta(days=7)))
        abstaining = [p.pk for p in self.present if p.pk != self.chair.pk][:abstain]
        votes = (len(self.present) - len(abstaining), 0, len(abstaining))
        if self.body == MeetingBody.PARTY_COMMITTEE:
            item.secretary_spoke_last = spoke_last
            for person in self.present:
                choice = VoteChoice.ABSTAIN if person.pk in abstaining else VoteChoice.FOR
                ledger.add(
                    Vote(item=item, person=person, choice=choice), self.demo.moment(self.day, 16, 40), self.clerk
                )
        if self.body == MeetingBody.PRINCIPAL_OFFICE:  # no vote: the principal decides after hearing views
            item.views_heard = "与会班子成员逐一发表意见，均表示同意。"
            item.principal_decision = PrincipalDecision.AGREE
            item.result = ItemResult.PASSED
            self.items.append(item)
            return item
        item.votes_for, item.votes_against, item.votes_abstain = votes
        item.result = voted_result(
            body=self.body,
            category=category,
            expected=self.expected,
            present=len(self.present),
            recused=0,
            votes_for=votes[0],
            policy=Policy(effective_from=self.day),
        )
        self.items.append(item)
        return item

    def deliberate(self, item: AgendaItem, on: date, at: datetime | None = None) -> Deliberation:
        """酝酿 of a 干部任免 item within the committee, recorded by the clerk that day (or at `at`)."""
        members = self.demo.members(self.meeting.school, MeetingBody.PARTY_COMMITTEE, on)
        deliberation = self.demo.ledger.add(
            Deliberation(
                item=item,
                held_on=on,
                circle="党组织班子成员",
                note="书记主持，逐一听取班子成员对人选条件和推荐程序的意见，均表示同意提交会议讨论决定。",
            ),
            at or self.demo.moment(self.day - timedelta(days=2), 10, 30),
            self.clerk,
        )
        self.demo.ledger.link(deliberation, "participants", members)
        return deliberation

    def finish(self, signer: User | None, *, sign_after: int | None = None) -> Meeting:
        """Minutes the next day; signed `sign_after` working days after the meeting (1 or 2 by default) when
        `signer` is given and that day is past, else the meeting stays 已召开 (a story may sign it later)."""
        chair, away = self.chair.name, self.expected - len(self.present)
        self.meeting.minutes = (
            f"会议由{chair}主持，应到{self.expected}人，实到{len(self.present)}人"
            + (f"，{away}人请假" if away else "")
            + "。会议研究了以下议题："
            + "；".join(f"{i.order}. {'保密议题' if i.is_confidential else i.title}" for i in self.items)
            + "。"
        )
        for item in self.items:
            item.minutes = item_minutes(item)
        signed = working_days_after(self.day, sign_after if sign_after is not None else self.demo.rng.randint(1, 2))
        if signer is not None and self.demo.is_past(signed):
            self.meeting.status = MeetingStatus.FINALISED
            self.meeting.finalised_by, self.meeting.finalised_at = signer, self.demo.moment(signed, 17, 30)
        return self.meeting


def item_minutes(item: AgendaItem) -> str:
    if item.is_confidential:
        return "保密议题，表决情况见会议记录原件。"
    if item.result == ItemResult.DEFERRED:
        return f"暂缓表决：{item.deferral_reason}"
    outcome = "表决通过" if item.result == ItemResult.PASSED else "未获通过"
    return (
        f"经充分讨论，{outcome}（赞成{item.votes_for or 0}票，反对{item.votes_against or 0}票，"
        f"弃权{item.votes_abstain or 0}票）。"
    )
