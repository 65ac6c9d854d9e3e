"""On a phone (390×844) no main page needs horizontal page scrolling: wide tables scroll inside their own
container, the navigation wraps, forms fit the screen."""

import pytest

from tests.browser.conftest import PHONE, log_in
from tests.browser.pages import main_pages

pytestmark = pytest.mark.browser

# What overflows the viewport, to name the culprit when the page is too wide.
OVERFLOW_REPORT = """(width) => {
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0) {
      let inScroller = false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const style = getComputedStyle(p);
        if (['auto', 'scroll', 'hidden'].includes(style.overflowX) && p.getBoundingClientRect().right <= width + 1) {
          inScroller = true; break;
        }
      }
      const classes = String(el.className || '').trim().split(/\\s+/).filter(Boolean);
      const name = [el.tagName.toLowerCase(), ...classes].join('.');
      if (!inScroller) wide.push(name + ' right=' + Math.round(box.right));
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, wide: wide.slice(0, 8)};
}"""


def overflow(page) -> dict:
    """The page's scroll width against the phone's width (on a mobile viewport Chromium widens the layout to the
    content and zooms out, so window.innerWidth itself grows with an overflowing page)."""
    return page.evaluate(OVERFLOW_REPORT, PHONE["width"])


def assert_fits(page, pages: dict[str, str]) -> None:
    too_wide = {}
    for name, path in pages.items():
        response = page.goto(path)
        assert response.status == 200, f"{name} {path}: {response.status}"
        report = overflow(page)
        if not report["scrollWidth"] <= report["innerWidth"] == PHONE["width"]:
            too_wide[f"{name} {path}"] = report
    if too_wide:
        pytest.fail("wider than the phone:\n" + "\n".join(f"{page}: {report}" for page, report in too_wide.items()))


def test_login_and_district_pages_fit_a_phone(phone_page):
    phone_page.goto("/accounts/login/")
    report = overflow(phone_page)
    assert report["scrollWidth"] <= report["innerWidth"] == PHONE["width"], report
    log_in(phone_page, "district_admin")
    assert_fits(phone_page, main_pages(district=True))


def test_school_pages_and_forms_fit_a_phone(phone_page):
    log_in(phone_page, "secretary")
    assert_fits(phone_page, main_pages(district=False))
