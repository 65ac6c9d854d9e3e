"""The cached page bodies (core.pagecache): a repeated page is served from the cache with fewer queries and the
same body; any write shows at once; users of different scopes never share a body; the layout around the body
(user, logout form and its CSRF token, messages) is always the requesting user's own."""

import datetime
import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Role
from core.pagecache import END, START, extract
from meetings.choices import CommunicationCategory
from tests.factories import CommunicationFactory, MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGES = [
    ("district_dashboard", False),
    ("school_list", False),
    ("school_detail", True),
    ("school_dashboard", True),
    ("meeting_list", False),
    ("communication_list", False),
    ("decision_list", False),
    ("finding_list", False),
]


def _body(response) -> str:
    html = response.content.decode()
    return html[html.index(START) + len(START) : html.rindex(END)]


def _title(response) -> str:
    return response.content.decode().split("<title>")[1].split("</title>")[0]


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries)


def _url(name, with_school, school):
    return reverse(name, args=[school.pk]) if with_school else reverse(name)


@pytest.mark.parametrize(("name", "with_school"), PAGES)
def test_second_request_serves_the_same_body_with_fewer_queries(name, with_school, school_a, district_admin, login):
    MeetingFactory(school=school_a)
    CommunicationFactory(school=school_a)
    client = login(district_admin)
    url = _url(name, with_school, school_a)
    first, first_queries = _get(client, url)
    second, second_queries = _get(client, url)
    assert _body(second) == _body(first)
    assert _title(second) == _title(first) != ""
    assert second_queries < first_queries, (first_queries, second_queries)
    assert second_queries <= 3  # session, user (with school and 学区), nothing for the body


def test_a_write_shows_at_once(school_a, secretary_a, login):
    client = login(secretary_a)
    url = reverse("communication_list")
    assert "沟通一号" not in client.get(url).content.decode()
    assert "沟通一号" not in client.get(url).content.decode()  # cached
    CommunicationFactory(school=school_a, subject="沟通一号")
    assert "沟通一号" in client.get(url).content.decode()


def test_query_string_is_part_of_the_key(school_a, district_viewer, login):
    CommunicationFactory(school=school_a, subject="甲事项", category=CommunicationCategory.SANZHONG_YIDA)
    client = login(district_viewer)
    url = reverse("communication_list")
    assert "甲事项" in client.get(url).content.decode()
    assert "甲事项" not in client.get(url, {"category": CommunicationCategory.EMERGENCY}).content.decode()
    assert "甲事项" in client.get(url).content.decode()


def test_scopes_never_share_a_body(school_a, school_b, secretary_a, clerk_b, login):
    CommunicationFactory(school=school_a, subject="甲校事项")
    CommunicationFactory(school=school_b, subject="乙校事项")
    url = reverse("communication_list")
    for _ in range(2):  # the second round is served from the cache
        body_a = _body(login(secretary_a).get(url))
        body_b = _body(login(clerk_b).get(url))
        assert "甲校事项" in body_a and "乙校事项" not in body_a
        assert "乙校事项" in body_b and "甲校事项" not in body_b


def test_same_scope_shares_the_body_but_not_the_layout(school_a, district_viewer, client):
    other = UserFactory(username="viewer_two", role=Role.DISTRICT_VIEWER)
    url = reverse("school_list")
    client.force_login(district_viewer)
    first = client.get(url).content.decode()
    client.logout()
    client.force_login(other)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url).content.decode()
    assert len(queries) <= 3  # served from the cache
    assert "viewer_two" in second and "viewer_u" not in second
    assert "viewer_u" in first
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', second)[1]
    assert token not in first
    assert client.cookies["csrftoken"].value  # the logout form's token goes with this session's cookie


def test_messages_are_shown_on_a_cached_page(school_a, district_viewer, client, rf):
    client.force_login(district_viewer)
    url = reverse("school_list")
    client.get(url)
    request = rf.get("/")
    storage = CookieStorage(request)
    storage.add(constants.SUCCESS, "已保存。")
    response = client.get(url)  # cache warm; now set a message cookie as the previous request would have
    storage.update(response)
    client.cookies.update(response.cookies)
    page = client.get(url)
    assert "已保存。" in page.content.decode()
    client.cookies.update(page.cookies)  # the message was shown: its cookie is cleared
    assert "已保存。" not in client.get(url).content.decode()


def test_bodies_holding_a_form_token_are_not_stored():
    html = f'<title>甲 · 海淀治理台账</title>{START}<form><input name="csrfmiddlewaretoken" value="x"></form>{END}'
    assert extract(html) is None
    assert extract(f"<title>甲 · 海淀治理台账</title>{START}<p>x</p>{END}") == ("甲", "<p>x</p>")
    assert extract("<p>no markers</p>") is None


def test_off_when_zero(school_a, district_admin, login, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client = login(district_admin)
    url = reverse("school_list")
    client.get(url)
    assert client.get(url).context["page"].object_list  # the view ran again: its own context, not a cached body


def test_excel_download_is_not_cached(school_a, district_admin, login):
    client = login(district_admin)
    url = reverse("school_list")
    client.get(url)
    response = client.get(url, {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_out_of_scope_school_is_still_404_after_an_in_scope_request(school_a, school_b, secretary_a, clerk_b, login):
    login(secretary_a).get(reverse("school_detail", args=[school_a.pk]))
    assert login(clerk_b).get(reverse("school_detail", args=[school_a.pk])).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        {"unknown": "1"},  # not a parameter of the page
        {"category": "x" * 61},  # longer than any filter value
        {"page": ["1", "2"]},  # repeated
    ],
)
def test_only_the_queries_users_browse_are_cached(query, school_a, district_admin, login):
    CommunicationFactory(school=school_a)
    client = login(district_admin)
    url = reverse("communication_list")
    client.get(url, query)
    assert "page" in client.get(url, query).context  # the view ran again: nothing was stored


def test_filters_and_page_number_are_cached(school_a, district_admin, login):
    CommunicationFactory(school=school_a)
    client = login(district_admin)
    query = {"category": CommunicationCategory.SANZHONG_YIDA, "page": "1", "school": str(school_a.pk)}
    client.get(reverse("communication_list"), query)
    assert "cached_body" in client.get(reverse("communication_list"), query).context


def test_the_dashboard_allows_exactly_its_form_fields(district_admin):
    from reports.filters import DashboardFilterForm
    from reports.views.dashboard import DASHBOARD_QUERY

    form = DashboardFilterForm({}, user=district_admin, today=datetime.date(2026, 11, 1))
    assert set(DASHBOARD_QUERY) == set(form.fields)
