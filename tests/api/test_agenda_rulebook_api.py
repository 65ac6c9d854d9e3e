"""`/api/v1/` fields of how an item reaches the agenda: `notice_sent_at` on meetings, `lead_member`,
`added_at_meeting`, `chair_consented` and the nested 酝酿 on agenda items, and the `deliberations` action
(If-Match, scope, refusals as 400 with the service's Chinese message, constant query counts)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings import services
from meetings.choices import MatterCategory
from meetings.models import Deliberation
from schools.choices import MeetingBody
from tests.api.test_meetings_api import (  # noqa: F401 - fixtures
    ITEMS,
    MEETINGS,
    YESTERDAY,
    add_item,
    committee_a,
    etag,
    held_meeting,
    log_communication,
    pair_a,
)
from tests.factories import DeliberationFactory


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def personnel(clerk_a, principal_a, school_a, pair_a, committee_a):  # noqa: F811
    """A held 党组织会议 of school A with a 干部任免 item that passed the 会前沟通 gate."""
    meeting = held_meeting(clerk_a, school_a, committee_a.party)
    talk = log_communication(clerk_a, school_a, pair_a)
    services.communication_confirm(user=principal_a, communication=talk)
    return add_item(
        clerk_a, meeting, title="任命教学副校长", category=MatterCategory.PERSONNEL, pre_communications=[talk]
    )


def test_meeting_notice_is_written_and_read(api, clerk_a, school_a, committee_a):  # noqa: F811
    client = api(clerk_a, can_write=True)
    payload = {"school": school_a.pk, "body": MeetingBody.PARTY_COMMITTEE, "title": "党组织会议", "date": YESTERDAY}
    late = client.post(
        MEETINGS, {**payload, "start_time": "09:00", "notice_sent_at": at(YESTERDAY, 9, 30)}, format="json"
    )
    assert late.status_code == 400
    assert late.json()["fields"]["notice_sent_at"] == ["通知及材料送达时间不能晚于会议开始时间。"]
    sent = at(YESTERDAY - datetime.timedelta(days=1), 17)
    created = client.post(MEETINGS, {**payload, "start_time": "09:00", "notice_sent_at": sent}, format="json")
    assert created.status_code == 201, created.content
    url = f"{MEETINGS}{created.json()['id']}/"
    assert client.get(url).json()["notice_sent_at"] == timezone.localtime(sent).isoformat()
    cleared = client.patch(url, {"notice_sent_at": None}, format="json", HTTP_IF_MATCH=etag(client, url))
    assert cleared.status_code == 200 and cleared.json()["notice_sent_at"] is None


def test_item_entry_fields_are_checked_by_the_service(api, clerk_a, school_a, committee_a):  # noqa: F811
    client = api(clerk_a, can_write=True)
    meeting = held_meeting(clerk_a, school_a, committee_a.party)
    base = {"meeting": meeting.pk, "title": "临时动议：运动会安排", "category": MatterCategory.GENERAL}
    no_consent = client.post(ITEMS, {**base, "added_at_meeting": True}, format="json")
    assert no_consent.status_code == 400
    assert no_consent.json()["fields"]["chair_consented"] == ["临时动议须经会议主持人同意，请登记主持人已同意。"]
    outsider = committee_a.party[0].pk + 10_000
    bad_lead = client.post(ITEMS, {**base, "lead_member": outsider}, format="json")
    assert bad_lead.status_code == 400 and "lead_member" in bad_lead.json()["fields"]
    lead = committee_a.party[3]
    created = client.post(
        ITEMS, {**base, "added_at_meeting": True, "chair_consented": True, "lead_member": lead.pk}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["added_at_meeting"], body["chair_consented"], body["lead_member"]) == (True, True, lead.pk)
    url = f"{ITEMS}{body['id']}/"
    big = client.patch(
        url,
        {"category": MatterCategory.MAJOR_DECISION, "gate_override_reason": ""},
        format="json",
        HTTP_IF_MATCH=etag(client, url),
    )
    assert big.status_code == 400


def test_deliberations_action(api, clerk_a, clerk_b, pair_a, personnel):  # noqa: F811
    client = api(clerk_a, can_write=True)
    url = f"{ITEMS}{personnel.pk}/"
    action = f"{url}deliberations/"
    data = {
        "held_on": YESTERDAY,
        "circle": "党组织班子成员",
        "participants": [pair_a.secretary.pk, pair_a.principal.pk],
    }
    assert client.post(action, data, format="json").status_code == 428
    assert client.post(action, data, format="json", HTTP_IF_MATCH='"stale"').status_code == 412
    late = client.post(
        action,
        {**data, "held_on": YESTERDAY + datetime.timedelta(days=1)},
        format="json",
        HTTP_IF_MATCH=etag(client, url),
    )
    assert late.status_code == 400 and "不能晚于会议日期" in late.json()["fields"]["held_on"][0]
    assert not Deliberation.objects.exists()
    tag = etag(client, url)
    done = client.post(action, data, format="json", HTTP_IF_MATCH=tag)
    assert done.status_code == 200, done.content
    assert done["ETag"] != tag
    (deliberation,) = done.json()["deliberations"]
    assert deliberation["circle"] == "党组织班子成员"
    assert deliberation["held_on"] == YESTERDAY.isoformat()
    assert deliberation["participants"] == [pair_a.secretary.pk, pair_a.principal.pk]
    (meeting_item,) = client.get(f"{MEETINGS}{personnel.meeting_id}/").json()["items"]
    assert meeting_item["deliberations"] == done.json()["deliberations"]
    other = api(clerk_b, can_write=True)
    assert other.post(action, data, format="json", HTTP_IF_MATCH=tag).status_code == 404


def test_deliberations_are_redacted_outside_the_school(api, district_viewer, personnel):
    DeliberationFactory(item=personnel)
    item = api(district_viewer).get(f"{ITEMS}{personnel.pk}/").json()
    assert item["redacted"] is True
    assert (item["deliberations"], item["lead_member"]) == ([], None)


def test_list_query_counts_do_not_grow_with_deliberations(api, clerk_a, personnel):
    client = api(clerk_a)
    client.get(ITEMS)

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    DeliberationFactory(item=personnel)
    few = {url: count(url) for url in (ITEMS, MEETINGS)}
    for _ in range(5):
        DeliberationFactory(item=personnel)
    assert {url: count(url) for url in (ITEMS, MEETINGS)} == few
