"""A school's meetings (attendance, agenda items, votes) and the pair's communications."""

import random
from datetime import date, datetime, time, timedelta

from meetings.choices import PRINCIPAL_DECISION_RESULT
from reports.aggregates.scope import add_months

from . import names
from .base import GeneratorBase
from .plans import BODY_LABEL, JOINT, PC, PO, SC, MeetingPlan, SchoolPlan, at_local, working_day


class MeetingRecords(GeneratorBase):
    def _meetings(self, plan: SchoolPlan, rng: random.Random) -> list[MeetingPlan]:
        planned: list[tuple[date, str]] = []
        month = self.first_month
        while month <= self.today:
            planned.append((working_day(month + timedelta(days=rng.randint(7, 11))), PC))
            planned.append((working_day(month + timedelta(days=rng.randint(2, 5))), PO))
            if rng.random() < 0.5:
                planned.append((working_day(month + timedelta(days=rng.randint(21, 25))), PC))
            if rng.random() < 0.5:
                planned.append((working_day(month + timedelta(days=rng.randint(16, 19))), PO))
            if month.month in (1, 4, 7, 10):
                planned.append((working_day(month + timedelta(days=13)), JOINT))
            if month.month in (3, 9):
                planned.append((working_day(month + timedelta(days=26)), SC))
            month = add_months(month, 1)
        meetings = []
        numbers: dict[tuple[int, str], int] = {}
        for day, body in sorted(planned):
            if day > self.today:
                continue
            numbers[(day.year, body)] = numbers.get((day.year, body), 0) + 1
            meetings.append(self._meeting(plan, rng, day, body, numbers[(day.year, body)]))
        return meetings

    def _meeting(self, plan: SchoolPlan, rng: random.Random, day: date, body: str, number: int) -> MeetingPlan:
        members = self._members(plan, body, day)
        start = at_local(day, 15, 30)
        age = (self.today - day).days
        # Minutes signed within 2 working days (MINUTES_LATE), a few late; a weekend day moves to the Monday, so a
        # holiday now and then makes a signing late on the official calendar.
        delay = rng.randint(8, 20) if rng.random() < 0.02 else rng.choice((0, 1, 1, 2))
        delay = (working_day(day + timedelta(days=delay)) - day).days
        finalised = day + timedelta(days=delay) <= self.today and not (age < 7 and rng.random() < 0.5)
        finalised_at = at_local(day + timedelta(days=delay), 17) if finalised else None
        chair = {
            PC: self._holder(plan, "secretary", day),
            PO: self._holder(plan, "principal", day),
            JOINT: self._holder(plan, "secretary", day),
            SC: next((h.person for h in plan.holders if h.post == "union_chair"), None),
        }[body]
        label = BODY_LABEL[body]
        # The notice and papers reach members the afternoon before (AGENDA_NOTICE); a few only on the morning
        # of the meeting.
        notice = at_local(day, 8) if rng.random() < 0.03 else at_local(day - timedelta(days=1), 17)
        pk = self.t.meeting.add(
            school=plan.pk,
            body=body,
            title=f"{day.year}年第{number}次{label}",
            date=day,
            notice_sent_at=notice,
            start_time=time(15, 30),
            place="学校第一会议室",
            chair=chair,
            status="finalised" if finalised else "held",
            minutes=f"{label}于{day:%Y年%m月%d日}召开，会议研究了有关事项，纪要如下。" if finalised else "",
            created_by=plan.clerk,
            finalised_by=plan.secretary_user if finalised else None,
            finalised_at=finalised_at,
            **self._stamps(start - timedelta(days=3), finalised_at or start + timedelta(hours=3)),
        )
        present = []
        stamp = finalised_at or start + timedelta(hours=3)
        for person in members:
            roll = rng.random()
            status = "present" if roll < 0.93 else "leave" if roll < 0.98 else "absent"
            if status == "present":
                present.append(person)
            self.t.attendance.add(
                meeting=pk,
                person=person,
                kind="member",
                status=status,
                leave_reason=rng.choice(names.LEAVE_REASONS) if status == "leave" else "",
                **self._stamps(start, stamp),
            )
        return MeetingPlan(pk, body, day, present, len(members), finalised, stamp=stamp)

    def _communication(
        self,
        plan: SchoolPlan,
        rng: random.Random,
        moment: datetime,
        category: str,
        subject: str,
        *,
        outcome: str = "consensus",
        event_at: datetime | None = None,
    ) -> int | None:
        day = moment.date()
        secretary = self._holder(plan, "secretary", day)
        principal = self._holder(plan, "principal", day)
        if secretary is None or principal is None:
            return None
        if secretary == principal:  # 一肩挑: the leader talks with a deputy
            principal = next((h.person for h in plan.holders if h.post == "deputy_principal" and h.on(day)), None)
            if principal is None:
                return None
        timing = {
            "sanzhong_yida": "before_decision",
            "emergency": "urgent",
            "regular_talk": "routine",
            "daily_talk": "routine",
        }.get(category, rng.choice(("routine", "before_decision")))
        logged = moment + timedelta(hours=1)
        confirmed = logged + timedelta(days=1) if (self.today - day).days > 3 or rng.random() < 0.5 else None
        if confirmed and confirmed.date() > self.today:
            confirmed = None
        pk = self.t.communication.add(
            school=plan.pk,
            occurred_at=moment,
            category=category,
            timing=timing,
            event_at=event_at,
            subject=subject,
            summary=f"书记与校长就“{subject}”交换意见，{'达成一致' if outcome == 'consensus' else '意见尚不一致'}。",
            outcome=outcome,
            logged_by=plan.clerk,
            confirmed_by=plan.principal_user if confirmed else None,
            confirmed_at=confirmed,
            **self._stamps(logged, confirmed or logged),
        )
        self.t.participant.add(communication=pk, person=secretary)
        self.t.participant.add(communication=pk, person=principal)
        return pk

    def _communications(self, plan: SchoolPlan, rng: random.Random) -> None:
        month = self.first_month
        while month <= self.today:
            # The pair's talks on Wednesdays: one week of the month holds the 一对一深度对话 (which also counts as
            # that week's 日常沟通), the other weeks a 日常沟通 where the pair logs them. Where the school's rules
            # ask for a weekly deep talk, every week holds one.
            mondays = []
            week = month - timedelta(days=month.weekday())
            while week < add_months(month, 1):
                if month <= week + timedelta(days=2) <= self.today:
                    mondays.append(week)
                week += timedelta(days=7)
            deep_week = rng.choice(mondays) if mondays else None
            for monday in mondays:
                deep = plan.weekly_talks or monday == deep_week
                if not deep and not plan.daily_talks_logged:
                    continue
                if rng.random() < (0.96 if deep else 0.97):
                    day = monday + timedelta(days=rng.choice((1, 2, 3)))
                    category = "regular_talk" if deep else "daily_talk"
                    self._communication(plan, rng, at_local(day, 16), category, rng.choice(names.TALK_SUBJECTS))
            for category, rate, subjects in (
                ("important", 0.5, names.IMPORTANT_SUBJECTS),
                ("innovation", 0.3, names.INNOVATION_SUBJECTS),
                ("emergency", 0.06, names.EMERGENCY_SUBJECTS),
            ):
                if rng.random() >= rate:
                    continue
                day = month + timedelta(days=rng.randint(0, 27))
                if day > self.today:
                    continue
                moment = at_local(day, rng.randint(8, 18))
                event_at = None
                if category == "emergency":
                    late = rng.random() < 0.1
                    event_at = moment - timedelta(hours=rng.randint(26, 72) if late else rng.randint(1, 20))
                self._communication(plan, rng, moment, category, rng.choice(subjects), event_at=event_at)
            month = add_months(month, 1)

    def _next(self, meetings: list[MeetingPlan], body: str, after: date) -> MeetingPlan | None:
        for meeting in meetings:
            if meeting.body == body and meeting.day > after:
                return meeting
        return None

    def _item(
        self,
        plan: SchoolPlan,
        rng: random.Random,
        meeting: MeetingPlan,
        *,
        title: str,
        category: str,
        proposer: int | None,
        touches: bool = False,
        per_member_votes: bool = False,
        comms: tuple[int, ...] = (),
        lead: int | None = None,
        impromptu: bool = False,
    ) -> tuple[int, str]:
        meeting.items += 1
        present = list(meeting.present)
        if meeting.body == PO:
            return self._principal_item(
                rng, meeting, title=title, category=category, proposer=proposer, touches=touches, comms=comms, lead=lead
            )
        recused: int | None = None
        if per_member_votes and len(present) > 2 and rng.random() < 0.03:
            recused = present[-1]
        voters = [p for p in present if p != recused]
        against = 1 if rng.random() < 0.04 and len(voters) > 2 else 0
        abstain = 1 if rng.random() < 0.06 and len(voters) > 3 else 0
        votes_for = len(voters) - against - abstain
        if rng.random() < 0.002:  # recorded as passed without a majority of 应到 (MAJORITY)
            votes_for = meeting.expected // 2
        if len(present) * 2 < meeting.expected:  # 半数以上: exactly half is quorate
            result, votes = "deferred", (None, None, None)
        elif votes_for * 2 > meeting.expected or rng.random() < 0.002:
            result, votes = "passed", (votes_for, against, abstain)
        else:
            result, votes = "rejected", (votes_for, against, abstain)
        decided = result in ("passed", "rejected")
        spoke_last = None
        if meeting.body == PC and decided:
            spoke_last = rng.random() >= 0.01
        pk = self.t.item.add(
            meeting=meeting.pk,
            order=meeting.items,
            title=title,
            proposer=proposer,
            lead_member=lead if lead is not None else proposer,
            added_at_meeting=impromptu,
            chair_consented=impromptu and rng.random() < 0.9,
            category=category,
            touches_staff_interests=touches,
            is_confidential=category == "personnel",
            gate_override_reason="主持人说明：事项紧急，经书面说明后上会。" if comms and rng.random() < 0.003 else "",
            secretary_spoke_last=spoke_last,
            votes_for=votes[0],
            votes_against=votes[1],
            votes_abstain=votes[2],
            views_heard="",
            principal_decision="",
            result=result,
            deferral_reason="出席人数未过半，暂缓表决" if result == "deferred" else "",
            minutes=f"会议研究了“{title}”。" if meeting.finalised else "",
            **self._stamps(at_local(meeting.day, 15, 30), meeting.stamp),
        )
        for comm in comms:
            self.t.item_comm.add(agendaitem=pk, communication=comm)
        if category == "personnel" and meeting.body in (PC, JOINT) and rng.random() < 0.95:
            self._deliberation(rng, pk, meeting)
        if per_member_votes and decided:
            choices = ["for"] * votes_for + ["against"] * against + ["abstain"] * abstain
            for person, choice in zip(voters, choices, strict=False):
                self.t.vote.add(item=pk, person=person, choice=choice)
            if recused is not None:
                self.t.recusal.add(item=pk, person=recused, reason="与议题涉及人员存在亲属关系")
                if rng.random() < 0.05:  # the recused member voted anyway (RECUSAL)
                    self.t.vote.add(item=pk, person=recused, choice="for")
        return pk, result

    def _principal_item(
        self,
        rng: random.Random,
        meeting: MeetingPlan,
        *,
        title: str,
        category: str,
        proposer: int | None,
        touches: bool,
        comms: tuple[int, ...],
        lead: int | None,
    ) -> tuple[int, str]:
        """校长办公会: the principal decides after hearing the members' views (意见 (六)); no vote is counted."""
        if len(meeting.present) * 2 < meeting.expected:
            decision = "defer"
        else:
            decision = rng.choices(("agree", "defer", "disagree"), (0.95, 0.03, 0.02))[0]
        result = str(PRINCIPAL_DECISION_RESULT[decision])
        pk = self.t.item.add(
            meeting=meeting.pk,
            order=meeting.items,
            title=title,
            proposer=proposer,
            lead_member=lead if lead is not None else proposer,
            added_at_meeting=False,
            chair_consented=False,
            category=category,
            touches_staff_interests=touches,
            is_confidential=category == "personnel",
            gate_override_reason="",
            secretary_spoke_last=None,
            votes_for=None,
            votes_against=None,
            votes_abstain=None,
            views_heard=rng.choice(names.VIEWS_HEARD),
            principal_decision=decision,
            result=result,
            deferral_reason="听取意见后校长决定暂缓，进一步调研后再议" if result == "deferred" else "",
            minutes=f"会议研究了“{title}”，校长听取意见后作出决定。" if meeting.finalised else "",
            **self._stamps(at_local(meeting.day, 15, 30), meeting.stamp),
        )
        for comm in comms:
            self.t.item_comm.add(agendaitem=pk, communication=comm)
        return pk, result

    def _deliberation(self, rng: random.Random, item: int, meeting: MeetingPlan) -> None:
        """酝酿 of a 干部任免 item within a circle a few days before the meeting (意见 (七))."""
        held = meeting.day - timedelta(days=rng.randint(1, 10))
        pk = self.t.deliberation.add(
            item=item,
            held_on=held,
            circle=rng.choice(names.DELIBERATION_CIRCLES),
            note="对干部人选进行了酝酿，意见一致。",
            **self._stamps(at_local(held, 16)),
        )
        for person in meeting.present[:3]:
            self.t.deliberation_person.add(deliberation=pk, person=person)

    def _general_item(self, plan: SchoolPlan, rng: random.Random, meeting: MeetingPlan) -> None:
        if meeting.body == SC:
            title, touches = f"{meeting.day.year}年学校工作报告", True
        else:
            title, touches = rng.choice(names.GENERAL_ITEMS), meeting.body == PO and rng.random() < 0.005
        # 分管领导: a deputy principal, who sits on the 校长办公会 (not on the 党组织会议).
        deputy = next((h.person for h in plan.holders if h.post == "deputy_principal" and h.on(meeting.day)), None)
        if meeting.body == PC:
            deputy = None
        impromptu = meeting.body in (PC, PO) and rng.random() < 0.01  # 临时动议
        self._item(
            plan,
            rng,
            meeting,
            title=title,
            category="general",
            proposer=None,
            touches=touches,
            lead=deputy,
            impromptu=impromptu,
        )
