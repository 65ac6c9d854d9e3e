"""The list pages' filter selects and cached list counts (core.paging)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import MeetingFactory, SchoolFactory


def test_school_select_lists_the_schools_in_scope_only(school_a, campus_a, school_b, secretary_a, login):
    body = login(secretary_a).get(reverse("meeting_list")).content.decode()
    select = re.search(r'<select name="school".*?</select>', body, re.S)[0]
    assert school_a.name in select and campus_a.name in select
    assert school_b.name not in select


def test_decision_list_keeps_the_chosen_school_and_its_validation(school_a, school_b, district_admin, login):
    client = login(district_admin)
    body = client.get(reverse("decision_list"), {"school": school_b.pk}).content.decode()
    assert f'<option value="{school_b.pk}" selected>' in body
    response = client.get(reverse("decision_list"), {"school": "999999"})
    assert response.status_code == 200
    assert "找不到该学校" in response.content.decode()


def test_list_count_is_cached_and_refreshed_by_a_write(school_a, district_admin, login, settings):
    client = login(district_admin)
    MeetingFactory(school=school_a)
    assert client.get(reverse("meeting_list")).context["page"].paginator.count == 1
    with CaptureQueriesContext(connection) as cached:
        assert client.get(reverse("meeting_list")).context["page"].paginator.count == 1
    assert not [q for q in cached.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    MeetingFactory(school=SchoolFactory())
    assert client.get(reverse("meeting_list")).context["page"].paginator.count == 2


@pytest.mark.parametrize("url", ["meeting_list", "decision_list", "finding_list", "communication_list", "school_list"])
@pytest.mark.parametrize(
    ("actor", "hidden", "shown"),
    [
        ("district_viewer", [], ["district", "group", "level"]),
        ("xuequ_viewer", ["district"], ["group", "level"]),
        ("secretary_a", ["district", "group", "level"], []),
        ("clerk_a", ["district", "group", "level", "school"], []),
    ],
)
def test_filters_that_cannot_narrow_the_scope_are_not_offered(url, actor, hidden, shown, school_a, login, request):
    html = login(request.getfixturevalue(actor)).get(reverse(url)).content.decode()
    names = {"district": "xuequ"} if url == "decision_list" else {}
    for name in hidden:
        assert f'name="{names.get(name, name)}"' not in html, (url, actor, name)
    for name in shown:
        if name in ("group", "level") and url == "finding_list":
            continue  # the finding list filters by 学区 and school only
        assert f'name="{names.get(name, name)}"' in html, (url, actor, name)


def test_pagination_links_keep_the_filters(district_admin, login):
    SchoolFactory.create_batch(55)
    body = login(district_admin).get(reverse("school_list"), {"page": "1", "level": ""}).content.decode()
    nav = re.search(r'<nav class="pagination".*?</nav>', body, re.S)[0]
    assert 'href="?page=2&amp;level="' in nav and "第 1 / 2 页" in nav
