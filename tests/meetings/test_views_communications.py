"""四沟通 pages through the test client: scope for every role, logging with Chinese validation messages,
the other member's confirmation, amendments of confirmed records, filters, query counts and the calendar."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import dataversion
from core.errors import RecordFinalisedError
from core.models import Amendment
from meetings.choices import CommunicationCategory, CommunicationOutcome, CommunicationTiming
from meetings.models import Communication
from schools.choices import MeetingBody, Post
from tests.factories import AppointmentFactory, CommunicationFactory, MeetingFactory

ALL_ROLES = ["district_admin", "district_viewer", "xuequ_viewer", "secretary_a", "principal_a", "clerk_a", "clerk_b"]
SEES_A = {"district_admin", "district_viewer", "xuequ_viewer", "secretary_a", "principal_a", "clerk_a"}
SEES_B = {"district_admin", "district_viewer", "clerk_b"}
FORMAT = "%Y-%m-%dT%H:%M"


def local(year, month, day, hour=10, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=timezone.get_current_timezone())


def as_input(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime(FORMAT)


@pytest.fixture
def comm_a(school_a, pair_a, secretary_a):
    """Logged by the secretary; the principal is the one to confirm it."""
    return CommunicationFactory(
        school=school_a, logged_by=secretary_a, participants=[pair_a.secretary, pair_a.principal], subject="校舍改造"
    )


@pytest.fixture
def comm_b(school_b, pair_b, clerk_b):
    return CommunicationFactory(
        school=school_b, logged_by=clerk_b, participants=[pair_b.secretary, pair_b.principal], subject="上地事项"
    )


def confirm(communication, user):
    communication.confirmed_by = user
    communication.confirmed_at = timezone.now()
    communication.save()
    return communication


def form_data(school, participants, **overrides):
    data = {
        "school": school.pk,
        "occurred_at": as_input(timezone.now() - datetime.timedelta(days=2)),
        "category": CommunicationCategory.SANZHONG_YIDA,
        "timing": CommunicationTiming.BEFORE_DECISION,
        "event_at": "",
        "subject": "新建实验楼方案",
        "summary": "书记校长就方案交换意见。",
        "outcome": CommunicationOutcome.CONSENSUS,
        "participants": [person.pk for person in participants],
    }
    data.update(overrides)
    return data


# --- scope ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ALL_ROLES)
def test_list_shows_only_rows_in_scope(role, request, comm_a, comm_b, login):
    client = login(request.getfixturevalue(role))

    response = client.get(reverse("communication_list"))

    assert response.status_code == 200
    listed = {c.subject for c in response.context["page"].object_list}
    expected = ({"校舍改造"} if role in SEES_A else set()) | ({"上地事项"} if role in SEES_B else set())
    assert listed == expected
    content = response.content.decode()
    assert ("上地事项" in content) is (role in SEES_B)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_detail_is_404_out_of_scope(role, request, comm_a, login):
    response = login(request.getfixturevalue(role)).get(reverse("communication_detail", args=[comm_a.pk]))

    assert response.status_code == (200 if role in SEES_A else 404)


@pytest.mark.parametrize(
    ("name", "method", "data"),
    [
        ("communication_detail", "get", None),
        ("communication_edit", "get", None),
        ("communication_edit", "post", {"subject": "x"}),
        ("communication_confirm", "post", {}),
        ("communication_amend", "post", {"correction": "x", "reason": "y"}),
    ],
)
def test_other_school_clerk_gets_404(name, method, data, comm_a, clerk_b, login):
    client = login(clerk_b)

    response = getattr(client, method)(reverse(name, args=[comm_a.pk]), data)

    assert response.status_code == 404
    comm_a.refresh_from_db()
    assert comm_a.confirmed_at is None
    assert comm_a.subject == "校舍改造"
    assert not Amendment.objects.exists()


# --- logging ----------------------------------------------------------------------------------------
def test_create_form_preselects_the_clerks_only_school(school_a, pair_a, clerk_a, login):
    response = login(clerk_a).get(reverse("communication_create"))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.single_school == school_a
    assert set(form.fields["participants"].queryset) == {pair_a.secretary, pair_a.principal}
    assert "海淀实验小学" in response.content.decode()


def test_district_admin_picks_the_school_and_sees_its_pair(school_a, pair_a, school_b, pair_b, district_admin, login):
    client = login(district_admin)

    response = client.get(reverse("communication_create"), {"school": school_b.pk})

    form = response.context["form"]
    assert form.single_school is None
    assert set(form.fields["school"].queryset) == {school_a, school_b}
    with CaptureQueriesContext(connection) as queries:
        assert set(form.fields["participants"].queryset) == {pair_b.secretary, pair_b.principal}
    assert len(queries) == 1
    response = client.post(reverse("communication_create"), form_data(school_b, [pair_b.secretary, pair_b.principal]))
    assert response.status_code == 302
    assert Communication.objects.get().school == school_b


def test_secretary_may_log_for_the_campus(school_a, campus_a, pair_a, secretary_a, login):
    response = login(secretary_a).get(reverse("communication_create"))

    assert set(response.context["form"].fields["school"].queryset) == {school_a, campus_a}


def test_clerk_logs_a_communication(school_a, pair_a, clerk_a, login):
    data = form_data(school_a, [pair_a.secretary, pair_a.principal])

    response = login(clerk_a).post(reverse("communication_create"), data)

    communication = Communication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("communication_detail", args=[communication.pk])
    assert communication.school == school_a
    assert communication.logged_by == clerk_a
    assert communication.subject == "新建实验楼方案"
    assert set(communication.participants.all()) == {pair_a.secretary, pair_a.principal}
    assert communication.confirmed_at is None


def test_clerk_may_omit_the_hidden_school(school_a, pair_a, clerk_a, login):
    data = form_data(school_a, [pair_a.secretary, pair_a.principal])
    del data["school"]

    response = login(clerk_a).post(reverse("communication_create"), data)

    assert response.status_code == 302
    assert Communication.objects.get().school == school_a


@pytest.fixture
def deputy_a(school_a, pair_a):
    return AppointmentFactory(school=school_a, post=Post.DEPUTY_PRINCIPAL, person__name="陈副校长").person


@pytest.mark.parametrize(
    ("case", "field", "message"),
    [
        ("outsider", "participants", "不是"),
        ("emergency_without_event", "event_at", "突发事件须填写事件发生时间。"),
        ("future", "occurred_at", "沟通时间不能晚于现在。"),
        ("timing_mismatch", "timing", "三重一大的沟通时机应为“重要决策事先”。"),
        ("no_subject", "subject", "请填写沟通主题。"),
    ],
)
def test_bad_input_is_400_with_the_message_and_saves_nothing(
    case, field, message, school_a, pair_a, deputy_a, clerk_a, login
):
    data = form_data(school_a, [pair_a.secretary, pair_a.principal])
    if case == "outsider":
        data["participants"] = [pair_a.secretary.pk, deputy_a.pk]
    elif case == "emergency_without_event":
        data.update(category=CommunicationCategory.EMERGENCY, timing=CommunicationTiming.URGENT)
    elif case == "future":
        data["occurred_at"] = as_input(timezone.now() + datetime.timedelta(days=2))
    elif case == "timing_mismatch":
        data["timing"] = CommunicationTiming.ROUTINE
    elif case == "no_subject":
        data["subject"] = ""

    response = login(clerk_a).post(reverse("communication_create"), data)

    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    assert message in response.content.decode()
    assert not Communication.objects.exists()


def test_emergency_with_event_time_is_logged(school_a, pair_a, clerk_a, login):
    occurred = timezone.now() - datetime.timedelta(hours=3)
    data = form_data(
        school_a,
        [pair_a.secretary, pair_a.principal],
        category=CommunicationCategory.EMERGENCY,
        timing=CommunicationTiming.URGENT,
        occurred_at=as_input(occurred),
        event_at=as_input(occurred - datetime.timedelta(hours=1)),
    )

    response = login(clerk_a).post(reverse("communication_create"), data)

    assert response.status_code == 302
    assert Communication.objects.get().event_at is not None


@pytest.mark.parametrize("method", ["get", "post"])
def test_district_viewer_cannot_log(method, school_a, pair_a, district_viewer, login):
    data = form_data(school_a, [pair_a.secretary, pair_a.principal])

    response = getattr(login(district_viewer), method)(reverse("communication_create"), data)

    assert response.status_code == 403
    assert "您没有登记沟通记录的权限。" in response.content.decode()
    assert not Communication.objects.exists()


def test_clerk_cannot_log_for_another_school(school_a, school_b, pair_b, clerk_a, login):
    data = form_data(school_b, [pair_b.secretary, pair_b.principal])

    response = login(clerk_a).post(reverse("communication_create"), data)

    assert response.status_code == 400
    assert not Communication.objects.exists()


def test_clerk_edits_an_unconfirmed_record(comm_a, clerk_a, pair_a, login):
    client = login(clerk_a)
    assert client.get(reverse("communication_edit", args=[comm_a.pk])).status_code == 200
    data = form_data(comm_a.school, [pair_a.secretary, pair_a.principal], subject="校舍改造（修订）")

    response = client.post(reverse("communication_edit", args=[comm_a.pk]), data)

    assert response.status_code == 302
    comm_a.refresh_from_db()
    assert comm_a.subject == "校舍改造（修订）"


def test_edit_with_bad_input_is_400_and_unchanged(comm_a, clerk_a, pair_a, login):
    data = form_data(comm_a.school, [pair_a.secretary, pair_a.principal], subject="改了", timing="routine")

    response = login(clerk_a).post(reverse("communication_edit", args=[comm_a.pk]), data)

    assert response.status_code == 400
    assert "沟通时机应为" in response.content.decode()
    comm_a.refresh_from_db()
    assert comm_a.subject == "校舍改造"


# --- confirmation -----------------------------------------------------------------------------------
def test_detail_shows_the_confirm_button_only_to_the_other_member(comm_a, secretary_a, principal_a, clerk_a, login):
    url = reverse("communication_detail", args=[comm_a.pk])
    confirm_url = reverse("communication_confirm", args=[comm_a.pk])

    for user, visible in [(principal_a, True), (secretary_a, False), (clerk_a, False)]:
        content = login(user).get(url).content.decode()
        assert (confirm_url in content) is visible, user


def test_the_other_member_confirms(comm_a, principal_a, login):
    response = login(principal_a).post(reverse("communication_confirm", args=[comm_a.pk]))

    assert response.status_code == 302
    comm_a.refresh_from_db()
    assert comm_a.confirmed_by == principal_a
    assert comm_a.confirmed_at is not None
    detail = login(principal_a).get(reverse("communication_detail", args=[comm_a.pk])).content.decode()
    assert "已确认" in detail
    assert reverse("communication_confirm", args=[comm_a.pk]) not in detail


def test_the_logger_cannot_confirm_his_own_record(comm_a, secretary_a, login):
    response = login(secretary_a).post(reverse("communication_confirm", args=[comm_a.pk]))

    assert response.status_code == 403
    assert "登记人不能确认自己登记的沟通记录" in response.content.decode()
    comm_a.refresh_from_db()
    assert comm_a.confirmed_at is None


def test_a_clerk_cannot_confirm(comm_a, clerk_a, login):
    response = login(clerk_a).post(reverse("communication_confirm", args=[comm_a.pk]))

    assert response.status_code == 403
    assert "只有本校书记或校长可以确认沟通记录" in response.content.decode()
    comm_a.refresh_from_db()
    assert comm_a.confirmed_at is None


def test_confirming_twice_is_409(comm_a, principal_a, login):
    confirm(comm_a, principal_a)

    response = login(principal_a).post(reverse("communication_confirm", args=[comm_a.pk]))

    assert response.status_code == 409
    assert "该沟通记录已经确认过。" in response.content.decode()


def test_confirm_needs_post(comm_a, principal_a, login):
    assert login(principal_a).get(reverse("communication_confirm", args=[comm_a.pk])).status_code == 405


# --- confirmed records are final; amendments ----------------------------------------------------------
@pytest.mark.parametrize("method", ["get", "post"])
def test_edit_after_confirmation_is_409_and_unchanged(method, comm_a, principal_a, secretary_a, pair_a, login):
    confirm(comm_a, principal_a)
    data = form_data(comm_a.school, [pair_a.secretary, pair_a.principal], subject="偷偷改")

    response = getattr(login(secretary_a), method)(reverse("communication_edit", args=[comm_a.pk]), data)

    assert response.status_code == 409
    assert "该沟通记录已确认，不能修改" in response.content.decode()
    comm_a.refresh_from_db()
    assert comm_a.subject == "校舍改造"


def test_confirmation_racing_an_edit_is_409(comm_a, clerk_a, pair_a, login, monkeypatch):
    def confirmed_meanwhile(**kwargs):
        raise RecordFinalisedError("该沟通记录已确认，不能修改；如需更正，请提交更正记录。")

    monkeypatch.setattr("meetings.services.communication_update", confirmed_meanwhile)
    data = form_data(comm_a.school, [pair_a.secretary, pair_a.principal], subject="改了")

    response = login(clerk_a).post(reverse("communication_edit", args=[comm_a.pk]), data)

    assert response.status_code == 409
    assert "该沟通记录已确认，不能修改" in response.content.decode()


def test_amendment_is_stored_and_shown_beside_the_original(comm_a, principal_a, secretary_a, login):
    confirm(comm_a, principal_a)
    client = login(secretary_a)

    response = client.post(
        reverse("communication_amend", args=[comm_a.pk]),
        {"correction": "补充：改造预算另行上会。", "reason": "原记录遗漏预算安排。"},
    )

    assert response.status_code == 302
    amendment = Amendment.objects.get()
    assert amendment.object_id == comm_a.pk
    assert amendment.created_by == secretary_a
    comm_a.refresh_from_db()
    assert comm_a.summary == "双方充分交换意见。"
    content = client.get(reverse("communication_detail", args=[comm_a.pk])).content.decode()
    assert "双方充分交换意见。" in content
    assert "补充：改造预算另行上会。" in content
    assert "原记录遗漏预算安排。" in content
    assert content.index("原始记录") < content.index("补充：改造预算另行上会。")


def test_amendment_needs_a_reason(comm_a, principal_a, secretary_a, login):
    confirm(comm_a, principal_a)

    response = login(secretary_a).post(reverse("communication_amend", args=[comm_a.pk]), {"correction": "补充"})

    assert response.status_code == 400
    assert "请填写更正原因。" in response.content.decode()
    assert not Amendment.objects.exists()


def test_amendment_of_an_unconfirmed_record_is_refused(comm_a, secretary_a, login):
    response = login(secretary_a).post(
        reverse("communication_amend", args=[comm_a.pk]), {"correction": "补充", "reason": "原因"}
    )

    assert response.status_code == 400
    assert "该记录尚未定稿" in response.content.decode()
    assert not Amendment.objects.exists()


def test_a_clerk_cannot_amend(comm_a, principal_a, clerk_a, login):
    confirm(comm_a, principal_a)

    response = login(clerk_a).post(
        reverse("communication_amend", args=[comm_a.pk]), {"correction": "补充", "reason": "原因"}
    )

    assert response.status_code == 403
    assert not Amendment.objects.exists()


def test_amendment_form_is_shown_only_to_the_pair_once_confirmed(comm_a, principal_a, clerk_a, login):
    amend_url = reverse("communication_amend", args=[comm_a.pk])
    detail_url = reverse("communication_detail", args=[comm_a.pk])
    assert amend_url not in login(principal_a).get(detail_url).content.decode()

    confirm(comm_a, principal_a)

    assert amend_url in login(principal_a).get(detail_url).content.decode()
    assert amend_url not in login(clerk_a).get(detail_url).content.decode()


# --- filters and query counts -----------------------------------------------------------------------
@pytest.fixture
def filter_rows(school_a, pair_a, principal_a, deputy_a):
    pair = [pair_a.secretary, pair_a.principal]
    rows = {
        "march_talk": CommunicationFactory(
            school=school_a,
            participants=pair,
            occurred_at=local(2024, 3, 5),
            category=CommunicationCategory.REGULAR_TALK,
            timing=CommunicationTiming.ROUTINE,
        ),
        "march_disagreement": CommunicationFactory(
            school=school_a, participants=pair, occurred_at=local(2024, 3, 31, 23, 30), outcome="disagreement"
        ),
        "april": CommunicationFactory(school=school_a, participants=pair, occurred_at=local(2024, 4, 1, 0, 10)),
        "deputy": CommunicationFactory(
            school=school_a, participants=[pair_a.secretary, deputy_a], occurred_at=local(2024, 5, 2)
        ),
    }
    confirm(rows["april"], principal_a)
    return rows


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"category": "regular_talk"}, {"march_talk"}),
        ({"month": "2024-03"}, {"march_talk", "march_disagreement"}),
        ({"month": "2024-04"}, {"april"}),
        ({"outcome": "disagreement"}, {"march_disagreement"}),
        ({"confirmed": "yes"}, {"april"}),
        ({"confirmed": "no"}, {"march_talk", "march_disagreement", "deputy"}),
        ({"month": "2024-03", "outcome": "consensus"}, {"march_talk"}),
        ({}, {"march_talk", "march_disagreement", "april", "deputy"}),
    ],
)
def test_filters_return_the_right_rows(query, expected, filter_rows, secretary_a, login):
    response = login(secretary_a).get(reverse("communication_list"), query)

    names = {name for name, row in filter_rows.items() if row in response.context["page"].object_list}
    assert response.status_code == 200
    assert names == expected


def test_participant_filter(filter_rows, deputy_a, pair_a, school_a, secretary_a, login):
    client = login(secretary_a)

    with_deputy = client.get(reverse("communication_list"), {"participant": deputy_a.pk})
    with_principal = client.get(reverse("communication_list"), {"participant": pair_a.principal.pk})

    assert list(with_deputy.context["page"].object_list) == [filter_rows["deputy"]]
    assert len(with_principal.context["page"].object_list) == 3
    assert "搭档成员" in with_principal.content.decode()


def test_school_filter_offers_only_schools_in_scope(comm_a, comm_b, school_b, campus_a, secretary_a, login):
    response = login(secretary_a).get(reverse("communication_list"), {"school": school_b.pk})

    assert response.status_code == 200
    assert list(response.context["filter"].form.fields["school"].queryset) == [comm_a.school, campus_a]
    assert "上地事项" not in response.content.decode()


def test_a_clerk_is_offered_no_filter_that_cannot_narrow_one_school(comm_a, comm_b, school_b, clerk_a, login):
    response = login(clerk_a).get(
        reverse("communication_list"), {"school": school_b.pk, "district": school_b.district_id}
    )

    assert response.status_code == 200
    html = response.content.decode()
    for name in ("school", "district", "group", "level"):
        assert f'name="{name}"' not in html, name
    assert list(response.context["page"].object_list) == [comm_a]  # the parameters sent anyway change nothing
    assert "上地事项" not in html


@pytest.mark.parametrize(
    "query",
    [
        {"month": "2024-13"},
        {"month": "abc"},
        {"month": "0000-01"},
        {"month": "9999-12"},
        {"school": "abc"},
        {"school": "99999"},
        {"participant": "x"},
        {"category": "bogus"},
        {"outcome": "<script>"},
        {"confirmed": "maybe"},
        {"page": "abc"},
        {"page": "999"},
    ],
)
def test_bad_filter_values_do_not_500(query, filter_rows, secretary_a, login):
    response = login(secretary_a).get(reverse("communication_list"), query)

    assert response.status_code == 200


def test_bad_month_is_a_form_error(filter_rows, secretary_a, login):
    response = login(secretary_a).get(reverse("communication_list"), {"month": "2024-13"})

    assert "月份格式不正确" in response.content.decode()
    assert response.context["filter"].form.errors["month"]


def test_list_query_count_does_not_grow_with_rows(school_a, pair_a, secretary_a, login):
    client = login(secretary_a)
    pair = [pair_a.secretary, pair_a.principal]
    CommunicationFactory.create_batch(3, school=school_a, participants=pair, logged_by=secretary_a)
    client.get(reverse("communication_list"))  # warm caches (content types, session)
    dataversion.bump()  # the page as computed, not its cached count and options

    with CaptureQueriesContext(connection) as few:
        assert len(client.get(reverse("communication_list")).context["page"].object_list) == 3
    CommunicationFactory.create_batch(27, school=school_a, participants=pair)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(reverse("communication_list")).context["page"].object_list) == 30

    assert len(many) == len(few)


# --- calendar ---------------------------------------------------------------------------------------
def _day(response, day):
    return next(cell for week in response.context["weeks"] for cell in week if cell["date"] == day)


def test_calendar_shows_communications_and_meetings_on_their_day(school_a, pair_a, clerk_a, login):
    CommunicationFactory(
        school=school_a, participants=[pair_a.secretary, pair_a.principal], occurred_at=local(2024, 3, 5, 9, 30)
    )
    MeetingFactory(
        school=school_a, date=datetime.date(2024, 3, 12), title="三月党组织会议", body=MeetingBody.PARTY_COMMITTEE
    )
    MeetingFactory(school=school_a, date=datetime.date(2024, 4, 2), title="四月会议")

    response = login(clerk_a).get(reverse("school_calendar", args=[school_a.pk]), {"month": "2024-03"})

    assert response.status_code == 200
    weeks = response.context["weeks"]
    assert weeks[0][0]["date"] == datetime.date(2024, 2, 26)  # Monday first
    assert all(len(week) == 7 and week[0]["date"].weekday() == 0 for week in weeks)
    fifth = _day(response, datetime.date(2024, 3, 5))["events"]
    assert [e["is_communication"] for e in fifth] == [True]
    twelfth = _day(response, datetime.date(2024, 3, 12))["events"]
    assert [e["object"].title for e in twelfth] == ["三月党组织会议"]
    content = response.content.decode()
    assert "三月党组织会议" in content
    assert "四月会议" not in content
    assert "?month=2024-02" in content
    assert "?month=2024-04" in content


def test_calendar_bad_month_falls_back_to_this_month(school_a, clerk_a, login):
    response = login(clerk_a).get(reverse("school_calendar", args=[school_a.pk]), {"month": "2024-99"})

    assert response.status_code == 200
    assert response.context["month"] == timezone.localdate().replace(day=1)
    assert "格式不正确" in response.content.decode()


def test_calendar_of_another_school_is_404(school_a, clerk_b, login):
    assert login(clerk_b).get(reverse("school_calendar", args=[school_a.pk])).status_code == 404


def test_calendar_hides_another_schools_rows(school_a, school_b, pair_b, comm_b, district_admin, login):
    response = login(district_admin).get(
        reverse("school_calendar", args=[school_a.pk]), {"month": timezone.localdate().strftime("%Y-%m")}
    )

    assert "上地事项" not in response.content.decode()
