"""Browser security of every page: the Content-Security-Policy header without 'unsafe-inline', no inline script
or style in any rendered page or template, security headers, cookie flags, session expiry, password rules,
the login lock-out behind a proxy, and over-size uploads refused while they stream in."""

import re
from datetime import timedelta
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, get_resolver, include, path, resolve, reverse
from django.utils import timezone

from core.models import User
from decisions.choices import DecisionStatus, Outcome
from decisions.models import Evidence
from decisions.services.tasks import MAX_EVIDENCE_BYTES
from meetings.choices import MatterCategory, MeetingStatus
from meetings.models import Meeting
from reports.models import ReportRun, ReportScope, ReportStatus
from schools.choices import MeetingBody
from tests.factories import PASSWORD, AgendaItemFactory, DecisionFactory, MeetingFactory, TaskFactory
from tests.meetings.conftest import _pair

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}
UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*")
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# --- helpers ----------------------------------------------------------------------------------------------
def parse_policy(header: str) -> dict[str, set[str]]:
    policy = {}
    for directive in filter(None, (part.strip() for part in header.split(";"))):
        name, *values = directive.split()
        policy[name] = set(values)
    return policy


def assert_policy(response, where: str) -> None:
    header = response.get("Content-Security-Policy")
    assert header, f"{where}: no Content-Security-Policy header"
    policy = parse_policy(header)
    for directive, values in EXPECTED_POLICY.items():
        assert policy.get(directive) == values, f"{where}: {directive} is {policy.get(directive)}"
    for directive, values in policy.items():
        assert not values & set(UNSAFE), f"{where}: {directive} allows {values & set(UNSAFE)}"


class InlineCodeFinder(HTMLParser):
    """Collects everything a CSP without 'unsafe-inline' would block: <script> without src (other than JSON
    data), <style> blocks, style="" attributes, on…="" event handlers and javascript: URLs."""

    DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        data_script = (attributes.get("type") or "").lower() in self.DATA_SCRIPT_TYPES
        if tag == "script" and not attributes.get("src") and not data_script:
            self.problems.append(f"inline <script {attributes}>")
        if tag == "style":
            self.problems.append("<style> block")
        for name, value in attrs:
            url = name in {"href", "src", "action", "formaction"} and (value or "").strip().lower()
            if name == "style" or name.startswith("on") or (url and url.startswith("javascript:")):
                self.problems.append(f'<{tag} {name}="{value}">')

    handle_startendtag = handle_starttag


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


def assert_clean_page(response, where: str) -> None:
    assert_policy(response, where)
    if response.get("Content-Type", "").startswith("text/html"):
        problems = inline_code(response.content.decode())
        assert not problems, f"{where}: {problems}"


def test_finder_catches_every_kind_of_inline_code():
    html = (
        '<script>alert(1)</script><script src="/static/a.js"></script>'
        '<script type="application/json">{"a": 1}</script><style>p{}</style>'
        '<p style="color:red">x</p><button onclick="go()">y</button><a href="javascript:go()">z</a>'
        '<svg><rect fill="#fff" width="3"/></svg>'
    )
    problems = inline_code(html)
    assert len(problems) == 5, problems


# --- the policy itself ------------------------------------------------------------------------------------
def test_policy_is_strict_and_set_on_a_public_page(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert_clean_page(response, "login")
    assert "Content-Security-Policy-Report-Only" not in response


def test_security_headers(client, db):
    response = client.get(reverse("login"), secure=True)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_static_files_carry_the_policy_too(db, settings):
    settings.WHITENOISE_USE_FINDERS = True  # serve from the source tree: no collectstatic in the test
    response = Client().get("/static/css/portal.css")
    assert response.status_code == 200
    assert_policy(response, "/static/css/portal.css")


# --- every page -------------------------------------------------------------------------------------------
class LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


# URL names that only take POST (GET answers 405) or only answer with a file: they have no page to check.
NOT_PAGES = {
    "logout",
    "token_revoke",
    "communication_confirm",
    "meeting_mark_held",
    "meeting_finalise",
    "item_defer",
    "decision_transition",
    "decision_link_item",
    "decision_decide",
    "consultation_add",
    "legal_review_add",
    "implementation_report_add",
    "decision_close",
    "task_create",
    "task_add_progress",
    "task_complete",
    "evidence_upload",
    "communication_amend",
    "decision_amend",
    "evidence_download",
    "school_import_template",
    "report_run_status",
    "report_run_download",
    "healthz",
    "readyz",
}


def _portal_url_names() -> set[str]:
    """Every named page of the portal's own apps (the admin, the API and the auth views are checked apart)."""
    names = set()
    for pattern in get_resolver().url_patterns:
        for name in _names(pattern):
            names.add(name)
    return names - NOT_PAGES


def _names(pattern) -> list[str]:
    if hasattr(pattern, "url_patterns"):
        if getattr(pattern, "namespace", None) or str(pattern.pattern).startswith(("api/", "admin/")):
            return []
        return [name for sub in pattern.url_patterns for name in _names(sub)]
    return [pattern.name] if pattern.name else []


ADMIN_PER_KIND = 6
ADMIN_KINDS = ("changelist", "change", "add", "history", "simple_history", "app_list")


def _budget_key(name: str) -> str:
    """Admin pages are budgeted per kind of page (every change list, then a few change, add and history pages
    of different models); the portal's pages per URL name."""
    if not name.startswith("admin:"):
        return name
    kind = next((kind for kind in ADMIN_KINDS if name.endswith("_" + kind)), None)
    if kind == "changelist":
        return name  # every model's list: each has its own filters and columns
    return f"admin:*_{kind}" if kind else name


def _budget(key: str, per_name: int) -> int:
    if key.startswith("admin:"):
        return ADMIN_PER_KIND if key.startswith("admin:*") else 1
    return per_name


def _crawl(client: Client, starts: list[str], seen: dict[str, int], checked: list[str], per_name: int = 2) -> None:
    """Breadth-first over the links of every HTML page reached from `starts` (always visited), at most
    `per_name` further URLs per URL name (other objects, other filters), each page checked for the policy and
    inline code."""
    queue = [(url, True) for url in starts]
    visited = set()
    while queue:
        url, forced = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc or not parts.path.startswith("/") or url in visited:
            continue
        visited.add(url)
        try:
            name = resolve(parts.path).view_name
        except Resolver404:
            continue
        if parts.path.startswith("/static/") or "format=" in parts.query or name.split(":")[-1] in NOT_PAGES:
            continue
        if name.endswith("_delete") or "logout" in name:
            continue  # the admin's delete confirmations are alike; no need to fetch one per object
        key = _budget_key(name)
        if seen.get(key, 0) >= _budget(key, per_name) and not forced:
            continue
        seen[key] = seen.get(key, 0) + 1
        response = client.get(url)
        checked.append(url)
        assert_clean_page(response, f"{url} ({response.status_code})")
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            finder = LinkFinder()
            finder.feed(response.content.decode())
            queue.extend((urljoin(url, link.split("#")[0]), False) for link in finder.links if link[:1] != "#")


def _open_records(user: User) -> list[str]:
    """The demo's records of the user's school are all finalised; the forms to edit a meeting, its minutes and
    votes and a draft decision appear only on records still open, so make one of each."""
    held = MeetingFactory(school=user.school, status=MeetingStatus.HELD, created_by=user)
    AgendaItemFactory(meeting=held)
    personnel = AgendaItemFactory(meeting=held, category=MatterCategory.PERSONNEL)  # its 酝酿 form
    office = MeetingFactory(
        school=user.school, status=MeetingStatus.HELD, body=MeetingBody.PRINCIPAL_OFFICE, created_by=user
    )
    office_item = AgendaItemFactory(meeting=office)  # the principal's decision form
    preparing = MeetingFactory(school=user.school, created_by=user)
    draft = DecisionFactory(school=user.school, status=DecisionStatus.DRAFT, created_by=user)
    finalised = Meeting.objects.filter(school=user.school, status=MeetingStatus.FINALISED).first()  # 更正
    return [reverse("meeting_detail", args=[m.pk]) for m in (held, office, preparing, finalised)] + [
        reverse("decision_detail", args=[draft.pk]),
        reverse("item_deliberation", args=[held.pk, personnel.pk]),
        reverse("item_principal_decision", args=[office.pk, office_item.pk]),
    ]


def test_every_page_of_the_portal_has_the_policy_and_no_inline_code(client, db):
    """Crawls the demo district as the district admin (every page, the admin site) and as a school's secretary
    (the forms of the school's records), checks every page reached; every named page must have been reached."""
    call_command("seed_demo", stdout=StringIO())
    admin = User.objects.get(username="district_admin")
    month = timezone.localdate().replace(day=1)
    ReportRun.objects.create(scope=ReportScope.DISTRICT, period=month, requested_by=admin)
    ReportRun.objects.create(
        scope=ReportScope.DISTRICT,
        period=(month - timedelta(days=1)).replace(day=1),
        status=ReportStatus.FAILED,
        error="演示：渲染失败",
    )
    seen: dict[str, int] = {}
    checked: list[str] = []
    starts = ["/", "/dashboard/", "/schools/", "/communications/", "/meetings/", "/decisions/", "/findings/"]
    starts += ["/findings/resolved/", "/reports/", "/accounts/profile/"]
    for username in ("district_admin", "secretary"):
        user = User.objects.get(username=username)
        client.force_login(user)
        extra = ["/admin/", "/schools/import/", "/reports/new/"] if username == "district_admin" else []
        own = _open_records(user) if username == "secretary" else []
        for_user: dict[str, int] = {name: count for name, count in seen.items() if name.startswith("admin:")}
        _crawl(client, starts + extra + own, for_user, checked)
        for name, count in for_user.items():
            seen[name] = max(seen.get(name, 0), count)
        client.logout()

    reached = {name for name in seen if ":" not in name}
    missing = _portal_url_names() - reached - {"login", "home"}
    assert not missing, f"pages never reached by the crawl (add a start URL or a link): {sorted(missing)}"
    admin_pages = [url for url in checked if url.startswith("/admin/")]
    assert len(admin_pages) >= 40, admin_pages
    assert len(checked) >= 80, len(checked)
    print(f"CSP crawl: {len(checked)} pages, {len(reached)} portal page names, {len(admin_pages)} admin pages")  # noqa: T201


def test_login_pages_and_error_pages(client, clerk_a, district_viewer, login):
    for url in (reverse("login"), "/admin/login/", "/no-such-page/"):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_clean_page(response, url)
    locked_out = client.get("/schools/")
    assert locked_out.status_code == 302
    assert_policy(locked_out, "redirect to login")

    login(district_viewer)
    forbidden = client.get(reverse("communication_create"))  # viewers may not register anything
    assert forbidden.status_code == 403
    assert_clean_page(forbidden, "403")
    login(clerk_a)
    not_found = client.get(reverse("school_detail", args=[999999]))
    assert not_found.status_code == 404
    assert_clean_page(not_found, "404")


def test_csrf_failure_page(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "请求已过期" in response.content.decode()
    assert_clean_page(response, "CSRF failure")


def boom(request):
    raise RuntimeError("boom")


# This module doubles as a URLconf for the 500 test: the portal's URLs plus one view that fails.
urlpatterns = [path("boom/", boom), path("", include("haidian_governance.urls"))]
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"


@pytest.mark.urls(__name__)
def test_server_error_page(db):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert_clean_page(response, "500")


def test_swagger_ui_is_served_without_inline_code(client, db):
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    assert_clean_page(page, "swagger page")
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    script_url = re.search(r'<script src="([^"]*script=[^"]*)"', html).group(1)
    script = client.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert_policy(schema, "schema")


def _template_files() -> list[Path]:
    dirs = [ROOT / "templates", *(ROOT / app / "templates" for app in ("core", "schools", "meetings", "decisions"))]
    dirs.append(ROOT / "reports" / "templates")
    return sorted(p for d in dirs if d.exists() for p in d.rglob("*.html"))


def test_no_template_contains_inline_script_or_style():
    """The project's templates, including the PDF templates (WeasyPrint would accept inline styles, but the
    rule is simpler without exceptions)."""
    files = _template_files()
    assert len(files) >= 60, len(files)
    pattern = re.compile(
        r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>|<style\b|\sstyle\s*=|\son[a-z]+\s*=|javascript:",
        re.IGNORECASE,
    )
    offenders = {
        str(file.relative_to(ROOT)): match.group(0)
        for file in files
        for match in [pattern.search(file.read_text())]
        if match
    }
    assert not offenders, offenders


# --- cookies, sessions, passwords -------------------------------------------------------------------------
def test_session_and_csrf_cookies_are_secure_httponly_samesite(client, clerk_a):
    page = client.get(reverse("login"), secure=True)
    csrf = page.cookies[django_settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"

    response = client.post(reverse("login"), {"username": "clerk_a", "password": PASSWORD}, secure=True)
    assert response.status_code == 302
    session = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert not session["expires"] and not session["max-age"]  # ends when the browser closes


def test_session_ends_after_eight_hours(client, clerk_a):
    assert django_settings.SESSION_COOKIE_AGE == 8 * 3600
    client.post(reverse("login"), {"username": "clerk_a", "password": PASSWORD})
    stored = Session.objects.get(session_key=client.session.session_key)
    assert abs(stored.expire_date - (timezone.now() + timedelta(hours=8))) < timedelta(minutes=1)
    assert client.get(reverse("school_list")).status_code == 200

    Session.objects.filter(pk=stored.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    # With Redis the session is also cached (cached_db) for the same age: that copy expires with it.
    cache.delete(cached_db.KEY_PREFIX + stored.session_key)
    response = client.get(reverse("school_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab3$efgh9", "密码长度太短。密码必须包含至少 10 个字符。"),
        ("1234567890123", "密码只包含数字。"),
        ("password1234", "这个密码太常见了。"),
    ],
)
def test_password_rules(password, message, db):
    with pytest.raises(ValidationError) as error:
        validate_password(password)
    assert message in " ".join(error.value.messages)


def test_good_password_is_accepted(db):
    validate_password("海淀-治理-台账-2026")


# --- login lock-out behind a proxy ------------------------------------------------------------------------
def _login_through_proxy(client, username, password, client_ip):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR="172.18.0.2",  # the reverse proxy: the same for everybody
        HTTP_X_FORWARDED_FOR=f"203.0.113.7, {client_ip}",  # the first entry is whatever the client claims
    )


def test_lockout_behind_a_proxy_counts_the_client_address(client, clerk_a, clerk_b, settings):
    """Behind the proxy every request comes from its address: the lock-out must use the address the proxy saw,
    or one person's typos (or an attacker) would lock a user out everywhere."""
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login_through_proxy(client, "clerk_a", "wrong-password", "10.0.0.1")
    assert _login_through_proxy(client, "clerk_a", PASSWORD, "10.0.0.1").status_code == 429

    assert _login_through_proxy(client, "clerk_b", PASSWORD, "10.0.0.1").status_code == 302  # colleague
    client.post(reverse("logout"))
    assert _login_through_proxy(client, "clerk_a", PASSWORD, "10.9.9.9").status_code == 302  # elsewhere


def test_without_a_proxy_the_forwarded_header_is_ignored(client, clerk_a, settings):
    """Not behind a proxy, X-Forwarded-For is the client's own claim: changing it must not escape a lock."""
    settings.TRUSTED_PROXY_COUNT = 0
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login_through_proxy(client, "clerk_a", "wrong-password", "10.0.0.1")
    assert _login_through_proxy(client, "clerk_a", PASSWORD, "10.9.9.9").status_code == 429


# --- over-size uploads ------------------------------------------------------------------------------------
@pytest.fixture
def open_task(school_a, secretary_a, principal_a):
    secretary, principal = _pair(school_a, "张书记", "李校长")
    decision = DecisionFactory(
        school=school_a,
        status=DecisionStatus.IMPLEMENTING,
        outcome=Outcome.PASSED,
        decided_on=timezone.localdate() - timedelta(days=5),
    )
    return TaskFactory(decision=decision, title="完成招标", owner=principal)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _upload(clerk, task, content: bytes, *, with_token: bool = True):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    client.get(reverse("task_detail", args=[task.pk]))
    data = {"csrfmiddlewaretoken": client.cookies[django_settings.CSRF_COOKIE_NAME].value} if with_token else {}
    data["file"] = SimpleUploadedFile("验收报告.pdf", content)
    return client.post(reverse("evidence_upload", args=[task.pk]), data)


def _stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


@pytest.mark.parametrize("size", [MAX_EVIDENCE_BYTES + 1, 3 * MAX_EVIDENCE_BYTES])
def test_over_size_upload_is_refused_before_it_is_read(size, open_task, clerk_a, media):
    response = _upload(clerk_a, open_task, PDF + b"0" * (size - len(PDF)))

    assert response.status_code == 400
    assert "文件不能超过 10 MB。" in response.content.decode()
    assert not Evidence.objects.exists()
    assert _stored_files(media) == []
    if size > 2 * MAX_EVIDENCE_BYTES:  # the declared length was enough: the file itself was never read
        assert len(response.wsgi_request.read()) >= size - 128 * 1024


def test_upload_at_the_limit_is_accepted(open_task, clerk_a, media):
    response = _upload(clerk_a, open_task, PDF + b"0" * (MAX_EVIDENCE_BYTES - len(PDF)))

    assert response.status_code == 302
    assert Evidence.objects.get().size == MAX_EVIDENCE_BYTES
    assert len(_stored_files(media)) == 1


def test_upload_still_needs_the_csrf_token(open_task, clerk_a, media):
    response = _upload(clerk_a, open_task, PDF, with_token=False)

    assert response.status_code == 403
    assert not Evidence.objects.exists()
