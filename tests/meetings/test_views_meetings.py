"""Meeting pages through the test client: scope for every role, the one-page edit (all or nothing), votes with
the computed result, finalising, amendments, confidential items and query counts."""

import datetime

import pytest
from django.db import connection
from django.forms import BaseFormSet
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.choices import AttendanceKind, AttendanceStatus, ItemResult, MatterCategory, MeetingStatus
from meetings.models import AgendaItem, Meeting
from meetings.selectors import CONFIDENTIAL_TITLE
from meetings.services.agenda import GATE_MESSAGE
from schools.choices import MeetingBody
from tests.factories import CommunicationFactory

ALL_ROLES = [
    "district_admin",
    "district_viewer",
    "xuequ_viewer",
    "secretary_a",
    "principal_a",
    "clerk_a",
    "clerk_b",
]
# Meetings of school A, its campus and school B (in another 学区) each role sees.
VISIBLE = {
    "district_admin": {"A001", "A002", "B001"},
    "district_viewer": {"A001", "A002", "B001"},
    "xuequ_viewer": {"A001", "A002"},
    "secretary_a": {"A001", "A002"},
    "principal_a": {"A001", "A002"},
    "clerk_a": {"A001"},
    "clerk_b": {"B001"},
}
YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)
PRESENT = (AttendanceStatus.PRESENT, "")


# --- helpers ----------------------------------------------------------------------------------------
def make_meeting(
    user, school, *, body=MeetingBody.PARTY_COMMITTEE, title="第一次党组织会议", date=YESTERDAY, chair=None
):
    return services.meeting_create(user=user, school=school, body=body, title=title, date=date, chair=chair)


def hold(user, meeting, people, *, absent=(), leave=()):
    """Record attendance (everyone present unless listed) and mark the meeting held."""
    statuses = {}
    for person in people:
        if person in absent:
            statuses[person.pk] = (AttendanceStatus.ABSENT, "")
        elif person in leave:
            statuses[person.pk] = (AttendanceStatus.LEAVE, "外出培训")
        else:
            statuses[person.pk] = PRESENT
    services.meeting_record_attendance(user=user, meeting=meeting, statuses=statuses)
    return services.meeting_mark_held(user=user, meeting=meeting)


def add_item(user, meeting, title="修订学校章程", category=MatterCategory.GENERAL, **kwargs):
    return services.agenda_item_create(user=user, meeting=meeting, title=title, category=category, **kwargs)


def form_values(form) -> dict:
    """What a browser would submit for an untouched form."""
    data = {}
    for field in form:
        value = field.value()
        if value is None or value == "" or value is False:
            continue
        if value is True:
            data[field.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[field.html_name] = [str(v) for v in value]
        else:
            data[field.html_name] = str(value)
    return data


def page_values(page) -> dict:
    """The whole edit page (meeting, attendance, 列席, agenda) as submitted untouched."""
    data = {}
    for part in page.parts:
        if isinstance(part, BaseFormSet):
            data.update(form_values(part.management_form))
            for form in part.forms:
                data.update(form_values(form))
        else:
            data.update(form_values(part))
    return data


def votes_data(members, choices, *, spoke_last="yes", **extra):
    data = {"mode": "members", "secretary_spoke_last": spoke_last, **extra}
    for person, choice in zip(members, choices, strict=False):
        if choice:
            data[f"vote_{person.pk}"] = choice
    return data


@pytest.fixture
def meeting_a(clerk_a, school_a, committee_a, pair_a):
    return make_meeting(clerk_a, school_a, chair=pair_a.secretary)


@pytest.fixture
def held_a(meeting_a, clerk_a, committee_a):
    """School A's 党组织会议, all five members present, held, with one ordinary item."""
    hold(clerk_a, meeting_a, committee_a.party)
    item = add_item(clerk_a, meeting_a)
    return Meeting.objects.get(pk=meeting_a.pk), item


@pytest.fixture
def meetings_by_code(district_admin, school_a, campus_a, school_b):
    return {
        school.code: make_meeting(district_admin, school, title=f"{school.code} 党组织会议")
        for school in (school_a, campus_a, school_b)
    }


# --- scope ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ALL_ROLES)
def test_meeting_list_shows_only_meetings_in_scope(role, request, meetings_by_code, login):
    client = login(request.getfixturevalue(role))

    response = client.get(reverse("meeting_list"))

    assert response.status_code == 200
    listed = {meeting.school.code for meeting in response.context["page"].object_list}
    assert listed == VISIBLE[role]


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("code", ["A001", "A002", "B001"])
def test_meeting_detail_is_404_out_of_scope(role, code, request, meetings_by_code, login):
    client = login(request.getfixturevalue(role))

    response = client.get(reverse("meeting_detail", args=[meetings_by_code[code].pk]))

    assert response.status_code == (200 if code in VISIBLE[role] else 404)


def _pages(meeting, item):
    return [
        ("get", reverse("meeting_detail", args=[meeting.pk])),
        ("get", reverse("meeting_edit", args=[meeting.pk])),
        ("post", reverse("meeting_edit", args=[meeting.pk])),
        ("get", reverse("item_votes", args=[meeting.pk, item.pk])),
        ("post", reverse("item_votes", args=[meeting.pk, item.pk])),
        ("post", reverse("item_defer", args=[meeting.pk, item.pk])),
        ("get", reverse("meeting_minutes", args=[meeting.pk])),
        ("post", reverse("meeting_mark_held", args=[meeting.pk])),
        ("post", reverse("meeting_finalise", args=[meeting.pk])),
        ("get", reverse("meeting_amend", args=[meeting.pk])),
        ("post", reverse("meeting_amend", args=[meeting.pk])),
    ]


def test_every_page_of_school_a_meeting_is_404_for_clerk_b(held_a, clerk_b, login):
    meeting, item = held_a
    client = login(clerk_b)

    for method, url in _pages(meeting, item):
        assert getattr(client, method)(url).status_code == 404, url
    assert meeting not in client.get(reverse("meeting_list")).context["page"].object_list


@pytest.mark.parametrize("role", ["district_viewer", "xuequ_viewer"])
def test_viewers_read_school_a_meeting_but_may_not_change_it(role, request, held_a, login):
    meeting, item = held_a
    client = login(request.getfixturevalue(role))

    assert client.get(reverse("meeting_detail", args=[meeting.pk])).status_code == 200
    assert meeting in client.get(reverse("meeting_list")).context["page"].object_list
    for method, url in _pages(meeting, item)[1:]:
        response = getattr(client, method)(url)
        assert response.status_code == 403, url
        assert "403.html" in [t.name for t in response.templates]
    detail = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    for label in ("编辑</a>", "登记表决</a>", "定稿签发</button>", "填写纪要</a>"):
        assert label not in detail


def test_list_filters_and_counts(held_a, clerk_a, school_a, login):
    meeting, _item = held_a
    make_meeting(clerk_a, school_a, body=MeetingBody.PRINCIPAL_OFFICE, title="校长办公会", date=YESTERDAY)
    client = login(clerk_a)

    response = client.get(reverse("meeting_list"), {"body": MeetingBody.PARTY_COMMITTEE, "status": "held"})

    rows = list(response.context["page"].object_list)
    assert [m.pk for m in rows] == [meeting.pk]
    assert (rows[0].expected_count, rows[0].present_count, rows[0].item_count) == (5, 5, 1)
    other_month = (YESTERDAY.replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")
    assert not client.get(reverse("meeting_list"), {"month": other_month}).context["page"].object_list
    assert (
        client.get(reverse("meeting_list"), {"month": YESTERDAY.strftime("%Y-%m")}).context["page"].paginator.count == 2
    )
    assert "请按“年-月”填写月份" in client.get(reverse("meeting_list"), {"month": "2025-13"}).content.decode()


# --- create and the one-page edit -------------------------------------------------------------------
def test_clerk_creates_meeting_and_the_roster_is_stored(clerk_a, school_a, committee_a, pair_a, login):
    client = login(clerk_a)
    assert client.get(reverse("meeting_create")).status_code == 200

    response = client.post(
        reverse("meeting_create"),
        {
            "meeting-school": school_a.pk,
            "meeting-body": MeetingBody.PARTY_COMMITTEE,
            "meeting-title": "2024年第3次党组织会议",
            "meeting-date": YESTERDAY.isoformat(),
            "meeting-start_time": "14:30",
            "meeting-place": "第一会议室",
            "meeting-chair": pair_a.secretary.pk,
        },
    )

    meeting = Meeting.objects.get(title="2024年第3次党组织会议")
    assert response.status_code == 302
    assert response.url == reverse("meeting_edit", args=[meeting.pk])
    assert meeting.created_by == clerk_a
    assert meeting.chair == pair_a.secretary
    members = meeting.attendance.filter(kind=AttendanceKind.MEMBER)
    assert {a.person_id for a in members} == {p.pk for p in committee_a.party}


def test_create_refuses_another_school_and_a_chair_outside_the_body(
    clerk_a, school_a, school_b, committee_a, pair_b, login
):
    client = login(clerk_a)
    base = {"meeting-body": MeetingBody.PARTY_COMMITTEE, "meeting-title": "会议", "meeting-date": "2024-05-06"}

    other = client.post(reverse("meeting_create"), {**base, "meeting-school": school_b.pk})
    office_member = committee_a.office[-1]  # member of 校长办公会 only
    wrong_chair = client.post(
        reverse("meeting_create"), {**base, "meeting-school": school_a.pk, "meeting-chair": office_member.pk}
    )

    assert other.status_code == 400
    assert other.context["form"].errors["school"]
    assert wrong_chair.status_code == 400
    assert "主持人须为该会议在会议日期的应到成员。" in wrong_chair.context["form"].errors["chair"]
    assert not Meeting.objects.exists()


def test_viewer_may_not_create(district_viewer, login):
    response = login(district_viewer).get(reverse("meeting_create"))

    assert response.status_code == 403


def test_one_page_edit_saves_attendance_and_a_new_item(meeting_a, clerk_a, committee_a, login):
    client = login(clerk_a)
    page = client.get(reverse("meeting_edit", args=[meeting_a.pk])).context["page"]
    data = page_values(page)
    members = committee_a.party
    for index, person in enumerate(members):
        assert page.attendance.forms[index].attendance.person_id == person.pk
        data[f"attendance-{index}-status"] = AttendanceStatus.PRESENT
    data["attendance-4-status"] = AttendanceStatus.LEAVE
    data["attendance-4-leave_reason"] = "区里开会"
    observer = committee_a.office[-1]  # a member of the 校长办公会 only: may attend as 列席
    data.update(
        {
            "observers-observers": [str(observer.pk)],
            "meeting-place": "第二会议室",
            "items-0-title": "教师节表彰方案",
            "items-0-category": MatterCategory.GENERAL,
            "items-0-proposer": str(members[1].pk),
            "items-0-touches_staff_interests": "on",
        }
    )

    response = client.post(reverse("meeting_edit", args=[meeting_a.pk]), data)

    assert response.status_code == 302, response.context and response.context["page"].agenda.errors
    meeting = Meeting.objects.get(pk=meeting_a.pk)
    assert meeting.place == "第二会议室"
    statuses = dict(meeting.attendance.values_list("person_id", "status"))
    assert statuses[members[0].pk] == AttendanceStatus.PRESENT
    assert statuses[members[4].pk] == AttendanceStatus.LEAVE
    assert list(meeting.attendance.filter(kind=AttendanceKind.OBSERVER).values_list("person", flat=True)) == [
        observer.pk
    ]
    item = meeting.items.get()
    assert (item.order, item.title, item.proposer, item.touches_staff_interests) == (
        1,
        "教师节表彰方案",
        members[1],
        True,
    )

    # The existing item is now a row of the formset and can be edited in the same page.
    page = client.get(reverse("meeting_edit", args=[meeting_a.pk])).context["page"]
    data = page_values(page)
    data["items-0-title"] = "教师节表彰方案（修订）"
    assert client.post(reverse("meeting_edit", args=[meeting_a.pk]), data).status_code == 302
    assert AgendaItem.objects.get(pk=item.pk).title == "教师节表彰方案（修订）"


def test_leave_without_reason_is_refused_next_to_the_field(meeting_a, clerk_a, login):
    client = login(clerk_a)
    data = page_values(client.get(reverse("meeting_edit", args=[meeting_a.pk])).context["page"])
    data["attendance-0-status"] = AttendanceStatus.LEAVE

    response = client.post(reverse("meeting_edit", args=[meeting_a.pk]), data)

    assert response.status_code == 400
    assert response.context["page"].attendance.forms[0].errors["leave_reason"] == ["请假须填写事由。"]
    assert not meeting_a.attendance.exclude(status="").exists()


def test_an_error_in_one_agenda_row_saves_nothing(meeting_a, clerk_a, committee_a, login):
    add_item(clerk_a, meeting_a, title="原议题")
    client = login(clerk_a)
    data = page_values(client.get(reverse("meeting_edit", args=[meeting_a.pk])).context["page"])
    data.update({f"attendance-{i}-status": AttendanceStatus.PRESENT for i in range(5)})
    data.update(
        {
            "meeting-title": "改过的名称",
            "items-0-title": "原议题（改）",
            # 三重一大 on a 党组织会议 without a confirmed consensus communication: the 会前沟通 gate.
            "items-1-title": "新建教学楼",
            "items-1-category": MatterCategory.MAJOR_PROJECT,
        }
    )

    response = client.post(reverse("meeting_edit", args=[meeting_a.pk]), data)

    assert response.status_code == 400
    assert response.context["page"].agenda.forms[1].errors["pre_communications"] == [GATE_MESSAGE]
    assert GATE_MESSAGE in response.content.decode()
    meeting = Meeting.objects.get(pk=meeting_a.pk)
    assert meeting.title == "第一次党组织会议"
    assert list(meeting.items.values_list("title", flat=True)) == ["原议题"]
    assert not meeting.attendance.exclude(status="").exists()


def test_a_stale_page_saves_nothing(meeting_a, clerk_a, login):
    client = login(clerk_a)
    data = page_values(client.get(reverse("meeting_edit", args=[meeting_a.pk])).context["page"])
    data.update({"items-0-title": "我的新议题", "items-0-category": MatterCategory.GENERAL})
    add_item(clerk_a, meeting_a, title="他人刚添加的议题")  # now row 0 is an existing item

    response = client.post(reverse("meeting_edit", args=[meeting_a.pk]), data)

    assert response.status_code == 400
    assert "本行对应的记录已被他人修改" in response.content.decode()
    assert list(meeting_a.items.values_list("title", flat=True)) == ["他人刚添加的议题"]


def test_gate_passes_with_a_confirmed_consensus_communication(meeting_a, clerk_a, principal_a, school_a, login):
    communication = CommunicationFactory(school=school_a, confirmed_by=principal_a, confirmed_at=timezone.now())
    client = login(clerk_a)
    data = page_values(client.get(reverse("meeting_edit", args=[meeting_a.pk])).context["page"])
    data.update(
        {
            "items-0-title": "新建教学楼",
            "items-0-category": MatterCategory.MAJOR_PROJECT,
            "items-0-pre_communications": [str(communication.pk)],
        }
    )

    assert client.post(reverse("meeting_edit", args=[meeting_a.pk]), data).status_code == 302
    assert list(meeting_a.items.get().pre_communications.all()) == [communication]


def test_attendance_is_not_asked_before_the_meeting_date(clerk_a, school_a, committee_a, login):
    meeting = make_meeting(clerk_a, school_a, date=timezone.localdate() + datetime.timedelta(days=7))
    client = login(clerk_a)

    response = client.get(reverse("meeting_edit", args=[meeting.pk]))
    data = page_values(response.context["page"])
    data["meeting-title"] = "筹备中的会议"

    assert response.context["page"].attendance is None
    assert "尚未到来" in response.content.decode()
    assert client.post(reverse("meeting_edit", args=[meeting.pk]), data).status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).title == "筹备中的会议"


def test_mark_held_requires_the_attendance(meeting_a, clerk_a, committee_a, login):
    client = login(clerk_a)

    refused = client.post(reverse("meeting_mark_held", args=[meeting_a.pk]))
    services.meeting_record_attendance(
        user=clerk_a, meeting=meeting_a, statuses={p.pk: PRESENT for p in committee_a.party}
    )
    accepted = client.post(reverse("meeting_mark_held", args=[meeting_a.pk]))

    assert refused.status_code == 400
    assert "请先登记全部应到成员的出席情况。" in refused.content.decode()
    assert accepted.status_code == 302
    assert Meeting.objects.get(pk=meeting_a.pk).status == MeetingStatus.HELD


# --- votes ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("choices", "result", "label"),
    [
        (["for", "for", "for", "against", "abstain"], ItemResult.PASSED, "通过"),
        (["for", "for", "against", "against", "abstain"], ItemResult.REJECTED, "未通过"),
    ],
)
def test_votes_compute_the_result(choices, result, label, held_a, clerk_a, committee_a, login):
    meeting, item = held_a
    client = login(clerk_a)
    assert client.get(reverse("item_votes", args=[meeting.pk, item.pk])).status_code == 200

    response = client.post(reverse("item_votes", args=[meeting.pk, item.pk]), votes_data(committee_a.party, choices))

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.result == result
    assert item.votes.count() == 5
    assert item.secretary_spoke_last is True
    detail = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    assert f'表决结果：<strong class="mtg-result-{result}">{label}</strong>' in detail
    assert "书记末位表态：是" in detail


def test_a_posted_result_is_ignored(held_a, clerk_a, committee_a, login):
    meeting, item = held_a
    data = votes_data(committee_a.party, ["for", "for", "against", "against", "against"], result="passed")

    response = login(clerk_a).post(reverse("item_votes", args=[meeting.pk, item.pk]), data)

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.result == ItemResult.REJECTED


def test_votes_form_has_no_result_field(held_a, clerk_a, login):
    meeting, item = held_a

    response = login(clerk_a).get(reverse("item_votes", args=[meeting.pk, item.pk]))

    assert "result" not in response.context["votes_form"].fields
    assert 'name="result"' not in response.content.decode()


def test_a_vote_from_an_absent_member_is_refused(meeting_a, clerk_a, committee_a, login):
    members = committee_a.party
    hold(clerk_a, meeting_a, members, absent=[members[4]])
    item = add_item(clerk_a, meeting_a)

    response = login(clerk_a).post(
        reverse("item_votes", args=[meeting_a.pk, item.pk]), votes_data(members, ["for"] * 5)
    )

    assert response.status_code == 400
    assert "只有出席会议的应到成员可以表决" in response.content.decode()
    item.refresh_from_db()
    assert item.result == ItemResult.PENDING
    assert not item.votes.exists()


def test_totals_over_the_number_of_voters_are_refused(held_a, clerk_a, committee_a, login):
    meeting, item = held_a
    data = {"mode": "totals", "votes_for": 4, "votes_against": 1, "votes_abstain": 1, "secretary_spoke_last": "yes"}

    response = login(clerk_a).post(reverse("item_votes", args=[meeting.pk, item.pk]), data)

    assert response.status_code == 400
    assert "票数合计（6）超过可参加表决的人数（5）。" in response.content.decode()
    item.refresh_from_db()
    assert item.result == ItemResult.PENDING


def test_totals_within_the_voters_are_accepted(held_a, clerk_a, login):
    meeting, item = held_a
    data = {"mode": "totals", "votes_for": 3, "votes_against": 1, "votes_abstain": 1, "secretary_spoke_last": "no"}

    response = login(clerk_a).post(reverse("item_votes", args=[meeting.pk, item.pk]), data)

    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.votes_for, item.result, item.secretary_spoke_last) == (3, ItemResult.PASSED, False)


def test_below_quorum_is_refused_with_the_chinese_message(meeting_a, clerk_a, committee_a, login):
    members = committee_a.party
    hold(clerk_a, meeting_a, members, absent=members[2:4], leave=[members[4]])
    item = add_item(clerk_a, meeting_a)

    response = login(clerk_a).post(
        reverse("item_votes", args=[meeting_a.pk, item.pk]), votes_data(members, ["for", "for"])
    )

    assert response.status_code == 400
    assert "应到 5 人，实到 2 人，未达到应到人数半数以上，会议不能对本议题作出决定" in response.content.decode()
    item.refresh_from_db()
    assert item.result == ItemResult.PENDING


def test_recused_member_may_not_vote_and_secretary_last_is_required(held_a, clerk_a, committee_a, login):
    meeting, item = held_a
    members = committee_a.party
    client = login(clerk_a)
    data = votes_data(members, ["for"] * 5, spoke_last="")
    data[f"recuse_{members[3].pk}"] = "on"

    response = client.post(reverse("item_votes", args=[meeting.pk, item.pk]), data)

    errors = response.context["votes_form"].errors
    assert response.status_code == 400
    assert errors[f"vote_{members[3].pk}"] == ["已申请回避的成员不能参加表决。"]
    assert errors[f"recusal_reason_{members[3].pk}"] == ["请填写回避事由。"]

    data = votes_data(members, ["for", "for", "for", "", "against"], spoke_last="")
    data.update({f"recuse_{members[3].pk}": "on", f"recusal_reason_{members[3].pk}": "本人近亲属"})
    response = client.post(reverse("item_votes", args=[meeting.pk, item.pk]), data)
    assert response.status_code == 400
    assert response.context["votes_form"].errors["secretary_spoke_last"] == ["党组织会议须登记书记是否末位表态。"]

    data["secretary_spoke_last"] = "yes"
    assert client.post(reverse("item_votes", args=[meeting.pk, item.pk]), data).status_code == 302
    detail = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    assert f"{members[3].name}（本人近亲属）" in detail


def test_defer_needs_a_reason_and_shows_it(held_a, clerk_a, login):
    meeting, item = held_a
    client = login(clerk_a)
    assert client.get(reverse("item_defer", args=[meeting.pk, item.pk])).status_code == 200

    refused = client.post(reverse("item_defer", args=[meeting.pk, item.pk]), {"deferral_reason": ""})
    accepted = client.post(reverse("item_defer", args=[meeting.pk, item.pk]), {"deferral_reason": "书记校长尚存分歧"})

    assert refused.status_code == 400
    assert refused.context["defer_form"].errors["deferral_reason"]
    assert accepted.status_code == 302
    item.refresh_from_db()
    assert (item.result, item.deferral_reason) == (ItemResult.DEFERRED, "书记校长尚存分歧")
    assert "暂缓原因：书记校长尚存分歧" in client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()


# --- minutes, finalising, amendments ----------------------------------------------------------------
def _write_minutes_and_vote(client, meeting, item, members):
    client.post(reverse("item_votes", args=[meeting.pk, item.pk]), votes_data(members, ["for"] * 5))
    return client.post(
        reverse("meeting_minutes", args=[meeting.pk]),
        {"minutes": "会议研究了学校章程修订。", f"item_{item.pk}": "同意修订。"},
    )


def test_finalise_by_clerk_is_403_and_by_principal_signs_and_locks(
    held_a, clerk_a, principal_a, committee_a, login, client
):
    meeting, item = held_a
    login(principal_a)
    premature = client.post(reverse("meeting_finalise", args=[meeting.pk]))
    assert premature.status_code == 400
    assert "请先填写会议纪要。" in premature.content.decode()
    assert "以下议题尚未表决或暂缓" in premature.content.decode()

    login(clerk_a)
    assert _write_minutes_and_vote(client, meeting, item, committee_a.party).status_code == 302
    detail = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    assert "定稿签发</button>" not in detail
    forbidden = client.post(reverse("meeting_finalise", args=[meeting.pk]))
    assert forbidden.status_code == 403
    assert "只有本校书记或校长可以定稿并签发会议纪要。" in forbidden.content.decode()
    assert not Meeting.objects.get(pk=meeting.pk).is_finalised

    login(principal_a)
    assert "定稿签发</button>" in client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    assert client.post(reverse("meeting_finalise", args=[meeting.pk])).status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.finalised_by) == (MeetingStatus.FINALISED, principal_a)
    detail = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    assert f"签发：principal_a {timezone.localtime(meeting.finalised_at):%Y-%m-%d %H:%M}" in detail
    assert "提交更正" in detail


def test_after_finalising_every_edit_is_409_and_changes_nothing(held_a, clerk_a, principal_a, committee_a, login):
    meeting, item = held_a
    members = committee_a.party
    client = login(clerk_a)
    edit_data = page_values(client.get(reverse("meeting_edit", args=[meeting.pk])).context["page"])
    _write_minutes_and_vote(client, meeting, item, members)
    services.meeting_finalise(user=principal_a, meeting=meeting)
    before = (
        Meeting.objects.filter(pk=meeting.pk).values().get(),
        AgendaItem.objects.filter(pk=item.pk).values().get(),
    )
    edit_data.update({"meeting-title": "改名", "items-0-title": "改题"})

    for user in (clerk_a, principal_a):
        client = login(user)
        responses = [
            client.get(reverse("meeting_edit", args=[meeting.pk])),
            client.post(reverse("meeting_edit", args=[meeting.pk]), edit_data),
            client.get(reverse("meeting_minutes", args=[meeting.pk])),
            client.post(reverse("meeting_minutes", args=[meeting.pk]), {"minutes": "改"}),
            client.get(reverse("item_votes", args=[meeting.pk, item.pk])),
            client.post(reverse("item_votes", args=[meeting.pk, item.pk]), votes_data(members, ["against"] * 5)),
            client.post(reverse("item_defer", args=[meeting.pk, item.pk]), {"deferral_reason": "再议"}),
            client.post(reverse("meeting_mark_held", args=[meeting.pk])),
        ]
        if user == principal_a:  # a clerk may never finalise: 403 before the state is looked at
            responses.append(client.post(reverse("meeting_finalise", args=[meeting.pk])))
        for response in responses:
            assert response.status_code == 409, response.request["PATH_INFO"]
            assert "会议纪要已定稿，不能修改" in response.content.decode()

    after = (Meeting.objects.filter(pk=meeting.pk).values().get(), AgendaItem.objects.filter(pk=item.pk).values().get())
    assert after == before
    detail = login(clerk_a).get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    for label in ("编辑</a>", "登记表决</a>", "填写纪要</a>", "提交更正</a>"):
        assert label not in detail


def test_amendment_after_finalising_is_shown_beside_the_original(held_a, clerk_a, principal_a, committee_a, login):
    meeting, item = held_a
    client = login(clerk_a)
    _write_minutes_and_vote(client, meeting, item, committee_a.party)
    assert login(principal_a).post(reverse("meeting_amend", args=[meeting.pk]), {}).status_code == 400  # fields
    early = client.post(reverse("meeting_amend", args=[meeting.pk]), {"correction": "x", "reason": "y"})
    assert early.status_code == 400
    assert "该记录尚未定稿，请直接修改，无需提交更正。" in early.content.decode()
    services.meeting_finalise(user=principal_a, meeting=meeting)
    assert login(clerk_a).get(reverse("meeting_amend", args=[meeting.pk])).status_code == 403

    client = login(principal_a)
    assert client.get(reverse("meeting_amend", args=[meeting.pk])).status_code == 200
    response = client.post(
        reverse("meeting_amend", args=[meeting.pk]),
        {"item": item.pk, "correction": "同意修订，自下学期起施行。", "reason": "漏记施行时间"},
    )

    assert response.status_code == 302
    detail = client.get(reverse("meeting_detail", args=[meeting.pk]))
    html = detail.content.decode()
    assert "同意修订。" in html  # the signed original stays
    assert "同意修订，自下学期起施行。" in html
    assert "更正原因：漏记施行时间" in html
    original = html.index("同意修订。")
    assert original < html.index("同意修订，自下学期起施行。") < html.index(">会议纪要</h2>")
    assert AgendaItem.objects.get(pk=item.pk).minutes == "同意修订。"


# --- confidential items -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "sees_title"), [("district_viewer", False), ("xuequ_viewer", False), ("clerk_a", True)]
)
def test_personnel_item_is_redacted_outside_the_school(
    role, sees_title, request, meeting_a, clerk_a, principal_a, school_a, login
):
    communication = CommunicationFactory(school=school_a, confirmed_by=principal_a, confirmed_at=timezone.now())
    add_item(
        clerk_a,
        meeting_a,
        title="任命王某为教学副校长",
        category=MatterCategory.PERSONNEL,
        pre_communications=[communication],
    )

    html = login(request.getfixturevalue(role)).get(reverse("meeting_detail", args=[meeting_a.pk])).content.decode()

    assert ("任命王某为教学副校长" in html) is sees_title
    assert (CONFIDENTIAL_TITLE in html) is not sees_title
    assert (communication.subject in html) is sees_title


# --- query counts -----------------------------------------------------------------------------------
def _count(client, url) -> int:
    client.get(url)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow_with_meetings(clerk_a, school_a, committee_a, login):
    client = login(clerk_a)
    for n in range(3):
        make_meeting(clerk_a, school_a, title=f"会议{n}")
    few = _count(client, reverse("meeting_list"))
    for n in range(3, 30):
        make_meeting(clerk_a, school_a, title=f"会议{n}")

    many = _count(client, reverse("meeting_list"))

    assert many == few


def _meeting_with_items(user, school, members, count, principal):
    meeting = make_meeting(user, school, title=f"{count} 个议题的会议")
    hold(user, meeting, members)
    communication = CommunicationFactory(school=school, confirmed_by=principal, confirmed_at=timezone.now())
    for n in range(count):
        item = add_item(user, meeting, title=f"议题{n}", proposer=members[1], pre_communications=[communication])
        services.agenda_item_record_votes(
            user=user,
            item=item,
            votes={p.pk: "for" for p in members[:4]},
            recusals={members[4].pk: "利益相关"},
            secretary_spoke_last=True,
        )
    services.meeting_set_minutes(user=user, meeting=meeting, minutes="纪要", item_minutes={})
    services.meeting_finalise(user=principal, meeting=meeting)
    services.meeting_amend(
        user=principal, meeting=meeting, item=meeting.items.first(), correction="更正", reason="笔误"
    )
    return meeting


def test_detail_query_count_does_not_grow_with_items(clerk_a, principal_a, school_a, committee_a, login):
    few = _meeting_with_items(clerk_a, school_a, committee_a.party, 2, principal_a)
    many = _meeting_with_items(clerk_a, school_a, committee_a.party, 10, principal_a)
    client = login(principal_a)

    assert _count(client, reverse("meeting_detail", args=[few.pk])) == _count(
        client, reverse("meeting_detail", args=[many.pk])
    )


def test_district_admin_edits_around_a_confidential_item_without_touching_it(
    meeting_a, clerk_a, principal_a, district_admin, school_a, login
):
    communication = CommunicationFactory(school=school_a, confirmed_by=principal_a, confirmed_at=timezone.now())
    secret = add_item(
        clerk_a, meeting_a, title="任命王某", category=MatterCategory.PERSONNEL, pre_communications=[communication]
    )
    services.meeting_set_minutes(user=clerk_a, meeting=meeting_a, minutes="", item_minutes={secret.pk: "同意任命"})
    client = login(district_admin)

    page = client.get(reverse("meeting_edit", args=[meeting_a.pk])).context["page"]
    data = page_values(page)
    data.update({"items-0-title": "一般议题", "items-0-category": MatterCategory.GENERAL})
    minutes_form = client.get(reverse("meeting_minutes", args=[meeting_a.pk])).context["form"]

    assert [item.title for item in page.locked_items] == [CONFIDENTIAL_TITLE]
    assert client.post(reverse("meeting_edit", args=[meeting_a.pk]), data).status_code == 302
    assert client.post(reverse("meeting_minutes", args=[meeting_a.pk]), {"minutes": "纪要"}).status_code == 302
    assert f"item_{secret.pk}" not in minutes_form.fields
    secret.refresh_from_db()
    assert (secret.title, secret.minutes) == ("任命王某", "同意任命")
    assert list(meeting_a.items.values_list("order", flat=True)) == [1, 2]
