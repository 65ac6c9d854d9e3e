"""The district dashboard's figures are cached under the data version (core.dataversion): a repeated request
is served from the cache, any write (service, rules engine, bulk path) shows at once, and users of different
scopes never share cached figures."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import dataversion
from core.models import AuditEvent, Role
from decisions.rules import run_rules
from meetings import services as meeting_services
from meetings.choices import CommunicationCategory, CommunicationOutcome, CommunicationTiming
from schools.choices import Post
from tests.factories import AppointmentFactory, PersonFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


def _total(client):
    response = client.get(reverse("district_dashboard"))
    assert response.status_code == 200
    return response.context["total"]


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("district_dashboard")).status_code == 200
    return len(queries)


def test_second_request_is_served_from_the_cache(school_a, district_viewer, login):
    client = login(district_viewer)
    TaskFactory(decision__school=school_a, due_on=timezone.localdate() - timezone.timedelta(days=3))
    first = _queries(client)
    second = _queries(client)
    assert second < first - 5, (first, second)
    assert _total(client).overdue_tasks == 1


def test_zero_seconds_turns_the_cache_off(school_a, district_viewer, login, settings):
    """The default without Redis: each process's local cache could not see another process's writes."""
    settings.DASHBOARD_CACHE_SECONDS = 0
    client = login(district_viewer)
    first = _queries(client)
    assert _queries(client) == first


def test_a_communication_logged_through_the_service_shows_at_once(school_a, secretary_a, district_viewer, login):
    secretary, principal = PersonFactory(), PersonFactory()
    start = timezone.localdate() - timezone.timedelta(days=30)
    AppointmentFactory(school=school_a, person=secretary, post=Post.SECRETARY, start=start)
    AppointmentFactory(school=school_a, person=principal, post=Post.PRINCIPAL, start=start)
    client = login(district_viewer)
    before = _total(client).communications_total
    assert _total(client).communications_total == before  # served from the cache
    meeting_services.communication_create(
        user=secretary_a,
        school=school_a,
        occurred_at=timezone.now() - timezone.timedelta(hours=2),
        category=CommunicationCategory.REGULAR_TALK,
        timing=CommunicationTiming.ROUTINE,
        subject="学期工作",
        summary="交换意见。",
        outcome=CommunicationOutcome.CONSENSUS,
        participants=[secretary, principal],
    )
    assert _total(client).communications_total == before + 1


def test_a_rules_engine_run_changes_the_findings_at_once(school_a, district_viewer, login):
    TaskFactory(decision__school=school_a, due_on=timezone.localdate() - timezone.timedelta(days=3))
    client = login(district_viewer)
    assert _total(client).findings["TASK_OVERDUE"] == 0  # the rules have not run yet: cached as 0
    run_rules(codes=["TASK_OVERDUE"])  # bulk_create: no model signal, the engine bumps
    assert _total(client).findings["TASK_OVERDUE"] == 1
    task = school_a.decisions.get().tasks.get()
    task.due_on = timezone.localdate() + timezone.timedelta(days=3)
    task.save()
    run_rules(codes=["TASK_OVERDUE"])  # resolved by a queryset update()
    assert _total(client).findings["TASK_OVERDUE"] == 0


def test_users_of_different_scopes_never_share_cached_figures(school_a, school_b, xuequ_viewer, district_b, login):
    TaskFactory(decision__school=school_a, due_on=timezone.localdate() - timezone.timedelta(days=3))
    TaskFactory(decision__school=school_b, due_on=timezone.localdate() - timezone.timedelta(days=3))
    TaskFactory(decision__school=school_b, due_on=timezone.localdate() - timezone.timedelta(days=4))
    other_xuequ = UserFactory(username="xuequ_b", role=Role.XUEQU_VIEWER, school_district=district_b)
    district = UserFactory(username="viewer_all", role=Role.DISTRICT_VIEWER)
    figures = {}
    for user in (xuequ_viewer, other_xuequ, district, xuequ_viewer):
        client = login(user)
        total = _total(client)
        figures.setdefault(user.username, set()).add((total.schools, total.overdue_tasks))
    assert figures == {"xuequ_u": {(1, 1)}, "xuequ_b": {(1, 2)}, "viewer_all": {(2, 3)}}


def test_filters_and_period_are_part_of_the_key(school_a, school_b, district_a, district_viewer, login):
    client = login(district_viewer)
    assert _total(client).schools == 2
    narrowed = client.get(reverse("district_dashboard"), {"district": district_a.pk}).context["total"]
    assert narrowed.schools == 1


def test_model_signals_bulk_paths_and_logs():
    version = dataversion.current()
    assert dataversion.current() == version
    PersonFactory()
    assert dataversion.current() != version
    version = dataversion.current()
    UserFactory(username="someone")  # an account (and its audit events): the scope is part of every key
    assert AuditEvent.objects.filter(object_repr__contains="someone").exists()
    assert dataversion.current() == version


def test_m2m_changes_bump(school_a):
    from tests.factories import CommunicationFactory

    communication = CommunicationFactory(school=school_a)
    version = dataversion.current()
    communication.participants.add(PersonFactory())
    assert dataversion.current() != version


def test_bump_runs_again_on_commit(school_a):
    """Once per transaction, however many rows it writes (a reader between the first bump and the commit may
    have cached the old rows under the new version)."""
    PersonFactory()
    PersonFactory()
    pending = [entry[1] for entry in connection.run_on_commit if entry[1] is dataversion.bump]
    assert pending == [dataversion.bump]


def test_cache_down_means_computed_figures(school_a, district_viewer, login, monkeypatch):
    """With the cache unavailable (FailOpenRedisCache answers misses), every request computes the figures."""
    from django.core.cache import cache

    monkeypatch.setattr(cache, "get", lambda key, default=None, version=None: default)
    monkeypatch.setattr(cache, "get_many", lambda *args, **kwargs: {})
    monkeypatch.setattr(cache, "add", lambda *args, **kwargs: False)
    monkeypatch.setattr(cache, "set", lambda *args, **kwargs: None)
    client = login(district_viewer)
    first, second = _queries(client), _queries(client)
    assert first == second
    assert _total(client).schools == 1
