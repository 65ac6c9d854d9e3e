"""Monthly trends over the 12 months ending with the period's last month: communications, meetings,
三重一大 decisions decided and findings opened. One `TruncMonth` query per series, months cut in Beijing time."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth

from core.models import User
from decisions.choices import SANZHONG_YIDA_CATEGORIES
from decisions.models import Decision, Finding
from meetings.models import Communication, Meeting

from .scope import LOCAL_TZ, DashboardScope, add_months, local_midnight, scoped


@dataclass(frozen=True)
class MonthTrend:
    month: date  # first day of the month
    communications: int = 0
    meetings: int = 0
    decisions: int = 0
    findings_opened: int = 0


def _as_month(value: date | datetime) -> date:
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ) if value.tzinfo else value
        return value.date().replace(day=1)
    return value.replace(day=1)


def _per_month(queryset: QuerySet, trunc: TruncMonth) -> dict[date, int]:
    rows = queryset.order_by().annotate(month=trunc).values("month").annotate(n=Count("*"))
    return {_as_month(row["month"]): row["n"] for row in rows}


def monthly_trends(*, user: User, scope: DashboardScope) -> list[MonthTrend]:
    months = scope.trend_months()
    first, end = months[0], add_months(months[-1], 1)
    start_at, end_at = local_midnight(first), local_midnight(end)

    def in_scope(queryset: QuerySet) -> QuerySet:
        return scoped(queryset, user=user, scope=scope)

    communications = _per_month(
        in_scope(Communication.objects.filter(occurred_at__gte=start_at, occurred_at__lt=end_at)),
        TruncMonth("occurred_at", tzinfo=LOCAL_TZ),
    )
    meetings = _per_month(in_scope(Meeting.objects.filter(date__gte=first, date__lt=end)), TruncMonth("date"))
    decisions = _per_month(
        in_scope(
            Decision.objects.filter(category__in=SANZHONG_YIDA_CATEGORIES, decided_on__gte=first, decided_on__lt=end)
        ),
        TruncMonth("decided_on"),
    )
    findings = _per_month(
        in_scope(Finding.objects.filter(first_seen__gte=start_at, first_seen__lt=end_at)),
        TruncMonth("first_seen", tzinfo=LOCAL_TZ),
    )
    return [
        MonthTrend(
            month=month,
            communications=communications.get(month, 0),
            meetings=meetings.get(month, 0),
            decisions=decisions.get(month, 0),
            findings_opened=findings.get(month, 0),
        )
        for month in months
    ]
