"""Writes of the reports app: request a monthly report, render it (whole, or in parts that are merged), record
the PDF with its size and SHA-256, or the failure.

Idempotent by construction: a run's PDF has one deterministic file name, written to a temporary file and moved
into place (`os.replace`), and the row is updated under a row lock in the same step, so a retried or
redelivered task overwrites the same file and the stored checksum always matches the file on disk. One scope and
month has one *current* run (a conditional unique constraint); a new request replaces a finished one and
reuses a pending one.
"""

import hashlib
import json
import logging
import math
import os
import shutil
import tempfile
from datetime import date
from functools import partial
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Least
from django.template.loader import render_to_string
from django.utils import timezone

from core.errors import NotAllowedError
from core.faults import publish_connection, publish_task
from core.models import Role, User
from core.scope import restrict
from schools.models import School, SchoolDistrict

from . import content
from .aggregates import add_months, month_start
from .models import ReportRun, ReportScope, ReportStatus
from .rendering.merge import merge_pdfs
from .rendering.pdf import render_pdf

logger = logging.getLogger(__name__)

REQUEST_DENIED = "您只能申请本人权限范围内的月度报告。"
ERROR_LIMIT = 2000
DISPATCH_BATCH = 500


class PartsMissingError(OSError):
    """The merge started before every part file was on disk (a duplicated or early chord callback); the task
    retries it with back-off until they are."""


# --- requesting -------------------------------------------------------------------------------------
def may_request(
    user: User, *, scope: str, school: School | None = None, school_district: SchoolDistrict | None = None
) -> bool:
    """A user may request the reports he or she may read (DESIGN §5)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if scope == ReportScope.DISTRICT:
        return user.is_district
    if scope == ReportScope.XUEQU:
        return school_district is not None and (
            user.is_district or (user.role == Role.XUEQU_VIEWER and user.school_district_id == school_district.pk)
        )
    if scope == ReportScope.SCHOOL:
        return school is not None and restrict(School.objects.filter(pk=school.pk), user, "").exists()
    return False


def _validate_period(period: date, today: date) -> date:
    period = month_start(period)
    if period > month_start(today):
        raise ValidationError({"period": "不能申请尚未开始月份的报告。"})
    return period


def _request(
    *,
    scope: str,
    period: date,
    school: School | None,
    school_district: SchoolDistrict | None,
    requested_by: User | None,
    sender: "_Sender | None" = None,
) -> tuple[ReportRun, bool]:
    """Create the current run of a scope and month and send it once the request commits, or return the pending
    one; with whether it was created. A batch shares one `sender`, so it stops trying once the broker fails."""
    lookup = {"scope": scope, "period": period, "school": school, "school_district": school_district}
    try:
        with transaction.atomic():
            current = ReportRun.objects.select_for_update().filter(is_current=True, **lookup).first()
            if current is not None and current.is_pending:
                return current, False
            if current is not None:
                current.is_current = False
                current.save(update_fields=["is_current", "updated_at"])
            run = ReportRun.objects.create(requested_by=requested_by, **lookup)
            transaction.on_commit(partial((sender or _Sender()).send, run.pk))
            return run, True
    except IntegrityError:
        # A concurrent request created the current run first: that one is queued already.
        return ReportRun.objects.get(is_current=True, **lookup), False


class _Sender:
    """Sends new (排队) runs to the broker after the commit that created them; when the broker cannot be
    reached a run waits as 等待队列 for `dispatch_waiting_runs`, and so do the rest of its batch, untried."""

    def __init__(self) -> None:
        self.broker_down = False

    def send(self, run_id: int) -> None:
        from .tasks import render_report  # tasks import this module

        if not self.broker_down and publish_task(render_report, args=[run_id]):
            return
        self.broker_down = True
        ReportRun.objects.filter(pk=run_id, status=ReportStatus.QUEUED, attempts=0).update(
            status=ReportStatus.WAITING, updated_at=timezone.now()
        )
        logger.warning("broker unavailable: report run %s waits for the queue", run_id)


def eager_tasks() -> bool:
    from .tasks import render_report

    return bool(render_report.app.conf.task_always_eager)


class _NotSent(Exception):
    """Rolls back the claim of a run whose message could not be sent."""


def dispatch_waiting_runs(*, limit: int = DISPATCH_BATCH) -> int:
    """Send the runs stored as 等待队列 while the broker was down; returns how many were sent.

    Called every minute by Celery beat, whenever the status of a waiting run is polled, and by
    `manage.py dispatch_reports`. Each run is sent once: the waiting rows are locked (`SKIP LOCKED`, so
    concurrent dispatchers take different rows) and claimed by a compare-and-set on the status (the only guard
    on SQLite, which has no row locks but serialises writers); the claim and the message go together — a
    message that cannot be sent rolls the claim back and the dispatch stops until the next call.
    """
    from .tasks import render_report

    sent: list[int] = []
    eager = eager_tasks()
    with transaction.atomic():
        waiting = list(
            ReportRun.objects.select_for_update(skip_locked=True)
            .filter(status=ReportStatus.WAITING)
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not waiting:
            return 0
        with publish_connection(render_report.app) as connection:
            for run_id in waiting:
                try:
                    with transaction.atomic():
                        claimed = ReportRun.objects.filter(pk=run_id, status=ReportStatus.WAITING).update(
                            status=ReportStatus.QUEUED, updated_at=timezone.now()
                        )
                        if not claimed:
                            continue
                        if not eager and not publish_task(render_report, args=[run_id], connection=connection):
                            raise _NotSent
                except _NotSent:
                    break
                sent.append(run_id)
    if eager:  # no broker: render in-process, after the claim committed (as a worker would)
        for run_id in sent:
            publish_task(render_report, args=[run_id])
    if sent:
        logger.info("dispatched %s waiting report run(s)", len(sent))
    return len(sent)


def report_run_request(
    *,
    user: User,
    scope: str,
    period: date,
    school: School | None = None,
    school_district: SchoolDistrict | None = None,
    today: date | None = None,
) -> ReportRun:
    """A user asks for a report of a scope in his or her own scope; it is queued when the request commits."""
    if scope != ReportScope.SCHOOL:
        school = None
    if scope != ReportScope.XUEQU:
        school_district = None
    if not may_request(user, scope=scope, school=school, school_district=school_district):
        raise NotAllowedError(REQUEST_DENIED)
    period = _validate_period(period, today or timezone.localdate())
    run, _created = _request(
        scope=scope, period=period, school=school, school_district=school_district, requested_by=user
    )
    run.refresh_from_db()  # sent after the commit: 等待队列 when the broker was down (or done, in eager mode)
    return run


def report_runs_schedule_month(*, period: date | None = None, today: date | None = None) -> list[ReportRun]:
    """The monthly batch (Celery beat, the 1st at 02:00): last month's district report, one per 学区 and one per
    active school, requested by nobody (系统定时)."""
    today = today or timezone.localdate()
    period = month_start(period) if period else add_months(month_start(today), -1)
    common = {"period": period, "requested_by": None, "sender": _Sender()}
    with transaction.atomic():  # the whole batch or nothing; the runs are sent after the commit
        results = [_request(scope=ReportScope.DISTRICT, school=None, school_district=None, **common)]
        for xuequ in SchoolDistrict.objects.filter(schools__is_active=True).distinct().order_by("code"):
            results.append(_request(scope=ReportScope.XUEQU, school=None, school_district=xuequ, **common))
        for school in School.objects.filter(is_active=True).order_by("code"):
            results.append(_request(scope=ReportScope.SCHOOL, school=school, school_district=None, **common))
    return [run for run, _created in results]


# --- rendering steps (called by reports.tasks) --------------------------------------------------------
def _progress(run_id: int, value: int) -> None:
    """Move the progress forward (never back: a retried step does not rewind the bar)."""
    ReportRun.objects.filter(pk=run_id, progress__lt=value).update(progress=value)


def report_run_start(*, run_id: int) -> ReportRun | None:
    """Mark the run 生成中 and count the attempt; None when it is already finished with its file on disk."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().get(pk=run_id)
        if run.status == ReportStatus.DONE and run.file and default_storage.exists(run.file.name):
            return None
        if run.status in (ReportStatus.DONE, ReportStatus.FAILED):
            run.parts_total = None  # a fresh attempt: a district report dispatches its parts again
        run.status = ReportStatus.RUNNING
        run.started_at = run.started_at or timezone.now()
        run.finished_at = None
        run.attempts += 1
        run.progress = max(run.progress, 5)
        run.error = ""
        run.save()
    return run


def _file_name(run: ReportRun) -> str:
    slug = {
        ReportScope.DISTRICT: "district",
        ReportScope.XUEQU: f"xuequ-{run.school_district_id}",
        ReportScope.SCHOOL: f"school-{run.school_id}",
    }[run.scope]
    return f"reports/{run.period:%Y-%m}/{slug}-run{run.pk}.pdf"


def _parts_dir(run_id: int) -> Path:
    return Path(default_storage.path(f"reports/parts/run{run_id}"))


def _write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers only ever see the old or the whole new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _store(run_id: int, pdf: bytes, page_count: int) -> ReportRun:
    """Put the PDF in place and record it, under the run's row lock (one writer at a time)."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().get(pk=run_id)
        name = _file_name(run)
        _write_atomically(Path(default_storage.path(name)), pdf)
        run.file.name = name
        run.size = len(pdf)
        run.sha256 = hashlib.sha256(pdf).hexdigest()
        run.page_count = page_count
        run.status = ReportStatus.DONE
        run.progress = 100
        run.finished_at = timezone.now()
        run.error = ""
        run.save()
    return run


def _target(run_id: int) -> content.ReportTarget:
    run = ReportRun.objects.select_related("school", "school_district").get(pk=run_id)
    return content.ReportTarget.of_run(run)


def report_run_render(*, run_id: int, today: date | None = None) -> ReportRun:
    """Render a school or 学区 report as one document and store it."""
    today = today or timezone.localdate()
    target = _target(run_id)
    context = content.report_context(target, today=today)
    _progress(run_id, 40)
    html = render_to_string("reports/pdf/report.html", context)
    _progress(run_id, 50)
    rendered = render_pdf(html)
    _progress(run_id, 90)
    return _store(run_id, rendered.pdf, rendered.page_count)


def report_part_keys(*, run_id: int) -> list[str]:
    """The parts a district report is split into (overview, then one per 学区)."""
    return content.part_keys(_target(run_id))


def report_run_dispatched(*, run_id: int, parts_total: int) -> None:
    ReportRun.objects.filter(pk=run_id).update(parts_total=parts_total)


def report_part_render(*, run_id: int, index: int, key: str, parts_total: int, today: date | None = None) -> int:
    """Render one part of a district report into its own file (a retry overwrites it) with a sidecar telling
    its page count and the page of each contents entry. Returns the part's index."""
    today = today or timezone.localdate()
    if ReportRun.objects.filter(pk=run_id, status=ReportStatus.DONE).exists():
        return index  # a part delivered again after the report was merged: nothing left to do
    target = _target(run_id)
    context, toc = content.part_context(target, key=key, today=today)
    rendered = render_pdf(render_to_string("reports/pdf/part.html", context))
    directory = _parts_dir(run_id)
    _write_atomically(directory / f"{index:03d}.pdf", rendered.pdf)
    sidecar = {
        "key": key,
        "pages": rendered.page_count,
        "toc": [[e.anchor, e.title, e.level, rendered.anchors.get(e.anchor)] for e in toc],
    }
    _write_atomically(directory / f"{index:03d}.json", json.dumps(sidecar, ensure_ascii=False).encode())
    step = max(1, 85 // max(parts_total, 1))
    ReportRun.objects.filter(pk=run_id).update(progress=Least(F("progress") + step, Value(95)))
    return index


def report_parts_ready(*, run_id: int, parts_total: int) -> bool:
    """Whether every part of a district report is on disk (then the merge can run)."""
    directory = _parts_dir(run_id)
    return all((directory / f"{index:03d}.json").is_file() for index in range(parts_total))


def _read_parts(run_id: int, parts_total: int) -> list[tuple[bytes, dict]]:
    directory = _parts_dir(run_id)
    parts = []
    for index in range(parts_total):
        pdf, meta = directory / f"{index:03d}.pdf", directory / f"{index:03d}.json"
        if not (pdf.is_file() and meta.is_file()):
            raise PartsMissingError(f"part {index} of run {run_id} is not rendered yet")
        parts.append((pdf.read_bytes(), json.loads(meta.read_text(encoding="utf-8"))))
    return parts


# Contents entries on a page of `reports/pdf/_contents.html` with print.css, the 目录 heading taking the room of
# about ten (measured: 62, 200, 302, 400, 503 and 800 entries take 2, 6, 8, 11, 13 and 21 pages). Only the first
# guess of the front's length: when it is off, one more rendering settles it.
CONTENTS_ENTRIES_PER_PAGE, CONTENTS_HEADING_ENTRIES = 40, 10


def _front(target: content.ReportTarget, parts: list[tuple[bytes, dict]], today: date):
    """Cover and contents with the page numbers the parts will have once merged behind them. The numbers depend on
    the front's own length, which is known after rendering it: start from an estimate (one page of cover, the
    contents at `CONTENTS_ENTRIES_PER_PAGE`) so that a district report renders it once, not twice (≈ 4 s for
    2,000 schools in 100 学区: 500 entries, 14 pages)."""
    count = sum(1 for _pdf, meta in parts for *_entry, page_index in meta["toc"] if page_index is not None)
    estimate = math.ceil((count + CONTENTS_HEADING_ENTRIES) / CONTENTS_ENTRIES_PER_PAGE)
    front_pages, rendered = 1 + max(1, estimate), None
    for _attempt in range(4):  # the contents' own length decides where the parts start; settle it
        entries, offset = [], front_pages
        for _pdf, meta in parts:
            for anchor, title, level, page_index in meta["toc"]:
                if page_index is not None:
                    entries.append(content.TocEntry(anchor, title, level, offset + page_index + 1))
            offset += meta["pages"]
        html = render_to_string("reports/pdf/front.html", content.front_context(target, toc=entries, today=today))
        rendered = render_pdf(html)
        if rendered.page_count == front_pages:
            break
        front_pages = rendered.page_count
    return rendered


def report_parts_merge(*, run_id: int, parts_total: int, today: date | None = None) -> ReportRun:
    """Join the cover and contents with the parts, number the pages, store the report, drop the parts.

    It may be called twice (the chord's callback and the safety net of `reports.tasks.render_report_part`):
    the row lock serialises the calls, and the second finds the report done.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().get(pk=run_id)
        if run.status == ReportStatus.DONE:
            return run
        target = _target(run_id)
        parts = _read_parts(run_id, parts_total)
        front = _front(target, parts, today)
        pdf, pages = merge_pdfs([front.pdf, *(part for part, _meta in parts)], title=target.title)
        run = _store(run_id, pdf, pages)
    shutil.rmtree(_parts_dir(run_id), ignore_errors=True)
    return run


def report_run_fail(*, run_id: int, error: str) -> None:
    """Record a final failure (retries exhausted, time limit, or a bug) so the page stops waiting."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status == ReportStatus.DONE:
            return
        run.status = ReportStatus.FAILED
        run.error = error[:ERROR_LIMIT]
        run.finished_at = timezone.now()
        run.save()
    logger.error("report run %s failed: %s", run_id, error)
