"""Each role logs in through the real login form and lands on its home page: district staff and the 学区 viewer
on the district dashboard, school staff on their school's dashboard. One seeded database, one fresh browser
context (own cookies) per account."""

import re

import pytest

from core.models import Role
from tests.browser.conftest import DESKTOP, log_in, new_page
from tests.browser.pages import lead_school

pytestmark = pytest.mark.browser

DISTRICT_HOME = [
    ("district_admin", Role.DISTRICT_ADMIN, "总览"),
    ("district_viewer", Role.DISTRICT_VIEWER, "总览"),
    ("xuequ_viewer", Role.XUEQU_VIEWER, "总览 · 四季青学区"),
]
SCHOOL_HOME = [
    ("secretary", Role.SECRETARY),
    ("principal", Role.PRINCIPAL),
    ("clerk", Role.CLERK),
]


@pytest.fixture
def fresh_page(chromium, demo, console):
    """A new desktop page per call, each in its own browser context; all closed and checked at the end."""
    contexts = []

    def _open():
        context, page = new_page(chromium, demo, DESKTOP, console)
        contexts.append(context)
        return page

    yield _open
    for context in contexts:
        context.close()
    console.assert_clean()


def test_district_roles_land_on_the_district_dashboard(fresh_page):
    for username, role, heading in DISTRICT_HOME:
        page = fresh_page()
        log_in(page, username)

        assert re.search(r"/dashboard/$", page.url), (username, page.url)
        assert page.get_by_role("heading", level=1).inner_text() == heading, username
        assert role.label in page.locator(".user-box").inner_text(), username
        districts = page.locator("#districts-heading + .table-wrap tbody th").all_inner_texts()
        if role == Role.XUEQU_VIEWER:
            assert districts == ["四季青学区"]  # only his or her 学区
        else:
            assert len(districts) >= 6, (username, districts)
        # Only the district admin is offered the admin site and the Excel import.
        nav = page.get_by_role("navigation", name="主导航")
        is_admin = role == Role.DISTRICT_ADMIN
        assert nav.get_by_role("link", name="管理后台").count() == int(is_admin), username
        assert nav.get_by_role("link", name="Excel 导入").count() == int(is_admin), username


def test_school_roles_land_on_their_school_dashboard(fresh_page):
    school = lead_school()
    for username, role in SCHOOL_HOME:
        page = fresh_page()
        log_in(page, username)

        assert page.url.endswith(f"/school/{school.pk}/dashboard/"), (username, page.url)
        assert page.get_by_role("heading", level=1).inner_text() == f"{school.name} · 总览", username
        assert f"{role.label} · {school.name}" in page.locator(".user-box").inner_text(), username
        assert page.locator(".pair .member").count() == 2, username
        # The district dashboard is not theirs: 总览 leads back to the school's dashboard.
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="总览", exact=True).click()
        page.wait_for_url(f"**/school/{school.pk}/dashboard/")

    # A wrong password stays on the login form with its error.
    page = fresh_page()
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("clerk")
    page.get_by_label("密码").fill("not-the-password")
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    assert "/accounts/login/" in page.url
    assert page.locator(".errors").count() == 1
