"""Celery adapters of the monthly reports: take primary keys, call `reports.services`.

Safety when a worker dies mid-render: messages are acknowledged after the task (`acks_late`) and given back to
the queue when the worker process is lost (`reject_on_worker_lost`); prefetch is 1; soft and hard time limits
bound a stuck render; transient errors (database, file system) are retried with exponential back-off capped
below the Redis `visibility_timeout` (settings, `# --- reports ---`), so a retry never races a redelivery.
Every step is idempotent (see `reports.services`), so running one twice leaves one file and one current run.

A district report is a chord: one part per 学区 (plus the overview) rendered in parallel on the `pdf` queue, then
`merge_report_parts` joins them. In eager mode (no broker) the chord runs in-process.
"""

from contextlib import contextmanager

from celery import chord, group, shared_task
from celery.contrib.django.task import DjangoTask
from django.db import InterfaceError, OperationalError

from . import services
from .models import ReportScope

TRANSIENT_ERRORS = (OperationalError, InterfaceError, OSError)
SOFT_TIME_LIMIT = 600
TIME_LIMIT = 660
RETRY_BACKOFF_MAX = 600  # seconds; must stay below CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
MAX_RETRIES = 5
# The chord's callback is counted in the result backend; if a worker dies after a part stored its result but
# before the count was taken, the callback never comes. The last part to finish therefore also queues the merge
# after this delay; a merge that finds the report done does nothing.
MERGE_SAFETY_DELAY = 30


class ReportTask(DjangoTask):
    """Records the final failure of any rendering step on its run, so its page stops waiting."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        run_id = kwargs.get("run_id", args[0] if args else None)
        if isinstance(run_id, int):
            services.report_run_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")
        super().on_failure(exc, task_id, args, kwargs, einfo)


@contextmanager
def failure_recorded(run_id: int):
    """Record a non-transient error on the run at once (eager mode never calls `on_failure`); transient
    errors go to the retry machinery, and `on_failure` records them when the retries are exhausted."""
    try:
        yield
    except TRANSIENT_ERRORS:
        raise
    except Exception as exc:
        services.report_run_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")
        raise


RENDER_OPTIONS = {
    "base": ReportTask,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": RETRY_BACKOFF_MAX,
    "retry_jitter": True,
    "max_retries": MAX_RETRIES,
    "soft_time_limit": SOFT_TIME_LIMIT,
    "time_limit": TIME_LIMIT,
}


@shared_task(ignore_result=True, **RENDER_OPTIONS)
def render_report(run_id: int) -> None:
    """Render one report run: a school or 学区 report at once, a district report as a chord of parts."""
    with failure_recorded(run_id):
        run = services.report_run_start(run_id=run_id)
        if run is None:  # already finished (a redelivered message): nothing to do
            return
        if run.scope != ReportScope.DISTRICT:
            services.report_run_render(run_id=run_id)
            return
        if run.parts_total:  # the chord was dispatched before this redelivery; its messages are queued
            return
        keys = services.report_part_keys(run_id=run_id)
        total = len(keys)
        parts = (
            render_report_part.s(run_id=run_id, index=index, key=key, parts_total=total)
            for index, key in enumerate(keys)
        )
        chord(group(parts))(merge_report_parts.s(run_id=run_id, parts_total=total))
        services.report_run_dispatched(run_id=run_id, parts_total=total)


@shared_task(**RENDER_OPTIONS)
def render_report_part(*, run_id: int, index: int, key: str, parts_total: int) -> int:
    """One part of a district report (the overview or one 学区)."""
    with failure_recorded(run_id):
        services.report_part_render(run_id=run_id, index=index, key=key, parts_total=parts_total)
        if services.report_parts_ready(run_id=run_id, parts_total=parts_total):
            merge_report_parts.apply_async(
                kwargs={"run_id": run_id, "parts_total": parts_total}, countdown=MERGE_SAFETY_DELAY
            )
    return index


@shared_task(ignore_result=True, **RENDER_OPTIONS)
def merge_report_parts(_results=None, *, run_id: int, parts_total: int) -> None:
    """Chord callback: merge the parts (read from disk, so a duplicated callback is harmless)."""
    with failure_recorded(run_id):
        services.report_parts_merge(run_id=run_id, parts_total=parts_total)


@shared_task(acks_late=True, ignore_result=True)
def render_monthly_reports() -> int:
    """Celery beat, the 1st of each month at 02:00 (Asia/Shanghai): queue last month's reports."""
    return len(services.report_runs_schedule_month())


@shared_task(ignore_result=True)
def dispatch_waiting_reports() -> int:
    """Celery beat, every minute: send the runs stored as 等待队列 while the broker was down."""
    return services.dispatch_waiting_runs()
