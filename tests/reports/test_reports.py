"""Monthly PDF reports: rendered from seeded factory data and read back (pypdf, pdftotext, pdffonts); the
static-only URL fetcher; idempotent runs; scope of the pages and downloads; the task's retry policy."""

import datetime
import hashlib
import http.server
import io
import logging
import re
import shutil
import subprocess
import threading
import uuid
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone
from django_guid import get_guid
from pypdf import PdfReader

from core.errors import NotAllowedError
from core.models import Role
from decisions.choices import DecisionStatus, FindingSeverity, Outcome, TaskStatus, Tier
from decisions.models import Finding
from haidian_governance.celery import app as celery_app
from meetings.choices import (
    AttendanceStatus,
    CommunicationCategory,
    CommunicationOutcome,
    CommunicationTiming,
    ItemResult,
    MatterCategory,
)
from meetings.models import Meeting
from reports import services, tasks
from reports.aggregates import add_months, month_start
from reports.models import ReportRun, ReportScope, ReportStatus
from reports.rendering.fetcher import RefusedURLError, StaticOnlyURLFetcher, static_url
from reports.rendering.pdf import render_pdf
from schools.choices import MeetingBody, Post
from tests.factories import (
    AgendaItemFactory,
    AppointmentFactory,
    AttendanceFactory,
    CommunicationFactory,
    DecisionFactory,
    EducationGroupFactory,
    MeetingFactory,
    PersonFactory,
    SchoolFactory,
    TaskFactory,
    UserFactory,
)

EVIL_TITLE = '<img src="file:///etc/passwd">校舍维修资金'
PASSWD_MARKER = "root:x:0:0"


def last_month() -> datetime.date:
    return add_months(month_start(timezone.localdate()), -1)


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def seed_month(*, school_a, school_b, period: datetime.date) -> SimpleNamespace:
    """One month of records: in school A a 三重一大 decision with its meeting, votes and pre-communication, a
    confidential 干部任免 decision, a decision whose user-written title carries an <img> tag, an overdue task,
    open and resolved findings, a new principal; in school B one decision."""
    group = EducationGroupFactory(name="海淀实验教育集团")
    school_a.group = group
    school_a.save()
    admin = UserFactory(username="seed_admin", role=Role.DISTRICT_ADMIN)
    day = lambda n: period + datetime.timedelta(days=n)  # noqa: E731

    secretary = PersonFactory(name="张书记")
    principal = PersonFactory(name="李新校长")
    AppointmentFactory(school=school_a, person=secretary, post=Post.SECRETARY, start=datetime.date(2022, 1, 1))
    AppointmentFactory(school=school_a, person=principal, post=Post.PRINCIPAL, start=day(2))
    members = [secretary, principal, *PersonFactory.create_batch(3)]

    talk = CommunicationFactory(
        school=school_a,
        occurred_at=_at(day(4)),
        category=CommunicationCategory.SANZHONG_YIDA,
        timing=CommunicationTiming.BEFORE_DECISION,
        subject="操场改造项目会前沟通",
        outcome=CommunicationOutcome.CONSENSUS,
        logged_by=admin,
        participants=[secretary, principal],
    )
    regular = CommunicationFactory(
        school=school_a,
        occurred_at=_at(day(6)),
        category=CommunicationCategory.REGULAR_TALK,
        timing=CommunicationTiming.ROUTINE,
        subject="月度一对一深度对话",
        logged_by=admin,
    )
    personnel_talk = CommunicationFactory(
        school=school_a,
        occurred_at=_at(day(5)),
        subject="拟任命王秘密为副校长的沟通",
        logged_by=admin,
    )
    meeting = MeetingFactory(
        school=school_a, body=MeetingBody.PARTY_COMMITTEE, title="第十次党委会", date=day(9), created_by=admin
    )
    for index, person in enumerate(members):
        status = AttendanceStatus.PRESENT if index < 4 else AttendanceStatus.LEAVE
        AttendanceFactory(meeting=meeting, person=person, status=status, leave_reason="出差" if index >= 4 else "")
    item = AgendaItemFactory(
        meeting=meeting,
        order=1,
        title="操场改造项目",
        category=MatterCategory.MAJOR_PROJECT,
        votes_for=4,
        votes_against=0,
        votes_abstain=0,
        result=ItemResult.PASSED,
        secretary_spoke_last=True,
    )
    item.pre_communications.set([talk])
    secret_item = AgendaItemFactory(
        meeting=meeting,
        order=2,
        title="任命王秘密为副校长",
        category=MatterCategory.PERSONNEL,
        is_confidential=True,
        votes_for=4,
        votes_against=0,
        votes_abstain=0,
        result=ItemResult.PASSED,
    )
    secret_item.pre_communications.set([personnel_talk])
    decided = {"status": DecisionStatus.DECIDED, "outcome": Outcome.PASSED, "created_by": admin}
    project = DecisionFactory(
        school=school_a,
        title="操场改造项目",
        category=MatterCategory.MAJOR_PROJECT,
        tier=Tier.COLLECTIVE,
        amount=Decimal("250000"),
        decided_on=day(9),
        deciding_item=item,
        agenda_items=[item],
        **decided,
    )
    project.communications.set([talk])
    project.responsible_leaders.set([principal])
    personnel = DecisionFactory(
        school=school_a,
        title="任命王秘密为副校长",
        category=MatterCategory.PERSONNEL,
        decided_on=day(9),
        deciding_item=secret_item,
        **decided,
    )
    personnel.responsible_leaders.set([PersonFactory(name="王秘密")])
    evil = DecisionFactory(
        school=school_a, title=EVIL_TITLE, category=MatterCategory.LARGE_FUNDS, decided_on=day(12), **decided
    )
    other = DecisionFactory(
        school=school_b, title="上地食堂改造", category=MatterCategory.MAJOR_PROJECT, decided_on=day(3), **decided
    )
    overdue = TaskFactory(decision=project, title="完成操场改造招标", owner=principal, due_on=day(15))
    secret_task = TaskFactory(decision=personnel, title="王秘密任职谈话", owner=secretary, due_on=day(16))
    TaskFactory(
        decision=project, title="已完成的任务", owner=principal, due_on=day(10), status=TaskStatus.DONE, done_on=day(9)
    )
    task_ct = ContentType.objects.get_for_model(overdue)
    Finding.objects.create(
        rule="TASK_OVERDUE",
        severity=FindingSeverity.VIOLATION,
        school=school_a,
        content_type=task_ct,
        object_id=overdue.pk,
        message="督办任务“完成操场改造招标”已逾期 3 天。",
        last_seen=_at(day(18)),
    )
    Finding.objects.create(
        rule="TASK_OVERDUE",
        severity=FindingSeverity.VIOLATION,
        school=school_a,
        content_type=task_ct,
        object_id=secret_task.pk,
        message="督办任务“王秘密任职谈话”已逾期 2 天。",
        last_seen=_at(day(18)),
    )
    resolved = Finding.objects.create(
        rule="MINUTES_LATE",
        severity=FindingSeverity.VIOLATION,
        school=school_a,
        content_type=ContentType.objects.get_for_model(Meeting),
        object_id=meeting.pk,
        message="第十次党委会的纪要应于期限前定稿签发。",
        last_seen=_at(day(18)),
    )
    Finding.objects.filter(pk=resolved.pk).update(first_seen=_at(day(1)), resolved_at=_at(day(20)))
    Finding.objects.exclude(pk=resolved.pk).update(first_seen=_at(day(17)))
    return SimpleNamespace(
        group=group, meeting=meeting, project=project, personnel=personnel, evil=evil, other=other, regular=regular
    )


# --- fixtures -----------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def eager_celery():
    """Render in-process even when a broker is configured in the environment."""
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


@pytest.fixture
def period():
    return last_month()


@pytest.fixture
def seeded(school_a, school_b, period):
    return seed_month(school_a=school_a, school_b=school_b, period=period)


@pytest.fixture
def weasy_log(caplog):
    caplog.set_level(logging.WARNING, logger="weasyprint")
    return caplog


def _run(**fields) -> ReportRun:
    return ReportRun.objects.create(**fields)


def _render(run: ReportRun) -> ReportRun:
    tasks.render_report.apply(args=[run.pk]).get()
    run.refresh_from_db()
    return run


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def _contents(reader: PdfReader) -> dict[str, int]:
    """The contents page as {entry: page number} ("三重一大决策事项 ....... 5")."""
    text = reader.pages[1].extract_text()
    assert text.startswith("目录")
    return {title: int(page) for title, page in re.findall(r"^(\S+) \.{3,} ?(\d+)$", text, re.MULTILINE)}


def _page_of(reader: PdfReader, needle: str) -> int:
    """The 1-based number of the first page after the contents that contains `needle`."""
    return next(i + 1 for i, page in enumerate(reader.pages) if i > 1 and needle in (page.extract_text() or ""))


def _pdftotext(path: Path) -> str:
    return subprocess.run(  # noqa: S603
        [shutil.which("pdftotext"), "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) not installed")


# --- rendering --------------------------------------------------------------------------------------
@needs_poppler
def test_school_report_reads_back(seeded, school_a, period, weasy_log):
    run = _render(_run(scope=ReportScope.SCHOOL, school=school_a, period=period))

    assert run.status == ReportStatus.DONE and run.progress == 100 and run.is_current
    path = Path(run.file.path)
    data = path.read_bytes()
    assert run.size == len(data) and run.sha256 == hashlib.sha256(data).hexdigest()
    assert str(django_settings.MEDIA_ROOT) in str(path) and "/reports/" in str(path)
    reader = PdfReader(path)
    assert len(reader.pages) == run.page_count >= 3
    text = _text(path)
    for expected in (
        "海淀实验小学",
        "三重一大",
        "目录",
        "操场改造项目",
        "第十次党委会",
        "赞成 4",
        "应到 5 人，实到 4 人",
    ):
        assert expected in text, expected
    assert "操场改造项目会前沟通" in text  # pre-communication
    assert "完成操场改造招标" in text  # overdue task
    assert "月度一对一深度对话" in text  # the month's communications (school report only)
    assert "李新校长" in text  # pair change
    assert "第 2 页" in text and f"共 {len(reader.pages)} 页" in text  # @page counters
    # The contents page carries target-counter page numbers: "三重一大决策事项 .... N".
    toc = _contents(reader)
    assert toc["三重一大决策事项"] == _page_of(reader, "三重一大决策事项（本月作出决定") > 2
    assert toc["本月会议"] == _page_of(reader, "本月会议（共")
    # Confidential 干部任免: no title, no names.
    assert "王秘密" not in text and "干部任免事项（保密）" in text
    # A user-written title is text, never markup; the renderer read no file.
    assert PASSWD_MARKER not in text and PASSWD_MARKER.encode() not in data
    layout = _pdftotext(path)
    assert "海淀实验小学" in layout and "三重一大" in layout and 'src="file:///etc/passwd"' in layout
    assert not [r for r in weasy_log.records if r.name.startswith("weasyprint")], weasy_log.text


@needs_poppler
def test_fonts_are_embedded_noto_cjk_subsets(seeded, school_a, period):
    run = _render(_run(scope=ReportScope.SCHOOL, school=school_a, period=period))
    lines = subprocess.run(  # noqa: S603
        [shutil.which("pdffonts"), run.file.path], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    assert lines
    for line in lines:
        name, embedded, subset, unicode = line.split()[0], *line.split()[-5:-2]
        # Only Noto Sans CJK SC, no fallback font for a missing glyph; embedded as a subset (ABCDEF+Name)
        # with a ToUnicode map (text extraction).
        assert re.fullmatch(r"[A-Z]{6}\+Noto-?Sans-?CJK-?SC(-Bold)?", name), line
        assert embedded == subset == unicode == "yes", line


@needs_poppler
def test_district_report_is_split_per_xuequ_and_merged(seeded, school_a, school_b, period, weasy_log):
    run = _render(_run(scope=ReportScope.DISTRICT, period=period))

    assert run.status == ReportStatus.DONE and run.parts_total == 3  # overview + 2 学区
    path = Path(run.file.path)
    reader = PdfReader(path)
    assert len(reader.pages) == run.page_count
    text = _text(path)
    for expected in (
        "海淀区",
        "四季青学区",
        "上地学区",
        "海淀实验小学",
        "上地实验小学",
        "上地食堂改造",
        "海淀实验教育集团",
    ):
        assert expected in text, expected
    assert "三重一大" in text and "分学区" in text and "目录" in text
    last = len(reader.pages)
    assert f"第 {last} 页 / 共 {last} 页" in reader.pages[-1].extract_text()
    assert "第 1 页" not in reader.pages[0].extract_text()  # the cover carries no number
    # Contents: each 学区 chapter is listed with the page it starts on in the merged file.
    toc = _contents(reader)
    assert toc["四季青学区本月情况"] == _page_of(reader, "四季青学区本月情况\n") > 2
    assert toc["上地学区本月情况"] == _page_of(reader, "上地学区本月情况\n") > toc["四季青学区本月情况"]
    assert toc["主要指标与图表"] == _page_of(reader, "主要指标与图表\n") == 3
    assert "王秘密" not in text and "干部任免事项（保密）" in text
    assert not (Path(django_settings.MEDIA_ROOT) / "reports" / "parts" / f"run{run.pk}").exists()
    assert "上地学区" in _pdftotext(path)
    assert not [r for r in weasy_log.records if r.name.startswith("weasyprint")], weasy_log.text


@pytest.mark.parametrize("per_page", [services.CONTENTS_ENTRIES_PER_PAGE, 1])  # the estimate, and a wrong one
def test_district_front_is_rendered_once_when_its_length_is_estimated_right(seeded, period, monkeypatch, per_page):
    fronts = []
    original = services.render_to_string

    def counting(template_name, *args, **kwargs):
        fronts.extend([template_name] if template_name == "reports/pdf/front.html" else [])
        return original(template_name, *args, **kwargs)

    monkeypatch.setattr(services, "render_to_string", counting)
    monkeypatch.setattr(services, "CONTENTS_ENTRIES_PER_PAGE", per_page)
    run = _render(_run(scope=ReportScope.DISTRICT, period=period))
    assert len(fronts) == (1 if per_page > 1 else 2)  # a wrong guess costs one more rendering, nothing else
    reader = PdfReader(Path(run.file.path))
    toc = _contents(reader)
    assert toc["上地学区本月情况"] == _page_of(reader, "上地学区本月情况\n")
    assert toc["主要指标与图表"] == _page_of(reader, "主要指标与图表\n") == 3


def test_xuequ_report_covers_its_schools_only(seeded, district_a, period):
    run = _render(_run(scope=ReportScope.XUEQU, school_district=district_a, period=period))
    text = _text(Path(run.file.path))
    assert "四季青学区" in text and "海淀实验小学" in text and "操场改造项目" in text
    assert "上地食堂改造" not in text and "王秘密" not in text


# --- the URL fetcher --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1/",
        "https://example.com/x.png",
        "http://localhost:8000/static/reports/print.css",
        "data:image/svg+xml;base64,PHN2Zy8+",
        "ftp://example.com/x.png",
        "portal-static:../../etc/passwd",
        "portal-static:reports/%2e%2e/%2e%2e/settings.py",
        "portal-static:/etc/passwd",
        "portal-static:reports/missing.css",
    ],
)
def test_fetcher_refuses_everything_but_static_files(url):
    fetcher = StaticOnlyURLFetcher()
    with pytest.raises(RefusedURLError):
        fetcher.fetch(url)
    with pytest.raises(RefusedURLError):
        fetcher(url)
    assert fetcher.refused and not fetcher.served


def test_fetcher_serves_the_report_stylesheet():
    response = StaticOnlyURLFetcher().fetch(static_url("reports/print.css"))
    assert response.content_type == "text/css" and b"@page" in response.read()


@pytest.fixture
def local_server():
    """A web server on 127.0.0.1 that counts the requests it receives."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", hits=hits)
    server.shutdown()


def test_raw_markup_cannot_read_files_or_call_servers(local_server):
    """Even markup that reaches the renderer unescaped fetches nothing: no file read, no request sent."""
    html = f"""<!DOCTYPE html><html><head>
      <link rel="stylesheet" href="{local_server.url}/evil.css">
      <link rel="attachment" href="file:///etc/passwd">
      <style>@import url("file:///etc/passwd"); body {{ background: url("{local_server.url}/bg.png"); }}</style>
      </head><body><p>正文</p>
      <img src="file:///etc/passwd"><img src="{local_server.url}/pixel.png"><img src="/etc/passwd">
      <object data="file:///etc/passwd"></object>
      <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">
        <image href="file:///etc/passwd" width="10" height="10"/>
        <image xlink:href="{local_server.url}/svg.png" width="10" height="10"/></svg>
      </body></html>"""
    fetcher = StaticOnlyURLFetcher()
    rendered = render_pdf(html, fetcher=fetcher)

    assert local_server.hits == []
    assert not fetcher.served
    assert any(url.startswith("file:///etc/passwd") for url in fetcher.refused)
    assert any(url.startswith(local_server.url) for url in fetcher.refused)
    assert PASSWD_MARKER.encode() not in rendered.pdf
    assert b"/EmbeddedFile" not in rendered.pdf
    text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(rendered.pdf)).pages)
    assert "正文" in text and PASSWD_MARKER not in text


# --- idempotency --------------------------------------------------------------------------------------
def _report_files(media_root) -> list[Path]:
    return sorted(p for p in (Path(media_root) / "reports").rglob("*") if p.is_file())


def test_running_twice_keeps_one_current_run_and_one_file(seeded, school_a, period, media_root):
    run = _render(_run(scope=ReportScope.SCHOOL, school=school_a, period=period))
    first_name, first_sha = run.file.name, run.sha256

    # A redelivered message after success does nothing.
    run = _render(run)
    assert run.attempts == 1 and run.file.name == first_name
    # A retry after the worker died mid-render (status left at 生成中) overwrites the same file.
    ReportRun.objects.filter(pk=run.pk).update(status=ReportStatus.RUNNING)
    run = _render(run)
    assert run.attempts == 2 and run.status == ReportStatus.DONE

    files = _report_files(media_root)
    assert files == [Path(run.file.path)] and run.file.name == first_name
    data = files[0].read_bytes()
    assert run.sha256 == hashlib.sha256(data).hexdigest() == first_sha and run.size == len(data)
    assert (
        ReportRun.objects.filter(scope=ReportScope.SCHOOL, school=school_a, period=period, is_current=True).count() == 1
    )
    assert not list(Path(run.file.path).parent.glob(".tmp-*"))


def test_requesting_again_reuses_a_pending_run_and_replaces_a_finished_one(
    seeded, school_a, secretary_a, period, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = services.report_run_request(user=secretary_a, scope=ReportScope.SCHOOL, school=school_a, period=period)
        again = services.report_run_request(user=secretary_a, scope=ReportScope.SCHOOL, school=school_a, period=period)
    assert again.pk == first.pk and len(queued) == 1 and first.status == ReportStatus.QUEUED

    with django_capture_on_commit_callbacks(execute=True):
        services.report_run_request(user=secretary_a, scope=ReportScope.SCHOOL, school=school_a, period=period)
    queued[0]()  # the queued task runs
    first.refresh_from_db()
    assert first.status == ReportStatus.DONE

    with django_capture_on_commit_callbacks(execute=True):
        second = services.report_run_request(user=secretary_a, scope=ReportScope.SCHOOL, school=school_a, period=period)
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.pk != first.pk and second.status == ReportStatus.DONE and second.is_current
    assert not first.is_current and Path(first.file.path).is_file()  # history stays downloadable
    current = ReportRun.objects.filter(scope=ReportScope.SCHOOL, school=school_a, period=period, is_current=True)
    assert list(current) == [second]
    assert second.history.filter(status=ReportStatus.DONE).exists()  # simple_history records transitions


def test_a_failure_is_recorded_on_the_run(school_a, period, monkeypatch):
    run = _run(scope=ReportScope.SCHOOL, school=school_a, period=period)

    def broken(**kwargs):
        raise ValueError("模板错误")

    monkeypatch.setattr(services, "report_run_render", broken)
    with pytest.raises(ValueError, match="模板错误"):
        tasks.render_report.apply(args=[run.pk]).get()
    run.refresh_from_db()
    assert run.status == ReportStatus.FAILED and "模板错误" in run.error and run.finished_at

    # A worker (not eager) records the final failure in `on_failure` too, e.g. after the retries.
    ReportRun.objects.filter(pk=run.pk).update(status=ReportStatus.RUNNING, error="")
    result = tasks.render_report.apply(args=[run.pk], throw=False)
    run.refresh_from_db()
    assert result.failed() and run.status == ReportStatus.FAILED


# --- pages and scope --------------------------------------------------------------------------------
@pytest.fixture
def school_a_run(seeded, school_a, period):
    return _render(_run(scope=ReportScope.SCHOOL, school=school_a, period=period))


def test_clerk_of_another_school_cannot_see_or_download(school_a_run, clerk_b, login):
    client = login(clerk_b)
    assert client.get(reverse("report_run_detail", args=[school_a_run.pk])).status_code == 404
    assert client.get(reverse("report_run_download", args=[school_a_run.pk])).status_code == 404
    assert client.get(reverse("report_run_status", args=[school_a_run.pk])).status_code == 404
    listing = client.get(reverse("report_run_list"))
    assert listing.status_code == 200 and "海淀实验小学" not in listing.content.decode()


def test_clerk_of_another_school_cannot_request_it(school_a, clerk_b, login, period):
    client = login(clerk_b)
    response = client.post(
        reverse("report_run_request"), {"scope": "school", "school": school_a.pk, "month": f"{period:%Y-%m}"}
    )
    assert response.status_code == 400 and not ReportRun.objects.exists()
    response = client.post(reverse("report_run_request"), {"scope": "district", "month": f"{period:%Y-%m}"})
    assert response.status_code == 400 and not ReportRun.objects.exists()
    with pytest.raises(NotAllowedError):
        services.report_run_request(user=clerk_b, scope=ReportScope.SCHOOL, school=school_a, period=period)


def test_users_in_scope_download_the_pdf(school_a_run, clerk_a, xuequ_viewer, district_viewer, login):
    for user in (clerk_a, xuequ_viewer, district_viewer):
        client = login(user)
        response = client.get(reverse("report_run_download", args=[school_a_run.pk]))
        assert response.status_code == 200, user
        assert response["Content-Type"] == "application/pdf"
        body = b"".join(response.streaming_content)
        assert hashlib.sha256(body).hexdigest() == school_a_run.sha256
        assert "attachment" in response["Content-Disposition"]
    assert not str(school_a_run.file.url).startswith(django_settings.STATIC_URL)


def test_xuequ_viewer_sees_own_xuequ_only(seeded, xuequ_viewer, district_a, district_b, school_b, period, login):
    own = _run(scope=ReportScope.XUEQU, school_district=district_a, period=period)
    other = _run(scope=ReportScope.XUEQU, school_district=district_b, period=period)
    other_school = _run(scope=ReportScope.SCHOOL, school=school_b, period=period)
    district = _run(scope=ReportScope.DISTRICT, period=period)
    visible = set(ReportRun.objects.visible_to(xuequ_viewer))
    assert own in visible and not visible & {other, other_school, district}
    client = login(xuequ_viewer)
    assert client.get(reverse("report_run_detail", args=[other.pk])).status_code == 404


def test_request_form_queues_and_detail_page_refreshes(
    seeded, school_a, secretary_a, login, period, django_capture_on_commit_callbacks
):
    client = login(secretary_a)
    assert client.get(reverse("report_run_request")).status_code == 200
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("report_run_request"), {"scope": "school", "school": school_a.pk, "month": f"{period:%Y-%m}"}
        )
    run = ReportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("report_run_detail", args=[run.pk])
    page = client.get(reverse("report_run_detail", args=[run.pk]))
    assert '<meta http-equiv="refresh" content="5">' in page.content.decode() and "排队" in page.content.decode()
    status = client.get(reverse("report_run_status", args=[run.pk])).json()
    assert status["status"] == "queued" and status["download_url"] is None

    tasks.render_report.apply(args=[run.pk]).get()
    page = client.get(reverse("report_run_detail", args=[run.pk])).content.decode()
    assert 'http-equiv="refresh"' not in page and "下载 PDF" in page
    assert client.get(reverse("report_run_status", args=[run.pk])).json()["progress"] == 100
    assert "月度报告" in client.get(reverse("report_run_list")).content.decode()


def test_future_month_is_refused(school_a, secretary_a, login):
    future = add_months(month_start(timezone.localdate()), 1)
    response = login(secretary_a).post(
        reverse("report_run_request"), {"scope": "school", "school": school_a.pk, "month": f"{future:%Y-%m}"}
    )
    assert response.status_code == 400 and not ReportRun.objects.exists()


# --- the task's policy and the schedule -------------------------------------------------------------
def test_task_retry_policy_and_routing():
    task = tasks.render_report
    assert task.acks_late and task.reject_on_worker_lost
    assert OperationalError in task.autoretry_for and OSError in task.autoretry_for
    assert task.retry_backoff is True and task.max_retries
    visibility = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert task.retry_backoff_max < visibility and task.time_limit < visibility
    assert task.soft_time_limit < task.time_limit
    for name in ("render_report", "render_report_part", "merge_report_parts"):
        assert django_settings.CELERY_TASK_ROUTES[f"reports.tasks.{name}"] == {"queue": "pdf"}
        assert getattr(tasks, name).acks_late
    assert celery_app.amqp.router.route({}, "reports.tasks.render_report")["queue"].name == "pdf"
    assert django_settings.CELERY_WORKER_MAX_TASKS_PER_CHILD == 50
    assert django_settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert hasattr(task, "delay_on_commit")


def test_beat_renders_last_month_on_the_first_at_two(school_a, school_b, django_capture_on_commit_callbacks):
    entry = django_settings.CELERY_BEAT_SCHEDULE["monthly-reports"]
    schedule = entry["schedule"]
    assert entry["task"] == "reports.tasks.render_monthly_reports"
    assert schedule.day_of_month == {1} and schedule.hour == {2} and schedule.minute == {0}
    assert django_settings.CELERY_TIMEZONE == "Asia/Shanghai"

    with django_capture_on_commit_callbacks(execute=False) as queued:
        count = tasks.render_monthly_reports.apply().get()
    runs = ReportRun.objects.all()
    # the district, each 学区 and each school, all for last month, requested by nobody
    assert count == len(queued) == runs.count() == 1 + 2 + 2
    assert {run.period for run in runs} == {last_month()} and not runs.filter(requested_by__isnull=False).exists()
    assert {run.scope for run in runs} == {ReportScope.DISTRICT, ReportScope.XUEQU, ReportScope.SCHOOL}


def test_school_without_records_still_renders(db, period):
    school = SchoolFactory(name="空白测试小学")
    run = _render(_run(scope=ReportScope.SCHOOL, school=school, period=period))
    text = _text(Path(run.file.path))
    assert run.status == ReportStatus.DONE and "空白测试小学" in text and "本月没有作出决定的三重一大事项" in text


@pytest.mark.django_db(transaction=True)
def test_a_report_rendered_in_the_request_keeps_the_requests_id(school_a, clerk_a, login, period):
    """Eager Celery (no broker): committed at once, the task runs inside the request, whose id the response keeps."""
    given = str(uuid.uuid4())
    response = login(clerk_a).post(
        reverse("report_run_request"),
        {"scope": "school", "school": school_a.pk, "month": f"{period:%Y-%m}"},
        headers={"X-Request-ID": given},
    )
    assert response.status_code == 302 and response["X-Request-ID"] == given
    assert ReportRun.objects.get().status == ReportStatus.DONE
    assert get_guid() is None  # nothing left behind for the next request
