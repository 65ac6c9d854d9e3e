"""One-to-many relations prefetched into plain lists for the API lists, without Django's prefetch machinery.

`Prefetch("items", queryset=…, to_attr=rows_attr("items"))` runs one query for the page, as this does, but then
normalises every parent into the `__in` filter, computes a join key per parent and per row through generic
descriptors and files each row through the relation's descriptor: for a meetings page with ≈ 800 related rows
that bookkeeping costs more than the rows' own query. `RowsQuerySet.prefetch_rows("items", queryset)` runs the
same query (`<foreign key>_id IN (<the page's ids>)`, in the queryset's order, its own prefetches included) and
stores, on each parent, the list of its rows under `rows_attr("items")` — where the compiled read serializers
(`fastread_getters._related`) look first — with each row's foreign key pointing at the parent instance, as
Django's prefetch leaves it (so `item.meeting` costs no query).
"""

from django.db.models import QuerySet

from .fastread_getters import rows_attr
from .prefetch_ids import IdsQuerySet


class RowsQuerySet(IdsQuerySet):
    """An `IdsQuerySet` that can also prefetch one-to-many relations as plain lists (`prefetch_rows`)."""

    _rows_lookups: tuple[tuple[str, QuerySet | None], ...] = ()

    def prefetch_rows(self, relation: str, queryset: QuerySet | None = None) -> "RowsQuerySet":
        """The rows of the reverse foreign key `relation` of each instance, as `queryset` (default: the related
        model's default manager) lists them."""
        rel = self.model._meta.get_field(relation)
        if not (rel.one_to_many and rel.auto_created and rel.field.target_field.primary_key):
            raise TypeError(f"{self.model.__name__}.{relation} is not a reverse foreign key to the primary key")
        clone = self._chain()
        clone._rows_lookups = (*self._rows_lookups, (relation, queryset))
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._rows_lookups = self._rows_lookups
        return clone

    def _attach(self, instances: list, *, separate_ids) -> None:
        super()._attach(instances, separate_ids=separate_ids)
        for relation, queryset in self._rows_lookups:
            _attach_rows(instances, relation, queryset, self.db)


def _attach_rows(instances: list, relation: str, queryset: QuerySet | None, using: str) -> None:
    foreign_key = instances[0]._meta.get_field(relation).field
    parents = {instance.pk: instance for instance in instances}
    rows: dict[object, list] = {pk: [] for pk in parents}
    if queryset is None:
        queryset = foreign_key.model._default_manager.all()
    attname, set_parent = foreign_key.attname, foreign_key.set_cached_value
    for row in queryset.using(using).filter(**{f"{attname}__in": list(parents)}):
        parent_pk = getattr(row, attname)
        rows[parent_pk].append(row)
        set_parent(row, parents[parent_pk])
    name = rows_attr(relation)
    for pk, instance in parents.items():
        instance.__dict__[name] = rows[pk]
