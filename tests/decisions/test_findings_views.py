"""合规提示 pages through the test client: scope for every role, the school's findings with what to do,
the hand-over packet, the 整改 list, filters (bad values included) and query counts."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import dataversion
from decisions.choices import DecisionStatus, FindingSeverity, Outcome, TaskStatus
from decisions.models import Finding, Task
from decisions.rules import RULES, run_rules
from meetings.choices import MeetingStatus
from schools.choices import Post
from tests.factories import (
    AppointmentFactory,
    CommunicationFactory,
    DecisionFactory,
    MeetingFactory,
    PersonFactory,
    SchoolFactory,
    TaskFactory,
)

ALL_ROLES = ["district_admin", "district_viewer", "xuequ_viewer", "secretary_a", "principal_a", "clerk_a", "clerk_b"]
SEES_A = {"district_admin", "district_viewer", "xuequ_viewer", "secretary_a", "principal_a", "clerk_a"}
SEES_B = {"district_admin", "district_viewer", "clerk_b"}


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def overdue_task(school, title, days=10):
    return TaskFactory(decision__school=school, title=title, due_on=days_ago(days))


def late_minutes(school, title="第1次党组织会议"):
    """A meeting held 20 days ago whose minutes are still not finalised (MINUTES_LATE)."""
    return MeetingFactory(school=school, title=title, date=days_ago(20), status=MeetingStatus.HELD)


def finding_for(subject, school, rule="TASK_OVERDUE", severity=FindingSeverity.VIOLATION, message=None, **fields):
    """A finding stored directly, for tests of the pages rather than of the rules."""
    return Finding.objects.create(
        rule=rule,
        severity=severity,
        school=school,
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        message=message or f"{rule} {subject.pk}",
        last_seen=timezone.now(),
        **fields,
    )


@pytest.fixture
def breaches(school_a, school_b):
    """An overdue task in each school, found by a full run of the rules."""
    tasks = {"A": overdue_task(school_a, "A校逾期任务"), "B": overdue_task(school_b, "B校逾期任务")}
    run_rules()
    return tasks


# --- scope ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ALL_ROLES)
def test_list_shows_only_findings_in_scope(role, request, breaches, school_a, school_b, login):
    client = login(request.getfixturevalue(role))

    response = client.get(reverse("finding_list"))

    assert response.status_code == 200
    schools = {finding.school_id for finding in response.context["rows"]}
    expected = ({school_a.pk} if role in SEES_A else set()) | ({school_b.pk} if role in SEES_B else set())
    assert schools == expected
    content = response.content.decode()
    assert ("A校逾期任务" in content) is (role in SEES_A)
    assert ("B校逾期任务" in content) is (role in SEES_B)
    counted = sum(row["count"] for row in response.context["rule_counts"])
    assert counted == response.context["page"].paginator.count


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("name", ["school_findings", "school_handover"])
def test_school_pages_are_404_out_of_scope(role, name, request, breaches, school_a, login):
    response = login(request.getfixturevalue(role)).get(reverse(name, args=[school_a.pk]))

    assert response.status_code == (200 if role in SEES_A else 404)


@pytest.mark.parametrize("name", ["school_findings", "school_handover"])
def test_other_school_clerk_gets_404_and_sees_nothing(name, breaches, school_a, clerk_b, login):
    response = login(clerk_b).get(reverse(name, args=[school_a.pk]))

    assert response.status_code == 404
    assert "A校逾期任务" not in response.content.decode()


def test_resolved_list_is_scoped(breaches, clerk_b, login):
    Task.objects.update(status=TaskStatus.DONE, done_on=timezone.localdate())
    run_rules()

    response = login(clerk_b).get(reverse("finding_resolved_list"))

    content = response.content.decode()
    assert "B校逾期任务" in content and "A校逾期任务" not in content


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("finding_list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_secretary_sees_the_campus_findings(school_a, campus_a, secretary_a, clerk_a, login):
    overdue_task(campus_a, "校区逾期任务")
    run_rules(codes=["TASK_OVERDUE"])

    assert "校区逾期任务" in login(secretary_a).get(reverse("finding_list")).content.decode()
    assert "校区逾期任务" not in login(clerk_a).get(reverse("finding_list")).content.decode()


# --- list: rows, links, counts ----------------------------------------------------------------------
def test_list_row_links_to_the_offending_record_with_rule_title_and_severity(breaches, district_viewer, login):
    task = breaches["A"]

    response = login(district_viewer).get(reverse("finding_list"))

    content = response.content.decode()
    assert f'href="{reverse("task_detail", args=[task.pk])}"' in content
    assert "查看督办任务" in content
    assert RULES["TASK_OVERDUE"].title in content
    assert "违规" in content
    assert f"{timezone.localdate():%Y-%m-%d}" in content
    row = next(f for f in response.context["rows"] if f.object_id == task.pk and f.rule == "TASK_OVERDUE")
    assert row.subject_url == task.get_absolute_url()


def test_meeting_and_agenda_links(school_a, district_viewer, login):
    meeting = late_minutes(school_a)
    run_rules(codes=["MINUTES_LATE"])

    content = login(district_viewer).get(reverse("finding_list")).content.decode()

    assert f'href="{meeting.get_absolute_url()}"' in content
    assert "查看会议" in content


def test_deleted_subject_is_not_linked(school_a, district_viewer, login):
    task = overdue_task(school_a, "将被删除的任务")
    run_rules(codes=["TASK_OVERDUE"])
    url = task.get_absolute_url()
    Task.objects.filter(pk=task.pk).delete()

    response = login(district_viewer).get(reverse("finding_list"))

    assert response.status_code == 200
    content = response.content.decode()
    assert url not in content
    assert "记录已删除" in content


def test_counts_per_rule_at_the_top(school_a, district_viewer, login):
    overdue_task(school_a, "任务一")
    overdue_task(school_a, "任务二")
    late_minutes(school_a)
    run_rules(codes=["TASK_OVERDUE", "MINUTES_LATE"])

    response = login(district_viewer).get(reverse("finding_list"))

    counts = {row["rule"]: row["count"] for row in response.context["rule_counts"]}
    assert counts == {"TASK_OVERDUE": 2, "MINUTES_LATE": 1}
    assert response.context["rule_counts"][0]["title"] == RULES["TASK_OVERDUE"].title
    assert "rule=MINUTES_LATE" in response.content.decode()


# --- school findings and remedies -------------------------------------------------------------------
def test_every_rule_has_a_remedy():
    assert all(rule.remedy.endswith("。") for rule in RULES.values())


def test_school_findings_show_the_remedy_and_the_link(school_a, school_b, clerk_a, login):
    meeting = late_minutes(school_a)
    late_minutes(school_b, "上地会议")
    run_rules(codes=["MINUTES_LATE", "TASK_OVERDUE"])

    response = login(clerk_a).get(reverse("school_findings", args=[school_a.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert RULES["MINUTES_LATE"].remedy in content
    assert "请会议主持人尽快审定并签发会议纪要。" in content
    assert RULES["MINUTES_LATE"].title in content
    assert f'href="{meeting.get_absolute_url()}"' in content
    assert "上地会议" not in content
    [group] = response.context["groups"]
    assert (group.code, len(group.findings)) == ("MINUTES_LATE", 1)


def test_school_findings_put_violations_first(school_a, district_viewer, login):
    meeting = late_minutes(school_a)
    finding_for(meeting, school_a, rule="MEETING_ORDER", severity=FindingSeverity.WARNING)
    finding_for(meeting, school_a, rule="GATE_OVERRIDE", severity=FindingSeverity.WARNING, key="x")
    run_rules(codes=["MINUTES_LATE"])

    response = login(district_viewer).get(reverse("school_findings", args=[school_a.pk]))

    assert [group.code for group in response.context["groups"]][0] == "MINUTES_LATE"
    assert response.context["total"] == 3


def test_school_without_findings(school_a, clerk_a, login):
    response = login(clerk_a).get(reverse("school_findings", args=[school_a.pk]))

    assert response.status_code == 200
    assert "本校没有未整改的合规提示" in response.content.decode()


def test_school_page_links_and_counts_open_findings(school_a, clerk_a, login):
    late_minutes(school_a)
    run_rules(codes=["MINUTES_LATE"])

    content = login(clerk_a).get(reverse("school_detail", args=[school_a.pk])).content.decode()

    assert reverse("school_findings", args=[school_a.pk]) in content
    assert reverse("school_handover", args=[school_a.pk]) in content
    assert "未整改合规提示 1 条" in content
    assert f'href="{reverse("finding_list")}"' in content  # the nav item


# --- hand-over packet -------------------------------------------------------------------------------
def test_handover_packet(school_a, principal_a, login):
    old_principal = PersonFactory(name="周老校长")
    AppointmentFactory(school=school_a, post=Post.SECRETARY, person__name="张书记", start=datetime.date(2020, 1, 1))
    AppointmentFactory(
        school=school_a,
        post=Post.PRINCIPAL,
        person=old_principal,
        start=datetime.date(2020, 1, 1),
        end=datetime.date(2023, 7, 31),
    )
    AppointmentFactory(school=school_a, post=Post.PRINCIPAL, person__name="李新校长", start=datetime.date(2023, 8, 1))
    draft = DecisionFactory(school=school_a, title="新建体育馆")
    closed = DecisionFactory(
        school=school_a,
        title="已办结事项",
        status=DecisionStatus.CLOSED,
        outcome=Outcome.PASSED,
        decided_on=days_ago(60),
        closing_summary="全部完成",
        closed_on=days_ago(5),
    )
    rejected = DecisionFactory(
        school=school_a,
        title="未通过事项",
        status=DecisionStatus.DECIDED,
        outcome=Outcome.REJECTED,
        decided_on=days_ago(9),
    )
    overdue = overdue_task(school_a, "完成校舍维修", days=12)
    upcoming = TaskFactory(decision=overdue.decision, title="验收校舍", due_on=days_ago(-20))
    TaskFactory(decision=overdue.decision, title="已完成任务", status=TaskStatus.DONE, done_on=days_ago(3))
    late_minutes(school_a)
    run_rules(codes=["TASK_OVERDUE", "MINUTES_LATE"])

    response = login(principal_a).get(reverse("school_handover", args=[school_a.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "交接清单" in content and "打印" in content
    assert "张书记" in content and "李新校长" in content and "周老校长" in content  # pair and its history
    assert len(response.context["pair_history"]) == 2
    decisions = set(response.context["decisions"])
    assert draft in decisions and overdue.decision in decisions
    assert closed not in decisions and rejected not in decisions
    assert [task.title for task in response.context["tasks"]] == ["完成校舍维修", "验收校舍"]
    assert response.context["overdue_count"] == 1
    assert "逾期 12 天" in content
    assert "已完成任务" not in content
    assert f'href="{upcoming.get_absolute_url()}"' in content
    assert RULES["TASK_OVERDUE"].remedy in content and RULES["MINUTES_LATE"].remedy in content
    assert response.context["finding_total"] == 2


def test_handover_of_an_empty_school(school_a, district_viewer, login):
    response = login(district_viewer).get(reverse("school_handover", args=[school_a.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "尚无书记、校长任职记录" in content and "没有未完成的督办任务" in content


# --- 整改: resolved findings ------------------------------------------------------------------------
def test_resolved_list_after_the_cause_is_fixed(school_a, district_viewer, login):
    task = overdue_task(school_a, "逾期后完成的任务")
    run_rules(codes=["TASK_OVERDUE"])
    finding = Finding.objects.get(rule="TASK_OVERDUE")
    Finding.objects.filter(pk=finding.pk).update(first_seen=timezone.now() - datetime.timedelta(days=5, hours=1))
    client = login(district_viewer)
    assert "逾期后完成的任务" not in client.get(reverse("finding_resolved_list")).content.decode()

    Task.objects.filter(pk=task.pk).update(status=TaskStatus.DONE, done_on=timezone.localdate())
    run_rules(codes=["TASK_OVERDUE"])

    response = client.get(reverse("finding_resolved_list"))
    [row] = response.context["rows"]
    assert row.pk == finding.pk
    assert row.time_to_resolve.days == 5
    content = response.content.decode()
    assert "逾期后完成的任务" in content and "5 天" in content
    assert f"{timezone.localdate():%Y-%m-%d}" in content
    assert "逾期后完成的任务" not in client.get(reverse("finding_list")).content.decode()
    assert "逾期后完成的任务" not in client.get(reverse("school_findings", args=[school_a.pk])).content.decode()


# --- filters ----------------------------------------------------------------------------------------
@pytest.fixture
def mixed(school_a, school_b):
    """School A: an overdue task (violation) and a warning; school B: late minutes, first seen in March 2024."""
    task = overdue_task(school_a, "A校任务")
    warned = finding_for(task, school_a, rule="MEETING_ORDER", severity=FindingSeverity.WARNING, message="A校提示")
    late_minutes(school_b, "B校会议")
    run_rules(codes=["TASK_OVERDUE", "MINUTES_LATE"])
    march = datetime.datetime(2024, 3, 15, 10, tzinfo=timezone.get_current_timezone())
    Finding.objects.filter(school=school_b).update(first_seen=march)
    return warned


def listed(client, **params) -> set[str]:
    response = client.get(reverse("finding_list"), params)
    assert response.status_code == 200
    return {finding.rule for finding in response.context["rows"]}


def test_filters(mixed, district_a, district_b, school_a, school_b, district_admin, login):
    client = login(district_admin)

    assert listed(client) == {"TASK_OVERDUE", "MEETING_ORDER", "MINUTES_LATE"}
    assert listed(client, district=district_a.pk) == {"TASK_OVERDUE", "MEETING_ORDER"}
    assert listed(client, district=district_b.pk) == {"MINUTES_LATE"}
    assert listed(client, school=school_b.pk) == {"MINUTES_LATE"}
    assert listed(client, rule="TASK_OVERDUE") == {"TASK_OVERDUE"}
    assert listed(client, severity=FindingSeverity.WARNING) == {"MEETING_ORDER"}
    assert listed(client, month="2024-03") == {"MINUTES_LATE"}
    assert listed(client, month="2024-04") == set()
    assert listed(client, school=school_a.pk, severity=FindingSeverity.VIOLATION) == {"TASK_OVERDUE"}


def test_filter_choices_come_from_scope(mixed, district_a, school_a, school_b, clerk_b, xuequ_viewer, login):
    form = login(xuequ_viewer).get(reverse("finding_list")).context["filter"].form
    assert list(form.fields["school"].queryset) == [school_a]
    assert "district" not in form.fields  # one 学区: nothing to choose

    client = login(clerk_b)
    form = client.get(reverse("finding_list")).context["filter"].form
    assert "school" not in form.fields and "district" not in form.fields  # one school: nothing to choose
    assert listed(client, school=school_a.pk) == {"MINUTES_LATE"}  # another school's id is ignored, not shown


@pytest.mark.parametrize("name", ["finding_list", "finding_resolved_list"])
@pytest.mark.parametrize(
    "params",
    [
        {"district": "abc", "school": "999999", "rule": "NOPE", "severity": "bad", "month": "2024-13"},
        {"month": "März", "page": "zz"},
        {"school": "1 OR 1=1", "page": "-3"},
        {"month": "99999-01", "district": "0"},
    ],
)
def test_bad_filter_values_do_not_500(name, params, mixed, district_viewer, login):
    response = login(district_viewer).get(reverse(name), params)

    assert response.status_code == 200
    if "month" in params:
        assert "月份格式不正确" in response.content.decode()


# --- query counts -----------------------------------------------------------------------------------
def _subjects_of_three_types(school, count):
    """`count` findings spread over tasks, meetings and communications (three subject types)."""
    for index in range(count):
        kind = index % 3
        if kind == 0:
            subject = TaskFactory(decision__school=school)
        elif kind == 1:
            subject = MeetingFactory(school=school)
        else:
            subject = CommunicationFactory(school=school)
        finding_for(subject, school, rule=["TASK_OVERDUE", "MINUTES_LATE", "EMERGENCY_LATE"][kind])


def _queries(client, url) -> int:
    dataversion.bump()  # the page as computed, not its cached count and school options
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["finding_list", "school_findings", "school_handover"])
def test_query_count_is_the_same_for_3_and_30_findings(name, district_viewer, login, settings):
    few_school, many_school = SchoolFactory(), SchoolFactory()
    _subjects_of_three_types(few_school, 3)
    _subjects_of_three_types(many_school, 30)
    client = login(district_viewer)
    if name == "finding_list":
        few_url = reverse(name) + f"?school={few_school.pk}"
        many_url = reverse(name) + f"?school={many_school.pk}"
    else:
        few_url, many_url = reverse(name, args=[few_school.pk]), reverse(name, args=[many_school.pk])
    client.get(few_url)  # warm the content type cache

    few = _queries(client, few_url)
    many = _queries(client, many_url)

    assert many == few
    if name == "finding_list":
        assert len(client.get(many_url).context["rows"]) == 30


def test_resolved_list_query_count_is_the_same_for_3_and_30_findings(district_viewer, login):
    few_school, many_school = SchoolFactory(), SchoolFactory()
    _subjects_of_three_types(few_school, 3)
    _subjects_of_three_types(many_school, 30)
    Finding.objects.update(resolved_at=timezone.now())
    client = login(district_viewer)
    url = reverse("finding_resolved_list")
    client.get(f"{url}?school={few_school.pk}")

    assert _queries(client, f"{url}?school={many_school.pk}") == _queries(client, f"{url}?school={few_school.pk}")
