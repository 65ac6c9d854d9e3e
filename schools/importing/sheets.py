"""The sheets of the import workbook: their names, columns, required columns and template example."""

from dataclasses import dataclass
from datetime import date
from typing import Any

FILE_SHEET = "文件"
SCHOOL_SHEET = "学校"
PERSON_SHEET = "人员"
APPOINTMENT_SHEET = "任职"


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
