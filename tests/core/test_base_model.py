"""Instances read from the database (core.models.BaseModel.from_db) are the instances Django's own `from_db()`
builds: the same values, state, deferred columns and related-object caches; receivers of `post_init` still run."""

import pytest
from django.db import connection, models
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext

from meetings.models import AgendaItem, Attendance, Meeting
from tests.factories import AgendaItemFactory, AttendanceFactory

pytestmark = pytest.mark.django_db


def _django_built(model, instance):
    """What `Model.from_db` (via `__init__`) builds from the same row."""
    names = [field.attname for field in model._meta.concrete_fields]
    return models.Model.from_db.__func__(model, "default", names, [instance.__dict__[name] for name in names])


def test_same_values_and_state_as_djangos_own(school_a):
    attendance = AttendanceFactory(meeting__school=school_a)
    loaded = Attendance.objects.get(pk=attendance.pk)
    expected = _django_built(Attendance, loaded)
    assert {k: v for k, v in loaded.__dict__.items() if k != "_state"} == {
        k: v for k, v in expected.__dict__.items() if k != "_state"
    }
    assert (loaded._state.adding, loaded._state.db) == (False, "default") == (expected._state.adding, "default")
    assert loaded == attendance and loaded.meeting_id == attendance.meeting_id
    loaded.status = "absent"
    loaded.leave_reason = "病假"
    loaded.save()
    attendance.refresh_from_db()
    assert attendance.status == "absent"


def test_deferred_columns_load_on_first_access(school_a):
    item = AgendaItemFactory(meeting__school=school_a, title="校园改造")
    loaded = AgendaItem.objects.only("id", "meeting").get(pk=item.pk)
    assert loaded.get_deferred_fields() == {f.attname for f in AgendaItem._meta.concrete_fields} - {"id", "meeting_id"}
    with CaptureQueriesContext(connection) as queries:
        assert loaded.title == "校园改造"
    assert len(queries) == 1


def test_related_objects_and_reverse_caches(school_a):
    item = AgendaItemFactory(meeting__school=school_a)
    loaded = AgendaItem.objects.select_related("meeting__school").get(pk=item.pk)
    with CaptureQueriesContext(connection) as queries:
        assert loaded.meeting.school == school_a
    assert len(queries) == 0
    meeting = Meeting.objects.prefetch_related("items").get(pk=item.meeting_id)
    with CaptureQueriesContext(connection) as queries:
        assert [i.meeting is meeting for i in meeting.items.all()] == [True]
    assert len(queries) == 0


def test_changing_a_foreign_key_drops_the_cached_object(school_a):
    first, second = AgendaItemFactory(meeting__school=school_a), AgendaItemFactory(meeting__school=school_a)
    loaded = AgendaItem.objects.select_related("meeting").get(pk=first.pk)
    loaded.meeting_id = second.meeting_id
    assert loaded.meeting.pk == second.meeting_id


def test_post_init_receivers_still_run(school_a):
    item = AgendaItemFactory(meeting__school=school_a)
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.__dict__.get("title"))

    post_init.connect(receiver, sender=AgendaItem)
    try:
        AgendaItem.objects.get(pk=item.pk)
    finally:
        post_init.disconnect(receiver, sender=AgendaItem)
    assert seen == [item.title]
