"""A believable, deterministic benchmark dataset: 学区, 集团, schools with their leadership over the years, the
pair's communications, meetings with attendance, agenda items and votes, 三重一大 decisions with their chain
(沟通 → 校长办公会研究提出 → 党组织会议讨论决定 → 校长办公会部署落实), legal reviews, tasks, and a small share of
deliberate breaches so that every rule has something to find.

Rows are written with explicit ids through `writer.Table` (COPY on PostgreSQL), bypassing the services but
respecting every model constraint. Each school draws from its own random stream seeded by (seed, index), so a
seed and an end date always give the same rows whatever the chunk size.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from core import dataversion
from core.models import DemoDataset, User
from decisions.models import (
    Consultation,
    Decision,
    DecisionTransition,
    LegalReview,
    Task,
    TaskProgress,
)
from meetings.models import AgendaItem, Attendance, Communication, Meeting, Recusal, Vote
from reports.aggregates.scope import LOCAL_TZ, add_months, month_start
from schools.models import Appointment, CommitteeMembership, EducationGroup, Person, Policy, School, SchoolDistrict

from . import names
from .writer import Table

MARKER_PREFIX = "generate_dataset"
CODE_PREFIX = "G"
PASSWORD = "!generated-dataset-no-login"  # an unusable password: generated accounts cannot log in

PC, PO, SC, JOINT = "party_committee", "principal_office", "staff_congress", "joint"
BODY_LABEL = {PC: "党组织会议", PO: "校长办公会", SC: "教代会", JOINT: "党政联席会"}
LEVELS = (("primary", 0.55), ("junior", 0.15), ("nine_year", 0.1), ("complete_secondary", 0.12), ("senior", 0.08))


def marker_note(*, schools: int, years: int, seed: int, today: date) -> str:
    return f"{MARKER_PREFIX} schools={schools} years={years} seed={seed} today={today:%Y-%m-%d}"


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)


def _weekday(day: date) -> date:
    """Move a weekend day to the following Monday."""
    return day + timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


@dataclass
class Tables:
    """Every table the generator writes, in the order they are flushed (parents first)."""

    district: Table
    group: Table
    school: Table
    person: Table
    appointment: Table
    membership: Table
    policy: Table
    user: Table
    communication: Table
    participant: Table
    meeting: Table
    attendance: Table
    item: Table
    item_comm: Table
    vote: Table
    recusal: Table
    decision: Table
    decision_leader: Table
    decision_comm: Table
    decision_item: Table
    transition: Table
    consultation: Table
    legal_review: Table
    task: Table
    progress: Table

    @classmethod
    def create(cls) -> "Tables":
        stamps = ["created_at", "updated_at"]
        through = lambda m2m, *cols: Table(m2m.through, list(cols))  # noqa: E731
        return cls(
            district=Table(SchoolDistrict, ["code", "name", "office_name", *stamps]),
            group=Table(EducationGroup, ["code", "name", *stamps]),
            school=Table(
                School,
                ["code", "name", "level", "party_org_type", "district", "group", "parent", "address", "is_active"]
                + stamps,
            ),
            person=Table(Person, ["code", "name", "gender", "note", *stamps]),
            appointment=Table(Appointment, ["person", "school", "post", "start", "end", "note", *stamps]),
            membership=Table(CommitteeMembership, ["person", "school", "body", "start", "end", *stamps]),
            policy=Table(
                Policy,
                [
                    "school",
                    "effective_from",
                    "large_amount_threshold",
                    "minutes_due_days",
                    "regular_talk_period",
                    "emergency_log_hours",
                    "vacancy_days",
                    "legal_review_exempt_categories",
                    "note",
                    *stamps,
                ],
            ),
            user=Table(
                User,
                [
                    "password",
                    "last_login",
                    "is_superuser",
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "is_staff",
                    "is_active",
                    "date_joined",
                    "role",
                    "school_district",
                    "school",
                    "person",
                ],
            ),
            communication=Table(
                Communication,
                [
                    "school",
                    "occurred_at",
                    "category",
                    "timing",
                    "event_at",
                    "subject",
                    "summary",
                    "outcome",
                    "logged_by",
                    "confirmed_by",
                    "confirmed_at",
                    *stamps,
                ],
            ),
            participant=through(Communication.participants, "communication", "person"),
            meeting=Table(
                Meeting,
                [
                    "school",
                    "body",
                    "title",
                    "date",
                    "start_time",
                    "place",
                    "chair",
                    "status",
                    "minutes",
                    "created_by",
                    "finalised_by",
                    "finalised_at",
                    *stamps,
                ],
            ),
            attendance=Table(Attendance, ["meeting", "person", "kind", "status", "leave_reason", *stamps]),
            item=Table(
                AgendaItem,
                [
                    "meeting",
                    "order",
                    "title",
                    "proposer",
                    "category",
                    "touches_staff_interests",
                    "is_confidential",
                    "gate_override_reason",
                    "secretary_spoke_last",
                    "votes_for",
                    "votes_against",
                    "votes_abstain",
                    "result",
                    "deferral_reason",
                    "minutes",
                    *stamps,
                ],
            ),
            item_comm=through(AgendaItem.pre_communications, "agendaitem", "communication"),
            vote=Table(Vote, ["item", "person", "choice"]),
            recusal=Table(Recusal, ["item", "person", "reason"]),
            decision=Table(
                Decision,
                [
                    "school",
                    "title",
                    "description",
                    "matter_type",
                    "category",
                    "tier",
                    "amount",
                    "status",
                    "outcome",
                    "deciding_item",
                    "decided_by",
                    "decided_on",
                    "closing_summary",
                    "closed_on",
                    "created_by",
                    *stamps,
                ],
            ),
            decision_leader=through(Decision.responsible_leaders, "decision", "person"),
            decision_comm=through(Decision.communications, "decision", "communication"),
            decision_item=through(Decision.agenda_items, "decision", "agendaitem"),
            transition=Table(DecisionTransition, ["decision", "from_status", "to_status", "note", "by", "at"]),
            consultation=Table(Consultation, ["decision", "person", "consulted_on", "opinion", *stamps]),
            legal_review=Table(LegalReview, ["decision", "reviewer", "reviewed_on", "conclusion", "note", *stamps]),
            task=Table(Task, ["decision", "title", "owner", "due_on", "status", "done_on", *stamps]),
            progress=Table(TaskProgress, ["task", "noted_on", "text", "author", "created_at"]),
        )

    def all(self) -> list[Table]:
        return [getattr(self, name) for name in self.__dataclass_fields__]

    def flush(self) -> int:
        return sum(table.flush() for table in self.all())


@dataclass
class Holder:
    """One appointment: who holds which post from when to when (end inclusive, None = in office)."""

    person: int
    post: str
    start: date
    end: date | None
    bodies: tuple[str, ...]

    def on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or self.end >= day)


@dataclass
class MeetingPlan:
    pk: int
    body: str
    day: date
    present: list[int]
    expected: int
    finalised: bool
    items: int = 0
    stamp: datetime | None = None


@dataclass
class SchoolPlan:
    index: int
    pk: int
    code: str
    district: int
    group: int | None
    parent: int | None
    committee: bool
    combined: bool
    holders: list[Holder] = field(default_factory=list)
    clerk: int = 0
    secretary_user: int = 0
    principal_user: int = 0
    weekly_talks: bool = False


class Generator:
    def __init__(self, *, schools: int, years: int, seed: int, today: date, progress: Callable[[str], None]):
        self.n_schools, self.years, self.seed, self.today = schools, years, seed, today
        self.progress = progress
        self.first_month = add_months(month_start(today), -(years * 12 - 1))
        self.t = Tables.create()
        self.districts: list[int] = []
        self.groups: list[int] = []
        self.used_names: set[str] = set()
        for model in (SchoolDistrict, EducationGroup, School):
            self.used_names.update(model.objects.values_list("name", flat=True))
        self._names: dict[int, str] = {}

    # --- helpers ------------------------------------------------------------------------------------
    def rng(self, *parts) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))

    def _stamps(self, moment: datetime, updated: datetime | None = None) -> dict:
        return {"created_at": moment, "updated_at": updated or moment}

    def _person(self, rng: random.Random, note: str = "") -> int:
        gender = rng.choice("FM")
        given = rng.choice(names.GIVEN_FEMALE if gender == "F" else names.GIVEN_MALE)
        pk = self.t.person.next_id
        registered = _at(self.first_month - timedelta(days=60), 9)
        return self.t.person.add(
            code=f"{CODE_PREFIX}P{pk:07d}",
            name=rng.choice(names.SURNAMES) + given,
            gender=gender,
            note=note,
            **self._stamps(registered),
        )

    def _unique_name(self, base: str) -> str:
        name, n = base, 1
        while name in self.used_names:
            n += 1
            name = f"{base}（{n}）" if not base.endswith("学区") else f"{base[:-2]}第{n}学区"
        self.used_names.add(name)
        return name

    # --- organisation --------------------------------------------------------------------------------
    def organisation(self) -> None:
        rng = self.rng("org")
        registered = _at(self.first_month - timedelta(days=90), 9)
        for i in range(max(1, self.n_schools // 20)):
            name = self._unique_name(f"{names.PLACES[i % len(names.PLACES)]}学区")
            pk = self.t.district.add(
                code=f"{CODE_PREFIX}XQ{i + 1:03d}",
                name=name,
                office_name=f"{name}管理中心",
                **self._stamps(registered),
            )
            self.districts.append(pk)
        for i in range(max(1, self.n_schools // 15)):
            place = names.PLACES[(i * 7 + 3) % len(names.PLACES)]
            name = self._unique_name(f"{place}{rng.choice(('实验', '第一', '育才', '附属'))}教育集团")
            self.groups.append(
                self.t.group.add(code=f"{CODE_PREFIX}JT{i + 1:03d}", name=name, **self._stamps(registered))
            )
        start = self.first_month - timedelta(days=365)
        if not Policy.objects.filter(school__isnull=True, effective_from=start).exists():
            self.t.policy.add(
                school=None,
                effective_from=start,
                large_amount_threshold=Decimal("100000"),
                minutes_due_days=7,
                regular_talk_period="month",
                emergency_log_hours=24,
                vacancy_days=30,
                legal_review_exempt_categories=_json([]),
                note="生成数据：全区通用参数",
                **self._stamps(registered),
            )

    def plan_school(self, index: int, previous: list[SchoolPlan]) -> SchoolPlan:
        rng = self.rng("school", index)
        level = rng.choices([lv for lv, _ in LEVELS], [w for _, w in LEVELS])[0]
        district = self.districts[index * len(self.districts) // self.n_schools]
        campus_of = None
        same_district = [p for p in previous[-15:] if p.district == district and p.parent is None]
        if same_district and rng.random() < 0.08:
            campus_of = rng.choice(same_district)
        group = campus_of.group if campus_of else (rng.choice(self.groups) if rng.random() < 0.4 else None)
        committee = level != "primary" and rng.random() < 0.7 and campus_of is None
        if campus_of:
            base = f"{self._school_name(campus_of)}{rng.choice(names.PLACES)}校区"
        else:
            base = f"北京市{rng.choice(names.PLACES)}{rng.choice(names.LEVEL_SUFFIX[level])}"
        name = self._unique_name(base)
        pk = self.t.school.add(
            code=f"{CODE_PREFIX}{index + 1:06d}",
            name=name,
            level=level,
            party_org_type="committee" if committee else rng.choice(("general_branch", "branch")),
            district=district,
            group=group,
            parent=campus_of.pk if campus_of else None,
            address=f"北京市{rng.choice(names.PLACES)}路{rng.randint(1, 300)}号",
            is_active=True,
            **self._stamps(_at(self.first_month - timedelta(days=30), 9)),
        )
        self._names[pk] = name
        plan = SchoolPlan(
            index=index,
            pk=pk,
            code=f"{CODE_PREFIX}{index + 1:06d}",
            district=district,
            group=group,
            parent=campus_of.pk if campus_of else None,
            committee=committee,
            combined=not committee and rng.random() < 0.1,
        )
        self._leadership(plan, rng)
        return plan

    def _school_name(self, plan: SchoolPlan) -> str:
        return self._names[plan.pk]

    def _leadership(self, plan: SchoolPlan, rng: random.Random) -> None:
        first, today = self.first_month, self.today
        span = (today - first).days

        def appoint(post: str, bodies: tuple[str, ...], start: date, end: date | None = None, person=None) -> Holder:
            holder = Holder(person or self._person(rng), post, start, end, bodies)
            plan.holders.append(holder)
            return holder

        def initial_start() -> date:
            return first - timedelta(days=rng.randint(60, 2000))

        pair_bodies = (PC, PO, JOINT, SC)
        secretary = appoint("secretary", pair_bodies, initial_start())
        if plan.combined:
            appoint("principal", (), secretary.start, person=secretary.person)
        else:
            principal = appoint("principal", pair_bodies, initial_start())
            roll = rng.random()
            if roll < 0.02:  # the principal left recently and nobody was appointed yet: a vacancy
                principal.end = today - timedelta(days=rng.randint(35, 120))
            elif roll < 0.22:  # a new principal during the period
                change = first + timedelta(days=rng.randint(90, max(91, span - 60)))
                principal.end = change - timedelta(days=1)
                appoint("principal", pair_bodies, change)
        if rng.random() < 0.1 and not plan.combined:  # a new secretary during the period
            change = first + timedelta(days=rng.randint(90, max(91, span - 60)))
            secretary.end = change - timedelta(days=1)
            appoint("secretary", pair_bodies, change)
        if plan.committee:
            appoint("deputy_secretary", (PC, JOINT), initial_start())
        for _ in range(2 if plan.committee else 1):
            appoint("deputy_principal", (PO, JOINT, SC), initial_start())
        for _ in range(rng.randint(1, 2)):
            appoint("committee_member", (PC, JOINT), initial_start())
        appoint("discipline_secretary", (PC, JOINT), initial_start())
        appoint("union_chair", (SC, JOINT), initial_start())
        if rng.random() < 0.01:
            plan.weekly_talks = True

        stamp = _at(first - timedelta(days=30), 10)
        for holder in plan.holders:
            self.t.appointment.add(
                person=holder.person,
                school=plan.pk,
                post=holder.post,
                start=holder.start,
                end=holder.end,
                note="",
                **self._stamps(stamp),
            )
            for body in holder.bodies:
                self.t.membership.add(
                    person=holder.person,
                    school=plan.pk,
                    body=body,
                    start=holder.start,
                    end=holder.end,
                    **self._stamps(stamp),
                )
        joined = _at(first - timedelta(days=30), 9)
        user = lambda role, person, username: self.t.user.add(  # noqa: E731
            password=PASSWORD,
            last_login=None,
            is_superuser=False,
            username=username,
            first_name="",
            last_name=f"{plan.code}{role}",
            email="",
            is_staff=False,
            is_active=True,
            date_joined=joined,
            role=role,
            school_district=None,
            school=plan.pk,
            person=person,
        )
        plan.clerk = user("clerk", None, f"{plan.code.lower()}_clerk")
        current_secretary = self._holder(plan, "secretary", today)
        current_principal = self._holder(plan, "principal", today)
        plan.secretary_user = user("secretary", current_secretary, f"{plan.code.lower()}_secretary")
        if plan.combined or current_principal is None:
            plan.principal_user = plan.secretary_user
        else:
            plan.principal_user = user("principal", current_principal, f"{plan.code.lower()}_principal")
        if plan.weekly_talks:
            self.t.policy.add(
                school=plan.pk,
                effective_from=first - timedelta(days=365),
                large_amount_threshold=Decimal("100000"),
                minutes_due_days=7,
                regular_talk_period="week",
                emergency_log_hours=24,
                vacancy_days=30,
                legal_review_exempt_categories=_json([]),
                note="生成数据：本校要求每周一对一深度对话",
                **self._stamps(_at(first - timedelta(days=30), 9)),
            )

    @staticmethod
    def _holder(plan: SchoolPlan, post: str, day: date) -> int | None:
        for holder in plan.holders:
            if holder.post == post and holder.on(day):
                return holder.person
        return None

    def _members(self, plan: SchoolPlan, body: str, day: date) -> list[int]:
        return sorted({h.person for h in plan.holders if body in h.bodies and h.on(day)})

    # --- records of one school -----------------------------------------------------------------------
    def records(self, plan: SchoolPlan) -> None:
        rng = self.rng("records", plan.index)
        meetings = self._meetings(plan, rng)
        self._communications(plan, rng)
        self._decisions(plan, rng, meetings)
        for meeting in meetings:
            for _ in range(rng.choice((0, 1, 1, 2)) if meeting.body != SC else 1):
                self._general_item(plan, rng, meeting)

    def _meetings(self, plan: SchoolPlan, rng: random.Random) -> list[MeetingPlan]:
        planned: list[tuple[date, str]] = []
        month = self.first_month
        while month <= self.today:
            planned.append((_weekday(month + timedelta(days=rng.randint(7, 11))), PC))
            planned.append((_weekday(month + timedelta(days=rng.randint(2, 5))), PO))
            if rng.random() < 0.5:
                planned.append((_weekday(month + timedelta(days=rng.randint(21, 25))), PC))
            if rng.random() < 0.5:
                planned.append((_weekday(month + timedelta(days=rng.randint(16, 19))), PO))
            if month.month in (1, 4, 7, 10):
                planned.append((_weekday(month + timedelta(days=13)), JOINT))
            if month.month in (3, 9):
                planned.append((_weekday(month + timedelta(days=26)), SC))
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
        start = _at(day, 15, 30)
        age = (self.today - day).days
        delay = rng.randint(8, 20) if rng.random() < 0.02 else rng.randint(1, 6)
        finalised = day + timedelta(days=delay) <= self.today and not (age < 7 and rng.random() < 0.5)
        finalised_at = _at(day + timedelta(days=delay), 17) if finalised else None
        chair = {
            PC: self._holder(plan, "secretary", day),
            PO: self._holder(plan, "principal", day),
            JOINT: self._holder(plan, "secretary", day),
            SC: next((h.person for h in plan.holders if h.post == "union_chair"), None),
        }[body]
        label = BODY_LABEL[body]
        pk = self.t.meeting.add(
            school=plan.pk,
            body=body,
            title=f"{day.year}年第{number}次{label}",
            date=day,
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
        timing = {"sanzhong_yida": "before_decision", "emergency": "urgent", "regular_talk": "routine"}.get(
            category, rng.choice(("routine", "before_decision"))
        )
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
            if plan.weekly_talks:
                week = month - timedelta(days=month.weekday())
                while week < add_months(month, 1):
                    day = week + timedelta(days=2)
                    if month <= day <= self.today and rng.random() < 0.95:
                        self._communication(plan, rng, _at(day, 16), "regular_talk", rng.choice(names.TALK_SUBJECTS))
                    week += timedelta(days=7)
            else:
                day = _weekday(month + timedelta(days=rng.randint(4, 24)))
                if day <= self.today and rng.random() < 0.96:
                    self._communication(plan, rng, _at(day, 16), "regular_talk", rng.choice(names.TALK_SUBJECTS))
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
                moment = _at(day, rng.randint(8, 18))
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
    ) -> tuple[int, str]:
        meeting.items += 1
        present = list(meeting.present)
        recused: int | None = None
        if per_member_votes and len(present) > 2 and rng.random() < 0.03:
            recused = present[-1]
        voters = [p for p in present if p != recused]
        against = 1 if rng.random() < 0.04 and len(voters) > 2 else 0
        abstain = 1 if rng.random() < 0.06 and len(voters) > 3 else 0
        votes_for = len(voters) - against - abstain
        if rng.random() < 0.002:  # recorded as passed without a majority of 应到 (MAJORITY)
            votes_for = meeting.expected // 2
        if len(present) * 2 <= meeting.expected:
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
            category=category,
            touches_staff_interests=touches,
            is_confidential=category == "personnel",
            gate_override_reason="主持人说明：事项紧急，经书面说明后上会。" if comms and rng.random() < 0.003 else "",
            secretary_spoke_last=spoke_last,
            votes_for=votes[0],
            votes_against=votes[1],
            votes_abstain=votes[2],
            result=result,
            deferral_reason="出席人数未过半，暂缓表决" if result == "deferred" else "",
            minutes=f"会议研究了“{title}”。" if meeting.finalised else "",
            **self._stamps(_at(meeting.day, 15, 30), meeting.stamp),
        )
        for comm in comms:
            self.t.item_comm.add(agendaitem=pk, communication=comm)
        if per_member_votes and decided:
            choices = ["for"] * votes_for + ["against"] * against + ["abstain"] * abstain
            for person, choice in zip(voters, choices, strict=False):
                self.t.vote.add(item=pk, person=person, choice=choice)
            if recused is not None:
                self.t.recusal.add(item=pk, person=recused, reason="与议题涉及人员存在亲属关系")
                if rng.random() < 0.05:  # the recused member voted anyway (RECUSAL)
                    self.t.vote.add(item=pk, person=recused, choice="for")
        return pk, result

    def _general_item(self, plan: SchoolPlan, rng: random.Random, meeting: MeetingPlan) -> None:
        if meeting.body == SC:
            title, touches = f"{meeting.day.year}年学校工作报告", True
        else:
            title, touches = rng.choice(names.GENERAL_ITEMS), meeting.body == PO and rng.random() < 0.005
        self._item(plan, rng, meeting, title=title, category="general", proposer=None, touches=touches)

    def _transition(self, decision: int, steps: list[tuple[str, str, datetime]], user: int) -> None:
        for from_status, to_status, at in steps:
            self.t.transition.add(
                decision=decision, from_status=from_status, to_status=to_status, note="", by=user, at=at
            )

    def _decisions(self, plan: SchoolPlan, rng: random.Random, meetings: list[MeetingPlan]) -> None:
        month = self.first_month
        while month <= self.today:
            for _ in range(rng.choices((0, 1, 2), (0.35, 0.5, 0.15))[0]):
                self._sanzhong(plan, rng, meetings, month + timedelta(days=rng.randint(0, 20)))
            if rng.random() < 0.5:
                self._ordinary(plan, rng, month + timedelta(days=rng.randint(0, 25)))
            month = add_months(month, 1)

    def _tasks(self, plan: SchoolPlan, rng: random.Random, decision: int, decided_on: date, owner: int) -> list:
        done_days = []
        for n in range(rng.choice((1, 1, 2))):
            due = decided_on + timedelta(days=rng.randint(30, 120))
            created = _at(decided_on, 11)
            if due < self.today and rng.random() < 0.96:
                done_on = max(decided_on + timedelta(days=1), due - timedelta(days=rng.randint(0, 10)))
                status = "done"
            else:
                done_on, status = None, rng.choice(("open", "in_progress"))
            if done_on and done_on > self.today:
                done_on, status = None, "in_progress"
            task = self.t.task.add(
                decision=decision,
                title=f"落实任务{n + 1}",
                owner=owner,
                due_on=due,
                status=status,
                done_on=done_on,
                **self._stamps(created, _at(done_on, 17) if done_on else created),
            )
            if status != "open" and rng.random() < 0.6:
                noted = min(self.today, decided_on + timedelta(days=14))
                self.t.progress.add(
                    task=task, noted_on=noted, text="已按计划推进。", author=plan.clerk, created_at=_at(noted, 17)
                )
            done_days.append(done_on)
        return done_days

    def _sanzhong(self, plan: SchoolPlan, rng: random.Random, meetings: list[MeetingPlan], day: date) -> None:
        if day > self.today:
            return
        category = rng.choices(
            ("major_decision", "personnel", "major_project", "large_funds"), (0.35, 0.25, 0.15, 0.25)
        )[0]
        title = rng.choice(names.SANZHONG[category])
        principal = self._holder(plan, "principal", day) or self._holder(plan, "secretary", day)
        forced = rng.random() < 0.01
        comm = self._communication(
            plan, rng, _at(day, 10), "sanzhong_yida", title, outcome="disagreement" if forced else "consensus"
        )
        comms = () if comm is None or rng.random() < 0.01 else (comm,)
        amount = None
        if category == "large_funds":
            amount = Decimal(rng.randint(100_000, 3_000_000))
        elif category == "major_project" and rng.random() < 0.5:
            amount = Decimal(rng.randint(20_000, 99_999))
        created = _at(day, 9)
        steps = [("", "draft", created)]
        status, outcome, deciding, decided_on, closed_on = "draft", "", None, None, None
        item_ids = []
        if comm is not None:
            steps.append(("draft", "communicating", _at(day, 11)))
            status = "communicating"
        proposal = self._next(meetings, PO, day) if comm is not None else None
        if proposal is not None:
            pk, _ = self._item(
                plan, rng, proposal, title=f"研究{title}", category=category, proposer=principal, comms=comms
            )
            item_ids.append(pk)
            steps.append(("communicating", "on_agenda", _at(proposal.day, 17)))
            status = "on_agenda"
            wrong_body = rng.random() < 0.005
            target = proposal if wrong_body else self._next(meetings, PC, proposal.day)
            if target is not None:
                if target is not proposal:
                    pk, result = self._item(
                        plan,
                        rng,
                        target,
                        title=f"讨论决定{title}",
                        category=category,
                        proposer=principal,
                        per_member_votes=category == "personnel",
                        comms=comms,
                    )
                    item_ids.append(pk)
                else:
                    result = "passed"
                deciding = item_ids[-1]
                decided_on = target.day
                outcome = {"passed": "passed", "rejected": "rejected"}.get(result, "deferred")
                status = "decided"
                steps.append(("on_agenda", "decided", _at(target.day, 17, 30)))
        decision = self.t.decision.next_id
        if outcome == "passed":
            deploy = self._next(meetings, PO, decided_on)
            if deploy is not None:
                pk, _ = self._item(
                    plan, rng, deploy, title=f"部署落实{title}", category=category, proposer=principal, comms=comms
                )
                item_ids.append(pk)
                done = self._tasks(plan, rng, decision, decided_on, principal)
                status = "implementing"
                steps.append(("decided", "implementing", _at(deploy.day, 17)))
                if all(done) and max(done) < self.today:
                    closed_on = max(max(done), deploy.day)
                    status = "closed"
                    steps.append(("implementing", "closed", _at(closed_on, 18)))
        if decided_on is not None and rng.random() >= 0.02:
            reviewed = day + timedelta(days=rng.randint(0, max(0, (decided_on - day).days)))
            self.t.legal_review.add(
                decision=decision,
                reviewer="学校法律顾问",
                reviewed_on=reviewed,
                conclusion="lawful",
                note="经审查，该事项符合法律法规和政策规定。",
                **self._stamps(_at(reviewed, 14)),
            )
        pk = self.t.decision.add(
            school=plan.pk,
            title=title,
            description=f"{title}，按三重一大程序决策。",
            matter_type=None,
            category=category,
            tier="collective",
            amount=amount,
            status=status,
            outcome=outcome,
            deciding_item=deciding,
            decided_by=None,
            decided_on=decided_on,
            closing_summary="各项任务已完成，事项办结。" if status == "closed" else "",
            closed_on=closed_on,
            created_by=plan.clerk,
            **self._stamps(created, steps[-1][2]),
        )
        self._transition(pk, steps, plan.clerk)
        if principal:
            self.t.decision_leader.add(decision=pk, person=principal)
        if comm is not None:
            self.t.decision_comm.add(decision=pk, communication=comm)
        for item in item_ids:
            self.t.decision_item.add(decision=pk, agendaitem=item)

    def _ordinary(self, plan: SchoolPlan, rng: random.Random, day: date) -> None:
        if day > self.today:
            return
        principal = self._holder(plan, "principal", day) or self._holder(plan, "secretary", day)
        deputy = next((h.person for h in plan.holders if h.post == "deputy_principal" and h.on(day)), principal)
        tier = rng.choice(("consult", "autonomous"))
        title = rng.choice(names.GENERAL_DECISIONS)
        amount = None
        if rng.random() < 0.3:
            amount = Decimal(rng.randint(120_000, 400_000) if rng.random() < 0.01 else rng.randint(1_000, 80_000))
        created = _at(day, 9)
        decision = self.t.decision.next_id
        steps = [("", "draft", created), ("draft", "decided", _at(day, 16))]
        closed_on = day + timedelta(days=rng.randint(5, 30))
        status = "decided"
        if closed_on < self.today:
            status = "closed"
            steps.append(("decided", "closed", _at(closed_on, 17)))
        else:
            closed_on = None
        if tier == "consult":
            self.t.consultation.add(
                decision=decision,
                person=deputy,
                consulted_on=day,
                opinion="同意。",
                **self._stamps(_at(day, 11)),
            )
        pk = self.t.decision.add(
            school=plan.pk,
            title=title,
            description="",
            matter_type=None,
            category="general",
            tier=tier,
            amount=amount,
            status=status,
            outcome="passed",
            deciding_item=None,
            decided_by=principal,
            decided_on=day,
            closing_summary="已办结。" if status == "closed" else "",
            closed_on=closed_on,
            created_by=plan.clerk,
            **self._stamps(created, steps[-1][2]),
        )
        self._transition(pk, steps, plan.clerk)
        if principal:
            self.t.decision_leader.add(decision=pk, person=principal)


def _json(value):
    """JSONField value as the database driver expects it (a JSON string for raw COPY / INSERT)."""
    import json

    return json.dumps(value)


def generate(
    *,
    schools: int,
    years: int,
    seed: int = 1,
    today: date | None = None,
    chunk: int = 50,
    check_rules: bool = True,
    progress: Callable[[str], None] = print,
) -> dict[str, int]:
    """Generate the dataset into the default database and return the number of rows per table."""
    today = today or timezone.localdate()
    if School.objects.filter(code__startswith=f"{CODE_PREFIX}0").exists():
        raise ValueError("数据库中已有生成的数据集；请使用空数据库。")
    gen = Generator(schools=schools, years=years, seed=seed, today=today, progress=progress)
    with transaction.atomic():
        gen.organisation()
        gen.t.flush()
    plans: list[SchoolPlan] = []
    started = timezone.now()
    for first in range(0, schools, chunk):
        with transaction.atomic():
            for index in range(first, min(first + chunk, schools)):
                plan = gen.plan_school(index, plans)
                plans.append(plan)
                gen.records(plan)
            gen.t.flush()
        done = min(first + chunk, schools)
        rows = sum(table.written for table in gen.t.all())
        elapsed = (timezone.now() - started).total_seconds()
        progress(f"学校 {done}/{schools}，已写入 {rows:,} 行，用时 {elapsed:.0f} 秒")
    for table in gen.t.all():
        table.reset_sequence()
    if connection.vendor == "postgresql":
        # After a bulk load: statistics for the planner, and (outside a transaction) the visibility map, without
        # which an index-only scan still reads every row from the table until autovacuum has passed.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for table in gen.t.all():
                cursor.execute(f'{command} "{table.name}"')
    counts = {table.name: table.written for table in gen.t.all()}
    if check_rules:
        from decisions.rules.engine import run_rules

        progress("运行合规规则……")
        summary = run_rules(today=today)
        counts["decisions_finding"] = summary.open_total
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute('ANALYZE "decisions_finding"')
    DemoDataset.objects.create(note=marker_note(schools=schools, years=years, seed=seed, today=today))
    dataversion.bump()  # rows written by COPY send no signal
    return counts
