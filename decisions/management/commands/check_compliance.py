from django.core.management.base import BaseCommand, CommandError

from decisions.rules import RULES, run_rules
from schools.models import School


class Command(BaseCommand):
    help = "运行合规检查（DESIGN §3 的全部规则），更新合规提示。"

    def add_arguments(self, parser):
        parser.add_argument("--school", help="只检查该学校代码的学校")
        parser.add_argument("--rule", action="append", choices=sorted(RULES), help="只运行指定规则（可重复）")

    def handle(self, *args, school=None, rule=None, **options):
        school_ids = None
        if school:
            found = list(School.objects.filter(code=school).values_list("pk", flat=True))
            if not found:
                raise CommandError(f"没有学校代码为 {school} 的学校。")
            school_ids = found
        summary = run_rules(school_ids=school_ids, codes=rule)
        for code, count in summary.by_rule.items():
            self.stdout.write(f"{code:<24} {count:>6}")
        for year in sorted(summary.calendar_gaps):
            self.stderr.write(
                self.style.WARNING(
                    f"{year} 年的国家法定节假日安排尚未收录：纪要签发时限落在该年的会议暂未检查"
                    "（请升级 chinese-calendar）。"
                )
            )
        message = f"合规检查完成：当前未整改 {summary.open_total} 条，新发现 {summary.opened} 条，"
        self.stdout.write(self.style.SUCCESS(f"{message}已整改 {summary.resolved} 条。"))
