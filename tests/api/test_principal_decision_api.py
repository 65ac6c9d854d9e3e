"""`/api/v1/agenda-items/` under Rulebook v2: the 校长办公会 principal's decision action, the added item fields
(v1, backwards compatible) and legacy votes on a 校长办公会 item, which keep getting 2xx but decide nothing."""

import io

import pytest
from django.core.management import call_command

from decisions.models import Finding
from meetings.choices import ItemResult, MatterCategory, PrincipalDecision
from meetings.models import AgendaItem
from schools.choices import MeetingBody
from tests.factories import AgendaItemFactory, HeldMeetingFactory

ITEMS = "/api/v1/agenda-items/"


def etag(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response["ETag"]


def office_item(school, roster=(4, 2), **fields) -> AgendaItem:
    meeting = HeldMeetingFactory(school=school, body=MeetingBody.PRINCIPAL_OFFICE, roster=roster)
    return AgendaItemFactory(meeting=meeting, **fields)


def post(client, item, action, payload, *, if_match=True):
    url = f"{ITEMS}{item.pk}/"
    headers = {"HTTP_IF_MATCH": etag(client, url)} if if_match else {}
    return client.post(f"{url}{action}/", payload, format="json", **headers)


DECISION = {"principal_decision": "agree", "views_heard": "副校长甲、乙同意，丙建议分步实施。"}


def test_principal_decision_with_no_votes_passes_and_raises_nothing(api, school_a, principal_a):
    client = api(principal_a, can_write=True)
    item = office_item(school_a)
    response = post(client, item, "principal-decision", DECISION)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["principal_decision"] == "agree"
    assert body["principal_decision_label"] == "同意"
    assert body["views_heard"] == DECISION["views_heard"]
    assert (body["result"], body["decision_method"], body["votes_for"]) == (ItemResult.PASSED, "principal", None)
    assert response["ETag"] == etag(client, f"{ITEMS}{item.pk}/")
    unquorate = office_item(school_a, roster=(4, 1), principal_decision="agree", result=ItemResult.PASSED)
    call_command("check_compliance", "--school", school_a.code, stdout=io.StringIO())
    found = Finding.objects.filter(rule__in=["QUORUM", "MAJORITY", "QUORUM_PERSONNEL"], resolved_at__isnull=True)
    assert list(found.values_list("object_id", "rule")) == [(unquorate.pk, "QUORUM")]


def test_principal_decision_refusals_are_400_and_write_nothing(api, school_a, principal_a):
    client = api(principal_a, can_write=True)
    short = office_item(school_a, roster=(4, 1))
    response = post(client, short, "principal-decision", DECISION)
    assert response.status_code == 400
    assert "未达到应到人数半数以上" in response.json()["message"]
    item = office_item(school_a)
    response = post(client, item, "principal-decision", {"principal_decision": "defer", "views_heard": ""})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"views_heard", "deferral_reason"}
    response = post(client, item, "principal-decision", {**DECISION, "principal_decision": "passed"})
    assert response.status_code == 400 and "principal_decision" in response.json()["fields"]
    item.refresh_from_db()
    short.refresh_from_db()
    assert (item.result, item.principal_decision, short.result) == (ItemResult.PENDING, "", ItemResult.PENDING)


def test_principal_decision_defer_needs_reason_and_if_match(api, school_a, principal_a):
    client = api(principal_a, can_write=True)
    item = office_item(school_a)
    assert post(client, item, "principal-decision", DECISION, if_match=False).status_code == 428
    payload = {**DECISION, "principal_decision": "defer", "deferral_reason": "待教代会讨论"}
    body = post(client, item, "principal-decision", payload).json()
    assert (body["result"], body["deferral_reason"]) == (ItemResult.DEFERRED, "待教代会讨论")


def test_principal_decision_at_a_voting_body_is_refused(api, school_a, principal_a):
    client = api(principal_a, can_write=True)
    item = AgendaItemFactory(meeting=HeldMeetingFactory(school=school_a, roster=(4, 4)))
    response = post(client, item, "principal-decision", DECISION)
    assert response.status_code == 400 and "只有校长办公会" in response.json()["message"]


def test_principal_decision_needs_a_write_token_and_scope(api, school_a, principal_a, clerk_b):
    item = office_item(school_a)
    assert post(api(principal_a), item, "principal-decision", DECISION).status_code == 403
    url = f"{ITEMS}{item.pk}/principal-decision/"
    assert api(clerk_b, can_write=True).post(url, DECISION, format="json", HTTP_IF_MATCH='"x"').status_code == 404


def test_legacy_votes_on_a_principal_office_item_are_accepted_and_decide_nothing(api, school_a, principal_a):
    client = api(principal_a, can_write=True)
    item = office_item(school_a, roster=(4, 4))
    totals = {"totals": {"for": 4, "against": 0, "abstain": 0}}
    response = post(client, item, "votes", {**totals, "result": "passed"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["votes_for"], body["result"], body["decision_method"]) == (4, ItemResult.PENDING, "principal")
    post(client, item, "principal-decision", {**DECISION, "principal_decision": "disagree"})
    response = post(client, item, "votes", totals)
    assert response.status_code == 200
    assert (response.json()["result"], response.json()["principal_decision"]) == (ItemResult.REJECTED, "disagree")


def test_voting_body_item_shape_keeps_its_fields(api, school_a, principal_a):
    client = api(principal_a, can_write=True)
    item = AgendaItemFactory(meeting=HeldMeetingFactory(school=school_a, roster=(4, 2)))
    votes = {"totals": {"for": 2, "against": 0, "abstain": 0}, "secretary_spoke_last": True}
    body = post(client, item, "votes", votes).json()
    assert (body["result"], body["decision_method"], body["principal_decision"]) == (ItemResult.REJECTED, "vote", "")
    assert body["principal_decision_label"] == ""


@pytest.mark.parametrize("reader", ["district_viewer", "principal_a"])
def test_views_heard_redacted_on_confidential_items_outside_the_school(api, request, school_a, reader):
    item = office_item(
        school_a,
        category=MatterCategory.PERSONNEL,
        is_confidential=True,
        views_heard="对人选的意见",
        principal_decision=PrincipalDecision.AGREE,
        result=ItemResult.PASSED,
    )
    body = api(request.getfixturevalue(reader)).get(f"{ITEMS}{item.pk}/").json()
    assert body["principal_decision"] == "agree"
    assert body["views_heard"] == ("" if reader == "district_viewer" else "对人选的意见")
