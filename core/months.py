"""Months: as users type them ("2026-10", what `<input type="month">` sends) — one parser for the filters, the
report form, the report API and the `render_report` command, each of which words its own error — and the month
arithmetic of the dashboards, reports and filters."""

import re
from datetime import date

MONTH_PATTERN = re.compile(r"(\d{4})-(\d{1,2})")
FIRST_YEAR, LAST_YEAR = 1990, 2100  # outside: a typing error, not a month anyone keeps records of


def parse_month(value: str | None) -> date | None:
    """The first day of a "YYYY-MM" month, or None when the value is empty or not a plausible month."""
    match = MONTH_PATTERN.fullmatch((value or "").strip())
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(first: date, months: int) -> date:
    """The first day of the month `months` after (or before, when negative) the month of `first`."""
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def next_month(first: date) -> date:
    return add_months(first, 1)
