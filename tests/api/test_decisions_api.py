"""`/api/v1/` decisions, consultations, tasks, findings and the 事项清单: scope (404 out of scope), writes
through the services with If-Match, the error shape, filters, cursor pages and query counts."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from decisions.choices import DecisionStatus, FindingSeverity, MatterCategory, Outcome, TaskStatus, Tier
from decisions.models import (
    Consultation,
    Decision,
    DecisionTransition,
    Evidence,
    Finding,
    LegalReview,
    MatterType,
    Task,
    TaskProgress,
)
from decisions.rules import run_rules
from meetings import services as meeting_services
from meetings.choices import AttendanceStatus, CommunicationCategory, CommunicationOutcome, CommunicationTiming
from schools.choices import MeetingBody
from tests.factories import (
    AgendaItemFactory,
    CommunicationFactory,
    DecisionFactory,
    EducationGroupFactory,
    MeetingFactory,
    PersonFactory,
    PolicyFactory,
    TaskFactory,
    UserFactory,
)
from tests.meetings.conftest import _body, _pair

TODAY = timezone.localdate
NOT_FOUND = {"code": "not_found", "message": "对象不存在或不在您的权限范围内。", "fields": {}}
ROLES = ["district_admin", "district_viewer", "xuequ_viewer", "secretary_a", "principal_a", "clerk_a", "clerk_b"]


def days_ago(n: int) -> str:
    return (TODAY() - datetime.timedelta(days=n)).isoformat()


def finding_for(record, *, rule="TASK_OVERDUE", school=None, **extra):
    now = timezone.now()
    return Finding.objects.create(
        rule=rule,
        severity=extra.pop("severity", FindingSeverity.VIOLATION),
        school=school or record.decision.school,
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        message=extra.pop("message", f"“{record}”已逾期。"),
        last_seen=extra.pop("last_seen", now),
        **extra,
    )


@pytest.fixture
def records(school_a, campus_a, school_b):
    """For each of school A, its campus and school B: a decision, a task, a consultation and a finding."""
    rows = {}
    for school in (school_a, campus_a, school_b):
        task = TaskFactory(decision__school=school)
        Consultation.objects.create(
            decision=task.decision, person=PersonFactory(), consulted_on=TODAY(), opinion="同意。"
        )
        finding_for(task)
        rows[school.code] = task
    return rows


def visible_codes(role, school_a, campus_a, school_b):
    everything = {school_a.pk, campus_a.pk, school_b.pk}
    return {
        "district_admin": everything,
        "district_viewer": everything,
        "xuequ_viewer": {school_a.pk, campus_a.pk},
        "secretary_a": {school_a.pk, campus_a.pk},
        "principal_a": {school_a.pk, campus_a.pk},
        "clerk_a": {school_a.pk},
        "clerk_b": {school_b.pk},
    }[role]


# --- fixtures (as in tests/meetings/conftest.py, which does not reach this directory) ---------------------
@pytest.fixture
def pair_a(school_a, secretary_a, principal_a):
    secretary, principal = _pair(school_a, "张书记", "李校长")
    secretary_a.person, principal_a.person = secretary, principal
    secretary_a.save()
    principal_a.save()
    return SimpleNamespace(secretary=secretary, principal=principal)


@pytest.fixture
def committee_a(school_a, pair_a):
    """School A's 党组织会议 of 5 members, the pair first."""
    party = _body(
        school_a, MeetingBody.PARTY_COMMITTEE, [pair_a.secretary, pair_a.principal, *PersonFactory.create_batch(3)]
    )
    return SimpleNamespace(party=party)


# --- Scope ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_every_list_is_scoped_and_out_of_scope_is_404(role, request, api, records, school_a, campus_a, school_b):
    client = api(request.getfixturevalue(role))
    visible = visible_codes(role, school_a, campus_a, school_b)
    tasks = {task.decision.school_id: task for task in records.values()}
    objects = {
        "decisions": {school: task.decision_id for school, task in tasks.items()},
        "tasks": {school: task.pk for school, task in tasks.items()},
        "consultations": {school: task.decision.consultations.get().pk for school, task in tasks.items()},
        "findings": {school: Finding.objects.get(object_id=task.pk).pk for school, task in tasks.items()},
    }
    for resource, by_school in objects.items():
        response = client.get(f"/api/v1/{resource}/")
        assert response.status_code == 200, resource
        assert {row["school"] for row in response.json()["results"]} == visible, resource
        for school, pk in by_school.items():
            detail = client.get(f"/api/v1/{resource}/{pk}/")
            if school in visible:
                assert detail.status_code == 200 and detail["ETag"]
            else:
                assert detail.status_code == 404 and detail.json() == NOT_FOUND, (resource, school)


def test_other_school_gets_404_on_every_endpoint_and_action(clerk_b, api, records):
    client = api(clerk_b, can_write=True)
    task = records["A001"]
    decision = task.decision
    consultation = decision.consultations.get()
    finding = Finding.objects.get(object_id=task.pk)
    etag = '"whatever"'
    calls = [
        ("get", f"/api/v1/decisions/{decision.pk}/"),
        ("patch", f"/api/v1/decisions/{decision.pk}/"),
        ("put", f"/api/v1/decisions/{decision.pk}/"),
        *[
            ("post", f"/api/v1/decisions/{decision.pk}/{name}/")
            for name in ("transition", "link-item", "decide", "close", "amendments", "legal-reviews")
        ],
        ("get", f"/api/v1/tasks/{task.pk}/"),
        ("post", f"/api/v1/tasks/{task.pk}/progress/"),
        ("post", f"/api/v1/tasks/{task.pk}/complete/"),
        ("get", f"/api/v1/consultations/{consultation.pk}/"),
        ("get", f"/api/v1/findings/{finding.pk}/"),
    ]
    for method, url in calls:
        response = getattr(client, method)(url, {}, format="json", HTTP_IF_MATCH=etag)
        assert response.status_code == 404, (method, url)
        assert response.json() == NOT_FOUND


def test_writes_referring_to_another_schools_records_are_refused(clerk_b, api, records):
    client = api(clerk_b, can_write=True)
    decision = records["A001"].decision
    response = client.post(
        "/api/v1/tasks/",
        {"decision": decision.pk, "title": "越权任务", "owner": PersonFactory().pk, "due_on": TODAY().isoformat()},
        format="json",
    )
    assert response.status_code == 400 and {"decision", "owner"} <= set(response.json()["fields"])
    response = client.post(
        "/api/v1/decisions/",
        {"school": decision.school_id, "title": "越权事项", "category": "general", "tier": "autonomous"},
        format="json",
    )
    assert response.status_code == 400 and "school" in response.json()["fields"]
    assert not Task.objects.filter(title="越权任务").exists() and not Decision.objects.filter(title="越权事项").exists()


# --- Creating and editing decisions -----------------------------------------------------------------
def test_create_decision_with_write_token_and_read_only_token_is_403(clerk_a, api, school_a):
    body = {
        "school": school_a.pk,
        "title": "校园绿化方案",
        "category": MatterCategory.GENERAL,
        "tier": Tier.AUTONOMOUS,
        "amount": "3000.5",
    }
    refused = api(clerk_a).post("/api/v1/decisions/", body, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied" and "只读令牌" in refused.json()["message"]
    assert not Decision.objects.exists()

    response = api(clerk_a, can_write=True).post("/api/v1/decisions/", body, format="json")
    assert response.status_code == 201 and response["ETag"]
    data = response.json()
    assert data["amount"] == "3000.50"
    assert (data["category"], data["category_label"]) == ("general", "一般事项")
    assert (data["tier"], data["tier_label"]) == ("autonomous", "小事 自主决策")
    assert (data["status"], data["status_label"]) == ("draft", "拟议")
    assert data["outcome"] == "" and data["deciding_item"] is None
    [transition] = data["transitions"]
    assert transition["to_status"] == "draft" and transition["by"] == clerk_a.pk and transition["at"]
    assert transition["by_name"] == "clerk_a"
    assert Decision.objects.get().created_by == clerk_a


def test_viewer_with_write_token_is_403_from_the_service(district_viewer, api, school_a):
    response = api(district_viewer, can_write=True).post(
        "/api/v1/decisions/",
        {"school": school_a.pk, "title": "事项", "category": "general", "tier": "autonomous"},
        format="json",
    )
    assert response.status_code == 403 and response.json()["message"] == "您没有登记或修改本校决策事项的权限。"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"amount": "-1"}, "amount"),
        ({"category": MatterCategory.MAJOR_PROJECT, "tier": Tier.AUTONOMOUS}, "tier"),
        ({"category": "whatever"}, "category"),
        ({"category": None, "tier": None}, "category"),
        ({"school": None}, "school"),
    ],
)
def test_bad_decision_input_is_400_with_fields(clerk_a, api, school_a, overrides, field):
    body = {"school": school_a.pk, "title": "教学楼维修", "category": "general", "tier": "consult"}
    body.update(overrides)
    body = {key: value for key, value in body.items() if value is not None}
    response = api(clerk_a, can_write=True).post("/api/v1/decisions/", body, format="json")
    assert response.status_code == 400
    error = response.json()
    assert error["code"] and field in error["fields"] and error["message"]
    assert not Decision.objects.exists()


def test_sanzhong_yida_in_the_wrong_tier_has_a_chinese_message(clerk_a, api, school_a):
    response = api(clerk_a, can_write=True).post(
        "/api/v1/decisions/",
        {"school": school_a.pk, "title": "新建体育馆", "category": "major_project", "tier": "autonomous"},
        format="json",
    )
    assert response.json()["fields"]["tier"] == ["三重一大事项必须由集体讨论决定，请选择“大事难事 集体讨论”。"]


@pytest.mark.parametrize(
    ("threshold", "amount", "forced"),
    [(None, "100000", True), (None, "99999.99", False), ("50000", "60000", True), ("50000", "49999", False)],
)
def test_amount_at_or_above_the_policy_threshold_is_forced_collective(
    clerk_a, api, school_a, threshold, amount, forced
):
    if threshold:
        PolicyFactory(school=school_a, large_amount_threshold=Decimal(threshold))
    response = api(clerk_a, can_write=True).post(
        "/api/v1/decisions/",
        {"school": school_a.pk, "title": "采购教学设备", "category": "general", "tier": "autonomous", "amount": amount},
        format="json",
    )
    assert response.status_code == 201
    data = response.json()
    expected = ("large_funds", "collective") if forced else ("general", "autonomous")
    assert (data["category"], data["tier"]) == expected
    assert data["category_label"] == ("大额度资金使用" if forced else "一般事项")


def test_matter_type_suggests_category_and_tier(clerk_a, api, school_a):
    matter = MatterType.objects.create(
        name="校级干部任免",
        category=MatterCategory.PERSONNEL,
        tier=Tier.COLLECTIVE,
        bodies_required=["party_committee"],
    )
    response = api(clerk_a, can_write=True).post(
        "/api/v1/decisions/", {"school": school_a.pk, "title": "任命教务主任", "matter_type": matter.pk}, format="json"
    )
    assert response.status_code == 201
    data = response.json()
    assert (data["category"], data["tier"], data["matter_type"]) == ("personnel", "collective", matter.pk)


def test_update_needs_if_match_and_refuses_stale_writes(clerk_a, api, school_a):
    client = api(clerk_a, can_write=True)
    created = client.post(
        "/api/v1/decisions/",
        {"school": school_a.pk, "title": "教学楼维修", "category": "general", "tier": "consult"},
        format="json",
    )
    url = f"/api/v1/decisions/{created.json()['id']}/"
    etag = created["ETag"]
    assert client.get(url)["ETag"] == etag

    missing = client.patch(url, {"title": "教学楼维修（一期）"}, format="json")
    assert missing.status_code == 428 and missing.json()["code"] == "precondition_required"
    assert "If-Match" in missing.json()["message"]

    ok = client.patch(url, {"title": "教学楼维修（一期）", "amount": "2000"}, format="json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200 and ok["ETag"] != etag
    assert ok.json()["title"] == "教学楼维修（一期）" and ok.json()["amount"] == "2000.00"

    stale = client.patch(url, {"title": "被覆盖"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["message"] == "记录已被他人修改，请重新读取后再提交。"
    assert Decision.objects.get().title == "教学楼维修（一期）"

    moved = client.patch(url, {"school": school_a.pk + 1000}, format="json", HTTP_IF_MATCH=ok["ETag"])
    assert moved.status_code == 400 and "school" in moved.json()["fields"]
    forced = client.put(
        url, {"title": "教学楼维修", "amount": "200000"}, format="json", HTTP_IF_MATCH=client.get(url)["ETag"]
    )
    assert forced.status_code == 200 and (forced.json()["category"], forced.json()["tier"]) == (
        "large_funds",
        "collective",
    )
    assert client.delete(url, HTTP_IF_MATCH=forced["ETag"]).status_code == 405


def test_decided_decision_cannot_be_edited_409(clerk_a, api, school_a):
    decision = DecisionFactory(
        school=school_a, status=DecisionStatus.DECIDED, outcome=Outcome.PASSED, decided_on=TODAY()
    )
    client = api(clerk_a, can_write=True)
    url = f"/api/v1/decisions/{decision.pk}/"
    response = client.patch(url, {"title": "改名"}, format="json", HTTP_IF_MATCH=client.get(url)["ETag"])
    assert response.status_code == 409
    assert response.json()["code"] == "finalised" and "不能修改" in response.json()["message"]


# --- Lifecycle actions ------------------------------------------------------------------------------
def test_transitions_need_if_match_and_illegal_ones_are_400_in_chinese(clerk_a, api, school_a):
    decision = DecisionFactory(school=school_a, category="general", tier="consult")
    client = api(clerk_a, can_write=True)
    url = f"/api/v1/decisions/{decision.pk}/transition/"
    etag = client.get(f"/api/v1/decisions/{decision.pk}/")["ETag"]

    assert client.post(url, {"to_status": "communicating"}, format="json").status_code == 428
    illegal = client.post(url, {"to_status": "decided"}, format="json", HTTP_IF_MATCH=etag)
    assert illegal.status_code == 400
    assert illegal.json() == {"code": "invalid", "message": "不能从“拟议”直接变更为“已决策”。", "fields": {}}
    unknown = client.post(url, {"to_status": "flying"}, format="json", HTTP_IF_MATCH=etag)
    assert unknown.status_code == 400 and "to_status" in unknown.json()["fields"]

    moved = client.post(url, {"to_status": "communicating", "note": "书记校长约谈"}, format="json", HTTP_IF_MATCH=etag)
    assert moved.status_code == 200 and moved.json()["status"] == "communicating"
    assert moved.json()["transitions"][-1]["note"] == "书记校长约谈"
    stale = client.post(url, {"to_status": "on_agenda"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    no_item = client.post(url, {"to_status": "on_agenda"}, format="json", HTTP_IF_MATCH=moved["ETag"])
    assert no_item.status_code == 400 and no_item.json()["message"] == "请先将事项关联到会议议题。"


def test_read_only_token_is_403_on_actions(clerk_a, api, school_a):
    decision = DecisionFactory(school=school_a)
    client = api(clerk_a)
    etag = client.get(f"/api/v1/decisions/{decision.pk}/")["ETag"]
    response = client.post(
        f"/api/v1/decisions/{decision.pk}/transition/", {"to_status": "communicating"}, HTTP_IF_MATCH=etag
    )
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert Decision.objects.get().status == DecisionStatus.DRAFT


@pytest.fixture
def held_party_meeting(clerk_a, principal_a, school_a, pair_a, committee_a):
    """A held 党组织会议 of school A (all 5 members present) with a 三重一大 item, pre-communicated in consensus."""
    communication = meeting_services.communication_create(
        user=clerk_a,
        school=school_a,
        occurred_at=timezone.now() - datetime.timedelta(days=3),
        category=CommunicationCategory.SANZHONG_YIDA,
        timing=CommunicationTiming.BEFORE_DECISION,
        subject="食堂改造项目",
        summary="书记校长就食堂改造方案充分交换意见，意见一致。",
        outcome=CommunicationOutcome.CONSENSUS,
        participants=[pair_a.secretary, pair_a.principal],
    )
    meeting_services.communication_confirm(user=principal_a, communication=communication)
    meeting = meeting_services.meeting_create(
        user=clerk_a,
        school=school_a,
        body=MeetingBody.PARTY_COMMITTEE,
        title="党委会",
        date=TODAY() - datetime.timedelta(days=1),
    )
    statuses = {person.pk: (AttendanceStatus.PRESENT, "") for person in committee_a.party}
    meeting_services.meeting_record_attendance(user=clerk_a, meeting=meeting, statuses=statuses)
    meeting = meeting_services.meeting_mark_held(user=clerk_a, meeting=meeting)
    item = meeting_services.agenda_item_create(
        user=clerk_a,
        meeting=meeting,
        title="食堂改造项目",
        category=MatterCategory.MAJOR_PROJECT,
        pre_communications=[communication],
    )
    return {"meeting": meeting, "item": item, "communication": communication}


def test_collective_decision_is_decided_through_its_agenda_item(
    clerk_a, secretary_a, api, school_a, school_b, pair_a, held_party_meeting
):
    client = api(clerk_a, can_write=True)
    item, meeting = held_party_meeting["item"], held_party_meeting["meeting"]
    created = client.post(
        "/api/v1/decisions/",
        {
            "school": school_a.pk,
            "title": "食堂改造项目",
            "category": "major_project",
            "tier": "collective",
            "amount": "80000",
            "responsible_leaders": [pair_a.principal.pk],
            "communications": [held_party_meeting["communication"].pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["responsible_leaders"] == [pair_a.principal.pk]
    assert data["communications"] == [held_party_meeting["communication"].pk]
    base = f"/api/v1/decisions/{data['id']}"

    def post(action, body, etag=None):
        tag = etag or client.get(f"{base}/")["ETag"]
        return client.post(f"{base}/{action}/", body, format="json", HTTP_IF_MATCH=tag)

    foreign = AgendaItemFactory(meeting=MeetingFactory(school=school_b))
    assert "item" in post("link-item", {"item": foreign.pk}).json()["fields"]
    linked = post("link-item", {"item": item.pk})
    assert linked.status_code == 200
    assert linked.json()["status"] == "on_agenda" and linked.json()["agenda_items"] == [item.pk]

    pending = post("decide", {"item": item.pk})
    assert pending.status_code == 400 and pending.json()["fields"] == {"item": ["该议题尚未表决。"]}
    meeting_services.agenda_item_record_votes(user=clerk_a, item=item, totals=(4, 1, 0), secretary_spoke_last=True)
    unreviewed = post("decide", {"item": item.pk})
    assert unreviewed.status_code == 400
    assert unreviewed.json()["message"] == "三重一大事项决策前须经合法性审查，请先登记合法性审查。"

    etag = client.get(f"{base}/")["ETag"]
    review = post(
        "legal-reviews", {"reviewer": "学校法律顾问", "reviewed_on": days_ago(2), "conclusion": "lawful"}, etag
    )
    assert review.status_code == 201 and review.json()["conclusion_label"] == "合法合规"
    assert post("legal-reviews", {"reviewer": "x", "reviewed_on": days_ago(2), "conclusion": "ok"}).status_code == 400
    assert post("decide", {"item": item.pk}, etag).status_code == 412  # the review changed the record

    decided = post("decide", {"item": item.pk})
    assert decided.status_code == 200
    data = decided.json()
    assert (data["status"], data["outcome"], data["outcome_label"]) == ("decided", "passed", "通过")
    assert data["decided_on"] == meeting.date.isoformat() and data["deciding_item"] == item.pk
    assert [r["reviewer"] for r in data["legal_reviews"]] == ["学校法律顾问"]
    assert [t["to_status"] for t in data["transitions"]] == ["draft", "on_agenda", "decided"]

    edit = client.patch(f"{base}/", {"title": "改"}, format="json", HTTP_IF_MATCH=decided["ETag"])
    assert edit.status_code == 409
    assert post("decide", {"item": item.pk}).status_code == 409
    assert (
        post("legal-reviews", {"reviewer": "x", "reviewed_on": days_ago(1), "conclusion": "lawful"}).status_code == 409
    )

    body = {"correction": "金额应为 8.5 万元", "reason": "笔误"}
    assert post("amendments", body).status_code == 403  # a clerk cannot amend
    amended = api(secretary_a, can_write=True).post(
        f"{base}/amendments/", body, format="json", HTTP_IF_MATCH=decided["ETag"]
    )
    assert amended.status_code == 201
    assert amended.json()["correction"] == "金额应为 8.5 万元" and amended.json()["created_by"] == secretary_a.pk
    assert Decision.objects.get().title == "食堂改造项目"


def test_consult_decision_with_consultation_and_autonomous_with_leader(clerk_a, api, school_a, pair_a):
    client = api(clerk_a, can_write=True)
    consult = DecisionFactory(school=school_a, category="general", tier="consult")
    url = f"/api/v1/decisions/{consult.pk}/decide/"
    body = {"decided_on": TODAY().isoformat()}
    refused = client.post(
        url, body, format="json", HTTP_IF_MATCH=client.get(f"/api/v1/decisions/{consult.pk}/")["ETag"]
    )
    assert refused.status_code == 400 and refused.json()["message"] == "中事须先征询意见并登记，再作决定。"

    created = client.post(
        "/api/v1/consultations/",
        {"decision": consult.pk, "person": pair_a.secretary.pk, "consulted_on": days_ago(1), "opinion": "同意。"},
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["person_name"] == "张书记" and created.json()["school"] == school_a.pk
    empty = client.post(
        "/api/v1/consultations/",
        {"decision": consult.pk, "person": pair_a.secretary.pk, "consulted_on": days_ago(1), "opinion": ""},
        format="json",
    )
    assert empty.status_code == 400 and "opinion" in empty.json()["fields"]
    tag = client.get(f"/api/v1/decisions/{consult.pk}/")["ETag"]
    assert client.post(url, body, format="json", HTTP_IF_MATCH=tag).json()["status"] == "decided"

    small = DecisionFactory(school=school_a, category="general", tier="autonomous")
    url = f"/api/v1/decisions/{small.pk}/decide/"
    tag = client.get(f"/api/v1/decisions/{small.pk}/")["ETag"]
    missing = client.post(url, body, format="json", HTTP_IF_MATCH=tag)
    assert missing.status_code == 400 and "decided_by" in missing.json()["fields"]
    done = client.post(url, {**body, "decided_by": pair_a.principal.pk}, format="json", HTTP_IF_MATCH=tag)
    assert done.status_code == 200 and done.json()["decided_by"] == pair_a.principal.pk


# --- Tasks ------------------------------------------------------------------------------------------
def test_task_create_progress_complete_and_close(clerk_a, api, school_a, pair_a):
    client = api(clerk_a, can_write=True)
    decision = DecisionFactory(
        school=school_a, category="general", tier="consult", status="decided", outcome="passed", decided_on=TODAY()
    )
    draft = DecisionFactory(school=school_a)
    body = {"decision": draft.pk, "title": "完成食堂招标", "owner": pair_a.principal.pk, "due_on": days_ago(-30)}
    refused = client.post("/api/v1/tasks/", body, format="json")
    assert refused.status_code == 400 and refused.json()["message"] == "只有已通过的决策事项可以分解督办任务。"

    created = client.post("/api/v1/tasks/", {**body, "decision": decision.pk}, format="json")
    assert created.status_code == 201
    task = created.json()
    assert (task["status"], task["owner_name"], task["school"]) == ("open", "李校长", school_a.pk)
    assert task["progress"] == [] and task["evidence"] == []
    assert Decision.objects.get(pk=decision.pk).status == DecisionStatus.IMPLEMENTING
    base = f"/api/v1/tasks/{task['id']}"

    note = {"noted_on": TODAY().isoformat(), "text": "已发布招标公告。"}
    assert client.post(f"{base}/progress/", note, format="json").status_code == 428
    progressed = client.post(f"{base}/progress/", note, format="json", HTTP_IF_MATCH=created["ETag"])
    assert progressed.status_code == 200 and progressed["ETag"] != created["ETag"]
    data = progressed.json()
    assert data["status"] == "in_progress" and data["status_label"] == "推进中"
    [entry] = data["progress"]
    assert (entry["text"], entry["author"], entry["author_name"]) == ("已发布招标公告。", clerk_a.pk, "clerk_a")
    again = client.post(f"{base}/progress/", note, format="json", HTTP_IF_MATCH=created["ETag"])
    assert again.status_code == 412 and TaskProgress.objects.count() == 1
    future = client.post(
        f"{base}/progress/", {**note, "noted_on": days_ago(-2)}, format="json", HTTP_IF_MATCH=progressed["ETag"]
    )
    assert future.status_code == 400 and "noted_on" in future.json()["fields"]

    close_url = f"/api/v1/decisions/{decision.pk}/close/"
    closing = {"closing_summary": "招标完成，已向党组织报告。", "closed_on": TODAY().isoformat()}
    early = client.post(
        close_url, closing, format="json", HTTP_IF_MATCH=client.get(f"/api/v1/decisions/{decision.pk}/")["ETag"]
    )
    assert early.status_code == 400 and "尚未完成" in early.json()["message"]

    completed = client.post(
        f"{base}/complete/", {"done_on": TODAY().isoformat()}, format="json", HTTP_IF_MATCH=progressed["ETag"]
    )
    assert completed.status_code == 200 and completed.json()["status"] == "done"
    assert completed.json()["done_on"] == TODAY().isoformat()

    closed = client.post(
        close_url, closing, format="json", HTTP_IF_MATCH=client.get(f"/api/v1/decisions/{decision.pk}/")["ETag"]
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    late = client.post(f"{base}/progress/", note, format="json", HTTP_IF_MATCH=completed["ETag"])
    assert late.status_code == 409 and late.json()["code"] == "finalised"


def test_evidence_is_metadata_without_file_urls(district_viewer, api, school_a):
    task = TaskFactory(decision__school=school_a)
    Evidence.objects.create(
        task=task,
        file="evidence/2026/01/secret.pdf",
        original_name="招标公告.pdf",
        content_type="application/pdf",
        size=1234,
        sha256="a" * 64,
        uploaded_by=UserFactory(),
    )
    [evidence] = api(district_viewer).get(f"/api/v1/tasks/{task.pk}/").json()["evidence"]
    assert evidence["original_name"] == "招标公告.pdf" and evidence["size"] == 1234
    assert "file" not in evidence and "secret" not in str(evidence)


def test_task_filters(district_viewer, api, school_a, school_b):
    late = TaskFactory(decision__school=school_a, due_on=TODAY() - datetime.timedelta(days=3))
    done_late = TaskFactory(
        decision__school=school_a,
        due_on=TODAY() - datetime.timedelta(days=3),
        status=TaskStatus.DONE,
        done_on=TODAY(),
    )
    upcoming = TaskFactory(decision__school=school_b, due_on=TODAY() + datetime.timedelta(days=10))
    client = api(district_viewer)

    def ids(**params):
        response = client.get("/api/v1/tasks/", params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids(overdue="true") == {late.pk}
    assert ids(overdue="false") == {done_late.pk, upcoming.pk}
    assert ids(status="done") == {done_late.pk}
    assert ids(school=school_b.pk) == {upcoming.pk}
    assert ids(district=school_a.district_id) == {late.pk, done_late.pk}
    assert ids(due_before=TODAY().isoformat()) == {late.pk, done_late.pk}
    assert ids(due_after=TODAY().isoformat()) == {upcoming.pk}
    assert ids(decision=upcoming.decision_id) == {upcoming.pk}
    assert client.get("/api/v1/tasks/", {"due_before": "soon"}).status_code == 400


# --- Decision filters -------------------------------------------------------------------------------
def test_decision_filters(district_viewer, api, school_a, school_b):
    group = EducationGroupFactory()
    school_b.group = group
    school_b.save()
    decided = DecisionFactory(
        school=school_a, status="decided", outcome="passed", decided_on=TODAY() - datetime.timedelta(days=10)
    )
    draft = DecisionFactory(school=school_a, category="general", tier="autonomous")
    other = DecisionFactory(school=school_b, category="personnel", tier="collective")
    finding_for(draft, rule="AMOUNT_TIER", school=school_a)
    finding_for(other, rule="AMOUNT_TIER", school=school_b, resolved_at=timezone.now())
    client = api(district_viewer)

    def ids(**params):
        response = client.get("/api/v1/decisions/", params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {decided.pk, draft.pk, other.pk}
    assert ids(school=school_a.pk) == {decided.pk, draft.pk}
    assert ids(district=school_b.district_id) == {other.pk}
    assert ids(group=group.pk) == {other.pk}
    assert ids(category="personnel") == {other.pk}
    assert ids(tier="autonomous") == {draft.pk}
    assert ids(status="decided") == {decided.pk}
    assert ids(decided_after=days_ago(11)) == {decided.pk}
    assert ids(decided_after=days_ago(9)) == set()
    assert ids(decided_before=days_ago(10)) == {decided.pk}
    assert ids(has_open_findings="true") == {draft.pk}
    assert ids(has_open_findings="false") == {decided.pk, other.pk}
    # The list page's filters, shared with the API (decisions.filters): `from`/`to` replace the deprecated names.
    assert ids(**{"from": days_ago(11)}) == {decided.pk} and ids(**{"from": days_ago(9)}) == set()
    assert ids(to=days_ago(10)) == {decided.pk}
    assert ids(sanzhong="yes") == {decided.pk, other.pk}
    assert ids(month=TODAY().strftime("%Y-%m")) == {decided.pk, draft.pk, other.pk}
    assert client.get("/api/v1/decisions/", {"category": "nope"}).status_code == 400


# --- Findings and the 事项清单 ----------------------------------------------------------------------
def test_findings_after_running_the_rules(clerk_a, district_viewer, api, school_a, school_b):
    late = TaskFactory(decision__school=school_a, due_on=TODAY() - datetime.timedelta(days=2), title="修缮操场")
    TaskFactory(decision__school=school_b, due_on=TODAY() - datetime.timedelta(days=2))
    run_rules(codes=["TASK_OVERDUE"])
    client = api(clerk_a)

    [finding] = client.get("/api/v1/findings/").json()["results"]
    assert finding["rule"] == "TASK_OVERDUE" and finding["rule_title"]
    assert (finding["subject_type"], finding["object_id"], finding["school"]) == (
        "decisions.task",
        late.pk,
        school_a.pk,
    )
    assert finding["severity"] in FindingSeverity.values and finding["severity_label"]
    assert "修缮操场" in finding["message"] and finding["is_open"] and finding["resolved_at"] is None
    assert finding["first_seen"] and finding["last_seen"]
    url = f"/api/v1/findings/{finding['id']}/"
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304

    Task.objects.filter(pk=late.pk).update(status=TaskStatus.DONE, done_on=TODAY())
    run_rules(codes=["TASK_OVERDUE"])
    resolved = client.get(url)
    assert resolved["ETag"] != etag and resolved.json()["resolved_at"] and not resolved.json()["is_open"]

    viewer = api(district_viewer)

    def count(**params):
        response = viewer.get("/api/v1/findings/", params)
        assert response.status_code == 200, response.json()
        return len(response.json()["results"])

    assert count() == 2
    assert (count(open="true"), count(open="false")) == (1, 1)
    assert count(rule="TASK_OVERDUE") == 2 and count(rule="QUORUM") == 0
    assert count(school=school_b.pk) == 1 and count(district=school_a.district_id) == 1
    assert count(severity="warning") == 0
    assert viewer.get("/api/v1/findings/", {"rule": "NOPE"}).status_code == 400


def test_findings_updated_since_and_cursor_pages(district_viewer, api, school_a):
    old = timezone.now() - datetime.timedelta(days=5)
    decisions = DecisionFactory.create_batch(5, school=school_a)
    stale = [finding_for(d, rule="AMOUNT_TIER", school=school_a, last_seen=old) for d in decisions[:3]]
    fresh = finding_for(decisions[3], rule="AMOUNT_TIER", school=school_a)
    resolved = finding_for(decisions[4], rule="AMOUNT_TIER", school=school_a, last_seen=old)
    Finding.objects.filter(pk=resolved.pk).update(resolved_at=timezone.now())
    client = api(district_viewer)

    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    rows = client.get("/api/v1/findings/", {"updated_since": since}).json()["results"]
    assert {row["id"] for row in rows} == {fresh.pk, resolved.pk}

    first = client.get("/api/v1/findings/", {"page_size": 2}).json()
    assert first["results"][0]["id"] == fresh.pk and first["next"]
    seen = [row["id"] for row in first["results"]]
    page = first
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [row["id"] for row in page["results"]]
    assert sorted(seen) == sorted([f.pk for f in stale] + [fresh.pk, resolved.pk])


def test_matter_types_are_listed_for_everyone(clerk_b, api):
    MatterType.objects.create(
        name="大额资金使用",
        category="large_funds",
        tier="collective",
        bodies_required=["principal_office", "party_committee"],
    )
    [row] = api(clerk_b).get("/api/v1/matter-types/").json()["results"]
    assert row["name"] == "大额资金使用" and row["bodies_required"] == ["principal_office", "party_committee"]
    assert (row["category_label"], row["tier_label"]) == ("大额度资金使用", "大事难事 集体讨论")
    assert api(clerk_b, can_write=True).post("/api/v1/matter-types/", {}, format="json").status_code == 405


# --- Sync and pagination ----------------------------------------------------------------------------
def test_decisions_cursor_pages_and_updated_since(district_viewer, api, school_a):
    DecisionFactory.create_batch(7, school=school_a)
    client = api(district_viewer)
    first = client.get("/api/v1/decisions/", {"page_size": 5}).json()
    assert len(first["results"]) == 5 and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 2 and second["next"] is None
    assert len({row["id"] for row in first["results"] + second["results"]}) == 7

    newest = first["results"][0]["updated_at"]
    assert client.get("/api/v1/decisions/", {"updated_since": newest}).json()["results"] == []
    changed = Decision.objects.order_by("pk").first()
    changed.title = "改过的事项"
    changed.save()
    rows = client.get("/api/v1/decisions/", {"updated_since": newest}).json()["results"]
    assert [row["id"] for row in rows] == [changed.pk]
    assert client.get("/api/v1/decisions/", {"updated_since": "yesterday"}).status_code == 400


def test_tasks_updated_since_sees_new_progress(clerk_a, api, school_a):
    task = TaskFactory(decision__school=school_a)
    client = api(clerk_a, can_write=True)
    tag = client.get(f"/api/v1/tasks/{task.pk}/")["ETag"]
    since = client.get("/api/v1/tasks/").json()["results"][0]["updated_at"]
    assert client.get("/api/v1/tasks/", {"updated_since": since}).json()["results"] == []
    note = {"noted_on": TODAY().isoformat(), "text": "进展一"}
    client.post(f"/api/v1/tasks/{task.pk}/progress/", note, format="json", HTTP_IF_MATCH=tag)
    [row] = client.get("/api/v1/tasks/", {"updated_since": since}).json()["results"]
    assert row["id"] == task.pk


# --- Query counts -----------------------------------------------------------------------------------
def _rich_decisions(school, n):
    meeting = MeetingFactory(school=school)
    for index in range(n):
        decision = DecisionFactory(school=school, agenda_items=[AgendaItemFactory(meeting=meeting)])
        decision.responsible_leaders.set(PersonFactory.create_batch(2))
        decision.communications.add(CommunicationFactory(school=school))
        LegalReview.objects.create(decision=decision, reviewer="法律顾问", reviewed_on=TODAY(), conclusion="lawful")
        DecisionTransition.objects.create(decision=decision, to_status="draft", by=decision.created_by)
        task = TaskFactory(decision=decision)
        TaskProgress.objects.create(task=task, noted_on=TODAY(), text=f"进展{index}", author=decision.created_by)
        Evidence.objects.create(
            task=task,
            file="evidence/x.pdf",
            original_name="x.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
            uploaded_by=decision.created_by,
        )
        finding_for(task)


@pytest.mark.parametrize("resource", ["decisions", "tasks", "findings"])
def test_list_query_count_does_not_depend_on_rows(district_viewer, api, school_a, resource):
    client = api(district_viewer)
    client.get(f"/api/v1/{resource}/")  # token bookkeeping happens on first use

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/api/v1/{resource}/")
        assert response.status_code == 200
        return len(captured), len(response.json()["results"])

    _rich_decisions(school_a, 3)
    few, rows = queries()
    assert rows == 3
    _rich_decisions(school_a, 27)
    many, rows = queries()
    assert rows == 30
    assert many == few


def test_schema_marks_the_old_filter_names_deprecated(district_admin, api):
    schema = api(district_admin).get("/api/v1/schema/", {"format": "json"}).json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/decisions/"]["get"]["parameters"]}
    assert parameters["decided_after"]["deprecated"] and parameters["decided_before"]["deprecated"]
    assert not parameters["from"].get("deprecated") and not parameters["district"].get("deprecated")
