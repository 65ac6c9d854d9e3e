"""The complete months and weeks the cadence rules (REGULAR_TALK, MEETING_FREQUENCY) look back over."""

from dataclasses import dataclass
from datetime import date, timedelta

from core.months import add_months
from schools.choices import TalkPeriod

MONTHS_CHECKED = 12
WEEKS_CHECKED = 12


@dataclass(frozen=True)
class Period:
    kind: str  # TalkPeriod
    key: str  # 2026-10 or 2026-W40
    start: date
    end: date

    @property
    def label(self) -> str:
        return f"{self.start:%Y年%m月}" if self.kind == TalkPeriod.MONTH else f"{self.start:%m月%d日}起的一周"

    def holds(self, days) -> bool:
        return any(self.start <= day <= self.end for day in days)


def complete_periods(today: date) -> list[Period]:
    """The last 12 complete months and 12 complete weeks (Monday to Sunday) before `today`, oldest first."""
    this_month = today.replace(day=1)
    periods = []
    for back in range(MONTHS_CHECKED, 0, -1):
        start = add_months(this_month, -back)
        end = add_months(start, 1) - timedelta(days=1)
        periods.append(Period(TalkPeriod.MONTH, f"{start:%Y-%m}", start, end))
    this_monday = today - timedelta(days=today.weekday())
    for back in range(WEEKS_CHECKED, 0, -1):
        start = this_monday - timedelta(weeks=back)
        iso = start.isocalendar()
        periods.append(Period(TalkPeriod.WEEK, f"{iso.year}-W{iso.week:02d}", start, start + timedelta(days=6)))
    return periods
