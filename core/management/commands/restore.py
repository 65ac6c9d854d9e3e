"""`manage.py restore DIR`: verify a backup and restore it into an empty database and MEDIA_ROOT."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from core.backup.common import BackupError
from core.backup.load import restore


class Command(BaseCommand):
    help = (
        "校验备份目录中每个文件的 SHA-256，然后恢复到空数据库（已迁移但没有数据也算空库）和 MEDIA_ROOT；"
        "数据在一个事务中载入，并逐表核对行数。"
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="backup 命令写出的备份目录")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="数据库别名（默认 default）")

    def handle(self, *args, **options):
        try:
            restore(options["directory"], using=options["database"], log=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
