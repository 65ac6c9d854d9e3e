"""Screenshots of the main pages with the demo data, at desktop (1366×900) and phone (390×844) widths.

`make screenshots` writes them to docs/screenshots/ (shown in the README); a plain `make test-browser` writes
them to a temporary directory, so the run still proves every page renders cleanly at both widths. Each PNG is
reduced to a 256-colour palette to stay well under 400 KB.
"""

import os
from pathlib import Path

import pytest
from PIL import Image

from tests.browser.conftest import DESKTOP, PHONE, log_in, new_page
from tests.browser.pages import decided_decision, lead_school, signed_meeting

pytestmark = pytest.mark.browser

MAX_BYTES = 400 * 1024
# Taller than the window, so a shot shows a page's main content, not only its header.
MAX_HEIGHT = {"desktop": 1500, "phone": 1600}


def _save(page, path: Path, kind: str) -> None:
    height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT[kind])
    width = (DESKTOP if kind == "desktop" else PHONE)["width"]
    page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height})
    with Image.open(path) as shot:
        shot.load()
        small = shot.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


@pytest.fixture
def out_dir(tmp_path) -> Path:
    target = os.environ.get("SCREENSHOT_DIR")
    path = Path(target) if target else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_screenshots_of_the_main_pages(chromium, demo, console, out_dir):
    for kind, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        _shoot(chromium, demo, console, out_dir, kind, viewport)
    console.assert_clean()


def _shoot(chromium, demo, console, out_dir: Path, kind: str, viewport: dict) -> None:
    school = lead_school()
    district_pages = {
        "district-dashboard": "/dashboard/",
        "school-list": "/schools/",
        "findings": "/findings/",
        "rules": "/rules/",
        "decision-detail": f"/decisions/{decided_decision(school).pk}/",
        "meeting-detail": f"/meetings/{signed_meeting(school).pk}/",
    }
    school_pages = {
        "school-dashboard": f"/school/{school.pk}/dashboard/",
        "communication-form": "/communications/new/",
    }
    written = []
    context, page = new_page(chromium, demo, viewport, console)
    try:
        page.goto("/accounts/login/")
        _save(page, out_dir / f"login-{kind}.png", kind)
        written.append("login")
        log_in(page, "district_admin")
        for name, path in district_pages.items():
            assert page.goto(path).status == 200, path
            _save(page, out_dir / f"{name}-{kind}.png", kind)
            written.append(name)
    finally:
        context.close()
    context, page = new_page(chromium, demo, viewport, console)
    try:
        log_in(page, "secretary")
        for name, path in school_pages.items():
            assert page.goto(path).status == 200, path
            _save(page, out_dir / f"{name}-{kind}.png", kind)
            written.append(name)
    finally:
        context.close()

    for name in written:
        path = out_dir / f"{name}-{kind}.png"
        size = path.stat().st_size
        assert 5_000 < size < MAX_BYTES, (path, size)
        with Image.open(path) as shot:
            assert shot.width == viewport["width"], (path, shot.size)
            assert shot.height >= min(viewport["height"], 600), (path, shot.size)
