"""Coalesced re-checks (`decisions.services.compliance`): a queued re-check of a school is skipped when a check of
that school that started after the message was published has completed; otherwise it runs, and takes along the
other schools waiting for a re-check."""

import datetime
import time

import pytest
from django.core.cache import cache
from django.utils import timezone

from decisions.choices import TaskStatus
from decisions.models import Finding, Task
from decisions.services import compliance
from decisions.services.compliance import (
    compliance_recheck_requested,
    compliance_recheck_school,
    covered_key,
    requested_key,
)
from decisions.triggers import publish_recheck, recheck_on_commit
from tests.factories import TaskFactory


@pytest.fixture
def overdue(school_a):
    return TaskFactory(decision__school=school_a, title="A校任务", due_on=timezone.localdate() - datetime.timedelta(5))


@pytest.fixture
def overdue_b(school_b):
    return TaskFactory(decision__school=school_b, title="B校任务", due_on=timezone.localdate() - datetime.timedelta(5))


def open_overdue(school):
    return Finding.objects.filter(rule="TASK_OVERDUE", school=school, resolved_at__isnull=True)


def finish(task) -> None:
    """Change the school's records without a re-check (as a write whose message is still queued)."""
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.DONE, done_on=timezone.localdate())


def test_a_recheck_published_before_a_later_check_started_is_skipped(overdue, school_a):
    published = time.time()  # the message of a write committed before this
    assert compliance_recheck_school(school_id=school_a.pk) is not None  # a later check: it read that write
    assert open_overdue(school_a).exists()
    finish(overdue)  # what the skipped check would have seen; its own message comes later

    assert compliance_recheck_school(school_id=school_a.pk, requested_at=published) is None

    assert open_overdue(school_a).exists()  # the rules did not run


def test_a_recheck_published_after_the_last_check_started_runs(overdue, school_a):
    compliance_recheck_school(school_id=school_a.pk)
    assert open_overdue(school_a).exists()
    finish(overdue)
    published = time.time()

    summary = compliance_recheck_school(school_id=school_a.pk, requested_at=published)

    assert summary is not None and summary.resolved == 1
    assert not open_overdue(school_a).exists()


def test_a_check_covers_only_its_own_school(overdue, school_a, school_b):
    published = time.time()
    compliance_recheck_school(school_id=school_b.pk)

    assert compliance_recheck_school(school_id=school_a.pk, requested_at=published) is not None
    assert open_overdue(school_a).exists()


def test_the_stored_time_is_when_the_check_started(overdue, school_a):
    before = time.time()
    compliance_recheck_school(school_id=school_a.pk)
    after = time.time()

    assert before <= cache.get(covered_key(school_a.pk)) <= after


def test_a_failed_check_covers_nothing(overdue, school_a, monkeypatch):
    published = time.time()

    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(compliance, "run_rules", broken)
    with pytest.raises(RuntimeError):
        compliance_recheck_school(school_id=school_a.pk)
    monkeypatch.undo()

    assert cache.get(covered_key(school_a.pk)) is None
    assert compliance_recheck_school(school_id=school_a.pk, requested_at=published) is not None
    assert open_overdue(school_a).exists()


def test_without_the_cache_value_the_check_runs(overdue, school_a):
    published = time.time()
    compliance_recheck_school(school_id=school_a.pk)
    cache.delete(covered_key(school_a.pk))  # expired or evicted

    assert compliance_recheck_school(school_id=school_a.pk, requested_at=published) is not None


def test_an_older_start_does_not_replace_a_newer_one(overdue, school_a):
    cache.set(covered_key(school_a.pk), time.time() + 3600)  # a check that started later finished first
    stored = cache.get(covered_key(school_a.pk))

    compliance_recheck_school(school_id=school_a.pk)

    assert cache.get(covered_key(school_a.pk)) == stored


def test_the_clock_skew_margin_keeps_a_recent_message(overdue, school_a, settings):
    settings.COMPLIANCE_RECHECK_CLOCK_SKEW = 60.0
    published = time.time()
    compliance_recheck_school(school_id=school_a.pk)  # started within 60 s of the message

    assert compliance_recheck_school(school_id=school_a.pk, requested_at=published) is not None


# --- one check for the schools waiting --------------------------------------------------------------
def test_a_check_takes_along_the_schools_waiting_for_one(overdue, overdue_b, school_a, school_b):
    published_b = time.time()
    compliance_recheck_requested(school_id=school_b.pk, requested_at=published_b)

    compliance_recheck_school(school_id=school_a.pk, requested_at=time.time())

    assert open_overdue(school_b).get().object_id == overdue_b.pk
    assert compliance_recheck_school(school_id=school_b.pk, requested_at=published_b) is None  # B's message


def test_a_school_already_covered_is_not_taken_along(overdue, overdue_b, school_a, school_b):
    compliance_recheck_requested(school_id=school_b.pk, requested_at=time.time())
    compliance_recheck_school(school_id=school_b.pk)  # started after B's request
    finish(overdue_b)  # B's records change; its own message will come

    compliance_recheck_school(school_id=school_a.pk)

    assert open_overdue(school_b).exists()  # B was not checked again with A


def test_the_batch_has_at_most_the_configured_number_of_schools(overdue, overdue_b, school_a, school_b, settings):
    settings.COMPLIANCE_RECHECK_BATCH = 1
    compliance_recheck_requested(school_id=school_b.pk, requested_at=time.time())

    compliance_recheck_school(school_id=school_a.pk)

    assert open_overdue(school_a).exists()
    assert not open_overdue(school_b).exists()


def test_an_inactive_school_is_not_taken_along(overdue, overdue_b, school_a, school_b):
    type(school_b).objects.filter(pk=school_b.pk).update(is_active=False)
    compliance_recheck_requested(school_id=school_b.pk, requested_at=time.time())

    compliance_recheck_school(school_id=school_a.pk)

    assert not open_overdue(school_b).exists()


# --- the trigger -------------------------------------------------------------------------------------
def test_the_message_is_stamped_when_it_is_sent_after_the_commit(
    settings, school_a, monkeypatch, django_capture_on_commit_callbacks
):
    settings.COMPLIANCE_CHECK_ON_WRITE = True
    sent = []
    monkeypatch.setattr(
        "decisions.triggers.publish_task", lambda task, *, args=(), kwargs=None: sent.append((task.name, args, kwargs))
    )

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        recheck_on_commit(school_id=school_a.pk)
    assert sent == []  # nothing before the commit
    committed = time.time()
    callbacks[0]()

    [(name, args, kwargs)] = sent
    assert (name, args) == ("decisions.tasks.check_compliance_for_school", [school_a.pk])
    assert kwargs["requested_at"] >= committed
    assert cache.get(requested_key(school_a.pk)) == kwargs["requested_at"]  # a check may take the school along


def test_publish_recheck_reports_a_dropped_message(school_a, monkeypatch):
    monkeypatch.setattr("decisions.triggers.publish_task", lambda *args, **kwargs: False)

    assert publish_recheck(school_a.pk) is False


def test_rechecks_go_to_their_own_queue():
    """Served by the one `-Q compliance` worker (docker-compose, docs/operations.md), not behind PDF renders."""
    from django.conf import settings as django_settings

    from haidian_governance.celery import app as celery_app

    name = "decisions.tasks.check_compliance_for_school"
    assert django_settings.CELERY_TASK_ROUTES[name] == {"queue": "compliance"}
    assert celery_app.amqp.router.route({}, name)["queue"].name == "compliance"
    assert "-Q compliance" in (django_settings.BASE_DIR / "docker-compose.yml").read_text(encoding="utf-8")
