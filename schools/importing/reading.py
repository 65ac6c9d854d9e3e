"""Reading the workbook: size and archive checks, then the known sheets as rows of raw cell values."""

import io
import logging
import zipfile
from datetime import date, datetime
from typing import IO, Any

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook as WorkbookType

from .result import RowError
from .sheets import SHEETS, SheetSpec

logger = logging.getLogger(__name__)

MAX_FILE_SIZE = 5 * 1024 * 1024
MAX_UNCOMPRESSED_SIZE = 100 * 1024 * 1024
MAX_ROWS_PER_SHEET = 10_000

UNREADABLE_MESSAGE = "无法读取文件：请上传有效的 Excel（.xlsx）文件，可先下载导入模板再填写。"


class ImportFileError(Exception):
    """The upload as a whole cannot be used (not an .xlsx, too large, no known sheet…)."""


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
