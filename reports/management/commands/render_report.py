"""Render one monthly report synchronously and write the PDF to a file (no ReportRun, no Celery).

    python manage.py render_report --month 2026-10 --scope school:A001 --out report.pdf

Scopes: `district` (全区), `xuequ:<编号或代码>` (学区), `school:<学校代码>`. The content and rendering steps are the
task's own (`reports.content`, `reports.rendering`); a district report is rendered part by part and merged with
its cover and contents as the task does.
"""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string
from django.utils import timezone

from core.months import parse_month
from schools.models import School, SchoolDistrict

from ... import content
from ...models import ReportScope
from ...rendering.merge import merge_pdfs
from ...rendering.pdf import render_pdf
from ...services import _front


def month_of(value: str) -> date:
    month = parse_month(value)
    if month is None:
        raise CommandError(f"月份格式有误：{value}（应为 年-月，如 2026-10）。")
    return month


def parse_target(scope: str, period: date) -> content.ReportTarget:
    kind, _sep, key = scope.strip().partition(":")
    if kind == ReportScope.DISTRICT and not key:
        return content.ReportTarget(scope=ReportScope.DISTRICT, period=period)
    if kind == ReportScope.XUEQU and key:
        lookup = {"pk": int(key)} if key.isdigit() else {"code": key}
        xuequ = SchoolDistrict.objects.filter(**lookup).first()
        if xuequ is None:
            raise CommandError(f"没有编号或代码为 {key} 的学区。")
        return content.ReportTarget(scope=ReportScope.XUEQU, period=period, school_district=xuequ)
    if kind == ReportScope.SCHOOL and key:
        school = School.objects.filter(code=key).first()
        if school is None:
            raise CommandError(f"没有学校代码为 {key} 的学校。")
        return content.ReportTarget(scope=ReportScope.SCHOOL, period=period, school=school)
    raise CommandError(f"报告范围有误：{scope}（应为 district、xuequ:<学区编号> 或 school:<学校代码>）。")


def render_target(target: content.ReportTarget, *, today: date) -> tuple[bytes, int]:
    """The PDF of a report and its page count, rendered in this process."""
    if target.scope != ReportScope.DISTRICT:
        rendered = render_pdf(render_to_string("reports/pdf/report.html", content.report_context(target, today=today)))
        return rendered.pdf, rendered.page_count
    parts = []
    for key in content.part_keys(target):
        context, toc = content.part_context(target, key=key, today=today)
        rendered = render_pdf(render_to_string("reports/pdf/part.html", context))
        meta = {
            "key": key,
            "pages": rendered.page_count,
            "toc": [[e.anchor, e.title, e.level, rendered.anchors.get(e.anchor)] for e in toc],
        }
        parts.append((rendered.pdf, meta))
    front = _front(target, parts, today)
    return merge_pdfs([front.pdf, *(pdf for pdf, _meta in parts)], title=target.title)


class Command(BaseCommand):
    help = "同步生成某一范围、某一月份的月度报告，并把 PDF 写入指定文件（不创建生成记录）。"

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="月份，格式 年-月，如 2026-10")
        parser.add_argument(
            "--scope", required=True, help="报告范围：district、xuequ:<学区编号或代码>、school:<学校代码>"
        )
        parser.add_argument("--out", required=True, help="输出的 PDF 文件路径")

    def handle(self, *args, month: str, scope: str, out: str, **options):
        period = month_of(month)
        today = timezone.localdate()
        if period > today.replace(day=1):
            raise CommandError("不能生成尚未开始月份的报告。")
        target = parse_target(scope, period)
        pdf, pages = render_target(target, today=today)
        path = Path(out)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(pdf)
        except OSError as exc:
            raise CommandError(f"无法写入文件 {out}：{exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"已生成《{target.title}》，共 {pages} 页，写入 {path}。"))
