"""`manage.py generate_dataset --schools 2000 --years 3 [--seed N] [--today YYYY-MM-DD]`: the benchmark dataset."""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from core.dataset import generate


class Command(BaseCommand):
    help = "生成基准测试数据集（虚构）：学校、搭档、沟通、会议、表决、决策、督办任务及合规提示。同一种子结果相同。"

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=int, default=200, help="学校数（默认 200）")
        parser.add_argument("--years", type=int, default=1, help="年数，截至 --today 所在月份（默认 1）")
        parser.add_argument("--seed", type=int, default=1, help="随机种子（默认 1）")
        parser.add_argument("--today", type=date.fromisoformat, default=None, help="数据截止日期（默认今天）")
        parser.add_argument("--chunk", type=int, default=50, help="每批写入的学校数（默认 50）")
        parser.add_argument("--no-rules", action="store_true", help="生成后不运行合规规则")

    def handle(self, *args, schools, years, seed, today, chunk, no_rules, **options):
        if schools < 1 or years < 1:
            raise CommandError("--schools 与 --years 须为正整数。")
        started = time.monotonic()
        try:
            counts = generate(
                schools=schools,
                years=years,
                seed=seed,
                today=today,
                chunk=chunk,
                check_rules=not no_rules,
                progress=lambda line: self.stdout.write(line),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for table, rows in counts.items():
            self.stdout.write(f"  {table}: {rows:,}")
        total = sum(counts.values())
        self.stdout.write(self.style.SUCCESS(f"共 {total:,} 行，用时 {time.monotonic() - started:.0f} 秒。"))
