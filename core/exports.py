"""Excel (.xlsx) exports of the lists and dashboard tables, with the filters written above the data.

Each sheet: a title row, one row per active filter ("筛选条件", label, value — or "无" when none), an empty
row, the Chinese header row, then the data. Rows are appended lazily (pass a generator over a queryset's
`.iterator()`) to a write-only workbook saved to a temporary file, which the response streams in chunks.
"""

import datetime
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from urllib.parse import quote

from django import forms
from django.http import FileResponse, HttpRequest
from openpyxl import Workbook

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILTER_LABEL = "筛选条件"
NO_FILTER = "无"
SHEET_TITLE_LENGTH = 31  # Excel's limit
CHUNK_SIZE = 500


@dataclass(frozen=True)
class Sheet:
    title: str
    filters: list[tuple[str, str]]
    headers: list[str]
    rows: Iterable[Sequence]


def wants_xlsx(request: HttpRequest) -> bool:
    return request.GET.get("format") == "xlsx"


def _display(field: forms.Field, value) -> str:
    if isinstance(field, forms.ModelChoiceField):
        return str(value)
    if isinstance(field, forms.ChoiceField):
        labels = {str(key): label for key, label in field.choices}
        return str(labels.get(str(value), value))
    if isinstance(value, datetime.date) and getattr(field.widget, "input_type", None) == "month":
        return f"{value:%Y-%m}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def form_filters(form: forms.Form, *, exclude: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The active filters of a bound form (a FilterSet's `.form`) as (label, display value) pairs.

    Only valid, non-empty values count: those are the ones the list applied.
    """
    if not form.is_bound:
        return []
    form.is_valid()
    cleaned = getattr(form, "cleaned_data", {})
    pairs = []
    for name, field in form.fields.items():
        value = cleaned.get(name)
        if name in exclude or name in form.errors or value in (None, "", [], ()):
            continue
        display = _display(field, value)
        if display:
            pairs.append((str(field.label or name), display))
    return pairs


def filterset_filters(filterset) -> list[tuple[str, str]]:
    """The active filters of a bound django-filter FilterSet."""
    return form_filters(filterset.form)


def in_batches(iterable: Iterable, size: int = CHUNK_SIZE) -> Iterator[list]:
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones: callers pass local times
    return value


def _write(workbook: Workbook, sheet: Sheet) -> None:
    worksheet = workbook.create_sheet(title=sheet.title[:SHEET_TITLE_LENGTH])
    worksheet.append([sheet.title])
    for label, value in sheet.filters or [(NO_FILTER, "")]:
        worksheet.append([FILTER_LABEL, label, value] if value else [FILTER_LABEL, NO_FILTER])
    worksheet.append([])
    worksheet.append(list(sheet.headers))
    for row in sheet.rows:
        worksheet.append([_cell(value) for value in row])


def xlsx_sheets_response(*, filename: str, sheets: Sequence[Sheet]) -> FileResponse:
    """A streamed .xlsx download with one sheet per table; `filename` may be Chinese (RFC 5987 header)."""
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        _write(workbook, sheet)
    buffer = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once streamed
    workbook.save(buffer)
    buffer.seek(0)
    response = FileResponse(buffer, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}"
    return response


def xlsx_response(
    *, filename: str, title: str, filters: list[tuple[str, str]], headers: list[str], rows: Iterable[Sequence]
) -> FileResponse:
    return xlsx_sheets_response(filename=filename, sheets=[Sheet(title, filters, headers, rows)])
