"""Working days on China's official calendar: statutory holidays and 调休 make-up days (a Saturday or Sunday
worked in exchange) included, from `chinese-calendar`, which follows the State Council's yearly notice.

Why `chinese-calendar` and not `holidays`: both know the 2004–2026 holidays, but `holidays` extrapolates years
the State Council has not announced yet (it guesses 2027's Spring Festival days off), while `chinese-calendar`
refuses a year it does not cover. A due date in such a year is therefore reported (`CalendarNotCovered`), never
guessed; a new release of the library, published after each year's notice, extends the calendar.
"""

from datetime import date, timedelta

import chinese_calendar


class CalendarNotCovered(Exception):
    """The official calendar of `year` is not in the installed `chinese-calendar` yet."""

    def __init__(self, year: int):
        super().__init__(f"{year} 年的国家法定节假日安排尚未收录（chinese-calendar {chinese_calendar.__version__}）")
        self.year = year


def is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as exc:
        raise CalendarNotCovered(day.year) from exc


def add_working_days(day: date, count: int) -> date:
    """The `count`-th working day after `day` (the day itself not counted; `count` 0 is `day`)."""
    current = day
    remaining = count
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current
