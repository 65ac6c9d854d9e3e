"""A decision planned as rows through its lifecycle (拟议 → 沟通中 → 已上会 → 已决策 → 落实中 → 已办结), each step
recorded as a transition like the services record it, and its 督办 tasks with progress notes."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from core.models import User
from decisions.choices import SANZHONG_YIDA_CATEGORIES, DecisionStatus, Outcome, ReviewConclusion, TaskStatus, Tier
from decisions.classification import classify
from decisions.models import (
    Consultation,
    Decision,
    DecisionTransition,
    ImplementationReport,
    LegalReview,
    Task,
    TaskProgress,
)
from meetings.models import AgendaItem, Communication
from schools.choices import MeetingBody
from schools.models import Person, School

from .base import Demo
from .texts import MATTERS, PROGRESS_NOTES, STAFF_MATTERS, URGENT_REPAIR

S = DecisionStatus
TASK_TITLES = {m.title: m.tasks for matters in MATTERS.values() for m in matters}
TASK_TITLES.update({m.title: m.tasks for m in (*STAFF_MATTERS, URGENT_REPAIR)})


class Matter:
    """One decision and its lifecycle, planned as rows."""

    def __init__(
        self,
        demo: Demo,
        *,
        school: School,
        title: str,
        category: str,
        tier: str,
        by: User,
        at: datetime,
        description: str = "",
        amount: Decimal | None = None,
        leaders: Iterable[Person] = (),
    ):
        self.demo, self.by = demo, by
        category, tier = classify(school=school, on=at.date(), category=category, tier=tier, amount=amount)
        self.obj = demo.ledger.add(
            Decision(
                school=school,
                title=title,
                description=description,
                category=category,
                tier=tier,
                amount=amount,
                status=S.DRAFT,
                created_by=by,
            ),
            at,
            by,
        )
        demo.ledger.link(self.obj, "responsible_leaders", leaders)
        self.tasks: list[Task] = []
        self.talks: list[Communication] = []
        self.early = False  # tasks set before a 校长办公会 deployed the matter
        self.twist: set[str] = set()
        self._record("", "拟议", at)

    def _record(self, previous: str, note: str, at: datetime, by: User | None = None) -> None:
        transition = DecisionTransition(
            decision=self.obj, from_status=previous, to_status=self.obj.status, note=note, by=by or self.by
        )
        self.demo.ledger.add(transition, at, by or self.by)

    def move(self, status: str, note: str, at: datetime, by: User | None = None) -> None:
        previous, self.obj.status = self.obj.status, status
        self._record(previous, note, at, by)

    def talked(self, talks: list[Communication], at: datetime) -> None:
        self.demo.ledger.link(self.obj, "communications", talks)
        self.talks.extend(talks)
        if self.obj.status == S.DRAFT:
            self.move(S.COMMUNICATING, "开始书记校长沟通", at)

    def on_agenda(self, item: AgendaItem, at: datetime) -> None:
        """An item joins the decision chain; a party-meeting item puts the matter 已上会."""
        self.demo.ledger.link(self.obj, "agenda_items", [item])
        if self.obj.status in (S.DRAFT, S.COMMUNICATING) and item.meeting.body == MeetingBody.PARTY_COMMITTEE:
            self.move(S.ON_AGENDA, f"列入{item.meeting.date:%Y-%m-%d} {item.meeting.title}议题", at)

    def reviewed(self, on: date, reviewer: str, conclusion: str = ReviewConclusion.LAWFUL, note: str = "") -> None:
        if not self.demo.is_past(on):
            return
        review = LegalReview(
            decision=self.obj,
            reviewer=reviewer,
            reviewed_on=on,
            conclusion=conclusion,
            note=note or "经审查，该事项决策依据充分、程序合法。",
        )
        self.demo.ledger.add(review, self.demo.moment(on, 15), self.by)

    def consulted(self, person: Person, on: date, opinion: str) -> None:
        consultation = Consultation(decision=self.obj, person=person, consulted_on=on, opinion=opinion)
        self.demo.ledger.add(consultation, self.demo.moment(on, 16), self.by)

    def decide(
        self,
        at: datetime,
        *,
        item: AgendaItem | None = None,
        outcome: str | None = None,
        decided_by: Person | None = None,
    ) -> None:
        """已决策: by the deciding item's computed result (collective), or by the leader (中事、小事)."""
        decision = self.obj
        outcome = outcome or (item.result if item is not None else Outcome.PASSED)
        decision.outcome, decision.decided_on = outcome, at.date() if item is None else item.meeting.date
        decision.deciding_item = item if decision.tier == Tier.COLLECTIVE else None
        decision.decided_by = decided_by if decision.tier == Tier.AUTONOMOUS else None
        self.move(S.DECIDED, f"决策结果：{Outcome(outcome).label}", at)

    def reopen(self, at: datetime) -> None:
        self.obj.outcome, self.obj.decided_on, self.obj.deciding_item = "", None, None
        self.move(S.COMMUNICATING, "暂缓后再沟通", at)

    # --- 落实 -------------------------------------------------------------------------------------
    def assign(
        self,
        day: date,
        owners: list[Person],
        *,
        by: User,
        late: set[int] = frozenset(),
        overdue: set[int] = frozenset(),
    ) -> None:
        """The tasks, each with a progress note half-way and done a little before its due date; tasks in
        `overdue` are never finished, those in `late` are left for a story to finish late."""
        if not self.demo.is_past(day):
            return
        rng, at = self.demo.rng, self.demo.moment(day, 15)
        titles = TASK_TITLES.get(self.obj.title, ("制定落实方案", "组织实施并报告落实情况"))[: len(owners) or 1]
        due, finished = day, []
        for index, title in enumerate(titles):
            due += timedelta(days=rng.randint(20, 40))
            task = self.demo.ledger.add(
                Task(decision=self.obj, title=title, owner=owners[index % len(owners)], due_on=due), at, by
            )
            self.tasks.append(task)
            if self.obj.status == S.DECIDED:
                self.move(S.IMPLEMENTING, "分解督办任务", at, by)
            finished.append(self._carry_out(task, day, by, stop=index in late | overdue))
        if all(finished) and not late:
            closed_on = max(finished) + timedelta(days=rng.randint(3, 8))
            if self.demo.is_past(closed_on):
                self.close(closed_on, by)

    def _note(self, task: Task, on: date, text: str, by: User) -> None:
        self.demo.ledger.add(TaskProgress(task=task, noted_on=on, text=text, author=by), self.demo.moment(on, 17), by)

    def _carry_out(self, task: Task, start: date, by: User, *, stop: bool) -> date | None:
        middle = start + (task.due_on - start) // 2
        if self.demo.is_past(middle):
            self._note(task, middle, self.demo.rng.choice(PROGRESS_NOTES), by)
            task.status = TaskStatus.IN_PROGRESS
        done = max(middle + timedelta(days=1), task.due_on - timedelta(days=self.demo.rng.randint(0, 10)))
        if stop or not self.demo.is_past(done):
            return None
        self._note(task, done, "任务已按期完成。", by)
        task.status, task.done_on = TaskStatus.DONE, done
        return done

    def report(self, on: date, by: User, at: datetime | None = None) -> ImplementationReport | None:
        """The principal's report on the implementation to the 党组织, recorded on `on` (or at `at`)."""
        pair = self.demo.pair(self.obj.school, on)
        if pair is None:
            return None
        report = ImplementationReport(
            decision=self.obj,
            reported_on=on,
            reporter=pair.principal,
            summary=f"校长向党组织报告“{self.obj.title}”的执行情况：各项任务已按期完成，经费使用和验收材料齐全。",
        )
        return self.demo.ledger.add(report, at or self.demo.moment(on, 15), by)

    def close(self, on: date, by: User) -> None:
        """已办结; a 三重一大 matter after the principal's report on its implementation (REPORT_BACK), unless a
        twist leaves it out (`no_report`: open) or has it recorded after the check flagged it (`report_late`)."""
        sanzhong = self.obj.category in SANZHONG_YIDA_CATEGORIES
        if sanzhong and not self.twist & {"no_report", "report_late"}:
            self.report(on - timedelta(days=1), by)
        self.obj.closing_summary = f"“{self.obj.title}”各项任务已全部完成，校长已向党组织会议报告落实情况。"
        self.obj.closed_on = on
        self.move(S.CLOSED, "办结", self.demo.moment(on, 16), by)
        if sanzhong and "report_late" in self.twist:
            self._report_late(on, by)

    def _report_late(self, closed_on: date, by: User) -> None:
        """Closed before the report was recorded: the check flags it that night, the report is recorded later."""
        recorded = closed_on + timedelta(days=2)
        if not self.demo.is_past(recorded + timedelta(days=1)):
            return
        school, demo = self.obj.school, self.demo
        pair = demo.pair(school, recorded)

        def story() -> None:
            demo.check(school, closed_on, 22, "REPORT_BACK")
            with demo.at(recorded, 10):
                ImplementationReport.objects.create(
                    decision=self.obj,
                    reported_on=closed_on - timedelta(days=1),
                    reporter=pair.principal,
                    summary=f"（补录）校长已于办结前一日向党组织报告“{self.obj.title}”的执行情况，各项任务均已完成。",
                )
            demo.check(school, recorded + timedelta(days=1), 1, "REPORT_BACK")

        demo.story(demo.moment(closed_on, 22), story)
