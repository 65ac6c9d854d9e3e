"""School and person pages: content, filters, query counts and scope for every role."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import dataversion
from schools.choices import MeetingBody, Post, SchoolLevel
from tests.factories import (
    AppointmentFactory,
    CommitteeMembershipFactory,
    EducationGroupFactory,
    PersonFactory,
    SchoolFactory,
)

ALL_ROLES = [
    "district_admin",
    "district_viewer",
    "xuequ_viewer",
    "secretary_a",
    "principal_a",
    "clerk_a",
    "clerk_b",
]
# Which of school A, its campus and school B (in another 学区) each role may see.
VISIBLE = {
    "district_admin": {"A001", "A002", "B001"},
    "district_viewer": {"A001", "A002", "B001"},
    "xuequ_viewer": {"A001", "A002"},
    "secretary_a": {"A001", "A002"},
    "principal_a": {"A001", "A002"},
    "clerk_a": {"A001"},
    "clerk_b": {"B001"},
}


@pytest.fixture
def schools(school_a, campus_a, school_b):
    return {"A001": school_a, "A002": campus_a, "B001": school_b}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_school_list_shows_only_schools_in_scope(role, request, schools, login):
    client = login(request.getfixturevalue(role))

    response = client.get(reverse("school_list"))

    assert response.status_code == 200
    listed = {school.code for school, _pair in response.context["rows"]}
    assert listed == VISIBLE[role]


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("code", ["A001", "A002", "B001"])
def test_school_detail_is_404_out_of_scope(role, code, request, schools, login):
    client = login(request.getfixturevalue(role))

    response = client.get(reverse("school_detail", args=[schools[code].pk]))

    assert response.status_code == (200 if code in VISIBLE[role] else 404)


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("code", ["A001", "B001"])
def test_person_detail_is_404_out_of_scope(role, code, request, schools, login):
    person = AppointmentFactory(school=schools[code], post=Post.SECRETARY).person
    client = login(request.getfixturevalue(role))

    response = client.get(reverse("person_detail", args=[person.pk]))

    assert response.status_code == (200 if code in VISIBLE[role] else 404)


def test_person_detail_lists_only_appointments_in_scope(schools, clerk_a, login):
    person = PersonFactory(name="流动干部")
    AppointmentFactory(person=person, school=schools["B001"], post=Post.DEPUTY_PRINCIPAL, end=datetime.date(2023, 1, 1))
    AppointmentFactory(person=person, school=schools["A001"], post=Post.PRINCIPAL, start=datetime.date(2023, 1, 2))

    response = login(clerk_a).get(reverse("person_detail", args=[person.pk]))

    assert [a.school.code for a in response.context["appointments"]] == ["A001"]
    assert "上地实验小学" not in response.content.decode()


@pytest.mark.parametrize("url_name", ["school_list", "home"])
def test_anonymous_is_sent_to_login(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_anonymous_school_detail_redirects_to_login(client, school_a):
    response = client.get(reverse("school_detail", args=[school_a.pk]))
    assert response.status_code == 302


def test_home_sends_school_roles_to_their_school(secretary_a, district_viewer, login, school_a):
    assert login(secretary_a).get(reverse("home")).url == reverse("school_dashboard", args=[school_a.pk])
    assert login(district_viewer).get(reverse("home")).url == reverse("district_dashboard")


def test_school_detail_shows_pair_timeline_and_combined_tag(school_a, district_viewer, login):
    person = PersonFactory(name="王一肩")
    AppointmentFactory(school=school_a, person=person, post=Post.SECRETARY, start=datetime.date(2021, 9, 1))
    AppointmentFactory(school=school_a, person=person, post=Post.PRINCIPAL, start=datetime.date(2021, 9, 1))

    body = login(district_viewer).get(reverse("school_detail", args=[school_a.pk])).content.decode()

    assert "现任书记校长搭档" in body
    assert "一肩挑" in body
    assert "2021-09-01 — 至今" in body
    assert "王一肩" in body


def test_school_detail_lists_appointments_and_members_as_linked_escaped_rows(school_a, district_viewer, login):
    former = PersonFactory(name="<b>赵前任</b>")
    AppointmentFactory(
        school=school_a, person=former, post=Post.DEPUTY_PRINCIPAL, start=datetime.date(2019, 9, 1),
        end=datetime.date(2022, 8, 31),
    )  # fmt: skip
    deputy = PersonFactory(name="钱副校长")
    AppointmentFactory(school=school_a, person=deputy, post=Post.DEPUTY_SECRETARY, start=datetime.date(2022, 9, 1))
    member = PersonFactory(name="孙委员")
    CommitteeMembershipFactory(school=school_a, person=member, body=MeetingBody.STAFF_CONGRESS)
    CommitteeMembershipFactory(
        school=school_a, person=PersonFactory(name="李已退"), end=datetime.date(2023, 1, 1)
    )  # no longer a member: not listed

    body = login(district_viewer).get(reverse("school_detail", args=[school_a.pk])).content.decode()

    former_link = reverse("person_detail", args=[former.pk])
    assert (
        f'<tr><td><a href="{former_link}">&lt;b&gt;赵前任&lt;/b&gt;</a></td><td>副校长</td>'
        "<td>2019-09-01</td><td>2022-08-31</td></tr>"
    ) in body
    assert f'<a href="{reverse("person_detail", args=[deputy.pk])}">钱副校长</a></td><td>副书记</td>' in body
    assert "<td>2022-09-01</td><td>在任</td>" in body
    assert (
        f'<tr><td>教代会</td><td><a href="{reverse("person_detail", args=[member.pk])}">孙委员</a></td>'
        "<td>2022-09-01</td></tr>"
    ) in body
    assert "李已退" not in body and "<b>" not in body


def test_school_detail_empty_tables_say_so(school_b, district_viewer, login):
    body = login(district_viewer).get(reverse("school_detail", args=[school_b.pk])).content.decode()
    assert "暂无任职记录。" in body and "暂无会议组成人员。" in body


def test_school_list_filters(district_viewer, login, district_a, district_b):
    group = EducationGroupFactory(name="海淀实验小学教育集团")
    SchoolFactory(code="X1", name="翠微小学", district=district_a, level=SchoolLevel.PRIMARY)
    SchoolFactory(code="X2", name="清华附中", district=district_b, level=SchoolLevel.COMPLETE_SECONDARY, group=group)
    SchoolFactory(code="X3", name="上地实验学校", district=district_b, level=SchoolLevel.NINE_YEAR)
    client = login(district_viewer)

    def codes(**params):
        return {s.code for s, _ in client.get(reverse("school_list"), params).context["rows"]}

    assert codes(district=district_b.pk) == {"X2", "X3"}
    assert codes(group=group.pk) == {"X2"}
    assert codes(level=SchoolLevel.NINE_YEAR) == {"X3"}
    assert codes(q="翠微") == {"X1"}
    assert codes(q="x2") == {"X2"}


def test_school_list_rejects_bad_filter_values_without_error(district_viewer, login, school_a):
    response = login(district_viewer).get(reverse("school_list"), {"district": "abc", "level": "nope", "page": "x"})
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()


def _pairs_for(schools):
    for school in schools:
        AppointmentFactory(school=school, post=Post.SECRETARY)
        AppointmentFactory(school=school, post=Post.PRINCIPAL)


def test_school_list_query_count_does_not_grow_with_rows(district_viewer, login):
    client = login(district_viewer)
    _pairs_for(SchoolFactory.create_batch(3))
    client.get(reverse("school_list"))  # warm the session
    dataversion.bump()  # the page as computed, not its cached count and options

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("school_list"))
    _pairs_for(SchoolFactory.create_batch(30, group=EducationGroupFactory()))
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("school_list"))

    assert len(response.context["rows"]) == 33
    assert len(many) == len(few)


def test_school_detail_query_count_is_bounded(district_viewer, login, school_a, django_assert_max_num_queries):
    for _ in range(10):
        AppointmentFactory(school=school_a, post=Post.DEPUTY_PRINCIPAL)
    client = login(district_viewer)
    with django_assert_max_num_queries(12):
        client.get(reverse("school_detail", args=[school_a.pk]))


def test_school_page_lists_campuses_and_queries_them_only_when_there_are_some(schools, district_admin, login):
    client = login(district_admin)
    main, campus = schools["A001"], schools["A002"]
    client.get(reverse("school_detail", args=[campus.pk]))
    with CaptureQueriesContext(connection) as with_campus:
        body = client.get(reverse("school_detail", args=[main.pk])).content.decode()
    assert f'href="{reverse("school_detail", args=[campus.pk])}"' in body and "校区 / 分校" in body
    with CaptureQueriesContext(connection) as without:
        body = client.get(reverse("school_detail", args=[campus.pk])).content.decode()
    assert "校区 / 分校" not in body
    assert sum("schools_school" in q["sql"] for q in without.captured_queries) == 1
    assert sum("schools_school" in q["sql"] for q in with_campus.captured_queries) == 2
