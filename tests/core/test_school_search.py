"""The 学校 filter of the lists (core.school_search): a drop-down for a small scope, a search box by code or name for
a large one, ids from links accepted either way, and never a school outside the user's scope."""

import re

import pytest
from django.urls import reverse

from core import school_search
from tests.factories import MeetingFactory, SchoolFactory

pytestmark = pytest.mark.django_db

LISTS = ["meeting_list", "decision_list", "communication_list", "finding_list"]


@pytest.fixture
def large(monkeypatch):
    """Every scope counts as large (a search box from 1 school on)."""
    monkeypatch.setattr(school_search, "SELECT_MAX", 0)


def _school_input(html: str) -> str:
    return re.search(r'<p><label for="id_school">.*?</p>', html, re.S)[0]


@pytest.mark.parametrize("name", LISTS)
def test_small_scope_gets_a_drop_down(name, school_a, school_b, district_viewer, login):
    html = login(district_viewer).get(reverse(name)).content.decode()
    field = _school_input(html)
    assert '<select name="school"' in field and f'<option value="{school_b.pk}">' in field


@pytest.mark.parametrize("name", LISTS)
def test_large_scope_gets_a_search_box(name, large, school_a, school_b, district_viewer, login):
    field = _school_input(login(district_viewer).get(reverse(name)).content.decode())
    assert 'type="search" name="school"' in field and "<option" not in field


def _meetings(client, value) -> tuple[list[str], str]:
    response = client.get(reverse("meeting_list"), {"school": value})
    assert response.status_code == 200
    html = response.content.decode()
    return sorted(m.title for m in response.context["page"].object_list), _school_input(html)


@pytest.fixture
def meetings(school_a, school_b):
    MeetingFactory(school=school_a, title="甲校会议")
    MeetingFactory(school=school_b, title="乙校会议")


@pytest.mark.parametrize(
    "value",
    [
        lambda a: str(a.pk),  # a dashboard link
        lambda a: a.code,
        lambda a: f"{a.code} {a.name}",  # what the box shows once chosen
        lambda a: a.name,
        lambda a: "海淀实验",  # a part only school A's name has
    ],
)
def test_search_by_id_code_label_or_name(value, large, meetings, school_a, district_viewer, login):
    titles, field = _meetings(login(district_viewer), value(school_a))
    assert titles == ["甲校会议"]
    assert f'value="{school_a.code} {school_a.name}"' in field


def test_the_full_name_wins_over_a_longer_name_containing_it(
    large, meetings, school_a, campus_a, district_viewer, login
):
    MeetingFactory(school=campus_a, title="校区会议")
    assert campus_a.name.startswith(school_a.name)
    titles, _field = _meetings(login(district_viewer), school_a.name)
    assert titles == ["甲校会议"]


def test_an_ambiguous_name_is_an_error_naming_some_schools(large, meetings, school_a, school_b, district_viewer, login):
    titles, field = _meetings(login(district_viewer), "实验小学")
    assert "有 2 所学校的名称包含“实验小学”" in field
    assert school_a.code in field and school_b.code in field


@pytest.mark.parametrize("value", ["不存在的学校", "Z999", "9" * 40, "1" * 18, "<script>", " "])
def test_unknown_values_are_a_form_error_not_a_500(value, large, meetings, district_viewer, login):
    response = login(district_viewer).get(reverse("meeting_list"), {"school": value})
    assert response.status_code == 200
    if value.strip():
        assert "找不到该学校" in _school_input(response.content.decode())
        assert "<script>" not in response.content.decode().split("<main")[1].replace("&lt;script&gt;", "")


def test_a_school_outside_the_scope_is_not_found_by_code_or_id(
    large, meetings, school_a, school_b, xuequ_viewer, login
):
    client = login(xuequ_viewer)  # 学区 A: school A only
    for value in (school_b.code, str(school_b.pk), school_b.name):
        _titles, field = _meetings(client, value)
        assert "找不到该学校" in field
    titles, _field = _meetings(client, school_a.code)
    assert titles == ["甲校会议"]


def test_scope_size_is_per_scope(school_a, school_b, district_viewer, xuequ_viewer, login, monkeypatch):
    monkeypatch.setattr(school_search, "SELECT_MAX", 1)
    SchoolFactory(district=school_a.district)
    district_field = _school_input(login(district_viewer).get(reverse("meeting_list")).content.decode())
    assert 'type="search"' in district_field  # 3 schools
    xuequ_field = _school_input(login(xuequ_viewer).get(reverse("meeting_list")).content.decode())
    assert 'type="search"' in xuequ_field  # 2 schools in 学区 A
    monkeypatch.setattr(school_search, "SELECT_MAX", 2)
    xuequ_field = _school_input(login(xuequ_viewer).get(reverse("meeting_list"), {"x": 1}).content.decode())
    assert "<select" in xuequ_field
