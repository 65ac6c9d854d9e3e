"""The district dashboard's figures for the whole scope, per 学区 and per 集团, in one grouped query per figure
group whatever the number of schools. Plain dataclasses, so the PDF reports can reuse them."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from core.models import User
from decisions.choices import SANZHONG_YIDA_CATEGORIES, TaskStatus
from decisions.models import Decision, Finding, Task
from meetings.models import Communication, Meeting
from schools.models import School
from schools.selectors import pair_people_on

from .scope import DashboardScope, scoped
from .trends import MonthTrend, monthly_trends

TOP_SCHOOLS = 20
DISTRICT = "school__district_id"
GROUP = "school__group_id"


@dataclass
class Figures:
    """The dashboard figures of one slice: the whole scope (`pk` None), one 学区 or one 集团."""

    name: str
    pk: int | None = None
    code: str = ""
    schools: int = 0
    pairs_in_office: int = 0
    vacancies: int = 0
    combined: int = 0
    communications: Counter = field(default_factory=Counter)  # category → count in the period
    meetings: Counter = field(default_factory=Counter)  # body → count in the period
    decisions: Counter = field(default_factory=Counter)  # 三重一大 category → decided in the period
    compliant_decisions: int = 0
    findings: Counter = field(default_factory=Counter)  # rule → open now
    overdue_tasks: int = 0

    @property
    def communications_total(self) -> int:
        return sum(self.communications.values())

    @property
    def meetings_total(self) -> int:
        return sum(self.meetings.values())

    @property
    def decisions_total(self) -> int:
        return sum(self.decisions.values())

    @property
    def open_findings(self) -> int:
        return sum(self.findings.values())

    @property
    def compliance_rate(self) -> float | None:
        """Share of the decided 三重一大 decisions without an open finding (None when nothing was decided)."""
        return self.compliant_decisions / self.decisions_total if self.decisions_total else None


@dataclass(frozen=True)
class SchoolRank:
    school_id: int
    code: str
    name: str
    district_name: str
    open_findings: int


@dataclass
class DistrictDashboard:
    scope: DashboardScope
    total: Figures
    districts: list[Figures]
    groups: list[Figures]
    top_schools: list[SchoolRank]
    trends: list[MonthTrend]


class _School(NamedTuple):
    """What the dashboard needs of a school in scope (a row, not a model instance: 2,000 of them per request)."""

    pk: int
    is_active: bool
    district_id: int
    district_code: str
    district_name: str
    group_id: int | None
    group_code: str | None
    group_name: str | None


def _schools(queryset: QuerySet[School]) -> list[_School]:
    columns = ("pk", "is_active", "district_id", "district__code", "district__name")
    rows = queryset.order_by("district__code", "code").values_list(*columns, "group_id", "group__code", "group__name")
    return [_School(*row) for row in rows]


class _Slices:
    """Routes each grouped row to the total, its 学区 and its 集团."""

    def __init__(self, schools: list[_School]):
        self.total = Figures(name="合计")
        self.districts: dict[int, Figures] = {}
        self.groups: dict[int, Figures] = {}
        for school in schools:
            if school.district_id not in self.districts:
                self.districts[school.district_id] = Figures(
                    name=school.district_name, pk=school.district_id, code=school.district_code
                )
            if school.group_id and school.group_id not in self.groups:
                self.groups[school.group_id] = Figures(
                    name=school.group_name, pk=school.group_id, code=school.group_code
                )

    def of(self, district_id: int | None, group_id: int | None) -> list[Figures]:
        slices = [self.total]
        if district_id in self.districts:
            slices.append(self.districts[district_id])
        if group_id in self.groups:
            slices.append(self.groups[group_id])
        return slices


def _grouped(queryset: QuerySet, school_field: str, *keys: str, **aggregates) -> QuerySet:
    """One GROUP BY query: tuples of (学区, 集团, *keys, *aggregates) (tuples: no dict per row)."""
    return (
        queryset.order_by()
        .values(*keys, district=F(f"{school_field}__district_id"), group=F(f"{school_field}__group_id"))
        .annotate(**aggregates)
        .values_list("district", "group", *keys, *aggregates)
    )


def _add_pairs(slices: _Slices, schools: list[_School], on: date) -> None:
    """Pairs in office, vacancies and 一肩挑 of the active schools on `on` (one query for the appointments)."""
    active = [school for school in schools if school.is_active]
    pairs = pair_people_on(school_ids=[school.pk for school in active], on=on)
    for school in active:
        secretary, principal = pairs[school.pk]
        vacant = secretary is None or principal is None
        for figures in slices.of(school.district_id, school.group_id):
            figures.schools += 1
            figures.pairs_in_office += not vacant
            figures.vacancies += vacant
            figures.combined += not vacant and secretary == principal


def _open_finding_on(app_label: str, model: str, object_field: str) -> Exists:
    return Exists(
        Finding.objects.filter(
            resolved_at__isnull=True,
            content_type__app_label=app_label,
            content_type__model=model,
            object_id=OuterRef(object_field),
        )
    )


def decided_sanzhong_yida(*, user: User, scope: DashboardScope) -> QuerySet[Decision]:
    """三重一大 decisions decided (any outcome) within the period, in scope."""
    return scoped(Decision.objects.all(), user=user, scope=scope).filter(
        category__in=SANZHONG_YIDA_CATEGORIES, decided_on__gte=scope.date_from, decided_on__lte=scope.date_to
    )


def fully_compliant() -> Q:
    """No open finding on the decision nor on the agenda item that decided it."""
    return ~Q(_open_finding_on("decisions", "decision", "pk")) & ~Q(
        _open_finding_on("meetings", "agendaitem", "deciding_item_id")
    )


def _add_records(slices: _Slices, *, user: User, scope: DashboardScope, today: date) -> None:
    communications = scoped(Communication.objects.all(), user=user, scope=scope).filter(
        occurred_at__gte=scope.start_at, occurred_at__lt=scope.end_at
    )
    for district, group, category, n in _grouped(communications, "school", "category", n=Count("*")):
        for figures in slices.of(district, group):
            figures.communications[category] += n

    meetings = scoped(Meeting.objects.all(), user=user, scope=scope).filter(
        date__gte=scope.date_from, date__lte=scope.date_to
    )
    for district, group, body, n in _grouped(meetings, "school", "body", n=Count("*")):
        for figures in slices.of(district, group):
            figures.meetings[body] += n

    decisions = decided_sanzhong_yida(user=user, scope=scope)
    rows = _grouped(decisions, "school", "category", n=Count("*"), ok=Count("pk", filter=fully_compliant()))
    for district, group, category, n, ok in rows:
        for figures in slices.of(district, group):
            figures.decisions[category] += n
            figures.compliant_decisions += ok

    findings = scoped(Finding.objects.all(), user=user, scope=scope).filter(resolved_at__isnull=True)
    for district, group, rule, n in _grouped(findings, "school", "rule", n=Count("*")):
        for figures in slices.of(district, group):
            figures.findings[rule] += n

    tasks = overdue_tasks(user=user, scope=scope, today=today)
    for district, group, n in _grouped(tasks, "decision__school", n=Count("*")):
        for figures in slices.of(district, group):
            figures.overdue_tasks += n


def overdue_tasks(*, user: User, scope: DashboardScope, today: date) -> QuerySet[Task]:
    """Tasks past their due date and not done (what TASK_OVERDUE flags), in scope."""
    tasks = scoped(Task.objects.all(), user=user, scope=scope, school_field="decision__school")
    return tasks.filter(due_on__lt=today).exclude(status=TaskStatus.DONE)


def schools_by_open_findings(*, user: User, scope: DashboardScope, limit: int = TOP_SCHOOLS) -> list[SchoolRank]:
    """The schools with the most open findings, most first (one query)."""
    schools = (
        scoped(School.objects.all(), user=user, scope=scope, school_field="")
        .annotate(open_findings=Count("findings", filter=Q(findings__resolved_at__isnull=True)))
        .filter(open_findings__gt=0)
        .order_by("-open_findings", "code")
        .values("pk", "code", "name", "district__name", "open_findings")[:limit]
    )
    return [
        SchoolRank(row["pk"], row["code"], row["name"], row["district__name"], row["open_findings"]) for row in schools
    ]


def district_dashboard(*, user: User, scope: DashboardScope, today: date | None = None) -> DistrictDashboard:
    """Every figure of the district dashboard, in a number of queries independent of the number of schools."""
    today = today or timezone.localdate()
    schools = _schools(scoped(School.objects.all(), user=user, scope=scope, school_field=""))
    slices = _Slices(schools)
    _add_pairs(slices, schools, scope.date_to)
    _add_records(slices, user=user, scope=scope, today=today)
    return DistrictDashboard(
        scope=scope,
        total=slices.total,
        districts=sorted(slices.districts.values(), key=lambda f: f.code),
        groups=sorted(slices.groups.values(), key=lambda f: f.code),
        top_schools=schools_by_open_findings(user=user, scope=scope),
        trends=monthly_trends(user=user, scope=scope),
    )
