"""Many-to-many relations prefetched as plain ids (core.api.prefetch_ids) for the API lists."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.api.prefetch_ids import IdsQuerySet, ids_attr
from meetings.models import Communication
from tests.factories import CommunicationFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_participants_are_listed_by_code_not_by_id(school_a, clerk_a, api):
    late, early = PersonFactory(code="P-999"), PersonFactory(code="P-001")  # created in the reverse order of codes
    communication = CommunicationFactory(school=school_a, participants=[late, early])
    body = api(clerk_a).get("/api/v1/communications/").json()
    assert [row["participants"] for row in body["results"] if row["id"] == communication.pk] == [[early.pk, late.pk]]


def test_one_query_for_the_ids_of_every_row_and_an_empty_list_without_any(school_a):
    """On PostgreSQL the ids come with the rows (an ARRAY column); elsewhere one more query for all rows."""
    people = [PersonFactory() for _ in range(3)]
    with_people = [CommunicationFactory(school=school_a, participants=people[:n]) for n in (1, 2, 3)]
    without = CommunicationFactory(school=school_a)
    queryset = IdsQuerySet(Communication).prefetch_ids("participants", order_by=("code",)).order_by("pk")
    with CaptureQueriesContext(connection) as queries:
        rows = list(queryset.filter(school=school_a))
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    got = {row.pk: row.__dict__[ids_attr("participants")] for row in rows}
    assert got == {**{c.pk: [p.pk for p in people[: i + 1]] for i, c in enumerate(with_people)}, without.pk: []}
    with CaptureQueriesContext(connection) as queries:
        assert list(queryset.filter(pk=-1)) == []
    assert len(queries) == 1  # nothing to prefetch for


def test_descending_order_and_counts_without_the_ids(school_a):
    people = [PersonFactory(code=code) for code in ("P-2", "P-3", "P-1")]
    communication = CommunicationFactory(school=school_a, participants=people)
    queryset = IdsQuerySet(Communication).prefetch_ids("participants", order_by=("-code",)).filter(school=school_a)
    assert queryset.count() == 1
    assert list(queryset.values_list("pk", flat=True)) == [communication.pk]
    assert queryset.get().__dict__[ids_attr("participants")] == [people[1].pk, people[0].pk, people[2].pk]


def test_ordering_by_a_relation_of_the_related_model_still_works(school_a):
    """Ordered by a foreign key of the related model: as Django orders it (the separate query on every backend)."""
    from meetings.models import AgendaItem
    from tests.factories import AgendaItemFactory

    item = AgendaItemFactory(meeting__school=school_a)
    communications = [CommunicationFactory(school=school_a) for _ in range(3)]
    item.pre_communications.set(communications)
    expected = [c.pk for c in item.pre_communications.order_by("-school", "pk")]
    row = IdsQuerySet(AgendaItem).prefetch_ids("pre_communications", order_by=("-school", "pk")).get(pk=item.pk)
    assert row.__dict__[ids_attr("pre_communications")] == expected


def test_only_many_to_many_relations():
    with pytest.raises(TypeError):
        IdsQuerySet(Communication).prefetch_ids("school")


def test_default_order_is_the_related_models_own(school_a):
    """`AgendaItem.pre_communications` without `order_by`: as `item.pre_communications.all()` lists them
    (Communication's `-occurred_at, -pk`)."""
    from meetings.models import AgendaItem
    from tests.factories import AgendaItemFactory

    item = AgendaItemFactory(meeting__school=school_a)
    older, newer = CommunicationFactory(school=school_a), CommunicationFactory(school=school_a)
    newer.occurred_at, older.occurred_at = older.occurred_at, older.occurred_at - older.occurred_at.resolution * 10
    newer.save()
    older.save()
    same_time = CommunicationFactory(school=school_a, occurred_at=newer.occurred_at)
    item.pre_communications.set([older, newer, same_time])
    expected = [c.pk for c in item.pre_communications.all()]
    assert expected == [same_time.pk, newer.pk, older.pk]
    row = IdsQuerySet(AgendaItem).prefetch_ids("pre_communications").get(pk=item.pk)
    assert row.__dict__[ids_attr("pre_communications")] == expected
