"""The decisions admin: the district's 事项清单 is editable with its history; decisions, tasks, evidence,
consultations, legal reviews and findings are read-only (writes go through the portal's services)."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from decisions.choices import DecisionStatus, FindingSeverity, MatterCategory, Outcome, ReviewConclusion, Tier
from decisions.models import Consultation, Evidence, Finding, LegalReview, MatterType
from schools.choices import MeetingBody
from tests.factories import PersonFactory, TaskFactory

MODELS = ["mattertype", "decision", "consultation", "legalreview", "task", "evidence", "finding"]
READ_ONLY = ["decision", "consultation", "legalreview", "task", "evidence", "finding"]


@pytest.fixture
def records(school_a, district_admin):
    task = TaskFactory(decision__school=school_a, decision__title="新建体育馆", title="完成招标", owner__name="陈老师")
    decision = task.decision
    MatterType.objects.create(name="校舍维修改造", category=MatterCategory.MAJOR_PROJECT, tier=Tier.COLLECTIVE)
    Consultation.objects.create(
        decision=decision, person=PersonFactory(), consulted_on=datetime.date(2025, 3, 1), opinion="同意"
    )
    LegalReview.objects.create(
        decision=decision,
        reviewer="法律顾问",
        reviewed_on=datetime.date(2025, 3, 2),
        conclusion=ReviewConclusion.LAWFUL,
    )
    Evidence.objects.create(
        task=task,
        file="evidence/2025/03/x.pdf",
        original_name="招标文件.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
        uploaded_by=district_admin,
    )
    finding = Finding.objects.create(
        rule="TASK_OVERDUE",
        severity=FindingSeverity.VIOLATION,
        school=school_a,
        content_type=ContentType.objects.get_for_model(task),
        object_id=task.pk,
        message="督办任务“完成招标”已逾期 3 天。",
        last_seen=timezone.now(),
    )
    return {"decision": decision, "task": task, "finding": finding}


@pytest.mark.parametrize("model", MODELS)
def test_district_admin_opens_each_changelist(model, records, district_admin, login):
    response = login(district_admin).get(reverse(f"admin:decisions_{model}_changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


@pytest.mark.parametrize("model", ["decision", "task", "finding"])
def test_read_only_records_open_but_cannot_be_added_or_deleted(model, records, district_admin, login):
    client = login(district_admin)
    obj = records[model]

    change = client.get(reverse(f"admin:decisions_{model}_change", args=[obj.pk]))

    assert change.status_code == 200
    assert not change.context["has_change_permission"]
    assert client.get(reverse(f"admin:decisions_{model}_add")).status_code == 403
    assert client.post(reverse(f"admin:decisions_{model}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_decision_cannot_be_changed_in_admin(records, district_admin, login):
    decision = records["decision"]

    response = login(district_admin).post(
        reverse("admin:decisions_decision_change", args=[decision.pk]), {"title": "改名", "status": "draft"}
    )

    assert response.status_code == 403
    decision.refresh_from_db()
    assert (decision.title, decision.status) == ("新建体育馆", DecisionStatus.IMPLEMENTING)
    assert decision.outcome == Outcome.PASSED


@pytest.mark.parametrize("model", READ_ONLY)
def test_read_only_models_have_no_add_button(model, records, district_admin, login):
    response = login(district_admin).get(reverse(f"admin:decisions_{model}_changelist"))

    assert not response.context["has_add_permission"]


def test_district_admin_adds_a_matter_type_with_history(district_admin, login):
    response = login(district_admin).post(
        reverse("admin:decisions_mattertype_add"),
        {
            "name": "大额度资金使用（10万元以上）",
            "category": MatterCategory.LARGE_FUNDS,
            "tier": Tier.COLLECTIVE,
            "bodies_required": [MeetingBody.PRINCIPAL_OFFICE, MeetingBody.PARTY_COMMITTEE],
            "staff_congress_review": "",
            "description": "采购、基建等",
        },
    )

    assert response.status_code == 302
    matter = MatterType.objects.get()
    assert matter.bodies_required == [MeetingBody.PRINCIPAL_OFFICE, MeetingBody.PARTY_COMMITTEE]
    assert matter.history.get().history_user == district_admin
    listing = login(district_admin).get(reverse("admin:decisions_mattertype_changelist")).content.decode()
    assert "大额度资金使用（10万元以上）" in listing and "党组织会议" in listing


def test_matter_type_form_is_chinese(district_admin, login):
    body = login(district_admin).get(reverse("admin:decisions_mattertype_add")).content.decode()

    assert "须经会议" in body and "须经教代会审议" in body and "事项清单" in body


def test_finding_filters_by_rule_severity_and_resolution(records, district_admin, login):
    client = login(district_admin)
    url = reverse("admin:decisions_finding_changelist")

    assert client.get(url, {"rule": "TASK_OVERDUE"}).context["cl"].result_count == 1
    assert client.get(url, {"rule": "QUORUM"}).context["cl"].result_count == 0
    assert client.get(url, {"severity__exact": "warning"}).context["cl"].result_count == 0
    assert client.get(url, {"resolved": "no"}).context["cl"].result_count == 1
    assert client.get(url, {"resolved": "yes"}).context["cl"].result_count == 0
    body = client.get(url).content.decode()
    assert "整改状态" in body and "督办任务按期完成" in body


@pytest.mark.parametrize("role", ["district_viewer", "secretary_a", "clerk_a"])
def test_other_roles_cannot_open_the_admin(role, request, records, login):
    response = login(request.getfixturevalue(role)).get(reverse("admin:decisions_decision_changelist"))

    assert response.status_code == 302


def test_admin_index_lists_the_decisions_and_meetings_models(district_admin, login):
    body = login(district_admin).get(reverse("admin:index")).content.decode()

    for label in ("决策与督办", "事项清单", "合规提示", "督办任务", "沟通与会议", "沟通记录", "会议"):
        assert label in body
