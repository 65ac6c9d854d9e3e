"""`manage.py backup --out DIR`: the database, the uploaded files and the reports, with a manifest."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from core.backup.common import BackupError
from core.backup.dump import backup


class Command(BaseCommand):
    help = "备份数据库（JSON）、上传的佐证材料和月度报告文件，并写入带 SHA-256 的清单 manifest.json。"

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path, help="新的或空的备份目录")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="数据库别名（默认 default）")

    def handle(self, *args, **options):
        try:
            backup(options["out"], using=options["database"], log=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
