import datetime

from django.core.management.base import BaseCommand

from decisions.services.evidence_files import DEFAULT_GRACE, evidence_sweep


class Command(BaseCommand):
    help = "清理没有对应佐证材料记录的上传文件（上传事务回滚后遗留的文件）。"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只列出将删除的文件，不删除")
        parser.add_argument(
            "--grace-hours",
            type=float,
            default=DEFAULT_GRACE.total_seconds() / 3600,
            help="只清理早于这么多小时前写入的文件（默认 %(default)s）",
        )

    def handle(self, *args, dry_run=False, grace_hours=6.0, **options):
        result = evidence_sweep(grace=datetime.timedelta(hours=max(grace_hours, 0)), dry_run=dry_run)
        for name in result.removed:
            self.stdout.write(name)
        verb = "将删除" if dry_run else "已删除"
        self.stdout.write(
            self.style.SUCCESS(f"检查 {result.checked} 个文件，{verb} {len(result.removed)} 个无记录的文件。")
        )
