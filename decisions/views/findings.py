"""合规提示 pages: open findings with filters and counts per rule, the 整改 (resolved) list, one school's
findings with what to do, and the printable hand-over packet for an incoming secretary or principal.

Views stay thin: `decisions.selectors` and `schools.selectors` read (scoped, so a school out of scope is 404);
these pages only read.
"""

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.db.models import Count, DurationField, ExpressionWrapper, F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core.exports import wants_xlsx
from core.paging import CachedCountPaginator
from schools import selectors as school_selectors
from schools.models import School

from .. import selectors
from ..choices import DecisionStatus, FindingSeverity, Outcome, TaskStatus
from ..exports import finding_list_xlsx
from ..filters import FindingListFilter
from ..models import Finding
from ..rules import RULES

__all__ = ["finding_list", "finding_resolved_list", "school_findings", "school_handover"]

PAGE_SIZE = 50
SEVERITY_LABELS = dict(FindingSeverity.choices)


# --- helpers ----------------------------------------------------------------------------------------
@dataclass
class RuleGroup:
    """The open findings of one rule at one school, with the rule's title and what to do about it."""

    code: str
    title: str
    severity: str
    remedy: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS.get(self.severity, self.severity)


def subject_url(finding: Finding) -> str | None:
    """The page of the record that breaks the rule, or None when it was deleted or has no page."""
    subject = finding.subject
    get_url = getattr(subject, "get_absolute_url", None)
    if get_url is None:
        return None
    try:
        return get_url()
    except NoReverseMatch:
        return None


def _rows(findings) -> list[Finding]:
    """Evaluate `findings` (one query per subject type for the prefetched subjects) and attach each link."""
    rows = list(findings)
    titles = selectors.rule_titles()
    for finding in rows:
        finding.subject_url = subject_url(finding)
        finding.rule_title = titles.get(finding.rule, finding.rule)
    return rows


def _open(findings: QuerySet[Finding]) -> QuerySet[Finding]:
    return findings.filter(resolved_at__isnull=True)


def _rule_counts(findings: QuerySet[Finding]) -> list[dict]:
    """Findings per rule, most frequent first, in one query."""
    counts = findings.prefetch_related(None).order_by().values("rule").annotate(count=Count("pk"))
    titles = selectors.rule_titles()
    rows = [
        {
            "rule": row["rule"],
            "title": titles.get(row["rule"], row["rule"]),
            "severity": SEVERITY_LABELS.get(RULES[row["rule"]].severity, "") if row["rule"] in RULES else "",
            "count": row["count"],
        }
        for row in counts
    ]
    return sorted(rows, key=lambda row: (-row["count"], row["rule"]))


def _by_rule(findings: list[Finding]) -> list[RuleGroup]:
    """Group a school's open findings by rule: violations first, then the rule with the most findings."""
    groups: dict[str, RuleGroup] = {}
    for finding in findings:
        if finding.rule not in groups:
            rule = RULES.get(finding.rule)
            groups[finding.rule] = RuleGroup(
                code=finding.rule,
                title=rule.title if rule else finding.rule,
                severity=rule.severity if rule else finding.severity,
                remedy=rule.remedy if rule else "请对照相关制度要求整改。",
            )
        groups[finding.rule].findings.append(finding)
    return sorted(
        groups.values(),
        key=lambda group: (group.severity != FindingSeverity.VIOLATION, -len(group.findings), group.code),
    )


def _school(request: HttpRequest, pk: int) -> School:
    return get_object_or_404(school_selectors.school_list(user=request.user), pk=pk)


def _school_findings(request: HttpRequest, school: School) -> list[RuleGroup]:
    findings = _open(selectors.finding_list(user=request.user)).filter(school=school)
    return _by_rule(_rows(findings))


def _open_decisions(request: HttpRequest, school: School) -> list:
    """Decisions still to be carried: not 已办结 and not rejected."""
    decisions = (
        selectors.decision_list(user=request.user)
        .filter(school=school)
        .exclude(status=DecisionStatus.CLOSED)
        .exclude(outcome=Outcome.REJECTED)
    )
    return list(decisions)


def _open_tasks(request: HttpRequest, school: School) -> list:
    today = timezone.localdate()
    tasks = list(
        selectors.task_list(user=request.user)
        .filter(decision__school=school)
        .exclude(status=TaskStatus.DONE)
        .order_by("due_on", "pk")
    )
    for task in tasks:
        task.days_overdue = (today - task.due_on).days if task.due_on < today else 0
    return tasks


# --- pages ------------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET"])
def finding_list(request: HttpRequest) -> HttpResponse:
    findings = _open(selectors.finding_list(user=request.user))
    finding_filter = FindingListFilter(request.GET, queryset=findings, request=request)
    if wants_xlsx(request):
        return finding_list_xlsx(finding_filter)
    page = CachedCountPaginator(finding_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": finding_filter,
        "page": page,
        "rows": _rows(page.object_list),
        "rule_counts": _rule_counts(finding_filter.qs),
    }
    return render(request, "decisions/finding_list.html", context)


@login_required
@require_http_methods(["GET"])
def finding_resolved_list(request: HttpRequest) -> HttpResponse:
    findings = (
        selectors.finding_list(user=request.user)
        .filter(resolved_at__isnull=False)
        .annotate(time_to_resolve=ExpressionWrapper(F("resolved_at") - F("first_seen"), output_field=DurationField()))
        .order_by("-resolved_at", "-pk")
    )
    finding_filter = FindingListFilter(request.GET, queryset=findings, request=request)
    page = CachedCountPaginator(finding_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filter": finding_filter, "page": page, "rows": _rows(page.object_list)}
    return render(request, "decisions/finding_resolved_list.html", context)


@login_required
@require_http_methods(["GET"])
def school_findings(request: HttpRequest, pk: int) -> HttpResponse:
    school = _school(request, pk)
    groups = _school_findings(request, school)
    context = {"school": school, "groups": groups, "total": sum(len(group.findings) for group in groups)}
    return render(request, "decisions/school_findings.html", context)


@login_required
@require_http_methods(["GET"])
def school_handover(request: HttpRequest, pk: int) -> HttpResponse:
    school = _school(request, pk)
    today = timezone.localdate()
    tasks = _open_tasks(request, school)
    groups = _school_findings(request, school)
    leadership = school_selectors.school_leadership(school=school, on=today)
    context = {
        "school": school,
        "today": today,
        "pair": leadership.pair,
        "pair_history": leadership.pair_history,
        "decisions": _open_decisions(request, school),
        "tasks": tasks,
        "overdue_count": sum(1 for task in tasks if task.days_overdue),
        "groups": groups,
        "finding_total": sum(len(group.findings) for group in groups),
    }
    return render(request, "decisions/school_handover.html", context)
