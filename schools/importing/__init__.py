"""Excel import of 学校, 人员 and 任职 from one .xlsx workbook (district admins only).

The whole workbook is read and validated first; every problem becomes a `RowError` (sheet, Excel row
number, Chinese reason). Only a file without any error is written, in one transaction, so an import is
all or nothing. Rows are upserted by their natural keys: schools by 学校代码, people by 人员编号 and
appointments by (人员, 学校, 职务, 任职日期).

The steps live in the modules of this package: `sheets` (columns of each sheet), `reading` (the
workbook), `parsing` (typed rows), `validation` (checks across rows and the database), `writing` (the
transaction) and `template` (the downloadable template). This module runs them in order; it calls each
step through its own namespace, so a test can replace one (`_write`, `_check_overlaps`).
"""

from typing import IO

from django.core.exceptions import PermissionDenied

from core.models import User
from core.scope import is_district_admin

from .parsing import _parse, _Parsed
from .reading import (
    MAX_FILE_SIZE,
    MAX_ROWS_PER_SHEET,
    MAX_UNCOMPRESSED_SIZE,
    UNREADABLE_MESSAGE,
    ImportFileError,
    _read_tables,
)
from .result import Counts, ImportResult, RowError
from .sheets import APPOINTMENT_SHEET, FILE_SHEET, PERSON_SHEET, SCHOOL_SHEET, SHEETS, SheetSpec
from .template import TEMPLATE_FILENAME, XLSX_CONTENT_TYPE, build_template
from .validation import (
    _check_overlaps,
    _check_parents,
    _check_references,
    _check_school_names,
    _check_unique,
    _Existing,
    _load_existing,
)
from .writing import _write

__all__ = [
    "APPOINTMENT_SHEET",
    "FILE_SHEET",
    "MAX_FILE_SIZE",
    "MAX_ROWS_PER_SHEET",
    "MAX_UNCOMPRESSED_SIZE",
    "PERSON_SHEET",
    "SCHOOL_SHEET",
    "SHEETS",
    "TEMPLATE_FILENAME",
    "UNREADABLE_MESSAGE",
    "XLSX_CONTENT_TYPE",
    "Counts",
    "ImportFileError",
    "ImportResult",
    "RowError",
    "SheetSpec",
    "build_template",
    "import_workbook",
]


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


def _error_order(error: RowError) -> tuple[int, int]:
    sheets = [spec.name for spec in SHEETS]
    return (sheets.index(error.sheet) if error.sheet in sheets else -1, error.row or 0)
