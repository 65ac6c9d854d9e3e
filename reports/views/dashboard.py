"""总览: the district dashboard (district roles and 学区 viewers, limited by scope) and one school's dashboard.

Views stay thin: `reports.selectors` computes the figures; this module only turns them into rows, links and
charts. Every number links to the list behind it, carrying the dashboard's filters.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core.exports import wants_xlsx
from core.models import Role
from decisions.choices import SANZHONG_YIDA_CATEGORIES, MatterCategory
from decisions.selectors import rule_titles
from meetings.choices import CommunicationCategory
from schools.choices import MeetingBody
from schools.selectors import school_list

from .. import charts, selectors
from ..aggregates import DashboardScope, Figures, SchoolDashboard
from ..exports import district_dashboard_xlsx
from ..forms import DashboardFilterForm

__all__ = ["district_dashboard", "school_dashboard"]


def _url(name: str, params: Mapping[str, object], *args) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return f"{reverse(name, args=args)}?{query}" if query else reverse(name, args=args)


class Links:
    """URLs of the filtered lists behind the figures. Each carries the dashboard's filters (period, 学区, 集团, 学段)
    under the names the target list reads (the decision list calls the 学区 `xuequ`), so the list counts the same
    rows as the figure."""

    def __init__(self, scope: DashboardScope):
        month = scope.single_month
        self.filters = {
            "district": scope.district_id,
            "group": scope.group_id,
            "level": scope.level,
            "from": scope.date_from.isoformat(),
            "to": scope.date_to.isoformat(),
            "month": f"{month:%Y-%m}" if month else None,
        }

    def _with(self, **params) -> dict[str, object]:
        return {**self.filters, **params}

    def communications(self, **params) -> str:
        return _url("communication_list", self._with(**params))

    def meetings(self, **params) -> str:
        return _url("meeting_list", self._with(**params))

    def decisions(self, **params) -> str:
        """The decided 三重一大 decisions of the period: the list reads the period as the decision date."""
        merged = self._with(sanzhong="yes", **params)
        merged["xuequ"] = merged.pop("district")
        return _url("decision_list", merged)

    def findings(self, **params) -> str:
        """Open findings are counted now, not over the period: the period is not carried."""
        return _url("finding_list", {**self._with(**params), "from": None, "to": None, "month": None})

    def schools(self, **params) -> str:
        merged = self._with(**params)
        return _url("school_list", {key: merged[key] for key in ("district", "group", "level")})


@dataclass(frozen=True)
class Breakdown:
    """One figure group of the page: its chart and its rows (label, number, link)."""

    title: str
    chart: str
    rows: list[charts.Bar]
    total: int
    total_url: str


def _breakdown(chart_id: str, title: str, counts, labels: Mapping[str, str], url) -> Breakdown:
    rows = [charts.Bar(label, counts.get(code, 0), url(code)) for code, label in labels.items()]
    rows += [charts.Bar(code, n, url(code)) for code, n in counts.items() if code not in labels]
    return Breakdown(
        title=title,
        chart=charts.bar_chart(chart_id=chart_id, title=title, bars=rows, unit=""),
        rows=rows,
        total=sum(row.value for row in rows),
        total_url=url(""),
    )


def _breakdowns(total: Figures, links: Links) -> list[Breakdown]:
    sanzhong = {code: MatterCategory(code).label for code in SANZHONG_YIDA_CATEGORIES}
    titles = rule_titles()
    by_count = sorted(total.findings, key=lambda code: (-total.findings[code], code))
    open_rules = {code: titles.get(code, code) for code in by_count}
    return [
        _breakdown(
            "chart-communications",
            "沟通记录（按类别）",
            total.communications,
            dict(CommunicationCategory.choices),
            lambda code: links.communications(category=code),
        ),
        _breakdown(
            "chart-meetings",
            "会议（按类型）",
            total.meetings,
            dict(MeetingBody.choices),
            lambda code: links.meetings(body=code),
        ),
        _breakdown(
            "chart-decisions",
            "三重一大决策（按类别，期内已决策）",
            total.decisions,
            sanzhong,
            lambda code: links.decisions(category=code),
        ),
        _breakdown(
            "chart-findings",
            "未整改合规提示（按规则）",
            total.findings,
            open_rules,
            lambda code: links.findings(rule=code),
        ),
    ]


def _trend_charts(dashboard) -> list[tuple[str, str]]:
    months = [trend.month for trend in dashboard.trends]
    series = [
        ("trend-communications", "沟通记录", [t.communications for t in dashboard.trends], "column"),
        ("trend-meetings", "会议", [t.meetings for t in dashboard.trends], "column"),
        ("trend-decisions", "三重一大决策（已决策）", [t.decisions for t in dashboard.trends], "line"),
        ("trend-findings", "新发现的合规提示", [t.findings_opened for t in dashboard.trends], "line"),
    ]
    return [
        (
            title,
            charts.monthly_chart(
                chart_id=chart_id, title=f"{title}月度趋势", months=months, values=values, style=style
            ),
        )
        for chart_id, title, values, style in series
    ]


def _sends_to_school(user) -> bool:
    return not user.is_district and user.role != Role.XUEQU_VIEWER


@dataclass(frozen=True)
class SliceRow:
    """One row of the per-学区 or per-集团 table with the links its lists can honour."""

    figures: Figures
    schools_url: str
    decisions_url: str = ""
    findings_url: str = ""


def _district_rows(dashboard, links: Links) -> list[SliceRow]:
    return [
        SliceRow(f, links.schools(district=f.pk), links.decisions(district=f.pk), links.findings(district=f.pk))
        for f in dashboard.districts
    ]


def _group_rows(dashboard, links: Links) -> list[SliceRow]:
    return [SliceRow(f, links.schools(group=f.pk)) for f in dashboard.groups]


def _trend_rows(dashboard, links: Links) -> list[tuple]:
    rows = []
    for trend in dashboard.trends:
        month = {"month": f"{trend.month:%Y-%m}", "from": None, "to": None}  # the trend's month, not the period
        rows.append((trend, links.communications(**month), links.meetings(**month)))
    return rows


@login_required
@require_http_methods(["GET"])
def district_dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    if _sends_to_school(user):
        return redirect("school_dashboard", pk=user.school_id) if user.school_id else redirect("school_list")
    form = DashboardFilterForm(request.GET, user=user, today=timezone.localdate())
    dashboard = selectors.cached_district_dashboard(user=user, scope=form.scope())
    if wants_xlsx(request):
        return district_dashboard_xlsx(form, dashboard)
    links = Links(dashboard.scope)
    context = {
        "form": form,
        "dashboard": dashboard,
        "total": dashboard.total,
        "links": links,
        "breakdowns": _breakdowns(dashboard.total, links),
        "district_rows": _district_rows(dashboard, links),
        "group_rows": _group_rows(dashboard, links),
        "top_rows": [(school, links.findings(school=school.school_id)) for school in dashboard.top_schools],
        "trend_charts": _trend_charts(dashboard),
        "trend_rows": _trend_rows(dashboard, links),
    }
    return render(request, "reports/district_dashboard.html", context)


def _school_links(school, dashboard: SchoolDashboard) -> dict[str, object]:
    this_month = {"school": school.pk, "month": f"{dashboard.month:%Y-%m}"}
    return {
        "communication_rows": [
            charts.Bar(
                label,
                dashboard.communications.get(code, 0),
                _url("communication_list", {**this_month, "category": code}),
            )
            for code, label in CommunicationCategory.choices
        ],
        "communications_url": _url("communication_list", this_month),
        "talks_url": _url("communication_list", {**this_month, "category": CommunicationCategory.REGULAR_TALK}),
        "decisions_url": _url("decision_list", {"school": school.pk}),
        "findings_url": _url("finding_list", {"school": school.pk}),
    }


@login_required
@require_http_methods(["GET"])
def school_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    school = get_object_or_404(school_list(user=request.user), pk=pk)
    dashboard = selectors.school_dashboard(user=request.user, school=school)
    context = {"school": school, "dashboard": dashboard, **_school_links(school, dashboard)}
    return render(request, "reports/school_dashboard.html", context)
