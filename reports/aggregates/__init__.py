"""Dashboard aggregates: computed in the database, scoped through `core.scope.restrict`, returned as plain
dataclasses that the web pages and the PDF reports share."""

from .district import (
    DistrictDashboard,
    Figures,
    SchoolRank,
    decided_sanzhong_yida,
    district_dashboard,
    fully_compliant,
    overdue_tasks,
    schools_by_open_findings,
)
from .school import FindingGroup, SchoolDashboard, TalkCadence, school_dashboard
from .scope import LOCAL_TZ, DashboardScope, add_months, default_period, month_start
from .trends import MonthTrend, monthly_trends

__all__ = [
    "LOCAL_TZ",
    "DashboardScope",
    "DistrictDashboard",
    "Figures",
    "FindingGroup",
    "MonthTrend",
    "SchoolDashboard",
    "SchoolRank",
    "TalkCadence",
    "add_months",
    "decided_sanzhong_yida",
    "default_period",
    "district_dashboard",
    "fully_compliant",
    "month_start",
    "monthly_trends",
    "overdue_tasks",
    "school_dashboard",
    "schools_by_open_findings",
]
