"""A real Celery worker on Redis renders a district report (a chord of per-学区 parts and a merge) from a
PostgreSQL database, and a report still finishes exactly once when the worker's process is killed mid-task.

Run with a broker and PostgreSQL, e.g.:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/haidian_w REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/pytest tests/reports/test_worker.py -q

The test database that pytest-django creates (`test_<name>`) is handed to the worker through DATABASE_URL;
`transaction=True` commits the seeded rows so the worker's own connection sees them.
"""

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django_guid import clear_guid, set_guid
from pypdf import PdfReader

from reports import services
from reports.models import ReportRun, ReportScope, ReportStatus
from tests.reports.test_reports import last_month, seed_month

REDIS_URL = os.environ.get("REDIS_URL", "")
DATABASE_URL = os.environ.get("DATABASE_URL", "")
TIMEOUT = 120

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set: no broker for a real worker"),
    pytest.mark.skipif(
        not DATABASE_URL.startswith(("postgres://", "postgresql://")),
        reason="DATABASE_URL is not PostgreSQL: a worker process cannot share an in-memory test database",
    ),
    pytest.mark.django_db(transaction=True),
]


def _database_url() -> str:
    """The URL of the test database pytest-django created, for the worker process."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{db['NAME']}"


def _purge_queues() -> None:
    """Drop messages a previous, interrupted run may have left in this test Redis database's queues."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.delete("pdf", "celery", "unacked", "unacked_index")


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def start_worker(media_root, tmp_path):
    """Start `celery worker` subprocesses on the queues pdf and celery; stopped (by pid) at teardown."""
    _purge_queues()
    started: list[subprocess.Popen] = []

    def start(pool: str = "solo") -> subprocess.Popen:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "REDIS_URL": REDIS_URL,
            "CELERY_BROKER_URL": REDIS_URL,
            "MEDIA_ROOT": str(media_root),
            "DB_CONN_MAX_AGE": "0",
            "LOG_LEVEL": "WARNING",
            "WEASYPRINT_LOG_LEVEL": "INFO",  # the kill test watches the layout steps in the worker log
        }
        command = [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "haidian_governance",
            "worker",
            "-Q",
            "pdf,celery",
            "--pool",
            pool,
            "-c",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
            "-n",
            f"test-{pool}-{len(started)}@%h",
        ]
        log = (tmp_path / f"worker-{len(started)}.log").open("wb")
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait(run: ReportRun, *, until, timeout: float = TIMEOUT) -> ReportRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if until(run):
            return run
        time.sleep(0.1)
    pytest.fail(
        f"run {run.pk} did not reach the expected state in {timeout} s: {run.status} {run.progress}% {run.error}"
    )


def _request_district(school_a, school_b, district_admin) -> ReportRun:
    seed_month(school_a=school_a, school_b=school_b, period=last_month())
    # Autocommit (transaction=True): `delay_on_commit` sends the message to Redis at once.
    return services.report_run_request(user=district_admin, scope=ReportScope.DISTRICT, period=last_month())


def _check_pdf(run: ReportRun) -> None:
    assert run.status == ReportStatus.DONE and run.progress == 100 and run.parts_total == 3
    data = Path(run.file.path).read_bytes()
    assert hashlib.sha256(data).hexdigest() == run.sha256 and len(data) == run.size
    reader = PdfReader(run.file.path)
    assert len(reader.pages) == run.page_count
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    assert "四季青学区" in text and "上地学区" in text and "海淀实验小学" in text and "三重一大" in text
    assert ReportRun.objects.filter(scope=ReportScope.DISTRICT, period=run.period, is_current=True).count() == 1
    files = [p for p in (Path(run.file.path).parents[1]).rglob("*") if p.is_file()]
    assert files == [Path(run.file.path)]  # no stray part or temporary file


def test_worker_renders_a_district_report(start_worker, school_a, school_b, district_admin, tmp_path):
    start_worker("solo")
    request_id = str(uuid.uuid4())
    set_guid(request_id)  # as if requested from a page: the id of that request goes with the tasks
    try:
        run = _request_district(school_a, school_b, district_admin)
    finally:
        clear_guid()
    started = time.monotonic()
    run = _wait(run, until=lambda r: r.status in (ReportStatus.DONE, ReportStatus.FAILED))
    elapsed = time.monotonic() - started
    assert run.status == ReportStatus.DONE, run.error
    _check_pdf(run)
    assert run.attempts == 1
    # Every task of the report (its parts, the merge) logs under the id of the request that asked for it.
    log = (tmp_path / "worker-0.log").read_text(errors="replace")
    done = re.findall(r"\[([0-9a-f-]+|-)\] Task (reports\.tasks\.\w+)\[[0-9a-f-]+\] succeeded", log)
    assert {name for _, name in done} >= {"reports.tasks.render_report_part", "reports.tasks.merge_report_parts"}
    assert {rid for rid, _ in done} == {request_id}
    assert f"[{request_id}] Step 5 - Creating layout" in log  # WeasyPrint's lines inside a task as well
    print(f"district report through a worker: {elapsed:.1f} s, {run.page_count} pages")  # noqa: T201


def _children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in children.read_text().split()] if children.exists() else []


def test_killed_worker_process_still_finishes_once(start_worker, school_a, school_b, district_admin, tmp_path):
    """The pool process dies (SIGKILL) while the report is being rendered: the message goes back to the queue
    (acks_late + reject_on_worker_lost), a new pool process renders it, and the run ends 完成 exactly once."""
    parent = start_worker("prefork")
    run = _request_district(school_a, school_b, district_admin)
    # Wait until the pool process is laying out the second part (WeasyPrint logs its steps), then kill it.
    log_path = tmp_path / "worker-0.log"
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        log = log_path.read_text(errors="replace")
        starts = [m.end() for m in re.finditer(r"Task reports\.tasks\.render_report_part\[[0-9a-f-]+\] received", log)]
        if len(starts) >= 2 and "Step 5 - Creating layout" in log[starts[1] :] and "succeeded" not in log[starts[1] :]:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the second part never started rendering")
    run.refresh_from_db()
    children = _children(parent.pid)
    assert children, "the prefork worker has no pool process"
    for child in children:
        os.kill(child, signal.SIGKILL)
    killed_while = (run.status, run.progress)

    run = _wait(run, until=lambda r: r.status in (ReportStatus.DONE, ReportStatus.FAILED))
    assert run.status == ReportStatus.DONE, run.error
    _check_pdf(run)
    assert parent.poll() is None  # the worker itself survived and replaced its pool process
    assert set(_children(parent.pid)).isdisjoint(children)
    log = log_path.read_text(errors="replace")
    assert "SIGKILL" in log
    rendering = r"Task (reports\.tasks\.render_report(?:_part)?)\[([0-9a-f-]+)\] "
    received = re.findall(rendering + "received", log)
    succeeded = re.findall(rendering + "succeeded", log)
    redelivered = {task for task in received if received.count(task) > 1}
    # The part that was running when its process died was delivered again; every task succeeded exactly once.
    assert len(redelivered) == 1 and all(succeeded.count(task) == 1 for task in received), (received, succeeded)
    assert "merge_report_parts" in log and "Process 'ForkPoolWorker-1'" in log
    assert "Logging error" not in log
    print(f"killed the pool process at {killed_while}; redelivered {sorted(redelivered)}")  # noqa: T201
