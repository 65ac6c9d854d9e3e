"""Scoped reads of the reports app: the dashboard aggregates (implemented in `reports.aggregates`)."""

from .aggregates import (
    DashboardScope,
    DistrictDashboard,
    Figures,
    MonthTrend,
    SchoolDashboard,
    SchoolRank,
    default_period,
    district_dashboard,
    monthly_trends,
    school_dashboard,
    schools_by_open_findings,
)

__all__ = [
    "DashboardScope",
    "DistrictDashboard",
    "Figures",
    "MonthTrend",
    "SchoolDashboard",
    "SchoolRank",
    "default_period",
    "district_dashboard",
    "monthly_trends",
    "school_dashboard",
    "schools_by_open_findings",
]
