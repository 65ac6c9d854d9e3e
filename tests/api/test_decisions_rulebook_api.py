"""`/api/v1/decisions/` under the rulebook v2: implementation reports (nested read-only, the action with
If-Match), emergency decisions, the `same_matter_as` field and the latest legal review when deciding."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from decisions.choices import DecisionStatus, MatterCategory, Outcome, ReviewConclusion, Tier
from meetings.choices import ItemResult, MeetingStatus
from schools.choices import MeetingBody, Post
from tests.factories import (
    AgendaItemFactory,
    AppointmentFactory,
    DecisionFactory,
    ImplementationReportFactory,
    LegalReviewFactory,
    MeetingFactory,
    PersonFactory,
)

S = DecisionStatus
TODAY = timezone.localdate


def days_ago(n):
    return (TODAY() - datetime.timedelta(days=n)).isoformat()


def implementing(school):
    return DecisionFactory(school=school, status=S.IMPLEMENTING, outcome=Outcome.PASSED, decided_on=TODAY())


def test_implementation_report_action_needs_if_match_and_valid_input(clerk_a, api, school_a):
    decision = implementing(school_a)
    client = api(clerk_a, can_write=True)
    url = f"/api/v1/decisions/{decision.pk}/implementation-reports/"
    etag = client.get(f"/api/v1/decisions/{decision.pk}/")["ETag"]
    reporter = AppointmentFactory(school=school_a, post=Post.PRINCIPAL).person
    data = {"reported_on": TODAY().isoformat(), "reporter": reporter.pk, "summary": "已完工。"}

    assert client.post(url, data, format="json").status_code == 428
    office = AgendaItemFactory(meeting=MeetingFactory(school=school_a, body=MeetingBody.PRINCIPAL_OFFICE))
    bad = client.post(url, {**data, "item": office.pk}, format="json", HTTP_IF_MATCH=etag)
    assert bad.status_code == 400 and bad.json()["fields"]["item"] == ["只能关联本校党组织会议的议题。"]
    future = client.post(url, {**data, "reported_on": "2999-01-01"}, format="json", HTTP_IF_MATCH=etag)
    assert future.status_code == 400 and "reported_on" in future.json()["fields"]
    created = client.post(url, data, format="json", HTTP_IF_MATCH=etag)
    assert created.status_code == 201 and created.json()["summary"] == "已完工。"
    body = client.get(f"/api/v1/decisions/{decision.pk}/").json()
    assert [r["summary"] for r in body["implementation_reports"]] == ["已完工。"]
    assert client.post(url, data, format="json", HTTP_IF_MATCH=etag).status_code == 412  # the record changed


def test_implementation_report_action_out_of_scope_is_404(clerk_b, api, school_a):
    decision = implementing(school_a)
    response = api(clerk_b, can_write=True).post(
        f"/api/v1/decisions/{decision.pk}/implementation-reports/", {}, format="json", HTTP_IF_MATCH='"x"'
    )
    assert response.status_code == 404


def test_close_without_report_is_refused_in_chinese(clerk_a, api, school_a):
    decision = implementing(school_a)
    client = api(clerk_a, can_write=True)
    url = f"/api/v1/decisions/{decision.pk}/close/"
    etag = client.get(f"/api/v1/decisions/{decision.pk}/")["ETag"]
    data = {"closing_summary": "已完成。", "closed_on": TODAY().isoformat()}
    refused = client.post(url, data, format="json", HTTP_IF_MATCH=etag)
    assert refused.status_code == 400 and "须先登记校长向党组织报告决议执行情况" in refused.json()["message"]
    ImplementationReportFactory(decision=decision)
    decision.save(update_fields=["updated_at"])
    etag = client.get(f"/api/v1/decisions/{decision.pk}/")["ETag"]
    assert client.post(url, data, format="json", HTTP_IF_MATCH=etag).status_code == 200


def test_emergency_decision_through_the_api(clerk_a, api, school_a):
    principal = PersonFactory()
    AppointmentFactory(school=school_a, person=principal, post=Post.PRINCIPAL, start=datetime.date(2020, 1, 1))
    decision = DecisionFactory(school=school_a, status=S.ON_AGENDA)
    client = api(clerk_a, can_write=True)
    url = f"/api/v1/decisions/{decision.pk}/decide/"
    etag = client.get(f"/api/v1/decisions/{decision.pk}/")["ETag"]
    data = {"is_emergency": True, "decided_by": principal.pk, "decided_on": days_ago(1)}
    missing = client.post(url, data, format="json", HTTP_IF_MATCH=etag)
    assert missing.status_code == 400 and "emergency_reason" in missing.json()["fields"]
    done = client.post(url, {**data, "emergency_reason": "暴雨抢修"}, format="json", HTTP_IF_MATCH=etag)
    assert done.status_code == 200
    assert (done.json()["is_emergency"], done.json()["decided_by"]) == (True, principal.pk)
    assert "暴雨抢修" in done.json()["transitions"][-1]["note"]


@pytest.mark.parametrize(
    ("conclusions", "status"),
    [([ReviewConclusion.LAWFUL, ReviewConclusion.UNLAWFUL], 400), ([ReviewConclusion.UNLAWFUL, "lawful"], 200)],
)
def test_deciding_through_the_api_reads_the_latest_review(clerk_a, api, school_a, conclusions, status):
    meeting = MeetingFactory(school=school_a, date=TODAY() - datetime.timedelta(days=1), status=MeetingStatus.HELD)
    item = AgendaItemFactory(meeting=meeting, result=ItemResult.PASSED)
    decision = DecisionFactory(school=school_a, status=S.ON_AGENDA, agenda_items=[item])
    for offset, conclusion in enumerate(conclusions):
        LegalReviewFactory(
            decision=decision, reviewed_on=TODAY() - datetime.timedelta(days=5 - offset), conclusion=conclusion
        )
    client = api(clerk_a, can_write=True)
    etag = client.get(f"/api/v1/decisions/{decision.pk}/")["ETag"]
    response = client.post(
        f"/api/v1/decisions/{decision.pk}/decide/", {"item": item.pk}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == status


@pytest.mark.parametrize(("amount", "category"), [("40000", MatterCategory.LARGE_FUNDS), ("39999.99", "general")])
def test_same_matter_as_sums_the_parts(clerk_a, api, school_a, amount, category):
    root = DecisionFactory(school=school_a, amount=Decimal(60000), category="general", tier=Tier.CONSULT)
    client = api(clerk_a, can_write=True)
    data = {"school": school_a.pk, "title": "二期", "category": "general", "tier": "consult", "amount": amount}
    response = client.post("/api/v1/decisions/", {**data, "same_matter_as": root.pk}, format="json")
    assert response.status_code == 201
    assert (response.json()["category"], response.json()["same_matter_as"]) == (category, root.pk)


def test_same_matter_as_of_another_school_is_refused(clerk_a, api, school_a, school_b):
    data = {"school": school_a.pk, "title": "二期", "category": "general", "tier": "consult"}
    client = api(clerk_a, can_write=True)
    foreign = client.post(
        "/api/v1/decisions/", {**data, "same_matter_as": DecisionFactory(school=school_b).pk}, format="json"
    )
    assert foreign.status_code == 400 and "same_matter_as" in foreign.json()["fields"]
    part = DecisionFactory(school=school_a, same_matter_as=DecisionFactory(school=school_a))
    nested = client.post("/api/v1/decisions/", {**data, "same_matter_as": part.pk}, format="json")
    assert nested.status_code == 400 and "same_matter_as" in nested.json()["fields"]


def test_decision_list_with_reports_costs_the_same_queries(clerk_a, api, school_a):
    client = api(clerk_a)
    ImplementationReportFactory(decision=implementing(school_a))
    client.get("/api/v1/decisions/")
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/decisions/")
    for _ in range(5):
        ImplementationReportFactory.create_batch(2, decision=implementing(school_a))
    client.get("/api/v1/decisions/")
    with CaptureQueriesContext(connection) as many:
        body = client.get("/api/v1/decisions/").json()
    assert len(many) == len(one)
    assert sum(len(d["implementation_reports"]) for d in body["results"]) == 11
