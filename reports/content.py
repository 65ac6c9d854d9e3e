"""What a monthly report says, as plain data for the `templates/reports/pdf/` templates.

The headline figures, the per 学区 / 集团 tables, the trends and the charts are the dashboard's own
(`reports.selectors.district_dashboard`, `reports.charts`), computed for a *report reader*: an unsaved user
whose scope is exactly the report's (全区, one 学区, one school), so `core.scope.restrict` does the narrowing as
everywhere else. The detailed lists (every 三重一大 decision of the month with meeting, votes and pre-communication,
overdue tasks, findings, pair changes, and for a school the month's communications and meetings) are set-based
queries over the section's schools: a constant number of queries whatever the number of schools.

Confidential matters (干部任免, or an agenda item marked 保密) appear without title, description or names.
Every report file can be downloaded by readers outside the school (学区 and district users), so the school
report is redacted too, as on the web pages (`meetings.selectors.sees_confidential`).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from core.models import Role, User
from decisions.choices import SANZHONG_YIDA_CATEGORIES, MatterCategory
from decisions.models import Decision, Finding, Task
from decisions.rules import RULES
from meetings.choices import CommunicationCategory
from meetings.models import AgendaItem, Communication, Meeting
from meetings.roster import expected_count, present_count
from meetings.rules.voting import decides_by_vote
from schools.choices import MeetingBody
from schools.models import Appointment, School, SchoolDistrict
from schools.selectors import PAIR_POSTS, pairs_on

from . import charts, selectors
from .aggregates import DashboardScope, add_months, overdue_tasks
from .aggregates.scope import local_midnight
from .models import ReportRun, ReportScope
from .rendering.fetcher import static_url

REDACTED_TITLE = "干部任免事项（保密）"
REDACTED_TEXT = "（保密，从略）"
REDACT_IN_SCHOOL_REPORTS = True
PORTAL_NAME = "海淀区中小学校领导体制治理台账"


# --- what the report is about ---------------------------------------------------------------------
@dataclass(frozen=True)
class ReportTarget:
    """A scope and a month: the whole district, one 学区, or one school."""

    scope: str
    period: date
    school_district: SchoolDistrict | None = None
    school: School | None = None

    @classmethod
    def of_run(cls, run: ReportRun) -> "ReportTarget":
        return cls(scope=run.scope, period=run.period, school_district=run.school_district, school=run.school)

    @property
    def label(self) -> str:
        if self.scope == ReportScope.SCHOOL:
            return self.school.name
        if self.scope == ReportScope.XUEQU:
            return self.school_district.name
        return "海淀区"

    @property
    def title(self) -> str:
        return f"{self.label}{self.period.year}年{self.period.month}月治理月报"

    @property
    def period_end(self) -> date:
        return add_months(self.period, 1) - timedelta(days=1)

    def overdue_cutoff(self, today: date) -> date:
        """Tasks due before this day and not done are overdue: the day after the month, or today if earlier."""
        return min(self.period_end + timedelta(days=1), today)

    def reader(self) -> User:
        """An unsaved user whose scope is exactly the report's (used only to narrow querysets)."""
        if self.scope == ReportScope.SCHOOL:
            return User(username="report-reader", role=Role.CLERK, school_id=self.school.pk)
        if self.scope == ReportScope.XUEQU:
            return User(username="report-reader", role=Role.XUEQU_VIEWER, school_district_id=self.school_district.pk)
        return User(username="report-reader", role=Role.DISTRICT_VIEWER)

    def dashboard_scope(self) -> DashboardScope:
        return DashboardScope(date_from=self.period, date_to=self.period_end)

    @property
    def redacts(self) -> bool:
        return self.scope != ReportScope.SCHOOL or REDACT_IN_SCHOOL_REPORTS


def month_label(period: date) -> str:
    return f"{period.year}年{period.month}月"


# --- overview: the dashboard's figures and charts -------------------------------------------------
def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


@dataclass
class Overview:
    dashboard: object  # reports.selectors.DistrictDashboard
    breakdown_charts: list[tuple[str, str]]  # (title, SVG)
    trend_charts: list[tuple[str, str]]
    show_districts: bool
    show_groups: bool
    pair: object | None = None  # LeadershipPair for a school report

    @property
    def headline(self) -> list[tuple[str, object]]:
        total = self.dashboard.total
        return [
            ("学校", total.schools),
            ("书记校长配齐", total.pairs_in_office),
            ("一肩挑", total.combined),
            ("书记或校长空缺", total.vacancies),
            ("本月沟通记录", total.communications_total),
            ("本月会议", total.meetings_total),
            ("本月三重一大决策", total.decisions_total),
            ("决策合规率", percent(total.compliance_rate)),
            ("逾期督办任务", total.overdue_tasks),
            ("未整改合规提示", total.open_findings),
        ]

    @property
    def district_rows(self) -> list[tuple[object, str]]:
        return [(f, percent(f.compliance_rate)) for f in self.dashboard.districts]

    @property
    def group_rows(self) -> list[tuple[object, str]]:
        return [(f, percent(f.compliance_rate)) for f in self.dashboard.groups]


def overview(target: ReportTarget, *, today: date) -> Overview:
    dashboard = selectors.district_dashboard(
        user=target.reader(), scope=target.dashboard_scope(), today=target.overdue_cutoff(today)
    )
    total = dashboard.total
    titles = {code: rule.title for code, rule in RULES.items()}

    def bars(counter, labels):
        rows = [(label, counter.get(code, 0)) for code, label in labels.items()]
        return rows + [(code, n) for code, n in counter.items() if code not in labels]

    sanzhong = {code: MatterCategory(code).label for code in SANZHONG_YIDA_CATEGORIES}
    breakdowns = [
        ("r-communications", "沟通记录（按类别）", bars(total.communications, dict(CommunicationCategory.choices))),
        ("r-meetings", "会议（按类型）", bars(total.meetings, dict(MeetingBody.choices))),
        ("r-decisions", "三重一大决策（按类别）", bars(total.decisions, sanzhong)),
        (
            "r-findings",
            "未整改合规提示（按规则）",
            [(titles.get(code, code), n) for code, n in sorted(total.findings.items())],
        ),
    ]
    breakdown_charts = [
        (title, charts.bar_chart(chart_id=chart_id, title=title, bars=rows)) for chart_id, title, rows in breakdowns
    ]
    months = [trend.month for trend in dashboard.trends]
    trends = [
        ("r-trend-communications", "沟通记录月度趋势", [t.communications for t in dashboard.trends], "column"),
        ("r-trend-decisions", "三重一大决策月度趋势", [t.decisions for t in dashboard.trends], "line"),
    ]
    trend_charts = [
        (title, charts.monthly_chart(chart_id=chart_id, title=title, months=months, values=values, style=style))
        for chart_id, title, values, style in trends
    ]
    pair = None
    if target.scope == ReportScope.SCHOOL:
        pair = pairs_on(schools=[target.school], on=target.period_end)[target.school.pk]
    return Overview(
        dashboard=dashboard,
        breakdown_charts=breakdown_charts,
        trend_charts=trend_charts,
        show_districts=target.scope != ReportScope.SCHOOL and len(dashboard.districts) > 0,
        show_groups=target.scope != ReportScope.SCHOOL and len(dashboard.groups) > 0,
        pair=pair,
    )


# --- sections: the detailed lists of one school or one 学区 ----------------------------------------
@dataclass
class DecisionRow:
    decision: Decision
    title: str
    description: str
    confidential: bool
    leaders: list[str]
    meeting: Meeting | None
    item: AgendaItem | None
    expected: int | None
    present: int | None
    communications: list[dict]
    outcome_label: str = "表决"
    outcome: str = "—"


def item_outcome(item: AgendaItem | None) -> tuple[str, str]:
    """How an item was decided, for the reports: the votes and result at a voting body; at a 校长办公会 the
    principal's decision (its members' 表态 are no vote count and are not shown as one)."""
    if item is None:
        return "表决", "—"
    if not decides_by_vote(item.meeting.body):
        decision = item.get_principal_decision_display() or "待决定"
        return "校长决定", f"{decision}（听取与会人员意见后决定）；结果：{item.get_result_display()}"
    if item.votes_for is None:
        votes = "未登记票数"
    else:
        votes = f"赞成 {item.votes_for}，反对 {item.votes_against or 0}，弃权 {item.votes_abstain or 0}"
    text = f"{votes}；结果：{item.get_result_display()}"
    if item.secretary_spoke_last is not None:
        text += f"；书记末位表态：{'是' if item.secretary_spoke_last else '否'}"
    return "表决", text


@dataclass
class TaskRow:
    task: Task
    title: str
    decision_title: str
    owner: str
    days_overdue: int


@dataclass
class FindingRow:
    finding: Finding
    rule_title: str
    message: str
    source: str = ""  # the rule's source and article, as on the 制度依据 page (/rules/<code>/)


@dataclass
class Section:
    """The lists for one school (school report) or one 学区 (学区 report, or one part of the district report)."""

    anchor: str
    title: str
    decisions: list[DecisionRow] = field(default_factory=list)
    overdue_tasks: list[TaskRow] = field(default_factory=list)
    open_findings: list[FindingRow] = field(default_factory=list)
    resolved_findings: list[FindingRow] = field(default_factory=list)
    pair_changes: list[Appointment] = field(default_factory=list)
    vacancies: list[tuple[School, str]] = field(default_factory=list)
    communications: list[Communication] | None = None
    meetings: list[Meeting] | None = None

    def headings(self) -> list[tuple[str, str]]:
        """(anchor, title) of the sub-headings, for the contents page."""
        items = [
            ("decisions", "三重一大决策事项"),
            ("tasks", "逾期督办任务"),
            ("findings", "合规提示"),
            ("pairs", "书记校长任职变动"),
        ]
        if self.communications is not None:
            items += [("communications", "本月沟通记录"), ("meetings", "本月会议")]
        return [(f"{self.anchor}-{key}", title) for key, title in items]


def _is_confidential(decision: Decision) -> bool:
    item = decision.deciding_item
    return decision.category == MatterCategory.PERSONNEL or bool(item and item.is_confidential)


def _decision_rows(schools: QuerySet[School], target: ReportTarget) -> list[DecisionRow]:
    """Every 三重一大 decision decided in the month, with its deciding meeting, votes and pre-communication."""
    decisions = (
        Decision.objects.filter(
            school__in=schools,
            category__in=SANZHONG_YIDA_CATEGORIES,
            decided_on__gte=target.period,
            decided_on__lte=target.period_end,
        )
        .select_related("school", "deciding_item__meeting", "decided_by")
        .annotate(expected=expected_count("deciding_item__meeting"), present=present_count("deciding_item__meeting"))
        .prefetch_related(
            "responsible_leaders",
            Prefetch("communications", queryset=Communication.objects.order_by("occurred_at", "pk")),
            Prefetch("deciding_item__pre_communications", queryset=Communication.objects.order_by("occurred_at", "pk")),
        )
        .order_by("school__code", "decided_on", "pk")
    )
    rows = []
    for decision in decisions:
        item = decision.deciding_item
        confidential = target.redacts and _is_confidential(decision)
        talks = {c.pk: c for c in decision.communications.all()}
        if item is not None:
            talks.update({c.pk: c for c in item.pre_communications.all()})
        communications = [
            {
                "at": timezone.localtime(c.occurred_at),
                "category": c.get_category_display(),
                "timing": c.get_timing_display(),
                "outcome": c.get_outcome_display(),
                "outcome_code": c.outcome,
                "subject": REDACTED_TEXT if confidential else c.subject,
                "confirmed": c.is_confirmed,
            }
            for c in sorted(talks.values(), key=lambda c: (c.occurred_at, c.pk))
        ]
        outcome_label, outcome = item_outcome(item)
        rows.append(
            DecisionRow(
                decision=decision,
                title=REDACTED_TITLE if confidential else decision.title,
                description="" if confidential else decision.description,
                confidential=confidential,
                leaders=[] if confidential else [p.name for p in decision.responsible_leaders.all()],
                meeting=item.meeting if item else None,
                item=item,
                expected=decision.expected if item else None,
                present=decision.present if item else None,
                communications=communications,
                outcome_label=outcome_label,
                outcome=outcome,
            )
        )
    return rows


def _confidential_decision_ids(decision_ids) -> set[int]:
    return set(
        Decision.objects.filter(pk__in=decision_ids)
        .filter(Q(category=MatterCategory.PERSONNEL) | Q(deciding_item__is_confidential=True))
        .values_list("pk", flat=True)
    )


def _task_rows(schools: QuerySet[School], target: ReportTarget, cutoff: date) -> list[TaskRow]:
    tasks = list(
        overdue_tasks(user=target.reader(), scope=target.dashboard_scope(), today=cutoff)
        .filter(decision__school__in=schools)
        .select_related("decision__school", "owner")
        .order_by("decision__school__code", "due_on", "pk")
    )
    secret = _confidential_decision_ids({t.decision_id for t in tasks}) if target.redacts else set()
    return [
        TaskRow(
            task=task,
            title=REDACTED_TEXT if task.decision_id in secret else task.title,
            decision_title=REDACTED_TITLE if task.decision_id in secret else task.decision.title,
            owner=REDACTED_TEXT if task.decision_id in secret else task.owner.name,
            days_overdue=(cutoff - task.due_on).days,
        )
        for task in tasks
    ]


def _finding_rows(findings: list[Finding], target: ReportTarget) -> list[FindingRow]:
    """Findings with their messages, redacted when they are about a confidential decision or its task."""
    secret: set[tuple[int, int]] = set()
    if target.redacts and findings:
        decision_ct = ContentType.objects.get_for_model(Decision)
        task_ct = ContentType.objects.get_for_model(Task)
        decision_ids = {f.object_id for f in findings if f.content_type_id == decision_ct.pk}
        task_ids = {f.object_id for f in findings if f.content_type_id == task_ct.pk}
        secret |= {(decision_ct.pk, pk) for pk in _confidential_decision_ids(decision_ids)}
        task_decisions = dict(Task.objects.filter(pk__in=task_ids).values_list("pk", "decision_id"))
        secret_decisions = _confidential_decision_ids(set(task_decisions.values()))
        secret |= {(task_ct.pk, pk) for pk, decision_id in task_decisions.items() if decision_id in secret_decisions}
    rows = []
    for finding in findings:
        rule = RULES.get(finding.rule)
        title = rule.title if rule else finding.rule
        hidden = (finding.content_type_id, finding.object_id) in secret
        rows.append(
            FindingRow(
                finding=finding,
                rule_title=title,
                message=f"{title}{REDACTED_TEXT}" if hidden else finding.message,
                source=rule.citation if rule else "",
            )
        )
    return rows


def _findings(schools: QuerySet[School], target: ReportTarget) -> tuple[list[FindingRow], list[FindingRow]]:
    start, end = local_midnight(target.period), local_midnight(add_months(target.period, 1))
    base = Finding.objects.filter(school__in=schools).select_related("school").order_by("school__code", "rule", "pk")
    still_open = list(base.filter(first_seen__lt=end).filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=end)))
    resolved = list(base.filter(resolved_at__gte=start, resolved_at__lt=end))
    return _finding_rows(still_open, target), _finding_rows(resolved, target)


def _pair_changes(schools: QuerySet[School], target: ReportTarget) -> list[Appointment]:
    in_month = Q(start__gte=target.period, start__lte=target.period_end) | Q(
        end__gte=target.period, end__lte=target.period_end
    )
    return list(
        Appointment.objects.filter(in_month, school__in=schools, post__in=PAIR_POSTS)
        .select_related("school", "person")
        .order_by("school__code", "start", "pk")
    )


def _vacancies(schools: QuerySet[School], target: ReportTarget) -> list[tuple[School, str]]:
    active = list(schools.filter(is_active=True).order_by("code"))
    pairs = pairs_on(schools=active, on=target.period_end)
    return [(school, pairs[school.pk].vacancy_label) for school in active if pairs[school.pk].is_vacant]


def _month_communications(school: School, target: ReportTarget) -> list[Communication]:
    start, end = local_midnight(target.period), local_midnight(add_months(target.period, 1))
    communications = list(
        Communication.objects.filter(school=school, occurred_at__gte=start, occurred_at__lt=end)
        .prefetch_related("agenda_items", "decisions")
        .order_by("occurred_at", "pk")
    )
    if target.redacts:
        for communication in communications:
            secret = any(
                item.is_confidential or item.category == MatterCategory.PERSONNEL
                for item in communication.agenda_items.all()
            ) or any(d.category == MatterCategory.PERSONNEL for d in communication.decisions.all())
            if secret:
                communication.subject = REDACTED_TEXT
    return communications


def _month_meetings(school: School, target: ReportTarget) -> list[Meeting]:
    return list(
        Meeting.objects.filter(school=school, date__gte=target.period, date__lte=target.period_end)
        .select_related("chair")
        .annotate(expected_count=expected_count(), present_count=present_count(), item_count=Count("items"))
        .order_by("date", "pk")
    )


def section(target: ReportTarget, *, today: date, school_district: SchoolDistrict | None = None) -> Section:
    """The lists of the target school, of the target 学区, or (district report) of `school_district`."""
    if target.scope == ReportScope.SCHOOL:
        schools = School.objects.filter(pk=target.school.pk)
        result = Section(anchor="sec-school", title=f"{target.school.name}本月情况")
    else:
        xuequ = school_district or target.school_district
        schools = School.objects.filter(district=xuequ)
        result = Section(anchor=f"sec-xq-{xuequ.pk}", title=f"{xuequ.name}本月情况")
    result.decisions = _decision_rows(schools, target)
    result.overdue_tasks = _task_rows(schools, target, target.overdue_cutoff(today))
    result.open_findings, result.resolved_findings = _findings(schools, target)
    result.pair_changes = _pair_changes(schools, target)
    result.vacancies = _vacancies(schools, target)
    if target.scope == ReportScope.SCHOOL:
        result.communications = _month_communications(target.school, target)
        result.meetings = _month_meetings(target.school, target)
    return result


def district_parts(target: ReportTarget) -> list[SchoolDistrict]:
    """The 学区 of a district report, one part each (only those with schools)."""
    return list(SchoolDistrict.objects.filter(schools__isnull=False).distinct().order_by("code"))


# --- contents --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TocEntry:
    anchor: str
    title: str
    level: int = 1
    page: int | None = None  # explicit page number (merged district report); None = CSS target-counter


def contents(sections: list[Section], *, with_overview: bool = True, show_tables: bool = True) -> list[TocEntry]:
    entries = []
    if with_overview:
        entries.append(TocEntry("sec-overview", "主要指标与图表"))
        if show_tables:
            entries.append(TocEntry("sec-tables", "分学区、分集团情况", 2))
        entries.append(TocEntry("sec-trends", "月度趋势", 2))
    for part in sections:
        entries.append(TocEntry(part.anchor, part.title))
        entries.extend(TocEntry(anchor, title, 2) for anchor, title in part.headings())
    return entries


def with_pages(entries: list[TocEntry], pages: dict[str, int]) -> list[TocEntry]:
    """The entries with explicit 1-based page numbers (entries whose anchor is not known are dropped)."""
    return [TocEntry(e.anchor, e.title, e.level, pages[e.anchor]) for e in entries if e.anchor in pages]


# --- template contexts ------------------------------------------------------------------------------
def _common(target: ReportTarget, *, today: date) -> dict:
    return {
        "target": target,
        "scope_label": {
            ReportScope.DISTRICT: "全区",
            ReportScope.XUEQU: f"{target.label}（学区）",
            ReportScope.SCHOOL: target.label,
        }[target.scope],
        "stylesheet": static_url("reports/print.css"),
        "portal_name": PORTAL_NAME,
        "generated_on": today,
        "overdue_cutoff": target.overdue_cutoff(today),
        "redacted_text": REDACTED_TEXT,
    }


def report_context(target: ReportTarget, *, today: date) -> dict:
    """A whole report in one document (school or 学区)."""
    summary = overview(target, today=today)
    sections = [section(target, today=today)]
    toc = contents(sections, show_tables=summary.show_districts or summary.show_groups)
    return {**_common(target, today=today), "overview": summary, "sections": sections, "toc": toc}


PART_OVERVIEW = "overview"


def part_keys(target: ReportTarget) -> list[str]:
    """The parts of a district report, in order: the overview, then one per 学区 ("xq:<pk>")."""
    return [PART_OVERVIEW] + [f"xq:{xuequ.pk}" for xuequ in district_parts(target)]


def part_context(target: ReportTarget, *, key: str, today: date) -> tuple[dict, list[TocEntry]]:
    """The template context of one part of a district report and its contents entries."""
    context = _common(target, today=today)
    if key == PART_OVERVIEW:
        summary = overview(target, today=today)
        toc = contents([], show_tables=summary.show_districts or summary.show_groups)
        return {**context, "overview": summary, "sections": []}, toc
    xuequ = SchoolDistrict.objects.get(pk=int(key.removeprefix("xq:")))
    sections = [section(target, today=today, school_district=xuequ)]
    return {**context, "overview": None, "sections": sections}, contents(sections, with_overview=False)


def front_context(target: ReportTarget, *, toc: list[TocEntry], today: date) -> dict:
    return {**_common(target, today=today), "toc": toc}
