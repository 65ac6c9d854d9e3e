"""The main journeys in a real browser: from a dashboard figure to the list behind it, filtering a list and
exporting it to Excel, logging a communication through the form and seeing it counted, and the scope wall
between schools."""

import datetime
import io
import math
import re
from pathlib import Path

import openpyxl
import pytest
from django.utils import timezone

from meetings.choices import CommunicationCategory
from meetings.exports import COMMUNICATION_HEADERS
from meetings.models import Communication
from tests.browser.conftest import log_in
from tests.browser.pages import lead_school, other_school, signed_meeting

pytestmark = pytest.mark.browser

PAGE_SIZE = 50  # every list shows 50 rows a page
COUNT = re.compile(r"共 (\d+) (?:所学校|条沟通记录|次会议|项决策事项|条未整改)")
CARDS_THAT_MATCH = {  # dashboard card → the list it opens
    "学校（含校区）": "/schools/",
    "会议": "/meetings/",
    "未整改合规提示": "/findings/",
}


def list_count(page) -> int:
    match = COUNT.search(page.locator("main").inner_text())
    assert match, f"no count on {page.url}"
    return int(match[1])


def table_rows(page) -> list[list[str]]:
    """The cells of the list's table rows (the empty-list row excluded)."""
    rows = page.locator(".table-wrap table tbody tr")
    texts = [[cell.strip() for cell in row.locator("td").all_inner_texts()] for row in rows.all()]
    return [cells for cells in texts if len(cells) > 1]


def assert_rows_match_count(page, count: int) -> None:
    rows = table_rows(page)
    assert len(rows) == min(count, PAGE_SIZE), (page.url, len(rows), count)
    if count > PAGE_SIZE:
        assert f"第 1 / {math.ceil(count / PAGE_SIZE)} 页" in page.locator(".pagination").inner_text()


def card_number(page, label: str):
    label_re = re.compile(f"^{re.escape(label)}$")
    return (
        page.locator(".dash-card").filter(has=page.locator(".dash-label", has_text=label_re)).locator("a.dash-number")
    )


def count_behind(page, href: str) -> int | None:
    """The count the list at `href` shows (fetched with the page's session, not rendered)."""
    response = page.request.get(href)
    assert response.ok, (href, response.status)
    match = COUNT.search(response.text())
    return int(match[1]) if match else None


def dashboard_figures(page) -> list[tuple[str, int, str]]:
    """(what, number, link) of every number on the dashboard that links to a list."""
    found = page.locator("main a").evaluate_all(
        """links => links.map(a => {
             const box = a.closest('li, tr, section');
             const what = box ? (box.querySelector('.dash-label, th, td, h2') || box).textContent.trim() : '';
             return [what, a.textContent.trim(), a.getAttribute('href')];
           })"""
    )
    return [(what, int(text), href) for what, text, href in found if text.isdigit() and href.startswith("/")]


def test_dashboard_figures_open_their_lists_with_as_many_rows(browser_page):
    page = browser_page
    log_in(page, "district_admin")

    # The cards whose lists honour every filter the dashboard passes: click through, count the rows.
    for label, path in CARDS_THAT_MATCH.items():
        page.goto("/dashboard/")
        number = card_number(page, label)
        figure = int(number.inner_text())
        assert figure > 0, label
        number.click()
        page.wait_for_load_state()
        assert path in page.url, (label, page.url)
        assert list_count(page) == figure, (label, page.url)
        assert_rows_match_count(page, figure)

    # A figure of a breakdown: the 突发事件 row of the communications by category.
    page.goto("/dashboard/")
    panel = page.locator(".dash-panel").filter(has=page.get_by_role("heading", name="沟通记录（按类别）"))
    link = panel.locator("tbody tr").filter(has_text="突发事件").get_by_role("link")
    figure = int(link.inner_text())
    assert 0 < figure <= PAGE_SIZE
    link.click()
    page.wait_for_url(re.compile(r"/communications/\?.*category=emergency"))
    assert list_count(page) == figure
    rows = table_rows(page)
    assert len(rows) == figure
    assert {row[2] for row in rows} == {"突发事件"}

    # The open findings by rule, per 学区 and per school, the schools per 学区 and the monthly trends.
    page.goto("/dashboard/")
    figures = [f for f in dashboard_figures(page) if f[2].startswith(("/findings/", "/schools/")) or "month=" in f[2]]
    assert len(figures) > 40
    wrong = [(what, n, href, count_behind(page, href)) for what, n, href in figures]
    assert [w for w in wrong if w[1] != w[3]] == []


def test_every_dashboard_figure_equals_the_list_behind_it(browser_page):
    page = browser_page
    log_in(page, "district_admin")
    wrong = []
    for query in ("", f"?district={lead_school().district_id}"):  # the whole district, then one 学区
        page.goto(f"/dashboard/{query}")
        figures = dashboard_figures(page)
        assert len(figures) > 40
        checked = [(query, what, n, href, count_behind(page, href)) for what, n, href in figures]
        wrong += [w for w in checked if w[2] != w[4]]
    assert wrong == []


def test_filter_a_list_then_export_what_it_shows(browser_page):
    page = browser_page
    school = lead_school()
    log_in(page, "district_admin")
    page.goto("/communications/")
    everything = list_count(page)

    filters = page.get_by_role("form", name="筛选")
    filters.get_by_label("学校").select_option(label=school.name)
    filters.get_by_label("沟通类别").select_option(label="三重一大")
    filters.get_by_label("沟通结果").select_option(label="达成共识")
    with page.expect_navigation():
        filters.get_by_role("button", name="筛选").click()

    assert f"school={school.pk}" in page.url and "category=sanzhong_yida" in page.url
    count = list_count(page)
    expected = Communication.objects.filter(
        school=school, category=CommunicationCategory.SANZHONG_YIDA, outcome="consensus"
    ).count()
    assert 0 < count == expected < everything
    rows = table_rows(page)
    assert len(rows) == count <= PAGE_SIZE
    assert {(row[1], row[2], row[6]) for row in rows} == {(school.name, "三重一大", "达成共识")}

    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 Excel").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes())).worksheets[0]
    values = [[("" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True)]
    header_at = next(i for i, row in enumerate(values) if row[: len(COMMUNICATION_HEADERS)] == COMMUNICATION_HEADERS)
    filter_rows = {tuple(row[1:3]) for row in values[1 : header_at - 1]}
    assert filter_rows == {("学校", school.name), ("沟通类别", "三重一大"), ("沟通结果", "达成共识")}
    exported = [row[: len(COMMUNICATION_HEADERS)] for row in values[header_at + 1 :]]
    assert exported == rows  # the same rows, in the same order, cell for cell


def test_a_clerk_logs_a_talk_through_the_form_and_sees_it_counted(browser_page):
    page = browser_page
    school = lead_school()
    log_in(page, "clerk")
    assert page.url.endswith(f"/school/{school.pk}/dashboard/")

    talks_before = int(page.locator(".dash-cadence a strong").inner_text())
    total_link = page.locator("#talks-heading ~ table tfoot a")
    total_before = int(total_link.inner_text())
    pair = page.locator(".pair .member a").all_inner_texts()
    assert len(pair) == 2

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="沟通记录").click()
    listed_before = list_count(page)
    page.get_by_role("link", name="登记沟通").click()
    page.wait_for_url("**/communications/new/")

    # A minute ago (but in this month, so the dashboard counts it).
    now = timezone.localtime()
    when = max(now - datetime.timedelta(minutes=1), now.replace(day=1, hour=0, minute=0, second=0, microsecond=0))
    form = page.get_by_role("form", name="沟通记录")
    form.get_by_label("沟通时间").fill(when.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("沟通类别").select_option(label="一对一深度对话")
    form.get_by_label("沟通时机").select_option(label="日常定期")
    form.get_by_label("主题").fill("浏览器测试：本月一对一深度对话")
    form.get_by_label("沟通内容").fill("交流本学期师资队伍建设与课后服务安排。")
    form.get_by_label("沟通结果").select_option(label="达成共识")
    for name in pair:
        form.get_by_role("group", name="参与人").get_by_label(f"{name}（").check()
    with page.expect_navigation():
        form.get_by_role("button", name="登记").click()

    assert re.search(r"/communications/\d+/$", page.url), page.url
    assert page.get_by_role("heading", level=1).inner_text().startswith("浏览器测试：本月一对一深度对话")
    assert "待确认" in page.get_by_role("heading", level=1).inner_text()

    page.goto(f"/school/{school.pk}/dashboard/")
    assert int(page.locator(".dash-cadence a strong").inner_text()) == talks_before + 1
    assert int(page.locator("#talks-heading ~ table tfoot a").inner_text()) == total_before + 1
    page.locator("#talks-heading ~ table tfoot a").click()
    page.wait_for_load_state()
    assert "浏览器测试：本月一对一深度对话" in page.locator(".table-wrap").inner_text()
    page.goto("/communications/")
    assert list_count(page) == listed_before + 1


def test_a_clerk_of_another_school_gets_the_404_page(browser_page, console):
    page = browser_page
    school = lead_school()
    meeting = signed_meeting(school)
    communication = Communication.objects.filter(school=school).first()
    console.allow(r"status of 404 \(Not Found\)")
    log_in(page, "clerk_b")
    assert page.url.endswith(f"/school/{other_school().pk}/dashboard/")

    for path in (
        f"/communications/{communication.pk}/",
        f"/meetings/{meeting.pk}/",
        f"/school/{school.pk}/dashboard/",
        f"/schools/{school.pk}/",
    ):
        response = page.goto(path)
        assert response.status == 404, path
        assert page.get_by_role("heading", level=1).inner_text() == "页面不存在", path
        assert communication.subject not in page.content()
    # The clerk's own school is still there.
    page.get_by_role("link", name="返回首页").click()
    page.wait_for_url(f"**/school/{other_school().pk}/dashboard/")
