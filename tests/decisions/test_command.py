"""`manage.py check_compliance` over all schools or one, and the re-check queued after a committed write."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from decisions.choices import DecisionStatus, Outcome, TaskStatus
from decisions.models import Finding
from decisions.services import task_complete, task_create
from decisions.tasks import check_compliance_for_school
from haidian_governance.celery import app as celery_app
from meetings.services import meeting_create
from schools.choices import MeetingBody
from schools.models import School
from tests.factories import DecisionFactory, PersonFactory, TaskFactory


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def open_findings(rule: str):
    return Finding.objects.filter(rule=rule, resolved_at__isnull=True)


@pytest.fixture
def overdue(school_a, school_b):
    return {
        "A": TaskFactory(decision__school=school_a, title="A校任务", due_on=days_ago(5)),
        "B": TaskFactory(decision__school=school_b, title="B校任务", due_on=days_ago(5)),
    }


def run(*args) -> str:
    out = StringIO()
    call_command("check_compliance", *args, stdout=out)
    return out.getvalue()


# --- the command ------------------------------------------------------------------------------------
def test_all_schools(overdue, school_a, school_b):
    output = run()

    findings = open_findings("TASK_OVERDUE")
    assert {(f.school_id, f.object_id) for f in findings} == {
        (school_a.pk, overdue["A"].pk),
        (school_b.pk, overdue["B"].pk),
    }
    assert all("已逾期 5 天" in f.message for f in findings)
    assert "合规检查完成" in output
    assert "TASK_OVERDUE" in output


def test_one_school_by_code(overdue, school_a):
    output = run("--school", "A001")

    assert set(Finding.objects.values_list("school_id", flat=True)) == {school_a.pk}
    assert open_findings("TASK_OVERDUE").get().object_id == overdue["A"].pk
    assert f"当前未整改 {Finding.objects.filter(resolved_at__isnull=True).count()} 条" in output


def test_one_rule(overdue):
    run("--rule", "TASK_OVERDUE")

    assert set(Finding.objects.values_list("rule", flat=True)) == {"TASK_OVERDUE"}
    assert Finding.objects.count() == 2


def test_run_again_resolves_what_was_fixed(overdue):
    run("--rule", "TASK_OVERDUE")
    task = overdue["A"]
    type(task).objects.filter(pk=task.pk).update(status=TaskStatus.DONE, done_on=timezone.localdate())

    output = run("--rule", "TASK_OVERDUE")

    assert open_findings("TASK_OVERDUE").get().object_id == overdue["B"].pk
    assert Finding.objects.get(object_id=task.pk, rule="TASK_OVERDUE").resolved_at is not None
    assert "已整改 1 条" in output and "新发现 0 条" in output


def test_unknown_school_code_is_a_chinese_error(overdue):
    with pytest.raises(CommandError, match="没有学校代码为 NOPE 的学校"):
        run("--school", "NOPE")
    assert not Finding.objects.exists()


# --- the Celery task after a committed write --------------------------------------------------------
@pytest.fixture
def recheck_on(settings, monkeypatch):
    """Re-check on write, with Celery running the task in-process (as in tests without a broker)."""
    settings.COMPLIANCE_CHECK_ON_WRITE = True
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


@pytest.fixture
def passed_decision(school_a):
    return DecisionFactory(
        school=school_a, status=DecisionStatus.DECIDED, outcome=Outcome.PASSED, decided_on=days_ago(30)
    )


def test_task_write_rechecks_the_school_after_commit(
    recheck_on, passed_decision, school_a, school_b, district_admin, django_capture_on_commit_callbacks
):
    TaskFactory(decision__school=school_b, due_on=days_ago(5))  # another school: not re-checked

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        task = task_create(
            user=district_admin, decision=passed_decision, title="完成招标", owner=PersonFactory(), due_on=days_ago(3)
        )
    assert not Finding.objects.exists()  # nothing runs before the commit
    assert len(callbacks) == 1

    callbacks[0]()

    finding = open_findings("TASK_OVERDUE").get()
    assert (finding.school_id, finding.object_id) == (school_a.pk, task.pk)
    assert "完成招标" in finding.message

    with django_capture_on_commit_callbacks(execute=True):
        task_complete(user=district_admin, task=task, done_on=timezone.localdate())

    finding.refresh_from_db()
    assert finding.resolved_at is not None
    assert not open_findings("TASK_OVERDUE").exists()
    assert not Finding.objects.filter(school=school_b).exists()


def test_meeting_write_rechecks_the_school(recheck_on, school_a, district_admin, django_capture_on_commit_callbacks):
    """School A registered 60 days ago without a secretary or principal: PAIR_VACANCY appears after a write."""
    School.objects.filter(pk=school_a.pk).update(created_at=timezone.now() - datetime.timedelta(days=60))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        meeting_create(
            user=district_admin, school=school_a, body=MeetingBody.PARTY_COMMITTEE, title="党组织会议", date=days_ago(1)
        )

    assert len(callbacks) == 1
    assert set(open_findings("PAIR_VACANCY").values_list("key", flat=True)) == {"secretary", "principal"}


def test_no_recheck_when_switched_off(settings, passed_decision, district_admin, django_capture_on_commit_callbacks):
    settings.COMPLIANCE_CHECK_ON_WRITE = False

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        task_create(
            user=district_admin, decision=passed_decision, title="完成招标", owner=PersonFactory(), due_on=days_ago(3)
        )

    assert callbacks == []
    assert not Finding.objects.exists()


def test_check_compliance_for_school_checks_only_that_school(recheck_on, overdue, school_a):
    check_compliance_for_school.delay(school_a.pk)

    assert set(Finding.objects.values_list("school_id", flat=True)) == {school_a.pk}
