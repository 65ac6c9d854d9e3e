"""审计日志: every create, change, 定稿, 更正 and delete made through the pages is an event with its user and
school, logins and failed logins too; the page is for district admins only, filters, exports the same rows
and reads a fixed number of queries; events can never be changed or deleted."""

import datetime
from io import BytesIO, StringIO

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.audit.exports import HEADERS
from core.models import AuditAction, AuditEvent
from meetings.models import Attendance, Communication, Meeting
from schools.choices import Post
from tests.factories import PASSWORD, AppointmentFactory, PersonFactory, UserFactory
from tests.meetings import conftest as meetings_fixtures
from tests.meetings.test_views_communications import form_data
from tests.meetings.test_views_meetings import add_item, hold, make_meeting, votes_data

A = AuditAction
pair_a = meetings_fixtures.pair_a  # school A's pair and meeting bodies, as in the meetings tests
committee_a = meetings_fixtures.committee_a


def events(**lookup) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(**lookup).order_by("at", "pk"))


def page_rows(client, **params) -> list[tuple]:
    response = client.get(reverse("audit_list"), params)
    assert response.status_code == 200
    return [tuple(str(cell) for cell in row) for _event, row in response.context["rows"]]


def export_rows(client, **params) -> list[tuple]:
    response = client.get(reverse("audit_list"), {**params, "format": "xlsx"})
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    header_at = rows.index(tuple(HEADERS))
    return [tuple("" if cell is None else str(cell) for cell in row) for row in rows[header_at + 1 :]]


# --- what is recorded -------------------------------------------------------------------------------
def test_communication_created_changed_confirmed_and_amended_through_the_pages(
    school_a,
    pair_a,
    clerk_a,
    principal_a,
    secretary_a,
    login,
):
    client = login(clerk_a)
    assert client.post(reverse("communication_create"), form_data(school_a, [pair_a.secretary, pair_a.principal]))[
        "Location"
    ]
    communication = Communication.objects.get()
    data = form_data(school_a, [pair_a.secretary, pair_a.principal], subject="新建实验楼方案（修订）")
    assert client.post(reverse("communication_edit", args=[communication.pk]), data).status_code == 302
    assert login(principal_a).post(reverse("communication_confirm", args=[communication.pk])).status_code == 302
    amend = {"correction": "补充：预算另行上会。", "reason": "原记录遗漏预算。"}
    assert login(secretary_a).post(reverse("communication_amend", args=[communication.pk]), amend).status_code == 302

    trail = events(model="meetings.communication", object_id=str(communication.pk))
    by_action = {}
    for event in trail:
        by_action.setdefault(event.action, []).append(event)
    assert set(by_action) == {A.CREATE, A.UPDATE, A.FINALISE, A.AMEND}
    assert all(event.school_id == school_a.pk for event in trail)
    assert [e.user for e in by_action[A.CREATE]] == [clerk_a]
    assert by_action[A.CREATE][0].object_repr.endswith("新建实验楼方案")
    assert any("主题：新建实验楼方案 → 新建实验楼方案（修订）" in e.changes for e in by_action[A.UPDATE])
    assert all(e.user == clerk_a for e in by_action[A.UPDATE])
    [finalised] = by_action[A.FINALISE]
    assert (finalised.user, finalised.username) == (principal_a, "principal_a")
    assert "确认时间" in finalised.changes
    [amended] = by_action[A.AMEND]
    assert amended.user == secretary_a
    assert amended.changes == "沟通内容：原记录遗漏预算。"
    assert all(event.ip == "127.0.0.1" for event in trail)


def test_meeting_attendance_votes_and_finalising_through_the_pages(
    school_a,
    committee_a,
    pair_a,
    clerk_a,
    principal_a,
    login,
):
    meeting = make_meeting(clerk_a, school_a, chair=pair_a.secretary)
    hold(clerk_a, meeting, committee_a.party)  # attendance is written in bulk (bulk_create_with_history)
    item = add_item(clerk_a, meeting)
    client = login(clerk_a)
    votes = votes_data(committee_a.party, ["for"] * 5)
    assert client.post(reverse("item_votes", args=[meeting.pk, item.pk]), votes).status_code == 302
    minutes = {"minutes": "会议研究了学校章程修订。", f"item_{item.pk}": "同意修订。"}
    assert client.post(reverse("meeting_minutes", args=[meeting.pk]), minutes).status_code == 302
    assert login(principal_a).post(reverse("meeting_finalise", args=[meeting.pk])).status_code == 302

    attendance = events(model="meetings.attendance")
    assert {e.action for e in attendance} == {A.CREATE, A.UPDATE}
    assert len([e for e in attendance if e.action == A.CREATE]) == Attendance.objects.filter(meeting=meeting).count()
    assert all(e.school_id == school_a.pk and e.user == clerk_a for e in attendance)
    assert any("出席情况：空 → 出席" in e.changes for e in attendance)
    votes = events(model="meetings.vote", action=A.CREATE)
    assert len(votes) == 5 and {e.user for e in votes} == {clerk_a} and {e.school_id for e in votes} == {school_a.pk}
    [finalised] = events(model="meetings.meeting", action=A.FINALISE)
    assert (finalised.user, finalised.school_id, finalised.object_id) == (principal_a, school_a.pk, str(meeting.pk))
    assert "状态：已召开 → 纪要已定稿" in finalised.changes
    assert Meeting.objects.get(pk=meeting.pk).is_finalised


def test_deleting_in_the_admin_is_recorded_with_the_school(school_a, district_admin, login):
    appointment = AppointmentFactory(school=school_a, person=PersonFactory(name="周副校长"), post=Post.DEPUTY_PRINCIPAL)
    client = login(district_admin)

    response = client.post(reverse("admin:schools_appointment_delete", args=[appointment.pk]), {"post": "yes"})

    assert response.status_code == 302
    [deleted] = events(action=A.DELETE)
    assert (deleted.model, deleted.object_id) == ("schools.appointment", str(appointment.pk))
    assert (deleted.user, deleted.school_id) == (district_admin, school_a.pk)
    assert "周副校长" in deleted.object_repr


def test_login_failed_login_and_logout(client, clerk_a):
    url = reverse("login")
    assert client.post(url, {"username": "clerk_a", "password": "wrong"}, REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.post(url, {"username": "nobody", "password": "wrong"}, REMOTE_ADDR="10.1.2.4").status_code == 200
    assert client.post(url, {"username": "clerk_a", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3").status_code == 302
    assert client.post(reverse("logout"), REMOTE_ADDR="10.1.2.3").status_code == 302

    auth = [A.LOGIN, A.LOGIN_FAILED, A.LOGOUT]
    trail = [(e.action, e.username, e.user, e.school_id, e.ip) for e in events(action__in=auth)]
    assert trail == [
        (A.LOGIN_FAILED, "clerk_a", clerk_a, clerk_a.school_id, "10.1.2.3"),
        (A.LOGIN_FAILED, "nobody", None, None, "10.1.2.4"),
        (A.LOGIN, "clerk_a", clerk_a, clerk_a.school_id, "10.1.2.3"),
        (A.LOGOUT, "clerk_a", clerk_a, clerk_a.school_id, "10.1.2.3"),
    ]
    assert events(action=A.LOGIN_FAILED)[1].changes == "账号不存在"


def test_locked_out_attempt_is_a_failed_login_saying_so(client, clerk_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "clerk_a", "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    client.post(reverse("login"), {"username": "clerk_a", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9")

    failed = events(action=A.LOGIN_FAILED)
    assert len(failed) == settings.AXES_FAILURE_LIMIT + 1
    assert failed[-1].changes == "账号与地址已被锁定"
    assert not events(action=A.LOGIN)


def test_a_save_without_a_visible_change_is_not_logged(school_a, district_admin, login):
    school_a.save()  # only updated_at moves
    assert not events(action=A.UPDATE, model="schools.school")
    school_a.name = "海淀实验小学（本部）"
    school_a.save()
    [changed] = events(action=A.UPDATE, model="schools.school")
    assert changed.changes == "学校名称：海淀实验小学 → 海淀实验小学（本部）"
    assert changed.school_id == school_a.pk


def test_events_cannot_be_changed_or_deleted(school_a):
    event = events(model="schools.school")[0]
    event.changes = "篡改"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(changes="篡改")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).changes == ""


# --- the page -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["district_viewer", "xuequ_viewer", "secretary_a", "principal_a", "clerk_a"])
def test_only_district_admins_open_the_page(role, request, login):
    client = login(request.getfixturevalue(role))
    assert client.get(reverse("audit_list")).status_code == 404
    assert client.get(reverse("audit_list"), {"format": "xlsx"}).status_code == 404
    assert reverse("audit_list") not in client.get(reverse("school_list")).content.decode()


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("audit_list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_nav_links_the_page_for_district_admins(district_admin, login):
    assert reverse("audit_list") in login(district_admin).get(reverse("school_list")).content.decode()


def _event(at, action, *, school=None, user=None, model="meetings.meeting", object_repr="会议"):
    AuditEvent.objects.create(
        at=at,
        action=action,
        school=school,
        user=user,
        username=user.username if user else "",
        model=model,
        object_id="1",
        object_repr=object_repr,
    )


@pytest.fixture
def mixed_events(school_a, school_b, clerk_a, clerk_b, district_admin):
    AuditEvent.objects.all()._raw_delete(AuditEvent.objects.db)  # start from a known trail (test only)
    day = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=timezone.get_current_timezone())
    _event(day, A.CREATE, school=school_a, user=clerk_a, object_repr="A 会议")
    _event(day + datetime.timedelta(days=1), A.UPDATE, school=school_a, user=clerk_a, object_repr="A 会议改")
    _event(day + datetime.timedelta(days=2), A.CREATE, school=school_b, user=clerk_b, object_repr="B 会议")
    _event(
        day + datetime.timedelta(days=3),
        A.DELETE,
        school=school_b,
        user=clerk_b,
        model="decisions.task",
        object_repr="B 任务",
    )
    _event(day + datetime.timedelta(days=4), A.LOGIN_FAILED, object_repr="")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["", "B 任务", "B 会议", "A 会议改", "A 会议"]),
        ({"school": "A"}, ["A 会议改", "A 会议"]),
        ({"username": "clerk_b"}, ["B 任务", "B 会议"]),
        ({"model": "decisions.task"}, ["B 任务"]),
        ({"action": "create"}, ["B 会议", "A 会议"]),
        ({"date_from": "2026-03-11", "date_to": "2026-03-12"}, ["B 会议", "A 会议改"]),
        ({"date_from": "not-a-date"}, ["", "B 任务", "B 会议", "A 会议改", "A 会议"]),
    ],
)
def test_filters_and_the_export_shows_the_same_rows(params, expected, mixed_events, school_a, district_admin, login):
    if params.get("school") == "A":
        params = {**params, "school": school_a.pk}
    client = login(district_admin)
    AuditEvent.objects.filter(action=A.LOGIN)._raw_delete(AuditEvent.objects.db)  # the test's own login

    rows = page_rows(client, **params)

    assert [row[HEADERS.index("对象")] for row in rows] == expected
    assert export_rows(client, **params) == rows
    if params.get("school"):
        assert {row[HEADERS.index("学校")] for row in rows} == {school_a.name}


def test_page_query_count_does_not_grow_with_events(school_a, school_b, district_admin, login):
    client = login(district_admin)
    users = [UserFactory(username=f"u{n}") for n in range(5)]
    moment = timezone.now()

    def add(count):
        for n in range(count):
            school = (school_a, school_b)[n % 2]
            _event(moment - datetime.timedelta(minutes=n), A.UPDATE, school=school, user=users[n % 5])

    def count_queries():
        client.get(reverse("audit_list"))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("audit_list"))
        return len(queries), len(response.context["rows"])

    add(5)
    few, few_rows = count_queries()
    add(45)
    many, many_rows = count_queries()

    assert few_rows >= 5 and many_rows == 50
    assert many == few


def test_backfill_rebuilds_the_events_of_older_history(school_a, committee_a, pair_a, clerk_a, principal_a, login):
    meeting = make_meeting(clerk_a, school_a, chair=pair_a.secretary)
    hold(clerk_a, meeting, committee_a.party)
    item = add_item(clerk_a, meeting)
    client = login(clerk_a)
    client.post(reverse("item_votes", args=[meeting.pk, item.pk]), votes_data(committee_a.party, ["for"] * 5))
    client.post(reverse("meeting_minutes", args=[meeting.pk]), {"minutes": "纪要。", f"item_{item.pk}": "同意。"})
    login(principal_a).post(reverse("meeting_finalise", args=[meeting.pk]))

    def trail():
        records = AuditEvent.objects.exclude(action__in=[A.LOGIN, A.LOGOUT, A.LOGIN_FAILED, A.AMEND])
        return sorted(records.values_list("at", "action", "user_id", "school_id", "model", "object_id", "changes"))

    live = trail()
    assert len(live) > 20 and (A.FINALISE, "meetings.meeting") in {(row[1], row[4]) for row in live}
    AuditEvent.objects.all()._raw_delete(AuditEvent.objects.db)  # as before the audit trail existed

    call_command("audit_backfill", stdout=StringIO())

    assert trail() == live
    call_command("audit_backfill", stdout=StringIO())
    assert trail() == live  # nothing twice
