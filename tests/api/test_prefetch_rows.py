"""One-to-many relations prefetched into plain lists (core.api.prefetch_rows) for the API lists."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.api.fastread import rows_attr
from core.api.inline_rows import inline_rows
from core.api.prefetch_ids import ids_attr
from core.api.prefetch_rows import RowsQuerySet
from meetings.models import AgendaItem, Attendance, Meeting, Recusal, Vote
from schools.models import School
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    CommunicationFactory,
    MeetingFactory,
    PersonFactory,
)

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
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)  # PostgreSQL: inside the meetings' query
    got = [[a.person_id for a in meeting.__dict__[rows_attr("attendance")]] for meeting in rows]
    assert got == [[people[1].pk, people[2].pk, people[0].pk], [people[0].pk], []]


def test_rows_point_at_their_parent_instance(school_a):
    item = AgendaItemFactory(meeting__school=school_a)
    (meeting,) = RowsQuerySet(Meeting).filter(pk=item.meeting_id).prefetch_rows("items")
    (loaded,) = meeting.__dict__[rows_attr("items")]
    with CaptureQueriesContext(connection) as queries:
        assert loaded.meeting is meeting
    assert len(queries) == 0


def test_nested_prefetches_of_the_rows_run_once_for_all_and_inline_as_they_would_run_separately(school_a):
    meetings = [MeetingFactory(school=school_a) for _ in range(3)]
    items = [AgendaItemFactory(meeting=meeting, order=n) for meeting in meetings[:2] for n in (2, 1)]
    people = [PersonFactory(code=code) for code in ("P-2", "P-1")]
    communications = [CommunicationFactory(school=school_a) for _ in range(2)]
    items[0].pre_communications.set(communications)
    for person in people:
        Vote.objects.create(item=items[1], person=person, choice="for")
    Recusal.objects.create(item=items[2], person=people[0], reason="亲属")

    def listing(items_queryset):
        nested = items_queryset.order_by("order").prefetch_rows("votes").prefetch_rows("recusals")
        return RowsQuerySet(Meeting).filter(school=school_a).order_by("pk").prefetch_rows("items", nested)

    with CaptureQueriesContext(connection) as queries:
        inline = list(listing(RowsQuerySet(AgendaItem).prefetch_ids("pre_communications")))
    # meetings, items, votes, recusals, pre-meeting communications: on PostgreSQL all inside the meetings' query
    assert len(queries) == (1 if connection.vendor == "postgresql" else 5)
    with CaptureQueriesContext(connection) as queries:
        separate = list(listing(RowsQuerySet(AgendaItem).filter(pk__gt=0).prefetch_ids("pre_communications")))
    assert len(queries) == (2 if connection.vendor == "postgresql" else 5)  # PostgreSQL: the rest inside the items'

    def nested(rows):
        return {
            meeting.pk: [
                (
                    item.pk,
                    item.order,
                    item.updated_at,
                    item.meeting is meeting,
                    item.__dict__[ids_attr("pre_communications")],
                    [(v.pk, v.person_id, v.choice, v.item is item) for v in item.__dict__[rows_attr("votes")]],
                    [(r.pk, r.reason, r.item is item) for r in item.__dict__[rows_attr("recusals")]],
                )
                for item in meeting.__dict__[rows_attr("items")]
            ]
            for meeting in rows
        }

    assert nested(inline) == nested(separate)
    got = nested(inline)
    assert [entry[1] for entry in got[meetings[0].pk]] == [1, 2] and got[meetings[2].pk] == []
    assert got[meetings[0].pk][1][4] == [c.pk for c in items[0].pre_communications.all()]  # in their own order
    assert [vote[1] for vote in got[meetings[0].pk][0][5]] == [people[0].pk, people[1].pk]
    assert got[meetings[1].pk][1][6][0][1] == "亲属"


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


def _listed(rows, relation):
    """Each parent's rows as tuples of every column (deferred ones loaded)."""
    columns = lambda r: tuple(getattr(r, f.attname) for f in r._meta.concrete_fields)  # noqa: E731
    return {row.pk: [columns(r) for r in row.__dict__[rows_attr(relation)]] for row in rows}


def test_plain_rows_come_inside_the_parents_query_on_postgresql_as_the_separate_query_lists_them(school_a):
    items = [AgendaItemFactory(meeting__school=school_a) for _ in range(3)]
    people = [PersonFactory() for _ in range(3)]
    reasons = ['配偶任职 "甲" 校\n第二行', "", "\\ 反斜杠 \u2028"]
    for person, reason in zip(people, reasons, strict=True):
        Recusal.objects.create(item=items[0], person=person, reason=reason)
    for person, choice in zip(people, ("abstain", "for", "against"), strict=True):
        Vote.objects.create(item=items[1], person=person, choice=choice)
    queryset = RowsQuerySet(AgendaItem).filter(meeting__school=school_a).order_by("pk")
    with CaptureQueriesContext(connection) as queries:
        inline = list(queryset.prefetch_rows("recusals").prefetch_rows("votes", Vote.objects.order_by("-choice")))
    assert len(queries) == (1 if connection.vendor == "postgresql" else 3)
    # a filtered queryset is never inlined: the same rows through the separate query
    separate = list(
        queryset.prefetch_rows("recusals", Recusal.objects.filter(pk__gt=0).order_by("pk")).prefetch_rows(
            "votes", Vote.objects.filter(pk__gt=0).order_by("-choice", "pk")
        )
    )
    assert _listed(inline, "recusals") == _listed(separate, "recusals")
    assert _listed(inline, "votes") == _listed(separate, "votes")
    assert [r.reason for r in inline[0].__dict__[rows_attr("recusals")]] == reasons
    assert inline[2].__dict__[rows_attr("recusals")] == []
    (recusal,) = inline[0].__dict__[rows_attr("recusals")][:1]
    assert recusal.item is inline[0] and not recusal._state.adding and recusal._state.db == "default"
    assert "_recusals_json" not in inline[0].__dict__


def test_timestamps_deferred_columns_and_a_joined_order_read_back_as_the_separate_query_gives_them(school_a):
    meetings = [MeetingFactory(school=school_a) for _ in range(2)]
    for code in ("P-2", "P-1", "P-3"):
        AttendanceFactory(meeting=meetings[0], person=PersonFactory(code=code))
    queryset = RowsQuerySet(Meeting).filter(school=school_a).order_by("pk")
    ordered = Attendance.objects.defer("leave_reason").order_by("-kind", "person__code")
    with CaptureQueriesContext(connection) as queries:
        inline = list(queryset.prefetch_rows("attendance", ordered))
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    loaded = inline[0].__dict__[rows_attr("attendance")]
    assert "leave_reason" not in loaded[0].__dict__ and loaded[0].get_deferred_fields() == {"leave_reason"}
    separate = list(queryset.prefetch_rows("attendance", ordered.filter(pk__gt=0)))
    assert _listed(inline, "attendance") == _listed(separate, "attendance")
    assert [a.person.code for a in loaded] == ["P-1", "P-2", "P-3"]
    assert all(a.updated_at.tzinfo is not None and a.updated_at.utcoffset().total_seconds() == 0 for a in loaded)


@pytest.mark.parametrize(
    "queryset",
    [
        Attendance.objects.filter(kind="member"),  # a filter
        Attendance.objects.select_related("person"),  # a join
        Attendance.objects.order_by("meeting__school__name"),  # an order two relations away
        Attendance.objects.order_by("person"),  # an order by the related model's own ordering
    ],
    ids=["filter", "select_related", "two-hops", "relation"],
)
def test_querysets_that_are_not_plain_listings_run_separately(school_a, queryset):
    meeting = MeetingFactory(school=school_a)
    AttendanceFactory(meeting=meeting)
    with CaptureQueriesContext(connection) as queries:
        (loaded,) = RowsQuerySet(Meeting).filter(pk=meeting.pk).prefetch_rows("attendance", queryset)
    assert len(queries) == 2
    expected = [a.pk for a in queryset.filter(meeting=meeting)]
    assert [a.pk for a in loaded.__dict__[rows_attr("attendance")]] == expected


@pytest.mark.parametrize("relation", ["decisions", "policies"])  # a decimal amount; a JSON list
def test_columns_json_would_not_carry_exactly_are_never_inlined(relation):
    assert inline_rows(School, relation, None, connection) is None


def test_the_plan_of_an_inlined_relation_is_worked_out_once():
    first = inline_rows(AgendaItem, "votes", None, connection)
    assert first is not None and first is inline_rows(AgendaItem, "votes", Vote.objects.all(), connection)
    assert inline_rows(AgendaItem, "votes", Vote.objects.order_by("-choice"), connection) is not first
