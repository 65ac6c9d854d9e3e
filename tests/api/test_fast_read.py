"""The fast read path (`core.api.fastread`) and the orjson renderer (`core.api.renderers`) give exactly the output
of DRF's own path: every list and record of the serializers they apply to, on data covering nulls, empty
relations, every choice, redacted and visible confidential items; the renderer byte for byte."""

import datetime
import decimal
import json
import zoneinfo

import pytest
from django.utils import timezone
from django.utils.functional import lazy
from rest_framework import serializers as drf_serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from core.api import fastread
from core.api.renderers import FastJSONRenderer
from meetings.api.serializers import (
    AgendaItemSerializer,
    AttendanceSerializer,
    CommunicationSerializer,
    MeetingSerializer,
    RecusalSerializer,
    VoteSerializer,
)
from meetings.choices import (
    AttendanceKind,
    AttendanceStatus,
    CommunicationCategory,
    CommunicationOutcome,
    CommunicationTiming,
    ItemResult,
    MatterCategory,
    MeetingStatus,
    VoteChoice,
)
from meetings.models import Communication, Recusal, Vote
from schools.choices import MeetingBody
from tests.factories import AgendaItemFactory, AttendanceFactory, CommunicationFactory, MeetingFactory, PersonFactory

FAST_SERIALIZERS = [
    CommunicationSerializer,
    AttendanceSerializer,
    VoteSerializer,
    RecusalSerializer,
    AgendaItemSerializer,
    MeetingSerializer,
]
NOW = timezone.now().replace(microsecond=123456)


def _cycle(choices, index):
    values = list(choices)
    return values[index % len(values)]


@pytest.fixture
def records(school_a, campus_a, school_b, district_admin):
    """Communications and meetings with every choice, with and without the optional values and relations."""
    people = [PersonFactory() for _ in range(4)]
    communications = []
    for index in range(max(len(CommunicationCategory), len(CommunicationTiming), len(CommunicationOutcome), 4)):
        confirmed = index % 3 == 0
        category = _cycle(CommunicationCategory, index)
        communications.append(
            CommunicationFactory(
                school=(school_a, campus_a, school_b)[index % 3],
                category=category,
                timing=_cycle(CommunicationTiming, index),
                outcome=_cycle(CommunicationOutcome, index),
                occurred_at=NOW - datetime.timedelta(days=index, microseconds=index * 7),
                event_at=(
                    None
                    if index % 2 and category != CommunicationCategory.EMERGENCY
                    else NOW - datetime.timedelta(days=index, hours=3)
                ),
                confirmed_by=district_admin if confirmed else None,
                confirmed_at=NOW - datetime.timedelta(hours=index) if confirmed else None,
                subject=f'沟通\u2028事项 {index} “引号” \\ "',
                participants=people[: index % 4],
            )
        )
    pairs = [(body, status) for body in MeetingBody for status in MeetingStatus]
    for index, (body, status) in enumerate(pairs):
        finalised = status == MeetingStatus.FINALISED
        meeting = MeetingFactory(
            school=(school_a, campus_a, school_b)[index % 3],
            body=body,
            status=status,
            chair=people[0] if index % 2 else None,
            start_time=datetime.time(9, 30) if index % 2 else None,
            place="" if index % 2 else "第一会议室",
            finalised_by=district_admin if finalised else None,
            finalised_at=NOW if finalised else None,
        )
        for offset, (kind, attendance) in enumerate([(k, s) for k in AttendanceKind for s in AttendanceStatus]):
            if (offset + index) % 3:
                AttendanceFactory(
                    meeting=meeting,
                    person=PersonFactory(),
                    kind=kind,
                    status=attendance,
                    leave_reason="出差" if attendance == AttendanceStatus.LEAVE else "",
                )
        AttendanceFactory(meeting=meeting, person=PersonFactory(), status="")
        if index % 4 == 3:
            continue  # a meeting without items
        for order, result in enumerate(ItemResult, start=1):
            item = AgendaItemFactory(
                meeting=meeting,
                order=order,
                category=_cycle(MatterCategory, index + order),
                result=result,
                deferral_reason="待调研" if result == ItemResult.DEFERRED else "",
                is_confidential=order % 2 == 0,
                touches_staff_interests=order % 3 == 0,
                secretary_spoke_last=(None, True, False)[order % 3],
                proposer=people[1] if order % 2 else None,
                votes_for=order if order % 2 else None,
                votes_against=0 if order % 2 else None,
                minutes="纪要" if order % 2 else "",
            )
            if order % 2:
                item.pre_communications.set(communications[: order % 3 + 1])
                for person, choice in zip(people, VoteChoice, strict=False):
                    Vote.objects.create(item=item, person=person, choice=choice)
                Recusal.objects.create(item=item, person=people[3], reason="近亲属")
    return people


def _both(client, url, params=None):
    fast = client.get(url, params or {})
    with fastread.disabled():
        slow = client.get(url, params or {})
    assert fast.status_code == slow.status_code == 200, (fast.status_code, slow.content[:300])
    return fast, slow


@pytest.mark.parametrize("user_fixture", ["district_admin", "secretary_a", "clerk_a"])
@pytest.mark.parametrize("resource", ["communications", "meetings", "agenda-items"])
def test_lists_and_records_equal_drf_output(records, api, request, user_fixture, resource):
    client = api(request.getfixturevalue(user_fixture))
    fast, slow = _both(client, f"/api/v1/{resource}/", {"page_size": 500})
    assert fast.content == slow.content
    rows = fast.json()["results"]
    assert rows, "the fixture must give every role something to read"
    for row in rows[:5]:
        one_fast, one_slow = _both(client, f"/api/v1/{resource}/{row['id']}/")
        assert one_fast.content == one_slow.content
        assert one_fast.json() == row


def test_redaction_applies_on_the_fast_path(records, api, district_admin, secretary_a):
    outside = api(district_admin).get("/api/v1/meetings/", {"page_size": 500}).json()["results"]
    inside = api(secretary_a).get("/api/v1/meetings/", {"page_size": 500}).json()["results"]
    hidden = [item for meeting in outside for item in meeting["items"] if item["is_confidential"]]
    assert hidden and all(item["redacted"] and item["proposer"] is None for item in hidden)
    assert all(item["votes"] == [] and item["title"] == "（保密议题）" for item in hidden)
    seen = [item for meeting in inside for item in meeting["items"] if item["is_confidential"]]
    assert seen and not any(item["redacted"] for item in seen)


def test_list_rows_do_not_go_through_drf_field_machinery(records, api, district_admin, monkeypatch):
    """The compiled plan builds the rows: DRF's per-row `Serializer.to_representation` is never reached."""

    def refuse(self, instance):
        raise AssertionError(f"{type(self).__name__} took DRF's path")

    client = api(district_admin)
    monkeypatch.setattr(drf_serializers.Serializer, "to_representation", refuse)
    for resource in ("communications", "meetings", "agenda-items"):
        assert client.get(f"/api/v1/{resource}/", {"page_size": 500}).status_code == 200


@pytest.mark.parametrize("serializer_class", FAST_SERIALIZERS)
def test_every_api_list_serializer_compiles_a_plan(serializer_class):
    plan = fastread.plan_of(serializer_class)
    assert plan is not None
    assert isinstance(serializer_class(many=True), fastread.FastListSerializer)


def test_unusual_values_fall_back_to_drf(records, district_admin):
    """A naive datetime, a value DRF would call, a relation that was not prefetched: still DRF's output."""
    request = APIRequestFactory().get("/")
    request.user = district_admin
    communication = Communication.objects.order_by("pk").first()
    communication.occurred_at = datetime.datetime(2026, 3, 1, 8, 30)  # noqa: DTZ001 - naive: DRF makes it aware
    communication.event_at = datetime.datetime(2026, 3, 1, 8, 30, tzinfo=zoneinfo.ZoneInfo("UTC"))  # → "+08:00"
    communication.subject = lazy(lambda: "惰性字符串", str)()
    instances = [communication, *Communication.objects.order_by("pk")[1:3]]  # participants not prefetched
    context = {"request": request}
    fast = CommunicationSerializer(instances, many=True, context=context).data
    with fastread.disabled():
        slow = CommunicationSerializer(instances, many=True, context=context).data
    assert fast == slow
    assert fast[0]["occurred_at"] == "2026-03-01T08:30:00+08:00"
    assert fast[0]["event_at"] == "2026-03-01T16:30:00+08:00"
    with timezone.override(zoneinfo.ZoneInfo("UTC")):
        assert CommunicationSerializer(communication, context=context).data["event_at"] == "2026-03-01T08:30:00Z"


# --- renderer ---------------------------------------------------------------------------------------------
PAYLOADS = [
    {"next": None, "previous": "http://testserver/api/v1/x/?cursor=abc", "results": []},
    {"中文": "学校\u2028换行\u2029段落", "control": "".join(chr(i) for i in range(32)) + '\x7f"\\/'},
    {"decimal": decimal.Decimal("12.50"), "lazy": lazy(lambda: "延迟", str)(), "set": {1}, "tuple": (1, 2)},
    {"dt": datetime.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC), "d": datetime.date(2026, 1, 2)},
    {"time": datetime.time(9, 30, 0, 5), "delta": datetime.timedelta(hours=1)},
    {"big": 2**70, 1: "int key"},
    {"text": "2e5 and 0.00001 in a string", "nested": [{"a": [True, False, None, 0, -1]}]},
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_renderer_writes_drf_json_byte_for_byte(payload):
    assert FastJSONRenderer().render(payload) == JSONRenderer().render(payload)
    indented = "application/json; indent=4"
    assert FastJSONRenderer().render(payload, indented) == JSONRenderer().render(payload, indented)


def test_renderer_floats_keep_their_values():
    payload = {"floats": [0.1, 1e-05, 1.5e-07, 1e16, 1e22, -0.0, 2.5, 123456.789]}
    assert json.loads(FastJSONRenderer().render(payload)) == json.loads(JSONRenderer().render(payload))


def test_renderer_is_the_api_default(records, api, district_admin):
    response = api(district_admin).get("/api/v1/communications/")
    assert response["Content-Type"] == "application/json"
    assert isinstance(response.accepted_renderer, FastJSONRenderer)
    assert "\\u2028" in response.content.decode() and "“引号”".encode() in response.content
    assert json.loads(response.content) == response.json()


def test_a_plan_works_out_its_getters_once_and_binds_only_the_run_dependent_ones(
    records, api, district_admin, secretary_a, monkeypatch
):
    """The second request with another reader reuses the getters (no `_field_entry`), while its redaction (a per-run
    serializer method and hook) still follows the reader of that request."""
    calls = []
    original = fastread._Plan._field_entry
    monkeypatch.setattr(fastread._Plan, "_field_entry", lambda self, *args: calls.append(1) or original(self, *args))
    api(district_admin).get("/api/v1/meetings/", {"page_size": 500})
    inside = api(secretary_a).get("/api/v1/meetings/", {"page_size": 500}).json()["results"]
    first = len(calls)
    outside = api(district_admin).get("/api/v1/meetings/", {"page_size": 500}).json()["results"]
    assert len(calls) == first
    assert any(item["redacted"] for meeting in outside for item in meeting["items"])
    assert not any(item["redacted"] for meeting in inside for item in meeting["items"])
