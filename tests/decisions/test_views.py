"""Decision and 督办 pages through the test client: scope for every role (out of scope is 404), registering
with Chinese validation messages, lifecycle actions, amendments, evidence upload and download, the task
board, filters and query counts."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import dataversion
from core.models import Amendment
from decisions import services
from decisions.choices import DecisionStatus, MatterCategory, Outcome, TaskStatus, Tier
from decisions.models import Decision, DecisionTransition, Evidence, Finding, MatterType, Task, TaskProgress
from meetings.choices import ItemResult, VoteChoice
from meetings.models import Vote
from schools.choices import MeetingBody
from tests.factories import AgendaItemFactory, CommunicationFactory, DecisionFactory, MeetingFactory, TaskFactory
from tests.meetings.conftest import _pair

S = DecisionStatus
ALL_ROLES = ["district_admin", "district_viewer", "xuequ_viewer", "secretary_a", "principal_a", "clerk_a", "clerk_b"]
SEES_A = {"district_admin", "district_viewer", "xuequ_viewer", "secretary_a", "principal_a", "clerk_a"}
SEES_B = {"district_admin", "district_viewer", "clerk_b"}
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TODAY = timezone.localdate


def days_ago(n: int) -> datetime.date:
    return TODAY() - datetime.timedelta(days=n)


def decided(school, status=S.DECIDED, **overrides):
    overrides.setdefault("outcome", Outcome.PASSED)
    overrides.setdefault("decided_on", days_ago(5))
    return DecisionFactory(school=school, status=status, **overrides)


@pytest.fixture
def pair_a(school_a, secretary_a, principal_a):
    secretary, principal = _pair(school_a, "张书记", "李校长")
    for user, person in ((secretary_a, secretary), (principal_a, principal)):
        user.person = person
        user.save()
    return SimpleNamespace(secretary=secretary, principal=principal)


@pytest.fixture
def decision_a(school_a, pair_a):
    return DecisionFactory(school=school_a, title="校舍改造")


@pytest.fixture
def decision_b(school_b):
    return DecisionFactory(school=school_b, title="上地事项")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def task_a(school_a, pair_a):
    decision = decided(school_a, S.IMPLEMENTING, title="操场翻新")
    return TaskFactory(decision=decision, title="完成招标", owner=pair_a.principal)


@pytest.fixture
def evidence_a(task_a, clerk_a, media):
    return services.evidence_upload(user=clerk_a, task=task_a, upload=SimpleUploadedFile("招标公告.pdf", PDF))


def form_data(school, **overrides):
    data = {
        "school": school.pk,
        "title": "新建实验楼",
        "description": "建设理化生实验楼一栋。",
        "matter_type": "",
        "category": MatterCategory.MAJOR_PROJECT,
        "tier": Tier.COLLECTIVE,
        "amount": "",
    }
    data.update(overrides)
    return data


# --- scope ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ALL_ROLES)
def test_list_shows_only_rows_in_scope(role, request, decision_a, decision_b, login):
    client = login(request.getfixturevalue(role))

    response = client.get(reverse("decision_list"))

    assert response.status_code == 200
    listed = {d.title for d in response.context["page"].object_list}
    expected = ({"校舍改造"} if role in SEES_A else set()) | ({"上地事项"} if role in SEES_B else set())
    assert listed == expected
    content = response.content.decode()
    assert ("上地事项" in content) is (role in SEES_B)
    assert ("校舍改造" in content) is (role in SEES_A)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_detail_is_404_out_of_scope(role, request, decision_a, login):
    response = login(request.getfixturevalue(role)).get(reverse("decision_detail", args=[decision_a.pk]))

    assert response.status_code == (200 if role in SEES_A else 404)


DECISION_PAGES = [
    ("decision_detail", "get", None),
    ("decision_edit", "get", None),
    ("decision_edit", "post", {"title": "x", "category": "general", "tier": "consult"}),
    ("decision_transition", "post", {"to_status": "communicating"}),
    ("decision_link_item", "post", {"item": "1"}),
    ("decision_decide", "post", {"decided_on": "2024-01-01"}),
    ("consultation_add", "post", {"person": "1", "consulted_on": "2024-01-01", "opinion": "同意"}),
    ("legal_review_add", "post", {"reviewer": "x", "reviewed_on": "2024-01-01", "conclusion": "lawful"}),
    ("decision_amend", "post", {"correction": "x", "reason": "y"}),
    ("decision_close", "post", {"closing_summary": "x", "closed_on": "2024-01-01"}),
    ("task_create", "post", {"title": "x", "owner": "1", "due_on": "2030-01-01"}),
]


@pytest.mark.parametrize(("name", "method", "data"), DECISION_PAGES)
def test_other_school_clerk_gets_404_for_decision_pages(name, method, data, decision_a, clerk_b, login):
    response = getattr(login(clerk_b), method)(reverse(name, args=[decision_a.pk]), data)

    assert response.status_code == 404
    decision_a.refresh_from_db()
    assert (decision_a.status, decision_a.title) == (S.DRAFT, "校舍改造")
    assert DecisionTransition.objects.count() == 0
    assert not Amendment.objects.exists()


@pytest.mark.parametrize(
    ("name", "method", "data"),
    [
        ("task_detail", "get", None),
        ("task_add_progress", "post", {"noted_on": "2024-01-01", "text": "x"}),
        ("task_complete", "post", {"done_on": "2024-01-01"}),
        ("evidence_upload", "post", {}),
    ],
)
def test_other_school_clerk_gets_404_for_task_pages(name, method, data, task_a, clerk_b, login):
    response = getattr(login(clerk_b), method)(reverse(name, args=[task_a.pk]), data)

    assert response.status_code == 404
    task_a.refresh_from_db()
    assert task_a.status == TaskStatus.OPEN
    assert not TaskProgress.objects.exists()


def test_other_school_clerk_gets_404_for_the_task_board(school_a, task_a, clerk_b, login):
    assert login(clerk_b).get(reverse("school_task_board", args=[school_a.pk])).status_code == 404


# --- registering and editing ------------------------------------------------------------------------
def test_clerk_registers_a_decision(school_a, pair_a, clerk_a, login):
    communication = CommunicationFactory(school=school_a, participants=[pair_a.secretary, pair_a.principal])
    data = form_data(school_a, responsible_leaders=[pair_a.principal.pk], communications=[communication.pk])
    client = login(clerk_a)
    assert client.get(reverse("decision_create")).status_code == 200

    response = client.post(reverse("decision_create"), data)

    decision = Decision.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("decision_detail", args=[decision.pk])
    assert (decision.school, decision.created_by, decision.status) == (school_a, clerk_a, S.DRAFT)
    assert (decision.title, decision.category, decision.tier) == ("新建实验楼", "major_project", "collective")
    assert list(decision.responsible_leaders.all()) == [pair_a.principal]
    assert list(decision.communications.all()) == [communication]
    assert decision.transitions.get().by == clerk_a


def test_clerk_may_omit_the_hidden_school(school_a, clerk_a, login):
    data = form_data(school_a)
    del data["school"]

    response = login(clerk_a).post(reverse("decision_create"), data)

    assert response.status_code == 302
    assert Decision.objects.get().school == school_a


def test_matter_type_suggests_category_and_tier(school_a, clerk_a, login):
    matter = MatterType.objects.create(
        name="年度预算安排", category=MatterCategory.MAJOR_DECISION, tier=Tier.COLLECTIVE
    )
    client = login(clerk_a)

    page = client.get(reverse("decision_create"), {"matter_type": matter.pk})
    response = client.post(reverse("decision_create"), form_data(school_a, matter_type=matter.pk, category="", tier=""))

    assert page.context["form"].initial["category"] == MatterCategory.MAJOR_DECISION
    assert "年度预算安排（重大事项决策 · 大事难事 集体讨论）" in page.content.decode()
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert (decision.matter_type, decision.category, decision.tier) == (matter, "major_decision", "collective")


def test_large_amount_is_classified_as_large_funds(school_a, clerk_a, login):
    data = form_data(school_a, category="general", tier="autonomous", amount="150000")

    assert login(clerk_a).post(reverse("decision_create"), data).status_code == 302
    decision = Decision.objects.get()
    assert (decision.category, decision.tier, decision.amount) == ("large_funds", "collective", Decimal("150000"))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "请填写事项名称。"),
        ({"title": "   "}, "title", "请填写事项名称。"),
        ({"amount": "-5"}, "amount", "涉及金额不能为负数。"),
        ({"amount": "abc"}, "amount", "请填写有效的金额。"),
        ({"tier": Tier.AUTONOMOUS}, "tier", "三重一大事项必须由集体讨论决定"),
        ({"category": "", "tier": ""}, "category", "请选择事项类别和决策层级"),
        ({"category": "bogus"}, "category", "请选择有效的事项类别。"),
    ],
)
def test_bad_input_is_400_with_the_message_and_saves_nothing(overrides, field, message, school_a, clerk_a, login):
    response = login(clerk_a).post(reverse("decision_create"), form_data(school_a, **overrides))

    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert message in response.content.decode()
    assert not Decision.objects.exists()


def test_clerk_cannot_register_for_another_school(school_a, school_b, clerk_a, login):
    response = login(clerk_a).post(reverse("decision_create"), form_data(school_b))

    assert response.status_code == 400
    assert not Decision.objects.exists()


@pytest.mark.parametrize("role", ["district_viewer", "xuequ_viewer"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_viewers_cannot_register(role, method, request, school_a, login):
    response = getattr(login(request.getfixturevalue(role)), method)(reverse("decision_create"), form_data(school_a))

    assert response.status_code == 403
    assert "您没有登记决策事项的权限。" in response.content.decode()
    assert not Decision.objects.exists()


def test_viewer_sees_no_register_button(decision_a, district_viewer, clerk_a, login):
    assert reverse("decision_create") not in login(district_viewer).get(reverse("decision_list")).content.decode()
    assert reverse("decision_create") in login(clerk_a).get(reverse("decision_list")).content.decode()


def test_clerk_edits_a_draft(decision_a, clerk_a, login):
    client = login(clerk_a)
    assert client.get(reverse("decision_edit", args=[decision_a.pk])).status_code == 200

    response = client.post(
        reverse("decision_edit", args=[decision_a.pk]),
        form_data(decision_a.school, title="校舍改造（修订）", category="general", tier="consult"),
    )

    assert response.status_code == 302
    decision_a.refresh_from_db()
    assert (decision_a.title, decision_a.tier) == ("校舍改造（修订）", "consult")


def test_viewer_cannot_edit(decision_a, district_viewer, login):
    response = login(district_viewer).post(reverse("decision_edit", args=[decision_a.pk]), form_data(decision_a.school))

    assert response.status_code == 403
    decision_a.refresh_from_db()
    assert decision_a.title == "校舍改造"


@pytest.mark.parametrize("method", ["get", "post"])
def test_editing_a_decided_decision_is_409(method, school_a, clerk_a, login):
    decision = decided(school_a, title="已决事项")

    response = getattr(login(clerk_a), method)(
        reverse("decision_edit", args=[decision.pk]), form_data(school_a, title="偷偷改")
    )

    assert response.status_code == 409
    assert "不能修改" in response.content.decode()
    decision.refresh_from_db()
    assert decision.title == "已决事项"


# --- lifecycle actions ------------------------------------------------------------------------------
def test_transition_through_the_page_is_recorded(decision_a, clerk_a, login):
    client = login(clerk_a)
    detail = client.get(reverse("decision_detail", args=[decision_a.pk])).content.decode()
    assert "开始书记校长沟通" in detail

    response = client.post(reverse("decision_transition", args=[decision_a.pk]), {"to_status": "communicating"})

    assert response.status_code == 302
    decision_a.refresh_from_db()
    assert decision_a.status == S.COMMUNICATING
    step = decision_a.transitions.get()
    assert (step.from_status, step.to_status, step.by) == (S.DRAFT, S.COMMUNICATING, clerk_a)
    content = client.get(reverse("decision_detail", args=[decision_a.pk])).content.decode()
    assert "clerk_a" in content and "沟通中" in content


@pytest.mark.parametrize("target", ["decided", "implementing", "closed", "nonsense"])
def test_illegal_transition_is_400_with_the_message(target, decision_a, clerk_a, login):
    response = login(clerk_a).post(reverse("decision_transition", args=[decision_a.pk]), {"to_status": target})

    assert response.status_code == 400
    assert "不能从“拟议”直接变更为" in response.content.decode() or "请选择有效的状态。" in response.content.decode()
    decision_a.refresh_from_db()
    assert decision_a.status == S.DRAFT


@pytest.mark.parametrize("role", ["district_viewer", "xuequ_viewer"])
def test_viewers_cannot_act(role, request, decision_a, login):
    client = login(request.getfixturevalue(role))

    detail = client.get(reverse("decision_detail", args=[decision_a.pk])).content.decode()
    response = client.post(reverse("decision_transition", args=[decision_a.pk]), {"to_status": "communicating"})

    assert reverse("decision_transition", args=[decision_a.pk]) not in detail
    assert response.status_code == 403
    assert "没有登记或修改本校决策事项的权限" in response.content.decode()
    decision_a.refresh_from_db()
    assert decision_a.status == S.DRAFT


def test_action_forms_follow_the_lifecycle(school_a, pair_a, clerk_a, login):
    client = login(clerk_a)
    draft = DecisionFactory(school=school_a)
    implementing = decided(school_a, S.IMPLEMENTING)
    TaskFactory(decision=implementing)

    draft_page = client.get(reverse("decision_detail", args=[draft.pk])).content.decode()
    implementing_page = client.get(reverse("decision_detail", args=[implementing.pk])).content.decode()

    assert reverse("decision_decide", args=[draft.pk]) not in draft_page  # collective: no voted item yet
    assert reverse("legal_review_add", args=[draft.pk]) in draft_page
    assert reverse("decision_close", args=[draft.pk]) not in draft_page
    assert reverse("task_create", args=[draft.pk]) not in draft_page
    assert reverse("task_create", args=[implementing.pk]) in implementing_page
    assert reverse("decision_close", args=[implementing.pk]) not in implementing_page  # a task is open
    assert reverse("decision_transition", args=[implementing.pk]) not in implementing_page
    assert reverse("decision_edit", args=[implementing.pk]) not in implementing_page


def test_link_a_party_item_puts_the_matter_on_the_agenda(decision_a, school_a, clerk_a, login):
    meeting = MeetingFactory(school=school_a, body=MeetingBody.PARTY_COMMITTEE, title="三月党委会")
    item = AgendaItemFactory(meeting=meeting, title="校舍改造方案", category=MatterCategory.MAJOR_PROJECT)
    client = login(clerk_a)
    assert "校舍改造方案" in client.get(reverse("decision_detail", args=[decision_a.pk])).content.decode()

    response = client.post(reverse("decision_link_item", args=[decision_a.pk]), {"item": item.pk})

    assert response.status_code == 302
    decision_a.refresh_from_db()
    assert decision_a.status == S.ON_AGENDA
    assert list(decision_a.agenda_items.all()) == [item]


def test_another_schools_item_cannot_be_linked(decision_a, school_b, clerk_a, login):
    item = AgendaItemFactory(meeting=MeetingFactory(school=school_b))

    response = login(clerk_a).post(reverse("decision_link_item", args=[decision_a.pk]), {"item": item.pk})

    assert response.status_code == 400
    assert "请选择本校会议的议题。" in response.content.decode()
    assert not decision_a.agenda_items.exists()


def test_autonomous_matter_decided_through_the_page(school_a, pair_a, clerk_a, login):
    decision = DecisionFactory(school=school_a, category="general", tier=Tier.AUTONOMOUS)
    client = login(clerk_a)
    url = reverse("decision_decide", args=[decision.pk])

    refused = client.post(url, {"decided_on": days_ago(1).isoformat()})
    response = client.post(url, {"decided_on": days_ago(1).isoformat(), "decided_by": pair_a.principal.pk})

    assert refused.status_code == 400
    assert "小事自主决策须登记决定人。" in refused.content.decode()
    assert response.status_code == 302
    decision.refresh_from_db()
    assert (decision.status, decision.decided_by) == (S.DECIDED, pair_a.principal)


def test_consult_matter_needs_a_consultation_on_the_page(school_a, pair_a, clerk_a, login):
    decision = DecisionFactory(school=school_a, category="general", tier=Tier.CONSULT)
    client = login(clerk_a)

    refused = client.post(reverse("decision_decide", args=[decision.pk]), {"decided_on": days_ago(1).isoformat()})
    added = client.post(
        reverse("consultation_add", args=[decision.pk]),
        {"person": pair_a.secretary.pk, "consulted_on": days_ago(2).isoformat(), "opinion": "同意，注意安全。"},
    )
    decided_response = client.post(
        reverse("decision_decide", args=[decision.pk]), {"decided_on": days_ago(1).isoformat()}
    )

    assert refused.status_code == 400
    assert "中事须先征询意见并登记，再作决定。" in refused.content.decode()
    assert (added.status_code, decided_response.status_code) == (302, 302)
    assert "同意，注意安全。" in client.get(reverse("decision_detail", args=[decision.pk])).content.decode()


def test_legal_review_through_the_page(decision_a, clerk_a, login):
    url = reverse("legal_review_add", args=[decision_a.pk])
    client = login(clerk_a)

    bad = client.post(url, {"reviewer": "", "reviewed_on": days_ago(1).isoformat(), "conclusion": "lawful"})
    good = client.post(
        url, {"reviewer": "区教委法律顾问", "reviewed_on": days_ago(1).isoformat(), "conclusion": "lawful"}
    )

    assert bad.status_code == 400
    assert "请填写审查人或审查机构。" in bad.content.decode()
    assert good.status_code == 302
    assert decision_a.legal_reviews.get().reviewer == "区教委法律顾问"


def test_task_progress_completion_and_closing_through_the_pages(school_a, pair_a, clerk_a, principal_a, login):
    decision = decided(school_a, title="操场翻新")
    client = login(clerk_a)

    created = client.post(
        reverse("task_create", args=[decision.pk]),
        {"title": "完成招标", "owner": pair_a.principal.pk, "due_on": (TODAY() + datetime.timedelta(days=20))},
    )
    task = Task.objects.get()
    early_close = client.post(
        reverse("decision_close", args=[decision.pk]), {"closing_summary": "已完成。", "closed_on": TODAY()}
    )
    progress = client.post(reverse("task_add_progress", args=[task.pk]), {"noted_on": TODAY(), "text": "已发布公告。"})
    done = client.post(reverse("task_complete", args=[task.pk]), {"done_on": TODAY()})
    no_report = client.post(
        reverse("decision_close", args=[decision.pk]), {"closing_summary": "已完成。", "closed_on": TODAY()}
    )
    reported = client.post(
        reverse("implementation_report_add", args=[decision.pk]),
        {"reported_on": TODAY(), "reporter": pair_a.principal.pk, "summary": "招标完成，已完工。"},
    )
    no_summary = client.post(
        reverse("decision_close", args=[decision.pk]), {"closing_summary": "", "closed_on": TODAY()}
    )
    closed = login(principal_a).post(
        reverse("decision_close", args=[decision.pk]),
        {"closing_summary": "向党委会报告：已完工。", "closed_on": TODAY()},
    )

    assert created.status_code == 302
    assert early_close.status_code == 400
    assert "以下任务尚未完成：完成招标" in early_close.content.decode()
    assert (progress.status_code, done.status_code) == (302, 302)
    assert no_report.status_code == 400
    assert "须先登记校长向党组织报告决议执行情况" in no_report.content.decode()
    assert reported.status_code == 302
    assert no_summary.status_code == 400
    assert "请填写办结总结" in no_summary.content.decode()
    assert closed.status_code == 302
    decision.refresh_from_db()
    assert (decision.status, decision.closing_summary) == (S.CLOSED, "向党委会报告：已完工。")
    page = client.get(reverse("decision_detail", args=[decision.pk])).content.decode()
    assert "已发布公告。" in page and "向党委会报告：已完工。" in page
    task_page = client.get(reverse("task_detail", args=[task.pk])).content.decode()
    assert reverse("task_add_progress", args=[task.pk]) not in task_page
    late = client.post(reverse("task_add_progress", args=[task.pk]), {"noted_on": TODAY(), "text": "补记"})
    assert late.status_code == 409
    assert "决策事项已办结，任务不能再修改。" in late.content.decode()


def test_task_for_a_rejected_decision_is_400(school_a, pair_a, clerk_a, login):
    decision = decided(school_a, outcome=Outcome.REJECTED)

    response = login(clerk_a).post(
        reverse("task_create", args=[decision.pk]), {"title": "落实", "owner": pair_a.principal.pk, "due_on": TODAY()}
    )

    assert response.status_code == 400
    assert "只有已通过的决策事项可以分解督办任务。" in response.content.decode()
    assert not Task.objects.exists()


# --- amendments -------------------------------------------------------------------------------------
def test_amendment_is_shown_beside_the_original(school_a, secretary_a, clerk_a, login):
    decision = decided(school_a, title="购置图书", description="购置图书 5000 册。")
    client = login(secretary_a)

    response = client.post(
        reverse("decision_amend", args=[decision.pk]), {"correction": "应为 6000 册。", "reason": "登记笔误。"}
    )

    assert response.status_code == 302
    amendment = Amendment.objects.get()
    assert (amendment.object_id, amendment.created_by) == (decision.pk, secretary_a)
    decision.refresh_from_db()
    assert decision.description == "购置图书 5000 册。"
    content = client.get(reverse("decision_detail", args=[decision.pk])).content.decode()
    assert "购置图书 5000 册。" in content and "应为 6000 册。" in content and "登记笔误。" in content
    assert (
        reverse("decision_amend", args=[decision.pk])
        not in login(clerk_a).get(reverse("decision_detail", args=[decision.pk])).content.decode()
    )


def test_clerk_cannot_amend_and_draft_is_not_amended(decision_a, school_a, secretary_a, clerk_a, login):
    decision = decided(school_a)
    data = {"correction": "补充", "reason": "原因"}

    by_clerk = login(clerk_a).post(reverse("decision_amend", args=[decision.pk]), data)
    of_draft = login(secretary_a).post(reverse("decision_amend", args=[decision_a.pk]), data)
    no_reason = login(secretary_a).post(reverse("decision_amend", args=[decision.pk]), {"correction": "补充"})

    assert by_clerk.status_code == 403
    assert of_draft.status_code == 400 and "尚未定稿" in of_draft.content.decode()
    assert no_reason.status_code == 400 and "请填写更正原因。" in no_reason.content.decode()
    assert not Amendment.objects.exists()


# --- evidence ---------------------------------------------------------------------------------------
def test_evidence_upload_through_the_page_and_download_in_scope(
    task_a, clerk_a, clerk_b, district_viewer, media, login
):
    client = login(clerk_a)

    response = client.post(
        reverse("evidence_upload", args=[task_a.pk]), {"file": SimpleUploadedFile("验收报告.pdf", PDF)}
    )

    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.file.path.startswith(str(media))
    download_url = reverse("evidence_download", args=[evidence.pk])
    assert download_url in client.get(reverse("task_detail", args=[task_a.pk])).content.decode()
    for user, status in [(clerk_a, 200), (district_viewer, 200), (clerk_b, 404)]:
        download = login(user).get(download_url)
        assert download.status_code == status, user
        if status == 200:
            assert b"".join(download.streaming_content) == PDF
            assert download["Content-Type"] == "application/pdf"
            assert download["Content-Disposition"].startswith("attachment;")
            assert "filename*=utf-8''%E9%AA%8C%E6%94%B6%E6%8A%A5%E5%91%8A.pdf" in download["Content-Disposition"]


def test_media_root_is_not_served(evidence_a, district_admin, login):
    response = login(district_admin).get("/media/" + evidence_a.file.name)

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tool.exe", b"MZ\x90\x00", "只能上传 PDF、PNG、JPG、DOCX 或 XLSX 文件。"),
        ("fake.pdf", b"<html>not a pdf</html>", "文件内容与扩展名不符。"),
    ],
)
def test_bad_upload_is_400_and_nothing_stored(name, content, message, task_a, clerk_a, media, login):
    response = login(clerk_a).post(
        reverse("evidence_upload", args=[task_a.pk]), {"file": SimpleUploadedFile(name, content)}
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Evidence.objects.exists()


def test_upload_without_a_file_is_400(task_a, clerk_a, login):
    response = login(clerk_a).post(reverse("evidence_upload", args=[task_a.pk]), {})

    assert response.status_code == 400
    assert "请选择要上传的文件。" in response.content.decode()


def test_viewer_cannot_upload(task_a, district_viewer, media, login):
    response = login(district_viewer).post(
        reverse("evidence_upload", args=[task_a.pk]), {"file": SimpleUploadedFile("a.pdf", PDF)}
    )

    assert response.status_code == 403
    assert not Evidence.objects.exists()


def test_download_of_a_missing_file_is_404(evidence_a, clerk_a, login):
    evidence_a.file.storage.delete(evidence_a.file.name)

    assert login(clerk_a).get(reverse("evidence_download", args=[evidence_a.pk])).status_code == 404


# --- task board -------------------------------------------------------------------------------------
def test_task_board_groups_tasks_and_highlights_overdue(school_a, school_b, pair_a, clerk_a, login):
    decision = decided(school_a, S.IMPLEMENTING)
    TaskFactory(decision=decision, title="逾期的任务", due_on=days_ago(3))
    TaskFactory(decision=decision, title="推进中的任务", status=TaskStatus.IN_PROGRESS)
    TaskFactory(
        decision=decision, title="已完成的任务", status=TaskStatus.DONE, done_on=days_ago(1), due_on=days_ago(9)
    )
    TaskFactory(decision=decided(school_b, S.IMPLEMENTING), title="别校任务")

    response = login(clerk_a).get(reverse("school_task_board", args=[school_a.pk]))

    assert response.status_code == 200
    columns = {status.value: [t.title for t in tasks] for status, tasks in response.context["columns"]}
    assert columns == {"open": ["逾期的任务"], "in_progress": ["推进中的任务"], "done": ["已完成的任务"]}
    content = response.content.decode()
    assert "别校任务" not in content
    assert content.count('class="tag overdue">逾期</span>') == 2  # the summary line and the overdue card
    assert 'class="dec-card overdue"' in content
    assert response.context["overdue_count"] == 1


def test_overdue_task_is_flagged_on_decision_and_task_pages(task_a, clerk_a, login):
    task_a.due_on = days_ago(1)
    task_a.save()
    client = login(clerk_a)

    assert "逾期" in client.get(reverse("decision_detail", args=[task_a.decision.pk])).content.decode()
    assert "逾期" in client.get(reverse("task_detail", args=[task_a.pk])).content.decode()


def test_school_page_links_to_the_task_board(school_a, clerk_a, login):
    content = login(clerk_a).get(reverse("school_detail", args=[school_a.pk])).content.decode()

    assert reverse("school_task_board", args=[school_a.pk]) in content
    assert "决策事项" in content


# --- the timeline -----------------------------------------------------------------------------------
def _finding(decision, rule="LEGAL_REVIEW", resolved=False):
    return Finding.objects.create(
        rule=rule,
        severity="violation",
        school=decision.school,
        content_type=ContentType.objects.get_for_model(Decision),
        object_id=decision.pk,
        message=f"“{decision.title}”决策前没有合法性审查记录。",
        last_seen=timezone.now(),
        resolved_at=timezone.now() if resolved else None,
    )


def test_detail_shows_the_whole_chain(school_a, pair_a, clerk_a, login):
    communication = CommunicationFactory(
        school=school_a, subject="操场翻新事先沟通", participants=[pair_a.secretary, pair_a.principal]
    )
    meeting = MeetingFactory(school=school_a, body=MeetingBody.PARTY_COMMITTEE, title="四月党委会")
    item = AgendaItemFactory(
        meeting=meeting, title="操场翻新议题", result=ItemResult.PASSED, votes_for=4, votes_against=1, votes_abstain=0
    )
    Vote.objects.create(item=item, person=pair_a.secretary, choice=VoteChoice.FOR)
    decision = decided(school_a, S.IMPLEMENTING, title="操场翻新", deciding_item=item, agenda_items=[item])
    decision.communications.set([communication])
    DecisionTransition.objects.create(decision=decision, from_status="", to_status=S.DRAFT, by=clerk_a, note="拟议")
    task = TaskFactory(decision=decision, title="完成施工", owner=pair_a.principal)
    TaskProgress.objects.create(task=task, noted_on=TODAY(), text="已进场施工。", author=clerk_a)
    _finding(decision)
    _finding(decision, rule="WRONG_BODY", resolved=True)

    content = login(clerk_a).get(reverse("decision_detail", args=[decision.pk])).content.decode()

    for text in [
        "操场翻新事先沟通",
        "待确认",
        "四月党委会",
        "党组织会议",
        "操场翻新议题",
        "赞成 4 票，反对 1 票",
        "张书记 赞成",
        "决策依据",
        "clerk_a",
        "完成施工",
        "已进场施工。",
        "三重一大事项合法性审查",
        "决策前没有合法性审查记录",
    ]:
        assert text in content, text
    assert "三重一大由党组织会议决定" not in content  # resolved findings are not shown
    assert content.index("操场翻新事先沟通") < content.index("四月党委会") < content.index("完成施工")


def test_confidential_item_is_redacted_for_readers_outside_the_school(school_a, district_viewer, clerk_a, login):
    item = AgendaItemFactory(
        meeting=MeetingFactory(school=school_a), title="任命张三为副校长", category="personnel", is_confidential=True
    )
    decision = DecisionFactory(school=school_a, category="personnel", agenda_items=[item])

    outside = login(district_viewer).get(reverse("decision_detail", args=[decision.pk])).content.decode()
    inside = login(clerk_a).get(reverse("decision_detail", args=[decision.pk])).content.decode()

    assert "任命张三为副校长" not in outside and "（保密议题）" in outside
    assert "任命张三为副校长" in inside


# --- filters and query counts -----------------------------------------------------------------------
def _at(decision, year, month, day):
    moment = datetime.datetime(year, month, day, 10, tzinfo=timezone.get_current_timezone())
    Decision.objects.filter(pk=decision.pk).update(created_at=moment)


@pytest.fixture
def filter_rows(school_a, campus_a, school_b):
    rows = {
        "project": DecisionFactory(school=school_a, category="major_project"),
        "funds": decided(school_a, category="large_funds", decided_on=datetime.date(2024, 4, 2)),
        "small": DecisionFactory(school=campus_a, category="general", tier=Tier.AUTONOMOUS),
        "other": DecisionFactory(school=school_b, category="general", tier=Tier.CONSULT),
    }
    _at(rows["project"], 2024, 3, 5)
    _at(rows["funds"], 2024, 3, 20)
    _at(rows["small"], 2024, 5, 1)
    _at(rows["other"], 2024, 3, 31)
    _finding(rows["small"])
    return rows


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"project", "funds", "small", "other"}),
        ({"category": "major_project"}, {"project"}),
        ({"tier": "autonomous"}, {"small"}),
        ({"status": "decided"}, {"funds"}),
        ({"month": "2024-03"}, {"project", "funds", "other"}),
        ({"month": "2024-04"}, {"funds"}),  # decided in April
        ({"month": "2024-05"}, {"small"}),
        ({"has_open_findings": "yes"}, {"small"}),
        ({"has_open_findings": "no"}, {"project", "funds", "other"}),
        ({"category": "general", "month": "2024-03"}, {"other"}),
    ],
)
def test_filters_return_the_right_rows(query, expected, filter_rows, district_admin, login):
    response = login(district_admin).get(reverse("decision_list"), query)

    names = {name for name, row in filter_rows.items() if row in response.context["page"].object_list}
    assert response.status_code == 200
    assert names == expected


def test_xuequ_and_school_filters(filter_rows, school_a, district_a, district_b, district_admin, login):
    client = login(district_admin)

    by_xuequ = client.get(reverse("decision_list"), {"xuequ": district_b.pk})
    by_school = client.get(reverse("decision_list"), {"school": school_a.pk})

    assert list(by_xuequ.context["page"].object_list) == [filter_rows["other"]]
    assert set(by_school.context["page"].object_list) == {filter_rows["project"], filter_rows["funds"]}


def test_filter_choices_are_scoped(filter_rows, school_a, campus_a, district_a, clerk_a, secretary_a, login):
    clerk_form = login(clerk_a).get(reverse("decision_list")).context["filter"].form
    secretary_form = login(secretary_a).get(reverse("decision_list")).context["filter"].form

    assert set(secretary_form.fields["school"].queryset) == {school_a, campus_a}
    assert not {"school", "xuequ", "group", "level"} & set(clerk_form.fields)  # one school: nothing to choose
    assert not {"xuequ", "group", "level"} & set(secretary_form.fields)


def test_other_school_filter_value_shows_nothing_foreign(filter_rows, school_b, clerk_a, login):
    response = login(clerk_a).get(reverse("decision_list"), {"school": school_b.pk})

    assert response.status_code == 200
    assert filter_rows["other"] not in response.context["page"].object_list


@pytest.mark.parametrize(
    "query",
    [
        {"month": "2024-13"},
        {"month": "abc"},
        {"month": "0000-01"},
        {"school": "abc"},
        {"school": "99999"},
        {"xuequ": "x"},
        {"category": "bogus"},
        {"tier": "<script>"},
        {"status": "done"},
        {"has_open_findings": "maybe"},
        {"page": "abc"},
        {"page": "999"},
    ],
)
def test_bad_filter_values_do_not_500(query, filter_rows, district_admin, login):
    response = login(district_admin).get(reverse("decision_list"), query)

    assert response.status_code == 200


def test_bad_month_is_a_form_error(filter_rows, district_admin, login):
    response = login(district_admin).get(reverse("decision_list"), {"month": "2024-13"})

    assert "月份格式不正确" in response.content.decode()


def test_list_query_count_does_not_grow_with_rows(school_a, secretary_a, login):
    client = login(secretary_a)

    def add(n):
        for decision in DecisionFactory.create_batch(n, school=school_a):
            TaskFactory(decision=decided(school_a, S.IMPLEMENTING))
            _finding(decision)

    add(3)
    client.get(reverse("decision_list"))  # warm caches (content types, session)
    dataversion.bump()  # the page as computed, not its cached count and school options
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(reverse("decision_list")).context["page"].object_list) == 6
    add(27)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(reverse("decision_list")).context["page"].object_list) == 50

    assert len(many) == len(few)


def test_detail_query_count_does_not_grow_with_tasks(school_a, pair_a, clerk_a, login):
    client = login(clerk_a)
    decision = decided(school_a, S.IMPLEMENTING)
    url = reverse("decision_detail", args=[decision.pk])

    def add_tasks(n):
        for task in TaskFactory.create_batch(n, decision=decision):
            TaskProgress.objects.create(task=task, noted_on=TODAY(), text="进展", author=clerk_a)
            Evidence.objects.create(
                task=task,
                file="evidence/x.pdf",
                original_name="x.pdf",
                content_type="application/pdf",
                size=1,
                sha256="0" * 64,
                uploaded_by=clerk_a,
            )

    add_tasks(1)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    add_tasks(9)
    client.get(url)  # the writes changed the data version: layout flags cached under it are read once again
    with CaptureQueriesContext(connection) as ten:
        response = client.get(url)
    assert response.content.decode().count("x.pdf") == 10

    assert len(ten) == len(one)


def test_district_admin_registers_for_a_chosen_school(school_a, school_b, pair_a, district_admin, login):
    CommunicationFactory(school=school_a, subject="A校沟通", participants=[pair_a.secretary, pair_a.principal])
    client = login(district_admin)

    unchosen = client.get(reverse("decision_create"))
    chosen = client.get(reverse("decision_create"), {"school": school_a.pk})
    response = client.post(reverse("decision_create"), form_data(school_b))

    assert "A校沟通" not in unchosen.content.decode()  # no list of every school's communications
    assert "A校沟通" in chosen.content.decode()
    assert response.status_code == 302
    assert Decision.objects.get().school == school_b
