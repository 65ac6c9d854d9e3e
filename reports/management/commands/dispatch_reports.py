"""Send the report runs stored as 等待队列 while the broker (Redis) was down.

    python manage.py dispatch_reports

Celery beat does the same every minute (`dispatch-waiting-reports`); operators run this once Redis is back to
send them at once. Each run is sent once, however many dispatchers run at the same time. The exit status is 1
when runs still wait (the broker is still unreachable).
"""

from django.core.management.base import BaseCommand, CommandError

from ...models import ReportRun, ReportStatus
from ...services import dispatch_waiting_runs


class Command(BaseCommand):
    help = "发送因消息队列（Redis）不可用而处于“等待队列”状态的月度报告。"

    def handle(self, *args, **options):
        sent = dispatch_waiting_runs()
        while sent and ReportRun.objects.filter(status=ReportStatus.WAITING).exists():
            more = dispatch_waiting_runs()  # more than one batch waits
            if not more:
                break
            sent += more
        waiting = ReportRun.objects.filter(status=ReportStatus.WAITING).count()
        self.stdout.write(f"已发送 {sent} 份月度报告到生成队列；仍在等待 {waiting} 份。")
        if waiting:
            raise CommandError("消息队列仍不可用，部分报告仍在等待队列；请检查 Redis 后重试。")
