"""core.months: the one month parser behind the filters, the report form, the report API and render_report."""

from datetime import date

import pytest

from core.months import next_month, parse_month


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-10", date(2026, 10, 1)),
        (" 2026-3 ", date(2026, 3, 1)),
        ("1990-01", date(1990, 1, 1)),
        ("2100-12", date(2100, 12, 1)),
        ("２０２６-10", date(2026, 10, 1)),  # full-width digits, as a Chinese input method may type them
    ],
)
def test_months_parse_to_their_first_day(value, expected):
    assert parse_month(value) == expected


@pytest.mark.parametrize(
    "value",
    [None, "", "2026", "2026-13", "2026-0", "1989-12", "2101-01", "+2026-10", "2026 - 10", "2026-10-01", "二〇二六-10",
     "0000-01", "10-2026"],
)  # fmt: skip
def test_anything_else_is_no_month(value):
    assert parse_month(value) is None


def test_next_month_crosses_the_year():
    assert next_month(date(2026, 12, 1)) == date(2027, 1, 1)
    assert next_month(date(2026, 1, 1)) == date(2026, 2, 1)
