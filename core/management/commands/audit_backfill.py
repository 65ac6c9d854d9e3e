"""`manage.py audit_backfill`: audit events for the history written before the audit trail existed."""

from django.core.management.base import BaseCommand

from core.audit.backfill import backfill


class Command(BaseCommand):
    help = "根据已有的修改历史补写审计日志（只补写最早一条审计记录之前的历史，可重复运行）。"

    def handle(self, *args, **options):
        backfill(log=self.stdout.write)
