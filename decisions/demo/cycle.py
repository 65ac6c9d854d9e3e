"""The monthly decision cycle of a school with meetings.

Each month a 三重一大 matter is talked over by the pair, proposed at the 校长办公会 (研究提出), decided by the
party organisation (讨论决定) and deployed at the next 校长办公会 (部署落实) with 督办 tasks, closed once done.
A few months carry a twist (`TWISTS`): a breach that stays (an open finding), or one that the nightly check
catches and the school then fixes through the services (a resolved finding, see `stories`).
"""

from collections import Counter
from datetime import date, timedelta

from decisions.choices import Outcome, Tier
from meetings.choices import CommunicationCategory, CommunicationOutcome, MatterCategory
from schools.choices import MeetingBody
from schools.models import Person, School

from . import stories
from .base import Demo, Pair, month_start, workday, workday_before
from .congress import plan_staff_congress
from .extras import emergency_decision, urgent_repair
from .matters import Matter
from .sessions import Session
from .talks import plan_talk
from .texts import MATTERS, OFFICE_ITEMS, PARTY_ITEMS, REVIEWERS, STAFF_MATTERS, Topic

CATEGORIES = (
    MatterCategory.MAJOR_PROJECT,
    MatterCategory.LARGE_FUNDS,
    MatterCategory.MAJOR_DECISION,
    MatterCategory.PERSONNEL,
)
STAFF_TWISTS = {"staff_before": 0, "staff_unlinked": 1, "staff_none": 2}
PERSONNEL_TWISTS = {"no_deliberation", "deliberation_late"}
FIXED_AT_PARTY = {
    "spoke_first_fixed",
    "gate_override_fixed",
    "disagreement_deferred",
    "disagreement_relogged",
    "deliberation_late",
    "staff_unlinked",
}
FIXED_AT_OFFICE = {"no_precomm_fixed", "notice_unregistered", "lead_fixed"}
TWISTS: dict[str, dict[int, set[str]]] = {
    "HD001": {
        -9: {"staff_before"},
        -8: {"report_late"},
        -7: {"no_precomm_fixed"},
        -6: {"deliberation_late"},
        -5: {"spoke_first_fixed"},
        -4: {"staff_unlinked"},
        -3: {"gate_override_fixed"},
    },
    "HD002": {
        -9: {"no_report"},
        -8: {"disagreement_forced"},
        -7: {"emergency_unreported"},
        -6: {"staff_none"},
        -5: {"party_postponed"},
        -4: {"overdue"},
        -2: {"notice_late"},
        -1: {"unsigned"},
    },
    "HD005": {
        -8: {"late_minutes"},
        -7: {"notice_unregistered"},
        -6: {"disagreement_deferred"},
        -5: {"late_comm"},
        -4: {"late_task_fixed"},
        -3: {"emergency_reported_late"},
        -2: {"lead_fixed"},
    },
    "HD008": {-7: {"spoke_first"}, -5: {"early_tasks"}, -3: {"disagreement_relogged"}},
    "HD016": {-6: {"overdue"}, -4: {"urgent"}, -3: {"no_deliberation"}, -2: {"lead_absent"}},
}
EMERGENCIES = {"emergency_unreported", "emergency_reported_late"}
OVERRIDE = "校长外出学习，会前沟通记录尚待确认；书记校长已当面沟通并达成一致，经主持人书面说明提交会议。"


class SchoolYear:
    """One school's meetings and collective decisions, month by month."""

    def __init__(self, demo: Demo, school: School):
        self.demo, self.school = demo, school
        self.twists = TWISTS.get(school.code, {})
        self.to_deploy: list[Matter] = []
        self.to_redecide: list[Matter] = []
        self.to_report: list[tuple[Matter, bool]] = []  # emergency decisions for the next party meeting (linked?)
        self.numbers: Counter = Counter()
        self.used: set[str] = set()
        self.shift = demo.rng.randrange(len(CATEGORIES))

    def number(self, body: str, day: date) -> int:
        self.numbers[(body, day.year)] += 1
        return self.numbers[(body, day.year)]

    def matter(self, offset: int, twist: set[str]) -> tuple[str, Topic]:
        for name, index in STAFF_TWISTS.items():
            if name in twist:
                return MatterCategory.MAJOR_DECISION, STAFF_MATTERS[index]
        category = CATEGORIES[(offset + self.shift) % len(CATEGORIES)]
        if twist & PERSONNEL_TWISTS:
            category = MatterCategory.PERSONNEL
        start = int(self.school.code[-2:]) % len(MATTERS[category])  # schools start at different matters
        texts = MATTERS[category][start:] + MATTERS[category][:start]
        text = next(m for m in texts if m.title not in self.used)
        self.used.add(text.title)
        return category, text

    def staff(self, body: str, on: date, pair: Pair) -> list[Person]:
        """The members of a body besides the pair (proposers of ordinary items, owners of tasks)."""
        return [
            p for p in self.demo.members(self.school, body, on) if p.pk not in {pair.secretary.pk, pair.principal.pk}
        ]

    def clerk(self, pair: Pair):
        return self.demo.clerks.get(self.school.pk) or pair.secretary_user

    def month(self, offset: int) -> None:
        demo, rng, twist = self.demo, self.demo.rng, self.twists.get(offset, set())
        first = month_start(demo.today, offset)
        office_day = workday(first + timedelta(days=rng.randint(4, 7)))
        party_day = workday(max(first + timedelta(days=rng.randint(12, 16)), office_day + timedelta(days=7)))
        if "party_postponed" in twist:  # put off to the first days of next month: a month without one
            party_day = workday(month_start(demo.today, offset + 1) + timedelta(days=1))
        if not demo.is_past(office_day):
            return
        pair = demo.pair(self.school, office_day)
        clerk, deputies = self.clerk(pair), self.staff(MeetingBody.PRINCIPAL_OFFICE, office_day, pair)
        category, text = self.matter(offset, twist)
        # Talked over before the 校长办公会, or (late_comm) only after it had proposed the matter: open finding.
        talk_day = (
            office_day + timedelta(days=2) if "late_comm" in twist else office_day - timedelta(days=rng.randint(2, 4))
        )
        talk_day = workday_before(talk_day)
        matter = Matter(
            demo,
            school=self.school,
            title=text.title,
            category=category,
            tier=Tier.COLLECTIVE,
            by=clerk,
            at=demo.moment(talk_day - timedelta(days=3), 10),
            description=text.description,
            amount=text.amount,
            leaders=[pair.principal, deputies[0]],
        )
        talk = plan_talk(
            demo,
            pair,
            demo.moment(talk_day, 16),
            CommunicationCategory.SANZHONG_YIDA,
            f"关于{text.title}的会前沟通",
            f"书记、校长就{text.title}的必要性、方案要点和风险防控进行沟通，一致同意提交会议研究。",
            confirm="gate_override_fixed" not in twist,
        )
        matter.talked([talk], demo.moment(talk_day + timedelta(days=1), 11))

        office = Session(
            demo,
            school=self.school,
            body=MeetingBody.PRINCIPAL_OFFICE,
            day=office_day,
            number=self.number(MeetingBody.PRINCIPAL_OFFICE, office_day),
            chair=pair.principal,
            clerk=clerk,
            leave=int(rng.random() < 0.3),
            keep=[pair.secretary, deputies[0]],
            **self.office_twist(twist, office_day, deputies),
        )
        linked = [] if twist & {"late_comm", "no_precomm_fixed"} else [talk]
        # 分管领导: the deputy in charge; recorded wrongly (lead_fixed) or decided in his absence (lead_absent).
        lead = deputies[1] if "lead_fixed" in twist else deputies[0]
        propose = office.add(
            f"{text.title}（研究提出）",
            category,
            proposer=pair.principal,
            talks=linked,
            lead=lead,
            lead_even_if_away=bool(twist & {"lead_fixed", "lead_absent"}),
        )
        matter.on_agenda(propose, demo.moment(office_day, 18))
        for earlier in self.to_deploy:
            agreed = [t for t in earlier.talks if t.outcome == CommunicationOutcome.CONSENSUS]
            item = office.add(
                f"{earlier.obj.title}（部署落实）",
                earlier.obj.category,
                proposer=pair.principal,
                talks=agreed,
                lead=deputies[0],
            )
            if earlier.early:
                stories.link_deployment(demo, earlier, item, office_day)
            else:
                earlier.on_agenda(item, demo.moment(office_day, 18))
                overdue = {0} if "overdue" in earlier.twist else set()
                late = {0} if "late_task_fixed" in earlier.twist else set()
                earlier.assign(
                    office_day + timedelta(days=1), deputies, by=pair.principal_user, late=late, overdue=overdue
                )
                if late:
                    stories.finish_late(demo, earlier, pair)
        self.to_deploy = []
        if offset % 2:
            deputy = rng.choice(deputies)
            office.add(
                OFFICE_ITEMS[(offset + self.shift) % len(OFFICE_ITEMS)],
                MatterCategory.GENERAL,
                proposer=deputy,
                lead=deputy,
            )
        fixing = twist & FIXED_AT_OFFICE
        office.finish(None if fixing else pair.principal_user, sign_after=12 if "late_minutes" in twist else None)
        if "no_precomm_fixed" in twist:
            stories.link_talk(demo, office, propose, talk, pair)
        elif "notice_unregistered" in twist:
            stories.register_notice(demo, office, pair)
        elif "lead_fixed" in twist:
            stories.fix_lead(demo, office, propose, deputies[0], pair)
        matter.reviewed(office_day + timedelta(days=3), rng.choice(REVIEWERS))
        if "staff_before" in twist:
            plan_staff_congress(self, matter, talk, workday(office_day + timedelta(days=3)), pair)
        if demo.is_past(party_day):
            self.party(offset, party_day, matter, talk, text, twist, pair)
        if "urgent" in twist:
            urgent_repair(self, first + timedelta(days=21))
        if twist & EMERGENCIES:
            emergency = emergency_decision(self, party_day + timedelta(days=6), pair)
            if emergency is not None and "emergency_unreported" not in twist:
                self.to_report.append((emergency, "emergency_reported_late" not in twist))

    def office_twist(self, twist: set[str], day: date, deputies: list[Person]) -> dict:
        """Session arguments of a twisted 校长办公会: notice sent that morning or never registered, a deputy away."""
        arguments = {}
        if "notice_late" in twist:
            arguments["notice"] = self.demo.moment(day, 7, 45)
        elif "notice_unregistered" in twist:
            arguments["notice"] = None
        if twist & {"lead_fixed", "lead_absent"}:
            arguments["away"] = [deputies[1] if "lead_fixed" in twist else deputies[0]]
        return arguments

    def party(self, offset: int, day: date, matter: Matter, talk, text: Topic, twist: set[str], pair: Pair) -> None:
        demo, rng, clerk = self.demo, self.demo.rng, self.clerk(pair)
        talks = [talk]
        if twist & {"disagreement_forced", "disagreement_deferred", "disagreement_relogged"}:
            # Before the item was tabled (two days before the meeting, 10:00) the latest talk records the
            # disagreement: forced (open) or followed by a consensus logged late (relogged: resolved); after it
            # (deferred), the meeting lawfully defers the item.
            talked = day - timedelta(days=2 if "disagreement_deferred" in twist else 4)
            talks.append(
                plan_talk(
                    demo,
                    pair,
                    demo.moment(talked, 17),
                    CommunicationCategory.SANZHONG_YIDA,
                    f"关于{text.title}资金安排的再沟通",
                    "校长认为应尽快实施，书记认为资金来源和实施节奏需进一步论证，双方存在分歧，约定再沟通。",
                    outcome=CommunicationOutcome.DISAGREEMENT,
                )
            )
            matter.talked(talks[1:], demo.moment(talked, 18))
        party = Session(
            demo,
            school=self.school,
            body=MeetingBody.PARTY_COMMITTEE,
            day=day,
            number=self.number(MeetingBody.PARTY_COMMITTEE, day),
            chair=pair.secretary,
            clerk=clerk,
            leave=int(rng.random() < 0.25),
            keep=[pair.principal],
        )
        for emergency, linked in self.to_report:  # the leader's emergency decision reported to the committee
            reported = party.add(
                f"通报：{emergency.obj.title}", MatterCategory.GENERAL, proposer=pair.principal, lead=pair.principal
            )
            if linked:
                emergency.on_agenda(reported, demo.moment(day, 18))
            else:
                stories.link_report(demo, party, emergency, reported)
        self.to_report = []
        for earlier in self.to_redecide:  # deferred last month, talked over again until the pair agreed
            again = plan_talk(
                demo,
                pair,
                demo.moment(day - timedelta(days=4), 16),
                CommunicationCategory.SANZHONG_YIDA,
                f"关于{earlier.obj.title}的再次沟通",
                "书记、校长对资金来源和分步实施方案达成一致，同意重新提交党组织会议讨论决定。",
            )
            earlier.talked([again], demo.moment(day - timedelta(days=3), 10))
            item = party.add(earlier.obj.title, earlier.obj.category, proposer=pair.principal, talks=earlier.talks)
            earlier.on_agenda(item, demo.moment(day - timedelta(days=1), 11))
            earlier.decide(demo.moment(day, 18, 30), item=item)
            self.to_deploy.append(earlier)
        self.to_redecide = []
        override = OVERRIDE if "gate_override_fixed" in twist else ""
        item = party.add(
            text.title,
            matter.obj.category,
            proposer=pair.principal,
            talks=talks,
            staff=text.staff,
            override=override,
            by=pair.secretary_user if override else None,
            spoke_last=not twist & {"spoke_first", "spoke_first_fixed"},
            abstain=int(rng.random() < 0.2),
            deliberated=not twist & PERSONNEL_TWISTS,
            lead=self.staff(MeetingBody.PRINCIPAL_OFFICE, day, pair)[0],
        )
        matter.on_agenda(item, demo.moment(day - timedelta(days=1), 11))
        if offset % 2 == 0:
            party.add(
                PARTY_ITEMS[(offset + self.shift) % len(PARTY_ITEMS)], MatterCategory.GENERAL, proposer=pair.secretary
            )
        fixing = twist & FIXED_AT_PARTY
        party.finish(None if fixing or "unsigned" in twist else pair.secretary_user)
        decided = demo.moment(day + timedelta(days=1 if fixing else 0), 18, 30)
        if "disagreement_deferred" in twist:
            matter.decide(decided, item=item, outcome=Outcome.DEFERRED)
            matter.reopen(decided + timedelta(hours=16))
            self.to_redecide.append(matter)
        else:
            matter.decide(decided, item=item)
            matter.twist = twist
            if matter.obj.outcome == Outcome.PASSED:
                self.to_deploy.append(matter)
        if "staff_unlinked" in twist:  # reviewed by the 教代会 before, but the clerk did not link it
            reviewed = workday_before(day - timedelta(days=5))
            congress = plan_staff_congress(self, matter, talk, reviewed, pair, link=False)
            stories.fix_party_item(demo, party, item, talk, pair, "staff_unlinked", matter=matter, congress=congress)
        elif fixing:
            stories.fix_party_item(demo, party, item, talk, pair, next(iter(fixing)), matter=matter)
        if "early_tasks" in twist:  # tasks set before any 校长办公会 deployed them; linked next month
            matter.early = True
            matter.assign(
                day + timedelta(days=1), self.staff(MeetingBody.PRINCIPAL_OFFICE, day, pair), by=pair.principal_user
            )
            demo.story(
                demo.moment(day + timedelta(days=3), 1),
                lambda: demo.check(self.school, day + timedelta(days=3), 1, "MEETING_ORDER"),
            )
