"""Validating the file as a whole: duplicates, unknown references, parent cycles and overlapping periods."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..choices import SOLE_POSTS, Post
from ..models import Appointment, Person, School
from .parsing import _Parsed, _SchoolRow
from .result import RowError
from .sheets import APPOINTMENT_SHEET, SCHOOL_SHEET


def _check_unique(sheet: str, rows: Iterable[Any], key: str, label: str, errors: list[RowError]) -> None:
    """Report every row whose `key` value already appeared on an earlier row of the sheet."""
    seen: dict[Any, int] = {}
    for row in rows:
        value = getattr(row, key)
        if not value or (isinstance(value, tuple) and not all(value)):
            continue
        if value in seen:
            errors.append(RowError(sheet, row.row, f"{label}与第 {seen[value]} 行重复。"))
        else:
            seen[value] = row.row


@dataclass
class _Existing:
    """The database rows the file refers to, keyed by code."""

    schools: dict[str, School]
    people: dict[str, Person]
    parents: dict[str, str]  # school code -> parent code, for every campus in the database


def _load_existing(parsed: _Parsed) -> _Existing:
    school_codes = {row.code for row in parsed.schools} | {row.school for row in parsed.appointments}
    school_codes |= {row.parent for row in parsed.schools if row.parent}
    person_codes = {row.code for row in parsed.people} | {row.person for row in parsed.appointments}
    return _Existing(
        schools={school.code: school for school in School.objects.filter(code__in=school_codes)},
        people={person.code: person for person in Person.objects.filter(code__in=person_codes)},
        parents=dict(School.objects.filter(parent__isnull=False).values_list("code", "parent__code")),
    )


def _check_school_names(parsed: _Parsed, errors: list[RowError]) -> None:
    """A school name is unique: refuse a name that an existing school with another code already has."""
    holders = dict(School.objects.filter(name__in=[row.name for row in parsed.schools]).values_list("name", "code"))
    for row in parsed.schools:
        holder = holders.get(row.name)
        if holder is not None and holder != row.code:
            errors.append(RowError(SCHOOL_SHEET, row.row, f"学校名称“{row.name}”已被学校代码 {holder} 使用。"))


def _parent_chain_error(row: _SchoolRow, parent_of: dict[str, str]) -> str | None:
    """Why `row`'s parent is impossible (itself or a cycle), or None."""
    if row.parent == row.code:
        return "本部学校代码不能是本校自己的代码。"
    chain, current = [row.code], row.parent
    while current:
        chain.append(current)
        if current == row.code:
            return f"本部关系形成循环：{' → '.join(chain)}。"
        if len(chain) > len(parent_of) + 2:
            break
        current = parent_of.get(current)
    return None


def _check_parents(parsed: _Parsed, existing: _Existing, errors: list[RowError]) -> None:
    in_file = {row.code for row in parsed.schools}
    parent_of = dict(existing.parents)
    parent_of.update({row.code: row.parent for row in parsed.schools if row.parent is not None})
    for row in parsed.schools:
        if not row.parent:
            continue
        if row.parent not in in_file and row.parent not in existing.schools:
            errors.append(RowError(SCHOOL_SHEET, row.row, f"本部学校代码“{row.parent}”不存在。"))
            continue
        message = _parent_chain_error(row, parent_of)
        if message:
            errors.append(RowError(SCHOOL_SHEET, row.row, message))


def _check_references(parsed: _Parsed, existing: _Existing, errors: list[RowError]) -> None:
    people = {row.code for row in parsed.people} | set(existing.people)
    schools = {row.code for row in parsed.schools} | set(existing.schools)
    for row in parsed.appointments:
        if row.person and row.person not in people:
            errors.append(RowError(APPOINTMENT_SHEET, row.row, f"人员编号“{row.person}”不存在（文件和系统中均无）。"))
        if row.school and row.school not in schools:
            errors.append(RowError(APPOINTMENT_SHEET, row.row, f"学校代码“{row.school}”不存在（文件和系统中均无）。"))


@dataclass(frozen=True)
class _Period:
    """An appointment as it will be after the import: from the file (`row`) or untouched in the DB."""

    person: str
    person_name: str
    school: str
    post: str
    start: date
    end: date | None
    row: int | None

    def overlaps(self, other: "_Period") -> bool:
        return (other.end is None or self.start <= other.end) and (self.end is None or other.start <= self.end)

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}" if self.end else f"{self.start:%Y-%m-%d} 起"


def _periods(parsed: _Parsed, existing: _Existing) -> list[_Period]:
    """Database appointments of the schools and posts in the file, overridden by the file's own rows."""
    names = {code: person.name for code, person in existing.people.items()}
    names.update({row.code: row.name for row in parsed.people})
    rows = [row for row in parsed.appointments if row.person and row.school and row.post and row.start]
    periods: dict[tuple, _Period] = {}
    stored = Appointment.objects.filter(
        school__code__in={row.school for row in rows}, post__in={row.post for row in rows}
    ).select_related("person", "school")
    for item in stored:
        period = _Period(item.person.code, item.person.name, item.school.code, item.post, item.start, item.end, None)
        periods[(period.person, period.school, period.post, period.start)] = period
    for row in rows:
        name = names.get(row.person, row.person)
        periods[row.key] = _Period(row.person, name, row.school, row.post, row.start, row.end, row.row)
    return list(periods.values())


def _overlap_message(period: _Period, other: _Period, school_name: str) -> str:
    """The reason `period` (a file row) cannot coexist with `other` (a file row or a DB appointment)."""
    post = Post(period.post).label
    where = f"第 {other.row} 行" if other.row else "系统中已有的任职"
    if period.person == other.person:
        return f"该人员在此期间已担任本校同一职务（{where}，{other.label}），任职期间不能重叠。"
    if other.row:
        holder = f"{other.person_name}，{other.label}"
        return f"{school_name}的{post}任职期间与第 {other.row} 行（{holder}）重叠，同一时期只能有一位{post}。"
    return f"{school_name}在此期间已有{post}：{other.person_name}（{other.label}），请先为其填写离任日期。"


def _check_overlaps(parsed: _Parsed, existing: _Existing, errors: list[RowError]) -> None:
    """Same person twice in a post, or two holders of a sole post, in overlapping periods."""
    school_names = {code: school.name for code, school in existing.schools.items()}
    school_names.update({row.code: row.name for row in parsed.schools})
    groups: dict[tuple[str, str], list[_Period]] = defaultdict(list)
    for period in _periods(parsed, existing):
        groups[(period.school, period.post)].append(period)
    for (school, post), periods in groups.items():
        periods.sort(key=lambda p: (p.start, p.row or 0))
        for i, first in enumerate(periods):
            for second in periods[i + 1 :]:
                if first.row is None and second.row is None:
                    continue
                if not first.overlaps(second) or (first.person != second.person and post not in SOLE_POSTS):
                    continue
                reported, other = _reported_on(first, second)
                message = _overlap_message(reported, other, school_names.get(school, school))
                errors.append(RowError(APPOINTMENT_SHEET, reported.row, message))


def _reported_on(first: _Period, second: _Period) -> tuple[_Period, _Period]:
    """Report a clash on the later file row (or on the only file row of the pair)."""
    if first.row is None:
        return second, first
    if second.row is None or first.row > second.row:
        return first, second
    return second, first
