"""Real-browser tests: Playwright's sync API driving Debian's Chromium (/usr/bin/chromium) against
pytest-django's `live_server`, with the demo district of `seed_demo` loaded into the test database.

Every test here is marked `browser` (excluded from `make test`; `make test-browser` runs them). A page fails
its test when the browser reports a console error, an uncaught script error or a Content-Security-Policy
violation while the test runs.
"""

import os
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--mute-audio",
    "--lang=zh-CN",
]
DEMO_PASSWORD = "haidian2026"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def chromium():
    """One Chromium per test module (the Playwright driver is stopped with it, so no event loop outlives
    the browser tests)."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `make test-browser` installs Debian's chromium package"
    # Playwright's sync API keeps an event loop running in this thread while the browser is open, which trips
    # Django's async-safety check on every ORM call of the test itself: allowed for these modules only.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture
def demo(transactional_db, live_server, settings):
    """The demo district in the live server's database, reached over plain http on localhost."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_SSL_REDIRECT = False
    call_command("seed_demo", stdout=StringIO())
    return live_server


class ConsoleWatch:
    """Collects what the browser reports: console errors (CSP violations are console errors too) and
    uncaught page errors. A test expecting an error page allows that one message with `allow`."""

    def __init__(self):
        self.errors: list[str] = []
        self.allowed: list[re.Pattern] = []

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def on_console(self, message):
        if message.type == "error":
            self.errors.append(f"console: {message.text} @ {message.location.get('url', '')}")

    def on_page_error(self, error):
        self.errors.append(f"pageerror: {error}")

    @property
    def csp_violations(self) -> list[str]:
        return [e for e in self.errors if re.search(r"Content[ -]Security[ -]Policy", e, re.IGNORECASE)]

    def assert_clean(self) -> None:
        assert not self.csp_violations, self.csp_violations
        unexpected = [e for e in self.errors if not any(p.search(e) for p in self.allowed)]
        assert not unexpected, unexpected


def new_page(chromium, live_server, viewport, watch: ConsoleWatch):
    """A page in a fresh browser context (its own cookies) whose console goes to `watch`."""
    context = chromium.new_context(
        viewport=viewport,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        accept_downloads=True,
        base_url=live_server.url,
        device_scale_factor=1,
        is_mobile=viewport == PHONE,
        has_touch=viewport == PHONE,
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on("console", watch.on_console)
    page.on("pageerror", watch.on_page_error)
    return context, page


@pytest.fixture
def console():
    return ConsoleWatch()


@pytest.fixture
def browser_page(chromium, demo, console):
    """A desktop-sized page on the live server; fails the test on any console error or CSP violation."""
    context, page = new_page(chromium, demo, DESKTOP, console)
    yield page
    context.close()
    console.assert_clean()


@pytest.fixture
def phone_page(chromium, demo, console):
    """A phone-sized page (390×844, touch) on the live server; same console checks."""
    context, page = new_page(chromium, demo, PHONE, console)
    yield page
    context.close()
    console.assert_clean()


def log_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the real login form and wait for the home page it leads to."""
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    assert "/accounts/login/" not in page.url, f"login of {username} failed: {page.url}"
