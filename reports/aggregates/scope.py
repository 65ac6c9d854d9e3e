"""What every dashboard figure is computed over: the user's scope (`core.scope.restrict`) narrowed by 学区,
集团 and 学段, and a period of local (Beijing) dates."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from core.models import User
from core.months import add_months, month_start
from core.scope import restrict

# The district keeps Beijing time whatever the server's setting; months are cut on local midnight.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
TREND_MONTHS = 12


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def default_period(today: date) -> tuple[date, date]:
    """The last 12 months up to today: from the first day of the month eleven months back."""
    return add_months(month_start(today), -(TREND_MONTHS - 1)), today


@dataclass(frozen=True)
class DashboardScope:
    """The period (inclusive local dates) and the optional 学区 / 集团 / 学段 narrowing of the user's scope."""

    date_from: date
    date_to: date
    district_id: int | None = None
    group_id: int | None = None
    level: str = ""

    @property
    def start_at(self) -> datetime:
        return local_midnight(self.date_from)

    @property
    def end_at(self) -> datetime:
        """Exclusive: local midnight after the last day."""
        return local_midnight(self.date_to + timedelta(days=1))

    @property
    def single_month(self) -> date | None:
        """The month when the period is exactly one calendar month (lists filter by month), else None."""
        first = self.date_from
        if first.day == 1 and self.date_to == add_months(first, 1) - timedelta(days=1):
            return first
        return None

    def trend_months(self) -> list[date]:
        """The first days of the 12 months ending with the month of the period's end, oldest first."""
        last = month_start(self.date_to)
        return [add_months(last, offset) for offset in range(-(TREND_MONTHS - 1), 1)]

    def school_lookups(self, school_field: str = "school") -> dict[str, object]:
        prefix = f"{school_field}__" if school_field else ""
        lookups: dict[str, object] = {}
        if self.district_id:
            lookups[f"{prefix}district_id"] = self.district_id
        if self.group_id:
            lookups[f"{prefix}group_id"] = self.group_id
        if self.level:
            lookups[f"{prefix}level"] = self.level
        return lookups


def scoped(queryset: QuerySet, *, user: User, scope: DashboardScope, school_field: str = "school") -> QuerySet:
    """`queryset` limited to the user's schools, then to the scope's 学区, 集团 and 学段."""
    return restrict(queryset, user, school_field).filter(**scope.school_lookups(school_field))
