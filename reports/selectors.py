"""Scoped reads of the reports app: the dashboard aggregates (implemented in `reports.aggregates`)."""

from datetime import date

from django.utils import timezone

from core import dataversion
from core.models import User
from core.scope import scope_key

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
    "cached_district_dashboard",
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


def cached_district_dashboard(*, user: User, scope: DashboardScope, today: date | None = None) -> DistrictDashboard:
    """`district_dashboard` read through the cache: keyed by the data version (any write changes it), what the
    user may see (role and school / 学区), the filters and period (`scope`) and today (overdue tasks)."""
    today = today or timezone.localdate()
    return dataversion.cached(
        ("district_dashboard", scope_key(user), scope, today),
        lambda: district_dashboard(user=user, scope=scope, today=today),
    )
