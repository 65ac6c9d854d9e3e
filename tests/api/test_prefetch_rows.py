"""One-to-many relations prefetched into plain lists (core.api.prefetch_rows) for the API lists."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.api.fastread import rows_attr
from core.api.prefetch_rows import RowsQuerySet
from meetings.models import AgendaItem, Attendance, Meeting
from tests.factories import AgendaItemFactory, AttendanceFactory, MeetingFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_each_parent_gets_its_rows_in_the_querysets_order_in_one_query(school_a):
    meetings = [MeetingFactory(school=school_a) for _ in range(3)]
    people = [PersonFactory(code=code) for code in ("P-3", "P-1", "P-2")]
    for person in people:
        AttendanceFactory(meeting=meetings[0], person=person)
    AttendanceFactory(meeting=meetings[1], person=people[0])
    queryset = (
        RowsQuerySet(Meeting)
        .filter(school=school_a)
        .order_by("pk")
        .prefetch_rows("attendance", Attendance.objects.order_by("person__code"))
    )
    with CaptureQueriesContext(connection) as queries:
        rows = list(queryset)
    assert len(queries) == 2
    got = [[a.person_id for a in meeting.__dict__[rows_attr("attendance")]] for meeting in rows]
    assert got == [[people[1].pk, people[2].pk, people[0].pk], [people[0].pk], []]


def test_rows_point_at_their_parent_instance(school_a):
    item = AgendaItemFactory(meeting__school=school_a)
    (meeting,) = RowsQuerySet(Meeting).filter(pk=item.meeting_id).prefetch_rows("items")
    (loaded,) = meeting.__dict__[rows_attr("items")]
    with CaptureQueriesContext(connection) as queries:
        assert loaded.meeting is meeting
    assert len(queries) == 0


def test_nested_prefetches_of_the_rows_run_once_for_all(school_a):
    meetings = [MeetingFactory(school=school_a) for _ in range(2)]
    items = [AgendaItemFactory(meeting=meeting) for meeting in meetings for _ in range(2)]
    queryset = (
        RowsQuerySet(Meeting)
        .filter(school=school_a)
        .prefetch_rows(
            "items",
            RowsQuerySet(AgendaItem).order_by("order").prefetch_rows("votes").prefetch_ids("pre_communications"),
        )
    )
    with CaptureQueriesContext(connection) as queries:
        rows = list(queryset)
    # meetings, items, votes; the pre-meeting communications' ids come with the items on PostgreSQL
    assert len(queries) == (3 if connection.vendor == "postgresql" else 4)
    listed = {m.pk: [i.pk for i in m.__dict__[rows_attr("items")]] for m in rows}
    assert listed == {m.pk: [i.pk for i in items if i.meeting_id == m.pk] for m in meetings}
    assert all(i.__dict__[rows_attr("votes")] == [] for m in rows for i in m.__dict__[rows_attr("items")])


def test_nothing_to_fetch_for_an_empty_page_and_counts_unchanged(school_a):
    queryset = RowsQuerySet(Meeting).filter(pk=-1).prefetch_rows("items")
    with CaptureQueriesContext(connection) as queries:
        assert list(queryset) == []
    assert len(queries) == 1
    MeetingFactory(school=school_a)
    counted = RowsQuerySet(Meeting).filter(school=school_a).prefetch_rows("items")
    with CaptureQueriesContext(connection) as queries:
        assert counted.count() == 1
        assert list(counted.values_list("school", flat=True)) == [school_a.pk]
    assert len(queries) == 2


def test_only_reverse_foreign_keys():
    with pytest.raises(TypeError):
        RowsQuerySet(Meeting).prefetch_rows("school")
    with pytest.raises(TypeError):
        RowsQuerySet(AgendaItem).prefetch_rows("pre_communications")
