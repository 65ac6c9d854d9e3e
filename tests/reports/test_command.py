"""`manage.py render_report`: renders synchronously to a file, with Noto CJK subsets embedded; bad arguments
are a CommandError."""

import re
import shutil
import subprocess

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from reports.models import ReportRun
from tests.reports.test_reports import last_month, needs_poppler


@needs_poppler
def test_renders_a_school_report_to_a_file(school_a, tmp_path):
    out = tmp_path / "out" / "school.pdf"
    call_command("render_report", month=f"{last_month():%Y-%m}", scope=f"school:{school_a.code}", out=str(out))

    assert out.read_bytes().startswith(b"%PDF")
    text = "\n".join(page.extract_text() or "" for page in PdfReader(out).pages)
    assert "海淀实验小学" in text
    lines = subprocess.run(  # noqa: S603
        [shutil.which("pdffonts"), str(out)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    cjk = [line for line in lines if re.match(r"[A-Z]{6}\+Noto-?Sans-?CJK", line.split()[0])]
    assert cjk, lines
    for line in cjk:
        embedded, subset = line.split()[-5:-3]
        assert embedded == subset == "yes", line
    assert not ReportRun.objects.exists()


@pytest.mark.parametrize(
    ("month", "scope", "message"),
    [
        ("2026/10", "district", "月份格式有误"),
        ("2026-13", "district", "月份格式有误"),
        ("2099-01", "district", "尚未开始"),
        ("2999-01", "district", "月份格式有误"),  # no year anyone keeps records of
        ("2026-01", "county", "报告范围有误"),
        ("2026-01", "school:", "报告范围有误"),
        ("2026-01", "school:NOPE", "没有学校代码为 NOPE"),
        ("2026-01", "xuequ:999999", "没有编号或代码为 999999"),
    ],
)
def test_bad_arguments_are_command_errors(db, tmp_path, month, scope, message):
    out = tmp_path / "x.pdf"
    with pytest.raises(CommandError, match=message):
        call_command("render_report", month=month, scope=scope, out=str(out))
    assert not out.exists()


def test_renders_a_district_report_merged_from_its_parts(school_a, school_b, tmp_path):
    out = tmp_path / "district.pdf"
    call_command("render_report", month=f"{last_month():%Y-%m}", scope="district", out=str(out))

    reader = PdfReader(out)
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    assert "目录" in reader.pages[1].extract_text()
    assert "四季青学区" in text and "上地学区" in text
    assert not ReportRun.objects.exists()
