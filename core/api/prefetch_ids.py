"""Prefetching a many-to-many relation as plain ids, for the API lists that serialise it as a list of ids.

`Prefetch("participants", queryset=Person.objects.only("id"))` still builds a model instance per related row and
Django's prefetch bookkeeping around it; a page of 100 communications spends more time there than in its own
query. `IdsQuerySet.prefetch_ids("participants", order_by=("code",))` instead runs one `values_list` query on the
through table when the queryset is evaluated and stores, on each instance, the list of related ids under
`ids_attr("participants")`, where the compiled read serializers (`fastread_getters.pk_ids`) look first.
"""

from django.db.models import ManyToManyField, QuerySet
from django.db.models.query import ModelIterable


def ids_attr(relation: str) -> str:
    return f"{relation}_ids"


class IdsQuerySet(QuerySet):
    """A QuerySet that can prefetch many-to-many relations as lists of ids (`prefetch_ids`)."""

    _ids_lookups: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def prefetch_ids(self, relation: str, *, order_by: tuple[str, ...] | None = None) -> "IdsQuerySet":
        """Ids of the rows related through the many-to-many `relation`, ordered by the related model's fields
        `order_by` (`-name` descending; default: the related model's `Meta.ordering`, as `relation.all()` lists
        them), then by id."""
        field = self.model._meta.get_field(relation)
        if not isinstance(field, ManyToManyField):
            raise TypeError(f"{self.model.__name__}.{relation} is not a many-to-many field")
        if order_by is None:
            order_by = tuple(field.related_model._meta.ordering)
        clone = self._chain()
        clone._ids_lookups = (*self._ids_lookups, (relation, tuple(order_by)))
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._ids_lookups = self._ids_lookups
        return clone

    def _fetch_all(self):
        pending = self._result_cache is None
        super()._fetch_all()
        if pending and self._ids_lookups and self._iterable_class is ModelIterable and self._result_cache:
            for relation, order_by in self._ids_lookups:
                _attach_ids(self._result_cache, relation, order_by, self.db)


def _attach_ids(instances: list, relation: str, order_by: tuple[str, ...], using: str) -> None:
    field = instances[0]._meta.get_field(relation)
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    rows = (
        field.remote_field.through._default_manager.using(using)
        .filter(**{f"{source}_id__in": [instance.pk for instance in instances]})
        .order_by(*(_through(target, name) for name in order_by), f"{target}_id")
        .values_list(f"{source}_id", f"{target}_id")
    )
    ids: dict[object, list] = {instance.pk: [] for instance in instances}
    for owner, related in rows:
        ids[owner].append(related)
    name = ids_attr(relation)
    for instance in instances:
        instance.__dict__[name] = ids[instance.pk]


def _through(target: str, name: str) -> str:
    """`name` (a field of the related model, `-` for descending) as an ordering of the through table."""
    descending, name = name.startswith("-"), name.removeprefix("-")
    name = "id" if name == "pk" else name
    return f"{'-' if descending else ''}{target}__{name}"
