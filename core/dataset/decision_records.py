"""三重一大 decisions with their chain, legal reviews, consultations and tasks, and ordinary decisions."""

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from reports.aggregates.scope import add_months

from . import names
from .base import GeneratorBase
from .plans import PC, PO, MeetingPlan, SchoolPlan, at_local


class DecisionRecords(GeneratorBase):
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
            created = at_local(decided_on, 11)
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
                **self._stamps(created, at_local(done_on, 17) if done_on else created),
            )
            if status != "open" and rng.random() < 0.6:
                noted = min(self.today, decided_on + timedelta(days=14))
                self.t.progress.add(
                    task=task, noted_on=noted, text="已按计划推进。", author=plan.clerk, created_at=at_local(noted, 17)
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
            plan, rng, at_local(day, 10), "sanzhong_yida", title, outcome="disagreement" if forced else "consensus"
        )
        comms = () if comm is None or rng.random() < 0.01 else (comm,)
        amount = None
        if category == "large_funds":
            amount = Decimal(rng.randint(100_000, 3_000_000))
        elif category == "major_project" and rng.random() < 0.5:
            amount = Decimal(rng.randint(20_000, 99_999))
        created = at_local(day, 9)
        steps = [("", "draft", created)]
        status, outcome, deciding, decided_on, closed_on = "draft", "", None, None, None
        item_ids = []
        if comm is not None:
            steps.append(("draft", "communicating", at_local(day, 11)))
            status = "communicating"
        proposal = self._next(meetings, PO, day) if comm is not None else None
        if proposal is not None:
            pk, _ = self._item(
                plan, rng, proposal, title=f"研究{title}", category=category, proposer=principal, comms=comms
            )
            item_ids.append(pk)
            steps.append(("communicating", "on_agenda", at_local(proposal.day, 17)))
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
                steps.append(("on_agenda", "decided", at_local(target.day, 17, 30)))
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
                steps.append(("decided", "implementing", at_local(deploy.day, 17)))
                if all(done) and max(done) < self.today:
                    closed_on = max(max(done), deploy.day)
                    status = "closed"
                    steps.append(("implementing", "closed", at_local(closed_on, 18)))
                    if (
                        principal is not None and rng.random() < 0.97
                    ):  # the principal's report to the 党组织 (REPORT_BACK)
                        self.t.report.add(
                            decision=decision,
                            reported_on=closed_on,
                            reporter=principal,
                            item=None,
                            summary=f"校长向党组织报告“{title}”的执行情况：各项任务已按期完成。",
                            **self._stamps(at_local(closed_on, 17)),
                        )
        if decided_on is not None and rng.random() >= 0.02:
            reviewed = day + timedelta(days=rng.randint(0, max(0, (decided_on - day).days)))
            self.t.legal_review.add(
                decision=decision,
                reviewer="学校法律顾问",
                reviewed_on=reviewed,
                conclusion="lawful",
                note="经审查，该事项符合法律法规和政策规定。",
                **self._stamps(at_local(reviewed, 14)),
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
            is_emergency=False,
            same_matter_as=None,
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
        created = at_local(day, 9)
        decision = self.t.decision.next_id
        steps = [("", "draft", created), ("draft", "decided", at_local(day, 16))]
        closed_on = day + timedelta(days=rng.randint(5, 30))
        status = "decided"
        if closed_on < self.today:
            status = "closed"
            steps.append(("decided", "closed", at_local(closed_on, 17)))
        else:
            closed_on = None
        if tier == "consult":
            self.t.consultation.add(
                decision=decision,
                person=deputy,
                consulted_on=day,
                opinion="同意。",
                **self._stamps(at_local(day, 11)),
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
            is_emergency=False,
            same_matter_as=None,
            created_by=plan.clerk,
            **self._stamps(created, steps[-1][2]),
        )
        self._transition(pk, steps, plan.clerk)
        if principal:
            self.t.decision_leader.add(decision=pk, person=principal)
