"""`/api/v1/` communications, meetings and agenda items: scope for every role, writes through the services with
If-Match (428 / 412), read-only tokens, the error shape, computed vote results, finalised records (409),
redaction of confidential items, cursor pages, `updated_since`, filters and constant query counts."""

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings import services
from meetings.choices import (
    AttendanceStatus,
    CommunicationCategory,
    CommunicationOutcome,
    CommunicationTiming,
    ItemResult,
    MatterCategory,
    MeetingStatus,
)
from meetings.models import AgendaItem, Communication, Meeting, Vote
from meetings.selectors import CONFIDENTIAL_TITLE
from meetings.services.meetings import MEETING_FINALISED
from schools.choices import MeetingBody, Post
from tests.factories import (
    AgendaItemFactory,
    AppointmentFactory,
    AttendanceFactory,
    CommunicationFactory,
    MeetingFactory,
    PersonFactory,
)
from tests.meetings.conftest import _body, _pair

COMMUNICATIONS = "/api/v1/communications/"
MEETINGS = "/api/v1/meetings/"
ITEMS = "/api/v1/agenda-items/"
NOT_FOUND = {"code": "not_found", "message": "对象不存在或不在您的权限范围内。", "fields": {}}
YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)

ROLES = ["district_admin", "district_viewer", "xuequ_viewer", "secretary_a", "principal_a", "clerk_a", "clerk_b"]
VISIBLE = {
    "district_admin": {"A001", "B001"},
    "district_viewer": {"A001", "B001"},
    "xuequ_viewer": {"A001"},
    "secretary_a": {"A001"},
    "principal_a": {"A001"},
    "clerk_a": {"A001"},
    "clerk_b": {"B001"},
}


# --- fixtures (as in tests/meetings/conftest.py, which does not reach this directory) -------------------
@pytest.fixture
def pair_a(school_a, secretary_a, principal_a):
    """School A's pair, linked to the secretary_a / principal_a accounts."""
    secretary, principal = _pair(school_a, "张书记", "李校长")
    secretary_a.person, principal_a.person = secretary, principal
    secretary_a.save()
    principal_a.save()
    return SimpleNamespace(secretary=secretary, principal=principal)


@pytest.fixture
def committee_a(school_a, pair_a):
    """School A's 党组织会议 of 5 members, the pair first."""
    others = PersonFactory.create_batch(3)
    return SimpleNamespace(
        party=_body(school_a, MeetingBody.PARTY_COMMITTEE, [pair_a.secretary, pair_a.principal, *others])
    )


# --- helpers ------------------------------------------------------------------------------------------
def communication_payload(school, pair, **overrides):
    data = {
        "school": school.pk,
        "occurred_at": (timezone.now() - datetime.timedelta(days=2)).isoformat(),
        "category": CommunicationCategory.SANZHONG_YIDA,
        "timing": CommunicationTiming.BEFORE_DECISION,
        "subject": "食堂改造项目",
        "summary": "书记校长就食堂改造方案交换意见。",
        "outcome": CommunicationOutcome.CONSENSUS,
        "participants": [pair.secretary.pk, pair.principal.pk],
    }
    data.update(overrides)
    return data


def log_communication(user, school, pair, **overrides):
    data = {
        "user": user,
        "school": school,
        "occurred_at": timezone.now() - datetime.timedelta(days=2),
        "category": CommunicationCategory.SANZHONG_YIDA,
        "timing": CommunicationTiming.BEFORE_DECISION,
        "subject": "食堂改造项目",
        "summary": "书记校长就食堂改造方案交换意见。",
        "outcome": CommunicationOutcome.CONSENSUS,
        "participants": [pair.secretary, pair.principal],
    }
    data.update(overrides)
    return services.communication_create(**data)


def held_meeting(user, school, members, *, present=4, body=MeetingBody.PARTY_COMMITTEE):
    """A held meeting: the first `present` members present, the others on leave."""
    meeting = services.meeting_create(user=user, school=school, body=body, title="党组织会议", date=YESTERDAY)
    statuses = {p.pk: (AttendanceStatus.PRESENT, "") for p in members[:present]}
    statuses.update({p.pk: (AttendanceStatus.LEAVE, "外出培训") for p in members[present:]})
    services.meeting_record_attendance(user=user, meeting=meeting, statuses=statuses)
    return services.meeting_mark_held(user=user, meeting=meeting)


def add_item(user, meeting, title="学期工作计划", category=MatterCategory.GENERAL, **kwargs):
    return services.agenda_item_create(user=user, meeting=meeting, title=title, category=category, **kwargs)


def finalised_meeting(clerk, signer, school, members):
    meeting = held_meeting(clerk, school, members)
    item = add_item(clerk, meeting)
    services.agenda_item_record_votes(user=clerk, item=item, totals=(4, 0, 0), secretary_spoke_last=True)
    services.meeting_set_minutes(user=clerk, meeting=meeting, minutes="审议通过学期工作计划。", item_minutes={})
    return services.meeting_finalise(user=signer, meeting=meeting), item


def etag(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response["ETag"]


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- scope --------------------------------------------------------------------------------------------
@pytest.fixture
def records(school_a, school_b):
    """One communication, meeting and agenda item in each of school A and school B."""
    rows = {}
    for school in (school_a, school_b):
        meeting = MeetingFactory(school=school)
        rows[school.code] = {
            "communication": CommunicationFactory(school=school),
            "meeting": meeting,
            "item": AgendaItemFactory(meeting=meeting),
        }
    return rows


@pytest.mark.parametrize("role", ROLES)
def test_lists_and_retrieve_are_scoped_for_every_role(role, request, api, records):
    client = api(request.getfixturevalue(role))
    school_codes = {row["meeting"].school_id: code for code, row in records.items()}

    for url in (COMMUNICATIONS, MEETINGS, ITEMS):
        assert {school_codes[row["school"]] for row in results(client.get(url))} == VISIBLE[role], url
    for code, row in records.items():
        for url in (
            f"{COMMUNICATIONS}{row['communication'].pk}/",
            f"{MEETINGS}{row['meeting'].pk}/",
            f"{ITEMS}{row['item'].pk}/",
        ):
            response = client.get(url)
            if code in VISIBLE[role]:
                assert response.status_code == 200 and response["ETag"]
            else:
                assert response.status_code == 404 and response.json() == NOT_FOUND


def test_other_school_gets_404_on_every_endpoint(clerk_b, api, records):
    client = api(clerk_b, can_write=True)
    row = records["A001"]
    communication, meeting, item = (
        f"{base}{row[key].pk}/"
        for base, key in (
            (COMMUNICATIONS, "communication"),
            (MEETINGS, "meeting"),
            (ITEMS, "item"),
        )
    )
    tag = {"HTTP_IF_MATCH": '"whatever"'}
    calls = [
        ("get", communication, None),
        ("put", communication, {}),
        ("patch", communication, {}),
        ("post", f"{communication}confirm/", None),
        ("get", f"{communication}amendments/", None),
        ("post", f"{communication}amendments/", {"correction": "x", "reason": "y"}),
        ("get", meeting, None),
        ("put", meeting, {}),
        ("patch", meeting, {}),
        ("post", f"{meeting}attendance/", {"attendance": []}),
        ("post", f"{meeting}held/", None),
        ("post", f"{meeting}minutes/", {"minutes": "x"}),
        ("post", f"{meeting}finalise/", None),
        ("get", f"{meeting}amendments/", None),
        ("post", f"{meeting}amendments/", {"correction": "x", "reason": "y"}),
        ("get", item, None),
        ("put", item, {}),
        ("patch", item, {}),
        ("post", f"{item}votes/", {"totals": {"for": 1, "against": 0, "abstain": 0}}),
        ("post", f"{item}defer/", {"deferral_reason": "x"}),
    ]
    for method, url, data in calls:
        response = getattr(client, method)(url, data, format="json", **tag)
        assert (response.status_code, response.json()) == (404, NOT_FOUND), (method, url)
    before = AgendaItem.objects.get(pk=row["item"].pk)
    assert before.title == row["item"].title and before.result == ItemResult.PENDING


def test_clerk_b_cannot_create_in_school_a(clerk_b, api, school_a, pair_a, records):
    client = api(clerk_b, can_write=True)
    response = client.post(COMMUNICATIONS, communication_payload(school_a, pair_a), format="json")
    assert response.status_code == 400 and "school" in response.json()["fields"]
    response = client.post(
        ITEMS, {"meeting": records["A001"]["meeting"].pk, "title": "x", "category": "general"}, format="json"
    )
    assert response.status_code == 400 and "meeting" in response.json()["fields"]
    assert Communication.objects.count() == 2 and AgendaItem.objects.count() == 2


# --- communications -----------------------------------------------------------------------------------
def test_clerk_creates_a_communication_with_history(clerk_a, api, school_a, pair_a):
    response = api(clerk_a, can_write=True).post(COMMUNICATIONS, communication_payload(school_a, pair_a), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    communication = Communication.objects.get()
    assert body["id"] == communication.pk and response["ETag"]
    assert sorted(body["participants"]) == sorted([pair_a.secretary.pk, pair_a.principal.pk])
    assert body["category"] == "sanzhong_yida" and body["category_label"] == "三重一大"
    assert body["timing_label"] == "重要决策事先" and body["outcome_label"] == "达成共识"
    assert body["logged_by"] == clerk_a.pk and body["confirmed_by"] is None and body["confirmed_at"] is None
    assert communication.history.earliest().history_type == "+"
    assert {h.history_user for h in communication.history.all()} == {clerk_a}


def test_read_only_token_cannot_write(clerk_a, api, school_a, pair_a):
    response = api(clerk_a).post(COMMUNICATIONS, communication_payload(school_a, pair_a), format="json")

    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": "该令牌为只读令牌，不能写入；请在个人页面创建带写入权限的令牌。",
        "fields": {},
    }
    assert not Communication.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ("deputy", "participants"),
        ({"participants": [999999]}, "participants"),
        ({"occurred_at": (timezone.now() + datetime.timedelta(hours=3)).isoformat()}, "occurred_at"),
        ({"category": "gossip"}, "category"),
        ({"timing": CommunicationTiming.ROUTINE}, "timing"),
        ({"subject": ""}, "subject"),
    ],
)
def test_bad_communication_input_is_400_with_fields(clerk_a, api, school_a, pair_a, overrides, field):
    if overrides == "deputy":
        deputy = AppointmentFactory(school=school_a, post=Post.DEPUTY_PRINCIPAL).person
        overrides = {"participants": [pair_a.secretary.pk, deputy.pk]}
    response = api(clerk_a, can_write=True).post(
        COMMUNICATIONS, communication_payload(school_a, pair_a, **overrides), format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["message"]
    assert field in body["fields"] and body["fields"][field][0]
    assert not Communication.objects.exists()


def test_update_needs_a_current_if_match(clerk_a, api, school_a, pair_a):
    communication = log_communication(clerk_a, school_a, pair_a)
    client = api(clerk_a, can_write=True)
    url = f"{COMMUNICATIONS}{communication.pk}/"
    old = etag(client, url)

    missing = client.patch(url, {"subject": "食堂改造（修订）"}, format="json")
    assert missing.status_code == 428 and missing.json()["code"] == "precondition_required"

    done = client.patch(url, {"subject": "食堂改造（修订）"}, format="json", HTTP_IF_MATCH=old)
    assert done.status_code == 200 and done.json()["subject"] == "食堂改造（修订）"
    assert done["ETag"] != old and done["ETag"] == etag(client, url)

    stale = client.patch(url, {"subject": "又改了"}, format="json", HTTP_IF_MATCH=old)
    assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"
    communication.refresh_from_db()
    assert communication.subject == "食堂改造（修订）"
    assert communication.history.first().subject == "食堂改造（修订）"

    full = communication_payload(school_a, pair_a, subject="整体替换", outcome=CommunicationOutcome.DISAGREEMENT)
    replaced = client.put(url, full, format="json", HTTP_IF_MATCH=done["ETag"])
    assert replaced.status_code == 200 and replaced.json()["outcome"] == "disagreement"


def test_confirm_then_record_is_final_and_amended(clerk_a, principal_a, secretary_a, api, school_a, pair_a):
    communication = log_communication(clerk_a, school_a, pair_a)
    url = f"{COMMUNICATIONS}{communication.pk}/"
    principal = api(principal_a, can_write=True)

    assert principal.post(f"{url}confirm/", format="json").status_code == 428
    response = principal.post(f"{url}confirm/", format="json", HTTP_IF_MATCH=etag(principal, url))
    assert response.status_code == 200, response.content
    assert response.json()["confirmed_by"] == principal_a.pk and response.json()["is_confirmed"]

    clerk = api(clerk_a, can_write=True)
    refused = clerk.patch(url, {"subject": "改写"}, format="json", HTTP_IF_MATCH=etag(clerk, url))
    assert refused.status_code == 409
    assert refused.json() == {
        "code": "finalised",
        "message": "该沟通记录已确认，不能修改；如需更正，请提交更正记录。",
        "fields": {},
    }
    assert clerk.post(f"{url}amendments/", {"correction": "x", "reason": "y"}, format="json").status_code == 403

    secretary = api(secretary_a, can_write=True)
    amended = secretary.post(f"{url}amendments/", {"correction": "补充：预算已审。", "reason": "漏记"}, format="json")
    assert amended.status_code == 201, amended.content
    assert amended.json()["target_type"] == "meetings.communication"
    assert amended.json()["target_id"] == communication.pk and amended.json()["created_by"] == secretary_a.pk
    empty = secretary.post(f"{url}amendments/", {"correction": "", "reason": ""}, format="json")
    assert empty.status_code == 400 and set(empty.json()["fields"]) == {"correction", "reason"}
    assert [a["correction"] for a in clerk.get(f"{url}amendments/").json()] == ["补充：预算已审。"]
    communication.refresh_from_db()
    assert communication.subject == "食堂改造项目"


def test_clerk_cannot_confirm(clerk_a, api, school_a, pair_a):
    communication = log_communication(clerk_a, school_a, pair_a)
    client = api(clerk_a, can_write=True)
    url = f"{COMMUNICATIONS}{communication.pk}/"

    response = client.post(f"{url}confirm/", format="json", HTTP_IF_MATCH=etag(client, url))

    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert "书记或校长" in response.json()["message"]


def test_communication_filters(district_viewer, api, school_a, school_b, principal_a):
    CommunicationFactory(school=school_a, confirmed_by=principal_a, confirmed_at=timezone.now())
    CommunicationFactory(
        school=school_a,
        category=CommunicationCategory.REGULAR_TALK,
        timing=CommunicationTiming.ROUTINE,
        outcome=CommunicationOutcome.DISAGREEMENT,
        occurred_at=timezone.now() - datetime.timedelta(days=40),
    )
    CommunicationFactory(school=school_b)
    client = api(district_viewer)

    def count(**params):
        return len(results(client.get(COMMUNICATIONS, params)))

    assert count() == 3
    assert count(school=school_a.pk) == 2
    assert count(district=school_b.district_id) == 1
    assert count(confirmed="true") == 1 and count(confirmed="false") == 2
    assert count(category="regular_talk") == 1 and count(outcome="disagreement") == 1
    twenty_days_ago = (timezone.localdate() - datetime.timedelta(days=20)).isoformat()
    assert count(occurred_after=twenty_days_ago) == 2 and count(occurred_before=twenty_days_ago) == 1
    assert count(**{"from": twenty_days_ago}) == 2 and count(to=twenty_days_ago) == 1  # the deprecated names' heirs
    bad = client.get(COMMUNICATIONS, {"category": "gossip", "occurred_after": "soon"})
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"category", "occurred_after"}


def test_cursor_pages_and_updated_since(district_viewer, api, school_a):
    CommunicationFactory.create_batch(7, school=school_a)
    client = api(district_viewer)

    first = client.get(COMMUNICATIONS, {"page_size": 5}).json()
    assert len(first["results"]) == 5 and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 2 and second["next"] is None
    assert len({row["id"] for row in first["results"] + second["results"]}) == 7

    newest = first["results"][0]["updated_at"]
    assert results(client.get(COMMUNICATIONS, {"updated_since": newest})) == []
    changed = Communication.objects.order_by("updated_at").first()
    changed.subject = "修订"
    changed.save()
    assert [row["id"] for row in results(client.get(COMMUNICATIONS, {"updated_since": newest}))] == [changed.pk]


# --- meetings -----------------------------------------------------------------------------------------
def test_meeting_lifecycle_through_the_api(clerk_a, principal_a, secretary_a, api, school_a, committee_a):
    clerk = api(clerk_a, can_write=True)
    members = committee_a.party
    created = clerk.post(
        MEETINGS,
        {
            "school": school_a.pk,
            "body": MeetingBody.PARTY_COMMITTEE,
            "title": "第一次党组织会议",
            "date": YESTERDAY.isoformat(),
            "chair": members[0].pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    meeting = created.json()
    url = f"{MEETINGS}{meeting['id']}/"
    assert meeting["status"] == "preparing" and meeting["status_label"] == "筹备"
    assert meeting["expected_count"] == 5 and {a["person"] for a in meeting["attendance"]} == {p.pk for p in members}
    tag = created["ETag"]

    guest = PersonFactory()
    attendance = [{"person": p.pk, "status": "present"} for p in members[:4]]
    attendance.append({"person": members[4].pk, "status": "leave", "leave_reason": "外出培训"})
    response = clerk.post(
        f"{url}attendance/", {"attendance": attendance, "observers": [guest.pk]}, format="json", HTTP_IF_MATCH=tag
    )
    assert response.status_code == 200, response.content
    assert response.json()["present_count"] == 4 and response["ETag"] != tag
    observers = [a for a in response.json()["attendance"] if a["kind"] == "observer"]
    assert [(a["person"], a["kind_label"]) for a in observers] == [(guest.pk, "列席")]
    stale = clerk.post(f"{url}held/", format="json", HTTP_IF_MATCH=tag)
    assert stale.status_code == 412
    assert Meeting.objects.get(pk=meeting["id"]).status == MeetingStatus.PREPARING
    tag = response["ETag"]

    # Attendance again without `observers` keeps the 列席 attendee.
    response = clerk.post(f"{url}attendance/", {"attendance": attendance[:1]}, format="json", HTTP_IF_MATCH=tag)
    assert any(a["person"] == guest.pk for a in response.json()["attendance"])
    response = clerk.post(f"{url}held/", format="json", HTTP_IF_MATCH=response["ETag"])
    assert response.status_code == 200 and response.json()["status"] == "held"
    tag = response["ETag"]

    item = clerk.post(ITEMS, {"meeting": meeting["id"], "title": "学期工作计划", "category": "general"}, format="json")
    assert item.status_code == 201, item.content
    item_url = f"{ITEMS}{item.json()['id']}/"
    votes = {str(p.pk): "for" for p in members[:3]} | {str(members[3].pk): "against"}
    voted = clerk.post(
        f"{item_url}votes/",
        {"votes": votes, "secretary_spoke_last": True, "result": "passed"},
        format="json",
        HTTP_IF_MATCH=item["ETag"],
    )
    assert voted.status_code == 200, voted.content
    body = voted.json()
    assert (body["result"], body["result_label"]) == ("passed", "通过")
    assert (body["votes_for"], body["votes_against"], body["votes_abstain"]) == (3, 1, 0)
    assert sorted((v["person"], v["choice"]) for v in body["votes"]) == sorted((int(k), v) for k, v in votes.items())
    # The meeting embeds its items, so the votes changed the meeting's ETag too.
    assert clerk.post(f"{url}minutes/", {"minutes": "x"}, format="json", HTTP_IF_MATCH=tag).status_code == 412
    tag = clerk.get(url)["ETag"]

    minutes = clerk.post(
        f"{url}minutes/",
        {"minutes": "审议通过学期工作计划。", "item_minutes": {str(body["id"]): "同意。"}},
        format="json",
        HTTP_IF_MATCH=tag,
    )
    assert minutes.status_code == 200 and minutes.json()["items"][0]["minutes"] == "同意。"
    tag = minutes["ETag"]
    assert clerk.post(f"{url}finalise/", format="json", HTTP_IF_MATCH=tag).status_code == 403

    principal = api(principal_a, can_write=True)
    finalised = principal.post(f"{url}finalise/", format="json", HTTP_IF_MATCH=tag)
    assert finalised.status_code == 200, finalised.content
    assert finalised.json()["status"] == "finalised" and finalised.json()["finalised_by"] == principal_a.pk

    secretary = api(secretary_a, can_write=True)
    amendment = secretary.post(
        f"{url}amendments/",
        {"item": body["id"], "correction": "同意（7 票）。", "reason": "笔误"},
        format="json",
        HTTP_IF_MATCH=finalised["ETag"],
    )
    assert amendment.status_code == 201, amendment.content
    assert amendment.json()["target_type"] == "meetings.agendaitem"
    listed = secretary.get(f"{url}amendments/").json()
    assert [(a["target_id"], a["field_label"]) for a in listed] == [(body["id"], "议题纪要：学期工作计划")]
    assert Meeting.objects.get(pk=meeting["id"]).minutes == "审议通过学期工作计划。"


def test_meeting_update_with_if_match_and_no_school_move(clerk_a, api, school_a, school_b, committee_a):
    meeting = services.meeting_create(
        user=clerk_a, school=school_a, body=MeetingBody.PARTY_COMMITTEE, title="会议", date=YESTERDAY
    )
    client = api(clerk_a, can_write=True)
    url = f"{MEETINGS}{meeting.pk}/"
    tag = etag(client, url)

    assert client.patch(url, {"place": "第一会议室"}, format="json").status_code == 428
    moved = client.patch(url, {"school": school_b.pk}, format="json", HTTP_IF_MATCH=tag)
    assert moved.status_code == 400 and "school" in moved.json()["fields"]
    done = client.patch(url, {"place": "第一会议室", "school": school_a.pk}, format="json", HTTP_IF_MATCH=tag)
    assert done.status_code == 200 and done.json()["place"] == "第一会议室"
    stale = client.patch(url, {"place": "礼堂"}, format="json", HTTP_IF_MATCH=tag)
    assert stale.status_code == 412
    meeting.refresh_from_db()
    assert meeting.place == "第一会议室" and meeting.school == school_a


def test_finalised_meeting_refuses_every_write_with_409(clerk_a, principal_a, api, school_a, committee_a):
    meeting, item = finalised_meeting(clerk_a, principal_a, school_a, committee_a.party)
    client = api(clerk_a, can_write=True)
    url, item_url = f"{MEETINGS}{meeting.pk}/", f"{ITEMS}{item.pk}/"
    meeting_tag, item_tag = etag(client, url), etag(client, item_url)
    expected = {"code": "finalised", "message": MEETING_FINALISED, "fields": {}}

    calls = [
        (client.patch, url, {"title": "改"}, meeting_tag),
        (client.post, f"{url}attendance/", {"attendance": []}, meeting_tag),
        (client.post, f"{url}minutes/", {"minutes": "改"}, meeting_tag),
        (client.post, ITEMS, {"meeting": meeting.pk, "title": "新", "category": "general"}, None),
        (client.patch, item_url, {"title": "改"}, item_tag),
        (client.post, f"{item_url}votes/", {"totals": {"for": 0, "against": 4, "abstain": 0}}, item_tag),
        (client.post, f"{item_url}defer/", {"deferral_reason": "改"}, item_tag),
    ]
    for call, target, data, tag in calls:
        headers = {"HTTP_IF_MATCH": tag} if tag else {}
        response = call(target, data, format="json", **headers)
        assert (response.status_code, response.json()) == (409, expected), target
    item.refresh_from_db()
    assert item.result == ItemResult.PASSED and item.title == "学期工作计划"
    assert AgendaItem.objects.filter(meeting=meeting).count() == 1


def test_meeting_filters(district_viewer, api, school_a, school_b):
    MeetingFactory(school=school_a, status=MeetingStatus.HELD)
    MeetingFactory(school=school_a, body=MeetingBody.PRINCIPAL_OFFICE, date=YESTERDAY - datetime.timedelta(days=60))
    MeetingFactory(school=school_b)
    client = api(district_viewer)

    def count(**params):
        return len(results(client.get(MEETINGS, params)))

    assert count() == 3 and count(school=school_a.pk) == 2 and count(district=school_b.district_id) == 1
    assert count(status="held") == 1 and count(body=MeetingBody.PRINCIPAL_OFFICE) == 1
    month_ago = (YESTERDAY - datetime.timedelta(days=30)).isoformat()
    assert count(date_after=month_ago) == 2 and count(date_before=month_ago) == 1
    assert count(**{"from": month_ago}) == 2 and count(to=month_ago) == 1  # the deprecated names' heirs


# --- agenda items -------------------------------------------------------------------------------------
def test_votes_compute_the_result_and_a_false_claim_is_400(clerk_a, api, school_a, committee_a):
    meeting = held_meeting(clerk_a, school_a, committee_a.party)
    item = add_item(clerk_a, meeting)
    client = api(clerk_a, can_write=True)
    url = f"{ITEMS}{item.pk}/"
    tag = etag(client, url)

    claim = {"totals": {"for": 2, "against": 2, "abstain": 0}, "secretary_spoke_last": True, "result": "passed"}
    refused = client.post(f"{url}votes/", claim, format="json", HTTP_IF_MATCH=tag)
    assert refused.status_code == 400
    assert "未通过" in refused.json()["fields"]["result"][0]
    item.refresh_from_db()
    assert item.result == ItemResult.PENDING and item.votes_for is None

    both = client.post(
        f"{url}votes/",
        {"votes": {}, "totals": {"for": 1, "against": 0, "abstain": 0}, "secretary_spoke_last": True},
        format="json",
        HTTP_IF_MATCH=tag,
    )
    assert both.status_code == 400 and "二者选其一" in both.json()["message"]
    bad_key = client.post(f"{url}votes/", {"votes": {"abc": "for"}}, format="json", HTTP_IF_MATCH=tag)
    assert bad_key.status_code == 400 and "votes" in bad_key.json()["fields"]

    recused = committee_a.party[3]
    claim = {"totals": {"for": 2, "against": 1, "abstain": 0}, "secretary_spoke_last": True}
    claim["recusals"] = {str(recused.pk): "近亲属"}
    counted = client.post(f"{url}votes/", claim, format="json", HTTP_IF_MATCH=tag)
    assert counted.status_code == 200, counted.content
    assert counted.json()["result"] == "rejected" and counted.json()["result_label"] == "未通过"
    assert counted.json()["recusals"] == [{"person": recused.pk, "reason": "近亲属"}]
    new_tag = counted["ETag"]
    assert new_tag != tag

    stale = client.patch(url, {"title": "改名"}, format="json", HTTP_IF_MATCH=tag)
    assert stale.status_code == 412
    assert AgendaItem.objects.get(pk=item.pk).title == "学期工作计划"
    deferred = client.post(
        f"{url}defer/", {"deferral_reason": "书记校长尚有分歧"}, format="json", HTTP_IF_MATCH=new_tag
    )
    assert deferred.status_code == 200 and deferred.json()["result"] == "deferred"
    assert deferred.json()["votes_for"] is None and deferred.json()["deferral_reason"] == "书记校长尚有分歧"


def test_item_create_gate_and_update(clerk_a, principal_a, api, school_a, pair_a, committee_a):
    meeting = services.meeting_create(
        user=clerk_a, school=school_a, body=MeetingBody.PARTY_COMMITTEE, title="党组织会议", date=YESTERDAY
    )
    communication = log_communication(clerk_a, school_a, pair_a)
    client = api(clerk_a, can_write=True)
    data = {"meeting": meeting.pk, "title": "食堂改造", "category": MatterCategory.MAJOR_PROJECT}

    gated = client.post(ITEMS, data, format="json")
    assert gated.status_code == 400 and "会前沟通" in gated.json()["fields"]["pre_communications"][0]
    services.communication_confirm(user=principal_a, communication=communication)
    created = client.post(
        ITEMS, data | {"pre_communications": [communication.pk], "proposer": pair_a.principal.pk}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["pre_communications"] == [communication.pk] and body["order"] == 1
    assert body["proposer"] == pair_a.principal.pk and body["category_label"] == "重要项目安排"
    assert body["school"] == school_a.pk and body["result"] == "pending" and not body["redacted"]

    url = f"{ITEMS}{body['id']}/"
    other = services.meeting_create(
        user=clerk_a, school=school_a, body=MeetingBody.PRINCIPAL_OFFICE, title="校长办公会", date=YESTERDAY
    )
    moved = client.patch(url, {"meeting": other.pk}, format="json", HTTP_IF_MATCH=created["ETag"])
    assert moved.status_code == 400 and "meeting" in moved.json()["fields"]
    renamed = client.patch(url, {"title": "食堂改造（一期）"}, format="json", HTTP_IF_MATCH=created["ETag"])
    assert renamed.status_code == 200 and renamed.json()["title"] == "食堂改造（一期）"
    item = AgendaItem.objects.get(pk=body["id"])
    assert item.history.first().history_user == clerk_a


@pytest.mark.parametrize(
    ("role", "sees"),
    [("clerk_a", True), ("secretary_a", True), ("district_viewer", False), ("xuequ_viewer", False)],
)
def test_confidential_item_is_redacted_outside_the_school(
    role, sees, request, api, clerk_a, principal_a, school_a, committee_a
):
    meeting = held_meeting(clerk_a, school_a, committee_a.party, present=5)
    communication = CommunicationFactory(
        school=school_a, confirmed_by=principal_a, confirmed_at=timezone.now(), subject="王某任职沟通"
    )
    item = add_item(
        clerk_a,
        meeting,
        title="任命王某为教学副校长",
        category=MatterCategory.PERSONNEL,
        proposer=committee_a.party[0],
        pre_communications=[communication],
    )
    item = services.agenda_item_record_votes(
        user=clerk_a,
        item=item,
        votes={p.pk: "for" for p in committee_a.party[:4]},
        recusals={committee_a.party[4].pk: "近亲属"},
        secretary_spoke_last=True,
    )
    services.meeting_set_minutes(user=clerk_a, meeting=meeting, minutes="纪要", item_minutes={item.pk: "同意任命王某"})
    client = api(request.getfixturevalue(role))

    shown = [
        client.get(f"{MEETINGS}{meeting.pk}/").json()["items"][0],
        client.get(f"{ITEMS}{item.pk}/").json(),
        results(client.get(ITEMS))[0],
    ]
    for row in shown:
        assert row["is_confidential"] and row["redacted"] is not sees
        assert row["result"] == "passed" and row["votes_for"] == 4
        if sees:
            assert row["title"] == "任命王某为教学副校长" and row["minutes"] == "同意任命王某"
            assert len(row["votes"]) == 4 and len(row["recusals"]) == 1
            assert row["pre_communications"] == [communication.pk] and row["proposer"] == committee_a.party[0].pk
        else:
            assert row["title"] == CONFIDENTIAL_TITLE and row["minutes"] == ""
            assert row["votes"] == [] and row["recusals"] == [] and row["touches_staff_interests"] is None
            assert row["pre_communications"] == [] and row["proposer"] is None


def test_agenda_item_filters(district_viewer, api, school_a, school_b):
    meeting = MeetingFactory(school=school_a)
    AgendaItemFactory(meeting=meeting, result=ItemResult.PASSED)
    AgendaItemFactory(meeting=meeting, category=MatterCategory.LARGE_FUNDS)
    AgendaItemFactory(meeting=MeetingFactory(school=school_b))
    client = api(district_viewer)

    def count(**params):
        return len(results(client.get(ITEMS, params)))

    assert count() == 3 and count(school=school_a.pk) == 2 and count(meeting=meeting.pk) == 2
    assert count(result="passed") == 1 and count(category="large_funds") == 1
    newest = results(client.get(ITEMS))[0]["updated_at"]
    assert count(updated_since=newest) == 0


# --- query counts -------------------------------------------------------------------------------------
def _queries(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return len(results(response)), len(queries)


def _communications(school, pair, count):
    CommunicationFactory.create_batch(count, school=school, participants=[pair.secretary, pair.principal])


def _meetings(school, communication, count):
    for _ in range(count):
        meeting = MeetingFactory(school=school)
        members = [AttendanceFactory(meeting=meeting) for _ in range(2)]
        item = AgendaItemFactory(meeting=meeting, category=MatterCategory.PERSONNEL, is_confidential=True)
        item.pre_communications.add(communication)
        Vote.objects.create(item=item, person=members[0].person, choice="for")
        AgendaItemFactory(meeting=meeting)


@pytest.mark.parametrize("role", ["district_viewer", "clerk_a"])
def test_list_query_counts_do_not_grow_with_rows(role, request, api, school_a, pair_a):
    client = api(request.getfixturevalue(role))
    client.get(COMMUNICATIONS)  # the token's first use is recorded once
    _communications(school_a, pair_a, 3)
    communication = Communication.objects.first()

    _meetings(school_a, communication, 3)
    few = {url: _queries(client, url) for url in (COMMUNICATIONS, MEETINGS, ITEMS)}
    _communications(school_a, pair_a, 27)
    _meetings(school_a, communication, 27)
    many = {url: _queries(client, url) for url in (COMMUNICATIONS, MEETINGS, ITEMS)}

    assert {url: rows for url, (rows, _) in few.items()} == {COMMUNICATIONS: 3, MEETINGS: 3, ITEMS: 6}
    assert {url: rows for url, (rows, _) in many.items()} == {COMMUNICATIONS: 30, MEETINGS: 30, ITEMS: 60}
    assert {url: n for url, (_, n) in many.items()} == {url: n for url, (_, n) in few.items()}
