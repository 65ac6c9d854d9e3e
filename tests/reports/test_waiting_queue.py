"""Redis down: the portal keeps working, a report request is stored as 等待队列 (quickly, the request does not
hang on the broker) and is sent once when Redis returns — by polling its status, by Celery beat's
`dispatch-waiting-reports` and by `manage.py dispatch_reports`.

Each test starts its own `redis-server` on a private port, kills it and starts it again; the main Redis is never
touched. These tests run on SQLite (no worker: the message is read back from the Redis queue) and on PostgreSQL;
the last one (marked `worker`, PostgreSQL only) has a real Celery worker render the report once Redis is back.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from io import StringIO
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from core.tokens import api_token_create
from decisions.models import Decision
from haidian_governance.celery import app as celery_app
from reports import services, tasks
from reports.models import ReportRun, ReportScope, ReportStatus
from tests.decisions.test_views import form_data
from tests.reports.test_reports import last_month

REDIS_PORT = int(os.environ.get("FAULTS_REDIS_PORT", "6391"))
BROKER_URL = f"redis://127.0.0.1:{REDIS_PORT}/0"
HUNG_PORT = REDIS_PORT + 2  # a listener that never answers
PUBLISH_BUDGET_SECONDS = 2.0
DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://"))

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")


class PrivateRedis:
    """A throw-away `redis-server` on REDIS_PORT that a test stops (SIGKILL, as a crash) and starts again."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", REDIS_PORT)) == 0:
                pytest.fail(f"port {REDIS_PORT} is taken by another server (set FAULTS_REDIS_PORT)")
        command = ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly"]
        command += ["no", "--daemonize", "no", "--dir", str(self.directory)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        client = redis.Redis.from_url(BROKER_URL, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"redis-server exited at start (port {REDIS_PORT})")
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        pytest.fail(f"redis-server did not start on port {REDIS_PORT}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(BROKER_URL)

    def queued_run_ids(self, queue: str = "pdf") -> list[int]:
        """The run ids of the render_report messages waiting in a queue (kombu's Redis list, oldest first)."""
        ids = []
        for raw in reversed(self.client().lrange(queue, 0, -1)):
            message = json.loads(raw)
            assert message["headers"]["task"] == "reports.tasks.render_report"
            ids.append(int(message["headers"]["argsrepr"].strip("()[], ")))
        return ids


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker(private_redis, monkeypatch):
    """Celery publishes to the private Redis (not eagerly), as in production."""
    monkeypatch.setenv("CELERY_BROKER_URL", BROKER_URL)  # Celery reads this variable before its own conf
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=BROKER_URL, task_always_eager=False)
    yield private_redis
    celery_app.conf.update(saved)


@pytest.fixture
def redis_cache(settings):
    """The production cache (Redis, failing open) on the private Redis."""
    settings.CACHES = {
        "default": {
            "BACKEND": "core.faults.FailOpenRedisCache",
            "LOCATION": BROKER_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


def _timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def _token(user) -> str:
    _token, key = api_token_create(user=user, name="故障测试", can_write=True)
    return key


@pytest.mark.django_db(transaction=True)  # real commits: the run is sent (or left waiting) after its commit
def test_request_while_redis_is_down_waits_and_is_sent_once_when_polled(
    broker, redis_cache, school_a, school_b, secretary_a, district_admin, client, login
):
    period = last_month()
    broker.stop()

    # The page: stored as 等待队列, quickly, and said so.
    login(secretary_a)
    form = {"scope": "school", "school": school_a.pk, "month": f"{period:%Y-%m}"}
    response, page_seconds = _timed(lambda: client.post(reverse("report_run_request"), form, follow=True))
    run = ReportRun.objects.get(school=school_a)
    assert run.status == ReportStatus.WAITING and run.is_current and run.attempts == 0
    assert page_seconds < PUBLISH_BUDGET_SECONDS, page_seconds
    body = response.content.decode()
    assert response.status_code == 200 and "等待队列" in body and "恢复后将自动开始生成" in body
    assert '<meta http-equiv="refresh" content="5">' in body  # the page keeps polling

    # The API: 201 with the waiting status.
    api_body = {"scope": "school", "school": school_b.pk, "month": f"{period:%Y-%m}"}
    created, api_seconds = _timed(
        lambda: client.post(
            "/api/v1/report-runs/",
            api_body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {_token(district_admin)}",
        )
    )
    assert created.status_code == 201, created.content
    assert (created.json()["status"], created.json()["status_label"]) == ("waiting", "等待队列")
    assert api_seconds < PUBLISH_BUDGET_SECONDS, api_seconds
    api_run = ReportRun.objects.get(pk=created.json()["id"])

    # Asking again reuses the waiting run; polling while Redis is still down changes nothing.
    client.post(reverse("report_run_request"), form)
    assert ReportRun.objects.filter(school=school_a).count() == 1
    status, poll_seconds = _timed(lambda: client.get(reverse("report_run_status", args=[run.pk])).json())
    assert (status["status"], status["status_label"]) == ("waiting", "等待队列")
    assert poll_seconds < PUBLISH_BUDGET_SECONDS, poll_seconds

    # The rest of the portal works: pages, the API (throttled through the Redis cache), and writes that queue
    # a compliance re-check.
    assert client.get(reverse("school_list")).status_code == 200
    listing = client.get("/api/v1/schools/", HTTP_AUTHORIZATION=f"Token {_token(district_admin)}")
    assert listing.status_code == 200 and listing.json()["results"]

    # Redis returns: the next poll sends every waiting run, once.
    broker.start()
    status = client.get(reverse("report_run_status", args=[run.pk])).json()
    assert status["status"] == "queued"
    api_run.refresh_from_db()
    assert api_run.status == ReportStatus.QUEUED
    assert sorted(broker.queued_run_ids()) == sorted([run.pk, api_run.pk])
    client.get(reverse("report_run_status", args=[run.pk]))
    client.get(reverse("report_run_detail", args=[run.pk]))
    assert services.dispatch_waiting_runs() == 0
    assert sorted(broker.queued_run_ids()) == sorted([run.pk, api_run.pk])  # nothing sent twice


@pytest.mark.django_db(transaction=True)
def test_writes_succeed_with_redis_down(broker, redis_cache, school_a, clerk_a, settings, client, login, caplog):
    """A write whose compliance re-check cannot be queued still commits (the nightly run catches up)."""
    settings.COMPLIANCE_CHECK_ON_WRITE = True
    broker.stop()
    login(clerk_a)
    response, seconds = _timed(lambda: client.post(reverse("decision_create"), form_data(school_a)))
    assert response.status_code == 302 and Decision.objects.get().title == "新建实验楼"
    assert seconds < PUBLISH_BUDGET_SECONDS  # the re-check was tried, and given up quickly
    assert client.get(reverse("decision_list")).status_code == 200


def test_beat_and_command_send_waiting_runs_once(
    broker, school_a, school_b, district_admin, django_capture_on_commit_callbacks
):
    beat = django_settings.CELERY_BEAT_SCHEDULE["dispatch-waiting-reports"]
    assert beat["task"] == "reports.tasks.dispatch_waiting_reports" and beat["schedule"] == 60.0

    broker.stop()
    period = last_month()
    with django_capture_on_commit_callbacks(execute=True):
        runs, seconds = _timed(lambda: services.report_runs_schedule_month(period=period))
    assert len(runs) == 1 + 2 + 2  # the district, two 学区, two schools
    assert seconds < PUBLISH_BUDGET_SECONDS  # the batch stops trying after the first refusal
    assert set(ReportRun.objects.values_list("status", flat=True)) == {ReportStatus.WAITING}

    with pytest.raises(CommandError, match="消息队列仍不可用"):
        call_command("dispatch_reports", stdout=StringIO())
    assert tasks.dispatch_waiting_reports.apply().get() == 0

    broker.start()
    assert tasks.dispatch_waiting_reports.apply().get() == 5  # what beat runs every minute
    assert set(ReportRun.objects.values_list("status", flat=True)) == {ReportStatus.QUEUED}
    out = StringIO()
    call_command("dispatch_reports", stdout=out)
    assert "已发送 0 份" in out.getvalue() and "仍在等待 0 份" in out.getvalue()
    assert sorted(broker.queued_run_ids()) == sorted(run.pk for run in runs)


def test_dispatch_command_sends_waiting_runs(broker, school_a, secretary_a, django_capture_on_commit_callbacks):
    broker.stop()
    with django_capture_on_commit_callbacks(execute=True):
        run = services.report_run_request(
            user=secretary_a, scope=ReportScope.SCHOOL, school=school_a, period=last_month()
        )
    run.refresh_from_db()  # sent (or not) when the captured commit callbacks ran
    assert run.status == ReportStatus.WAITING
    broker.start()
    out = StringIO()
    call_command("dispatch_reports", stdout=out)
    assert "已发送 1 份" in out.getvalue()
    run.refresh_from_db()
    assert run.status == ReportStatus.QUEUED and broker.queued_run_ids() == [run.pk]


@pytest.mark.skipif(not ON_POSTGRES, reason="row locks (SELECT … FOR UPDATE SKIP LOCKED) need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_send_each_run_once(broker, school_a, school_b):
    broker.stop()
    with _committed():
        runs = services.report_runs_schedule_month(period=last_month())
    assert ReportRun.objects.filter(status=ReportStatus.WAITING).count() == len(runs) == 5
    broker.start()

    counts: list[int] = []
    barrier = threading.Barrier(4)

    def dispatcher():
        try:
            barrier.wait()
            counts.append(services.dispatch_waiting_runs())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=dispatcher) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(counts) == 5
    assert sorted(broker.queued_run_ids()) == sorted(run.pk for run in runs)  # each run exactly once


class _committed:
    """Autocommit block for `transaction=True` tests (on_commit callbacks run at once)."""

    def __enter__(self):
        assert connection.get_autocommit()

    def __exit__(self, *exc):
        return False


@pytest.fixture
def hung_broker():
    """A port that accepts connections and never answers: a Redis that hangs, or a host that went silent."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", HUNG_PORT))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{HUNG_PORT}/0"
    stop.set()
    thread.join(timeout=5)
    for conn in accepted:
        conn.close()
    listener.close()


def test_a_hung_broker_is_given_up_quickly(
    hung_broker, monkeypatch, school_a, secretary_a, django_capture_on_commit_callbacks
):
    monkeypatch.setenv("CELERY_BROKER_URL", hung_broker)
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=hung_broker, task_always_eager=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run, seconds = _timed(
                lambda: services.report_run_request(
                    user=secretary_a, scope=ReportScope.SCHOOL, school=school_a, period=last_month()
                )
            )
    finally:
        celery_app.conf.update(saved)
    run.refresh_from_db()
    assert run.status == ReportStatus.WAITING
    assert seconds < PUBLISH_BUDGET_SECONDS, seconds


# --- a real worker renders the waiting report once Redis is back (PostgreSQL) ------------------------------
@pytest.mark.worker
@pytest.mark.skipif(not ON_POSTGRES, reason="a worker process cannot share an SQLite test database")
@pytest.mark.django_db(transaction=True)
def test_worker_renders_the_waiting_report_after_redis_returns(broker, school_a, school_b, secretary_a, tmp_path,
                                                               settings):  # fmt: skip
    from tests.reports.test_reports import seed_month
    from tests.reports.test_worker import _database_url

    settings.MEDIA_ROOT = tmp_path / "media"
    seed_month(school_a=school_a, school_b=school_b, period=last_month())
    broker.stop()
    run = services.report_run_request(user=secretary_a, scope=ReportScope.SCHOOL, school=school_a, period=last_month())
    assert run.status == ReportStatus.WAITING

    broker.start()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": BROKER_URL,
        "CELERY_BROKER_URL": BROKER_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DB_CONN_MAX_AGE": "0",
        "LOG_LEVEL": "WARNING",
    }
    command = [str(Path(sys.executable).with_name("celery")), "-A", "haidian_governance", "worker", "-Q", "pdf,celery"]
    command += ["--pool", "solo", "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", "faults@%h"]
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        out = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "dispatch_reports"],
            cwd=Path(__file__).resolve().parents[2],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0 and "已发送 1 份" in out.stdout, out.stdout + out.stderr
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status in (ReportStatus.DONE, ReportStatus.FAILED):
                break
            time.sleep(0.2)
        assert run.status == ReportStatus.DONE, (run.status, run.error, (tmp_path / "worker.log").read_text())
        assert run.attempts == 1 and run.sha256 and Path(run.file.path).is_file()
        assert timezone.now() >= run.finished_at
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
