"""Parsing rows: typed, length-checked values of each sheet's rows, with the problems of each row."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import models

from ..choices import Gender, PartyOrgType, Post, SchoolLevel
from ..models import EducationGroup, Person, School, SchoolDistrict
from .reading import _Table, _text
from .result import RowError
from .sheets import APPOINTMENT_SHEET, PERSON_SHEET, SCHOOL_SHEET


def _max_length(model: type[models.Model], field_name: str) -> int:
    return model._meta.get_field(field_name).max_length


def _label_map(choices: type[models.TextChoices]) -> dict[str, str]:
    return {str(choice.label): choice.value for choice in choices}


class _RowReader:
    """Reads typed values out of one row and records its problems."""

    def __init__(self, sheet: str, number: int, values: dict[str, Any], errors: list[RowError]) -> None:
        self.sheet, self.number, self.values, self.errors = sheet, number, values, errors

    def error(self, message: str) -> None:
        self.errors.append(RowError(self.sheet, self.number, message))

    def text(self, column: str, max_length: int, *, required: bool = False) -> str | None:
        """The cell's text; None when the (optional) column is absent from the sheet."""
        if column not in self.values:
            return None
        value = _text(self.values[column])
        if required and not value:
            self.error(f"“{column}”不能为空。")
        elif len(value) > max_length:
            self.error(f"“{column}”不能超过 {max_length} 个字。")
        return value

    def choice(self, column: str, labels: dict[str, str], *, required: bool = True) -> str | None:
        """The choice value of the label in the cell: "" when empty, None when unknown or column absent."""
        label = self.text(column, max_length=64, required=required)
        if not label:
            return label
        if label not in labels:
            self.error(f"“{column}”的值“{label}”无效，应为：{'、'.join(labels)}。")
            return None
        return labels[label]

    def date(self, column: str, *, required: bool = False) -> date | None:
        """A date cell or a YYYY-MM-DD text; None when empty or invalid."""
        value = self.values.get(column)
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = _text(value)
        if not text:
            if required:
                self.error(f"“{column}”不能为空。")
            return None
        try:
            return datetime.strptime(text, "%Y-%m-%d").date()  # noqa: DTZ007 - a calendar date, no time.
        except ValueError:
            self.error(f"“{column}”的值“{text}”不是有效日期，应为日期单元格或 YYYY-MM-DD 格式的文本。")
            return None


@dataclass
class _SchoolRow:
    row: int
    code: str
    name: str
    level: str | None
    party_org_type: str | None
    district: str
    group: str | None  # None = column absent (keep as is), "" = no group
    parent: str | None  # None = column absent (keep as is), "" = no parent
    address: str | None


@dataclass
class _PersonRow:
    row: int
    code: str
    name: str
    gender: str | None
    note: str | None


@dataclass
class _AppointmentRow:
    row: int
    person: str
    school: str
    post: str | None
    start: date | None
    end: date | None

    @property
    def key(self) -> tuple[str, str, str | None, date | None]:
        return (self.person, self.school, self.post, self.start)


def _parse_school(reader: _RowReader) -> _SchoolRow:
    return _SchoolRow(
        row=reader.number,
        code=reader.text("学校代码", _max_length(School, "code"), required=True) or "",
        name=reader.text("学校名称", _max_length(School, "name"), required=True) or "",
        level=reader.choice("学段", _label_map(SchoolLevel)),
        party_org_type=reader.choice("党组织类型", _label_map(PartyOrgType)),
        district=reader.text("学区", _max_length(SchoolDistrict, "name"), required=True) or "",
        group=reader.text("教育集团", _max_length(EducationGroup, "name")),
        parent=reader.text("本部学校代码", _max_length(School, "code")),
        address=reader.text("地址", _max_length(School, "address")),
    )


def _parse_person(reader: _RowReader) -> _PersonRow:
    return _PersonRow(
        row=reader.number,
        code=reader.text("人员编号", _max_length(Person, "code"), required=True) or "",
        name=reader.text("姓名", _max_length(Person, "name"), required=True) or "",
        gender=reader.choice("性别", _label_map(Gender), required=False),
        note=reader.text("备注", _max_length(Person, "note")),
    )


def _parse_appointment(reader: _RowReader) -> _AppointmentRow:
    appointment = _AppointmentRow(
        row=reader.number,
        person=reader.text("人员编号", _max_length(Person, "code"), required=True) or "",
        school=reader.text("学校代码", _max_length(School, "code"), required=True) or "",
        post=reader.choice("职务", _label_map(Post)),
        start=reader.date("任职日期", required=True),
        end=reader.date("离任日期"),
    )
    if appointment.start and appointment.end and appointment.end < appointment.start:
        reader.error("离任日期不能早于任职日期。")
    return appointment


@dataclass
class _Parsed:
    schools: list[_SchoolRow] = field(default_factory=list)
    people: list[_PersonRow] = field(default_factory=list)
    appointments: list[_AppointmentRow] = field(default_factory=list)


def _parse(tables: dict[str, _Table], errors: list[RowError]) -> _Parsed:
    parsed = _Parsed()
    parsers = (
        (SCHOOL_SHEET, _parse_school, parsed.schools),
        (PERSON_SHEET, _parse_person, parsed.people),
        (APPOINTMENT_SHEET, _parse_appointment, parsed.appointments),
    )
    for sheet, parser, target in parsers:
        for number, values in tables.get(sheet, []):
            target.append(parser(_RowReader(sheet, number, values, errors)))
    return parsed
