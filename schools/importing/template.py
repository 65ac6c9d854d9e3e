"""The downloadable import template: the three sheets with their header row and an example row."""

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font

from .sheets import SHEETS

TEMPLATE_FILENAME = "学校人员任职导入模板.xlsx"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
