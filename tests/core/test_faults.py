"""PostgreSQL down: every page answers 503 with a Chinese page, the API its JSON error shape, `/readyz` says why,
and the log has one line for it, without a traceback.

The database is a PostgreSQL URL on a closed port, so every connection attempt is refused exactly as when the
server is stopped. The portal runs in a subprocess (settings are read once per process): once through Django's
test client (the whole middleware stack) and once as a real gunicorn server on a private port.
"""

import datetime
import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.utils import timezone

from decisions.choices import Tier
from decisions.models import Decision, DecisionTransition
from decisions.services import decisions as decision_services
from meetings import services as meeting_services
from meetings.choices import ItemResult, MatterCategory, VoteChoice
from meetings.models import Vote
from meetings.services import agenda
from reports import services as report_services
from reports.models import ReportRun
from schools.choices import MeetingBody
from schools.importing import import_workbook, writing
from schools.models import Appointment, Person, School
from tests.factories import CommitteeMembershipFactory, PersonFactory
from tests.schools.test_import import table_counts, valid_sheets, workbook_bytes

ROOT = Path(__file__).resolve().parents[2]
HTTP_PORT = int(os.environ.get("FAULTS_HTTP_PORT", "8780"))
UNAVAILABLE = "数据库暂时无法连接"

PROBE = """
import django, json
django.setup()
from django.test import Client

def page(response):
    body = response.content.decode()
    return {"status": response.status_code, "type": response.get("Content-Type", ""), "body": body,
            "retry_after": response.get("Retry-After")}

anonymous = Client()
signed_in = Client()
signed_in.cookies["sessionid"] = "0123456789abcdefghijklmnopqrstuv"  # the session is looked up in the database
results = {
    "login": page(anonymous.get("/accounts/login/")),
    "login_post": page(anonymous.post("/accounts/login/", {"username": "clerk", "password": "haidian2026"})),
    "home": page(signed_in.get("/")),
    "school_list": page(signed_in.get("/schools/")),
    "decision_list": page(signed_in.get("/decisions/")),
    "api_list": page(Client(HTTP_AUTHORIZATION="Token not-a-real-token").get("/api/v1/schools/")),
    "api_session": page(signed_in.get("/api/v1/decisions/")),
    "readyz": page(anonymous.get("/readyz")),
    "healthz": page(anonymous.get("/healthz")),
}
print("RESULTS " + json.dumps(results))
"""


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(tmp_path) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "haidian_governance.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{_closed_port()}/h_faults_down",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
        "ALLOWED_HOSTS": "testserver,127.0.0.1",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_STATIC_MANIFEST": "false",
        "DJANGO_VAR_DIR": str(tmp_path),
        "LOG_LEVEL": "INFO",
    }


def _assert_chinese_page(result: dict) -> None:
    assert result["status"] == 503, result
    assert result["type"].startswith("text/html")
    assert "服务暂时不可用" in result["body"] and UNAVAILABLE in result["body"]
    assert "Traceback" not in result["body"] and "OperationalError" not in result["body"]
    assert result["retry_after"] == "30"


def _assert_api_error(result: dict) -> None:
    assert result["status"] == 503, result
    assert result["type"].startswith("application/json")
    assert json.loads(result["body"]) == {
        "code": "service_unavailable",
        "message": "数据库暂时无法连接，系统正在恢复，请稍后重试。",
        "fields": {},
    }


def test_database_down_pages_and_api_answer_503_in_chinese(tmp_path):
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULTS "))
    pages = json.loads(line.removeprefix("RESULTS "))

    for name in ("login", "login_post", "home", "school_list", "decision_list"):
        _assert_chinese_page(pages[name])
    for name in ("api_list", "api_session"):
        _assert_api_error(pages[name])
    assert pages["readyz"]["status"] == 503
    assert json.loads(pages["readyz"]["body"])["checks"]["database"].startswith("数据库不可用")
    assert pages["healthz"]["status"] == 200  # the process itself is up

    # One log line for the outage, no traceback for any of the nine requests.
    assert result.stderr.count("database unavailable (OperationalError") == 1, result.stderr
    assert "Traceback" not in result.stderr and "Internal Server Error" not in result.stderr
    assert elapsed < 60


@pytest.fixture
def gunicorn_without_database(tmp_path):
    env = {
        **_environment(tmp_path),
        "GUNICORN_BIND": f"127.0.0.1:{HTTP_PORT}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "1",
    }
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", HTTP_PORT)) == 0:
            pytest.fail(f"port {HTTP_PORT} is taken by another server (set FAULTS_HTTP_PORT)")
    log = (tmp_path / "gunicorn.log").open("wb")
    command = [str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py", "haidian_governance.wsgi"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail("gunicorn exited: " + (tmp_path / "gunicorn.log").read_text(errors="replace"))
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{HTTP_PORT}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:  # not listening yet (URLError, refused, timed out)
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start: " + (tmp_path / "gunicorn.log").read_text(errors="replace"))
        yield tmp_path / "gunicorn.log"
    finally:
        process.terminate()
        process.wait(timeout=30)


def _get(path: str, headers: dict | None = None) -> tuple[int, str, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{HTTP_PORT}{path}", headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode()


def test_database_down_real_server_answers_503(gunicorn_without_database):
    status, content_type, body = _get("/accounts/login/")
    assert status == 503 and content_type.startswith("text/html") and "服务暂时不可用" in body
    status, _type, body = _get("/schools/", {"Cookie": "sessionid=0123456789abcdefghijklmnopqrstuv"})
    assert status == 503 and UNAVAILABLE in body and "Traceback" not in body
    status, content_type, body = _get("/api/v1/meetings/", {"Authorization": "Token nope"})
    assert status == 503 and content_type.startswith("application/json")
    assert json.loads(body)["code"] == "service_unavailable"
    status, _type, body = _get("/readyz")
    assert status == 503 and json.loads(body)["checks"]["database"].startswith("数据库不可用")
    log = gunicorn_without_database.read_text(errors="replace")
    assert "Traceback" not in log


# --- a crash mid-write leaves nothing half-written ------------------------------------------------------------
# Each service below writes several rows in one `transaction.atomic`. A later step is made to fail (a patched step
# raising, or a real constraint violation in the database) and nothing of the write may remain. `transaction=True`:
# the service's own transaction is the outermost one, committed or rolled back for real.
class Crash(RuntimeError):
    """The process 'dies' at this step."""


def _crash(*args, **kwargs):
    raise Crash("模拟写入中途失败")


@pytest.mark.django_db(transaction=True)
def test_decision_create_leaves_nothing_when_a_later_step_fails(school_a, clerk_a, monkeypatch):

    leader = PersonFactory()
    monkeypatch.setattr(decision_services, "record_transition", _crash)  # after the row and its links are saved
    with pytest.raises(Crash):
        decision_services.decision_create(
            user=clerk_a,
            school=school_a,
            title="新建实验楼",
            category=MatterCategory.MAJOR_PROJECT,
            tier=Tier.COLLECTIVE,
            responsible_leaders=[leader],
        )
    assert not Decision.objects.exists()
    assert not Decision.history.exists()
    assert not Decision.responsible_leaders.through.objects.exists()
    assert not DecisionTransition.objects.exists()

    monkeypatch.undo()
    decision = decision_services.decision_create(
        user=clerk_a, school=school_a, title="新建实验楼", category=MatterCategory.MAJOR_PROJECT, tier=Tier.COLLECTIVE
    )
    assert decision.transitions.count() == 1  # the same call succeeds once nothing fails


@pytest.mark.django_db(transaction=True)
def test_recording_votes_again_keeps_the_old_votes_when_it_fails_midway(clerk_a, school_a, monkeypatch):

    people = PersonFactory.create_batch(5)
    for person in people:
        CommitteeMembershipFactory(school=school_a, body=MeetingBody.JOINT, person=person)
    meeting = meeting_services.meeting_create(
        user=clerk_a,
        school=school_a,
        body=MeetingBody.JOINT,  # a voting body (at a 校长办公会 the principal decides: no vote result)
        title="党政联席会",
        date=timezone_yesterday(),
    )
    meeting_services.meeting_record_attendance(
        user=clerk_a, meeting=meeting, statuses={p.pk: ("present", "") for p in people}
    )
    meeting = meeting_services.meeting_mark_held(user=clerk_a, meeting=meeting)
    item = meeting_services.agenda_item_create(
        user=clerk_a, meeting=meeting, title="校园绿化方案", category=MatterCategory.GENERAL
    )
    first = {p.pk: VoteChoice.FOR for p in people}
    item = meeting_services.agenda_item_record_votes(user=clerk_a, item=item, votes=first)
    assert item.result == ItemResult.PASSED

    # Re-recording deletes the old votes, writes the new ones, then the recusals: the recusals' write fails.
    real_bulk_create = agenda.bulk_create_with_history

    def votes_then_crash(objs, model, **kwargs):
        if model is Vote:
            return real_bulk_create(objs, model, **kwargs)
        raise Crash("模拟写入中途失败")

    monkeypatch.setattr(agenda, "bulk_create_with_history", votes_then_crash)
    against = {p.pk: VoteChoice.AGAINST for p in people}
    with pytest.raises(Crash):
        meeting_services.agenda_item_record_votes(user=clerk_a, item=item, votes=against)

    item.refresh_from_db()
    assert (item.result, item.votes_for, item.votes_against) == (ItemResult.PASSED, 5, 0)
    assert sorted(item.votes.values_list("choice", flat=True)) == [VoteChoice.FOR] * 5


@pytest.mark.django_db(transaction=True)
def test_excel_import_leaves_nothing_when_the_database_refuses_the_last_row(district_admin, monkeypatch):
    """A real constraint violation (a foreign key to a missing person, checked by the database at commit) after
    the schools and people were written: the whole import is rolled back."""

    before = table_counts()
    real_write_appointments = writing._write_appointments

    def with_a_bad_last_row(parsed, schools, people, result, user):
        written = real_write_appointments(parsed, schools, people, result, user)
        assert School.objects.count() > before["School"] and Person.objects.count() > before["Person"]
        _row, last = written[-1]
        Appointment.objects.create(person_id=987654321, school=last.school, post=last.post, start=last.start)
        return written

    monkeypatch.setattr(writing, "_write_appointments", with_a_bad_last_row)
    result = import_workbook(file=io.BytesIO(workbook_bytes(valid_sheets())), user=district_admin)

    assert not result.ok and "未导入任何内容" in str(result.errors[0])
    assert table_counts() == before


@pytest.mark.django_db(transaction=True)
def test_monthly_report_batch_is_all_or_nothing(school_a, school_b, monkeypatch):

    real_request = report_services._request
    calls = []

    def crash_on_the_last(**kwargs):
        calls.append(kwargs["scope"])
        if len(calls) == 5:  # the district, two 学区, then the second school
            raise Crash("模拟写入中途失败")
        return real_request(**kwargs)

    monkeypatch.setattr(report_services, "_request", crash_on_the_last)
    with pytest.raises(Crash):
        report_services.report_runs_schedule_month()
    assert len(calls) == 5
    assert not ReportRun.objects.exists() and not ReportRun.history.exists()


def timezone_yesterday():
    return timezone.localdate() - datetime.timedelta(days=1)
