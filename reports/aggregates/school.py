"""One school's dashboard: its pair and their history, this month's communications against the 一对一 cadence,
decisions in progress, overdue tasks and open findings with what to do."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone

from core.models import User
from core.scope import restrict
from decisions.choices import DecisionStatus, Outcome, TaskStatus
from decisions.models import Decision, Finding, Task
from decisions.rules import RULES
from decisions.selectors import decision_list, finding_list, task_list
from meetings.choices import ROUTINE_TALK_CATEGORIES, CommunicationCategory
from meetings.models import Communication
from schools.choices import TalkPeriod
from schools.models import School
from schools.selectors import LeadershipPair, policy_in_force, school_leadership

from .scope import LOCAL_TZ, add_months, local_midnight, month_start

DEFAULT_REMEDY = "请对照相关制度要求整改。"


@dataclass
class TalkCadence:
    """一对一深度对话 this month against the policy in force (每月 or 每周)."""

    period: str  # TalkPeriod
    talks: int  # talks logged this month so far
    required: int  # 1 for 每月; the weeks of the month begun so far for 每周
    covered: int  # periods (the month, or weeks) with at least one talk

    @property
    def period_label(self) -> str:
        return TalkPeriod(self.period).label

    @property
    def is_met(self) -> bool:
        return self.covered >= self.required


@dataclass
class FindingGroup:
    rule: str
    title: str
    remedy: str
    findings: list[Finding] = field(default_factory=list)


@dataclass
class SchoolDashboard:
    school: School
    today: date
    month: date
    pair: LeadershipPair
    pair_history: list[LeadershipPair]
    communications: Counter  # category → count this month
    cadence: TalkCadence
    daily_cadence: TalkCadence
    decisions_in_progress: list[Decision]
    overdue_tasks: list[Task]
    finding_groups: list[FindingGroup]

    @property
    def communications_total(self) -> int:
        return sum(self.communications.values())

    @property
    def open_findings(self) -> int:
        return sum(len(group.findings) for group in self.finding_groups)


def _weeks_begun(first: date, today: date) -> list[date]:
    """Mondays of the weeks overlapping the month from its first day up to today."""
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= today:
        weeks.append(monday)
        monday += timedelta(weeks=1)
    return weeks


def talk_cadence(
    *, school: School, talk_days: list[date], first: date, today: date, field: str = "regular_talk_period"
) -> TalkCadence:
    """This month's talks against the policy's cadence: `regular_talk_period` (一对一深度对话) or `daily_talk_period`
    (日常沟通, which a 深度对话 also counts for), as REGULAR_TALK checks them."""
    period = getattr(policy_in_force(school=school, on=today), field)
    if period == TalkPeriod.WEEK:
        weeks = _weeks_begun(first, today)
        talk_weeks = {day - timedelta(days=day.weekday()) for day in talk_days}
        return TalkCadence(period, len(talk_days), len(weeks), len(talk_weeks.intersection(weeks)))
    return TalkCadence(TalkPeriod.MONTH, len(talk_days), 1, min(len(talk_days), 1))


def in_progress(decisions):
    """Not closed, and not finally rejected."""
    return decisions.exclude(status=DecisionStatus.CLOSED).exclude(
        Q(status=DecisionStatus.DECIDED) & Q(outcome=Outcome.REJECTED)
    )


def _finding_groups(findings) -> list[FindingGroup]:
    groups: dict[str, FindingGroup] = {}
    for finding in findings:
        if finding.rule not in groups:
            rule = RULES.get(finding.rule)
            groups[finding.rule] = FindingGroup(
                rule=finding.rule,
                title=rule.title if rule else finding.rule,
                remedy=rule.remedy if rule else DEFAULT_REMEDY,
            )
        groups[finding.rule].findings.append(finding)
    return list(groups.values())


def school_dashboard(*, user: User, school: School, today: date | None = None) -> SchoolDashboard:
    """`school` must already be in the user's scope (the view fetches it with a scoped 404)."""
    today = today or timezone.localdate()
    first = month_start(today)
    this_month = restrict(Communication.objects.all(), user).filter(
        school=school, occurred_at__gte=local_midnight(first), occurred_at__lt=local_midnight(add_months(first, 1))
    )
    rows = list(this_month.order_by().values_list("category", "occurred_at"))
    communications = Counter(category for category, _at in rows)
    talk_days = [
        at.astimezone(LOCAL_TZ).date() for category, at in rows if category == CommunicationCategory.REGULAR_TALK
    ]
    routine_days = [at.astimezone(LOCAL_TZ).date() for category, at in rows if category in ROUTINE_TALK_CATEGORIES]
    tasks = task_list(user=user).filter(decision__school=school, due_on__lt=today).exclude(status=TaskStatus.DONE)
    findings = (
        finding_list(user=user)
        .filter(school=school, resolved_at__isnull=True)
        .prefetch_related(None)
        .order_by("rule", "-first_seen", "pk")
    )
    leadership = school_leadership(school=school, on=today)
    return SchoolDashboard(
        school=school,
        today=today,
        month=first,
        pair=leadership.pair,
        pair_history=leadership.pair_history,
        communications=communications,
        cadence=talk_cadence(school=school, talk_days=talk_days, first=first, today=today),
        daily_cadence=talk_cadence(
            school=school, talk_days=routine_days, first=first, today=today, field="daily_talk_period"
        ),
        decisions_in_progress=list(
            in_progress(decision_list(user=user).filter(school=school)).order_by("status", "-created_at")
        ),
        overdue_tasks=list(tasks.order_by("due_on", "pk")),
        finding_groups=_finding_groups(findings),
    )
