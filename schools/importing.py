"""Excel import of 学校, 人员 and 任职 from one .xlsx workbook (district admins only).

The whole workbook is read and validated first; every problem becomes a `RowError` (sheet, Excel row
number, Chinese reason). Only a file without any error is written, in one transaction, so an import is
all or nothing. Rows are upserted by their natural keys: schools by 学校代码, people by 人员编号 and
appointments by (人员, 学校, 职务, 任职日期).
"""

import io
import logging
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.workbook.workbook import Workbook as WorkbookType

from core.models import User
from core.scope import is_district_admin

from .choices import SOLE_POSTS, Gender, PartyOrgType, Post, SchoolLevel
from .models import Appointment, EducationGroup, Person, School, SchoolDistrict
from .services import appointment_validate

logger = logging.getLogger(__name__)

MAX_FILE_SIZE = 5 * 1024 * 1024
MAX_UNCOMPRESSED_SIZE = 100 * 1024 * 1024
MAX_ROWS_PER_SHEET = 10_000

FILE_SHEET = "文件"
SCHOOL_SHEET = "学校"
PERSON_SHEET = "人员"
APPOINTMENT_SHEET = "任职"

TEMPLATE_FILENAME = "学校人员任职导入模板.xlsx"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNREADABLE_MESSAGE = "无法读取文件：请上传有效的 Excel（.xlsx）文件，可先下载导入模板再填写。"


@dataclass(frozen=True)
class SheetSpec:
    """The columns of one sheet, its required columns and the example row of the template."""

    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    example: tuple[Any, ...]


SHEETS = (
    SheetSpec(
        SCHOOL_SHEET,
        ("学校代码", "学校名称", "学段", "党组织类型", "学区", "教育集团", "本部学校代码", "地址"),
        ("学校代码", "学校名称", "学段", "党组织类型", "学区"),
        ("EX0001", "示例第一小学", "小学", "党支部", "示例学区", "示例教育集团", "", "示例路 1 号"),
    ),
    SheetSpec(
        PERSON_SHEET,
        ("人员编号", "姓名", "性别", "备注"),
        ("人员编号", "姓名"),
        ("EXP0001", "张示例", "女", "示例数据，导入前请删除"),
    ),
    SheetSpec(
        APPOINTMENT_SHEET,
        ("人员编号", "学校代码", "职务", "任职日期", "离任日期"),
        ("人员编号", "学校代码", "职务", "任职日期"),
        ("EXP0001", "EX0001", "校长", date(2024, 9, 1), None),
    ),
)


# --- Result ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem of the file: sheet, Excel row number (None = the whole file) and a Chinese reason."""

    sheet: str
    row: int | None
    message: str


@dataclass
class Counts:
    """How many rows of one kind were created, changed, or found identical to the database."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"新增 {self.created}、更新 {self.updated}、未变 {self.unchanged}"


@dataclass
class ImportResult:
    """The outcome of `import_workbook`: errors (nothing written) or the counts of what was written."""

    errors: list[RowError] = field(default_factory=list)
    schools: Counts = field(default_factory=Counts)
    people: Counts = field(default_factory=Counts)
    appointments: Counts = field(default_factory=Counts)
    new_districts: list[str] = field(default_factory=list)
    new_groups: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def summary(self) -> str:
        """A one-line Chinese summary of a successful import."""
        text = f"导入完成。学校：{self.schools}；人员：{self.people}；任职：{self.appointments}。"
        if self.new_districts:
            text += f"新建学区：{'、'.join(self.new_districts)}。"
        if self.new_groups:
            text += f"新建教育集团：{'、'.join(self.new_groups)}。"
        return text


class ImportFileError(Exception):
    """The upload as a whole cannot be used (not an .xlsx, too large, no known sheet…)."""


# --- Reading the workbook -------------------------------------------------------------------------

_Table = list[tuple[int, dict[str, Any]]]


def _file_size(file: IO[bytes]) -> int:
    size = getattr(file, "size", None)
    if size is not None:
        return size
    file.seek(0, io.SEEK_END)
    size = file.tell()
    file.seek(0)
    return size


def _check_archive(file: IO[bytes]) -> None:
    """Refuse files that are not zip archives or that would unpack to an unreasonable size."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ImportFileError(UNREADABLE_MESSAGE) from exc
    if unpacked > MAX_UNCOMPRESSED_SIZE:
        raise ImportFileError("文件内容过大，请拆分后分批导入。")
    file.seek(0)


def _open_workbook(file: IO[bytes]) -> WorkbookType:
    if _file_size(file) > MAX_FILE_SIZE:
        raise ImportFileError("文件超过 5 MB，请拆分后分批导入。")
    _check_archive(file)
    try:
        return load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated exception types on malformed files.
        logger.info("Unreadable import workbook: %r", exc)
        raise ImportFileError(UNREADABLE_MESSAGE) from exc


def _text(value: Any) -> str:
    """A cell as trimmed text; whole numbers lose their ".0" (codes typed as numbers), dates become ISO."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _read_sheet(worksheet: Any, spec: SheetSpec) -> tuple[_Table, list[RowError]]:
    """The non-empty data rows of a sheet as (Excel row number, {column: raw value})."""
    rows = worksheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return [], []
    names = [_text(value) for value in header]
    missing = [column for column in spec.required if column not in names]
    if missing:
        return [], [RowError(spec.name, 1, f"缺少必填列：{'、'.join(missing)}。")]
    index: dict[str, int] = {}
    for position, name in enumerate(names):
        if name in spec.columns:
            index.setdefault(name, position)
    table: _Table = []
    for number, values in enumerate(rows, start=2):
        record = {column: values[i] if i < len(values) else None for column, i in index.items()}
        if all(_text(value) == "" for value in record.values()):
            continue
        if len(table) >= MAX_ROWS_PER_SHEET:
            raise ImportFileError(f"工作表“{spec.name}”超过 {MAX_ROWS_PER_SHEET} 行，请拆分后分批导入。")
        table.append((number, record))
    return table, []


def _read_tables(file: IO[bytes]) -> tuple[dict[str, _Table], list[RowError]]:
    """Every known sheet of the workbook, or the header errors that make its rows unreadable."""
    workbook = _open_workbook(file)
    try:
        present = [spec for spec in SHEETS if spec.name in workbook.sheetnames]
        if not present:
            raise ImportFileError("文件中没有名为“学校”“人员”“任职”的工作表，请使用导入模板。")
        tables: dict[str, _Table] = {}
        errors: list[RowError] = []
        for spec in present:
            table, sheet_errors = _read_sheet(workbook[spec.name], spec)
            tables[spec.name] = table
            errors += sheet_errors
    except ImportFileError:
        raise
    except Exception as exc:  # corrupt sheet XML surfaces only while rows are read.
        logger.info("Unreadable import workbook: %r", exc)
        raise ImportFileError(UNREADABLE_MESSAGE) from exc
    finally:
        workbook.close()
    if not errors and not any(tables.values()):
        raise ImportFileError("文件中没有可导入的数据行。")
    return tables, errors


# --- Parsing rows ---------------------------------------------------------------------------------


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


# --- Validating the file as a whole ---------------------------------------------------------------


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


def _validate(parsed: _Parsed, errors: list[RowError]) -> _Existing:
    _check_unique(SCHOOL_SHEET, parsed.schools, "code", "学校代码", errors)
    _check_unique(SCHOOL_SHEET, parsed.schools, "name", "学校名称", errors)
    _check_unique(PERSON_SHEET, parsed.people, "code", "人员编号", errors)
    _check_unique(APPOINTMENT_SHEET, parsed.appointments, "key", "同一人员、学校、职务和任职日期", errors)
    existing = _load_existing(parsed)
    _check_school_names(parsed, errors)
    _check_parents(parsed, existing, errors)
    _check_references(parsed, existing, errors)
    _check_overlaps(parsed, existing, errors)
    return existing


# --- Writing --------------------------------------------------------------------------------------


class _Rollback(Exception):
    """Raised inside the transaction to undo every write when the final check finds a problem."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("import rolled back")
        self.errors = errors


def _upsert(
    model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any], counts: Counts, user: User
) -> models.Model:
    """Create or update the row found by `lookup`; save nothing when it already has `values`."""
    instance = model.objects.filter(**lookup).first()
    if instance is None:
        instance = model(**lookup, **values)
        counts.created += 1
    elif all(getattr(instance, name) == value for name, value in values.items()):
        counts.unchanged += 1
        return instance
    else:
        for name, value in values.items():
            setattr(instance, name, value)
        counts.updated += 1
    instance._history_user = user  # simple_history: attribute the change outside of a request too.
    instance.save()
    return instance


def _ensure_named(model: type[models.Model], names: set[str], prefix: str) -> tuple[dict[str, int], list[str]]:
    """Ids of the 学区 / 教育集团 by name, creating the unknown ones with a generated code `<prefix>-<n>`."""
    ids = dict(model.objects.filter(name__in=names).values_list("name", "pk"))
    codes = set(model.objects.filter(code__startswith=f"{prefix}-").values_list("code", flat=True))
    created, number = [], 0
    for name in sorted(names - set(ids)):
        number += 1
        while f"{prefix}-{number}" in codes:
            number += 1
        code = f"{prefix}-{number}"
        ids[name] = model.objects.create(code=code, name=name).pk
        created.append(f"{name}（{code}）")
    return ids, created


def _parents_first(rows: list[_SchoolRow]) -> list[_SchoolRow]:
    """Schools ordered so that a parent school of the file is written before its campuses."""
    in_file = {row.code for row in rows}
    ordered: list[_SchoolRow] = []
    done: set[str] = set()
    pending = list(rows)
    while pending:
        ready = [row for row in pending if not row.parent or row.parent not in in_file or row.parent in done]
        ordered += ready
        done |= {row.code for row in ready}
        pending = [row for row in pending if row.code not in done]
    return ordered


def _write_schools(parsed: _Parsed, existing: _Existing, result: ImportResult, user: User) -> dict[str, School]:
    districts, result.new_districts = _ensure_named(SchoolDistrict, {row.district for row in parsed.schools}, "XQ")
    groups, result.new_groups = _ensure_named(EducationGroup, {row.group for row in parsed.schools if row.group}, "JT")
    schools = dict(existing.schools)
    for row in _parents_first(parsed.schools):
        values: dict[str, Any] = {
            "name": row.name,
            "level": row.level,
            "party_org_type": row.party_org_type,
            "district_id": districts[row.district],
        }
        if row.group is not None:
            values["group_id"] = groups[row.group] if row.group else None
        if row.parent is not None:
            values["parent_id"] = schools[row.parent].pk if row.parent else None
        if row.address is not None:
            values["address"] = row.address
        schools[row.code] = _upsert(School, {"code": row.code}, values, result.schools, user)
    return schools


def _write_people(parsed: _Parsed, existing: _Existing, result: ImportResult, user: User) -> dict[str, Person]:
    people = dict(existing.people)
    for row in parsed.people:
        values = {"name": row.name}
        if row.gender is not None:
            values["gender"] = row.gender
        if row.note is not None:
            values["note"] = row.note
        people[row.code] = _upsert(Person, {"code": row.code}, values, result.people, user)
    return people


def _write_appointments(
    parsed: _Parsed, schools: dict[str, School], people: dict[str, Person], result: ImportResult, user: User
) -> list[tuple[_AppointmentRow, Appointment]]:
    written = []
    for row in parsed.appointments:
        person, school = people[row.person], schools[row.school]
        lookup = {"person_id": person.pk, "school_id": school.pk, "post": row.post, "start": row.start}
        appointment = _upsert(Appointment, lookup, {"end": row.end}, result.appointments, user)
        written.append((row, appointment))
    return written


def _recheck_appointments(written: list[tuple[_AppointmentRow, Appointment]]) -> list[RowError]:
    """Safety net: with the file written, the service-layer rule must hold for every imported appointment."""
    errors = []
    for row, appointment in written:
        try:
            appointment_validate(
                person=appointment.person,
                school=appointment.school,
                post=appointment.post,
                start=appointment.start,
                end=appointment.end,
                exclude_pk=appointment.pk,
            )
        except ValidationError as exc:
            errors += [RowError(APPOINTMENT_SHEET, row.row, message) for message in exc.messages]
    return errors


def _write(parsed: _Parsed, existing: _Existing, user: User) -> ImportResult:
    result = ImportResult()
    try:
        with transaction.atomic():
            schools = _write_schools(parsed, existing, result, user)
            people = _write_people(parsed, existing, result, user)
            written = _write_appointments(parsed, schools, people, result, user)
            errors = _recheck_appointments(written)
            if errors:
                raise _Rollback(errors)
    except _Rollback as rollback:
        return ImportResult(errors=rollback.errors)
    except IntegrityError:
        logger.exception("Import rolled back on an integrity error")
        return ImportResult(errors=[RowError(FILE_SHEET, None, "写入失败：数据与系统中的记录冲突，未导入任何内容。")])
    return result


# --- Public API -----------------------------------------------------------------------------------


def import_workbook(*, file: IO[bytes], user: User) -> ImportResult:
    """Validate the whole workbook and, only if it has no error at all, write it in one transaction."""
    if not is_district_admin(user):
        raise PermissionDenied
    try:
        tables, errors = _read_tables(file)
    except ImportFileError as exc:
        return ImportResult(errors=[RowError(FILE_SHEET, None, str(exc))])
    if errors:
        return ImportResult(errors=errors)
    parsed = _parse(tables, errors)
    existing = _validate(parsed, errors)
    if errors:
        return ImportResult(errors=sorted(errors, key=_error_order))
    return _write(parsed, existing, user)


def _error_order(error: RowError) -> tuple[int, int]:
    sheets = [spec.name for spec in SHEETS]
    return (sheets.index(error.sheet) if error.sheet in sheets else -1, error.row or 0)


def build_template() -> bytes:
    """An empty import workbook: the three sheets with their header row and one fictional example row."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for spec in SHEETS:
        sheet = workbook.create_sheet(spec.name)
        sheet.append(spec.columns)
        sheet.append(spec.example)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for cell in sheet[2]:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
        for letter in "ABCDEFGH"[: len(spec.columns)]:
            sheet.column_dimensions[letter].width = 18
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
