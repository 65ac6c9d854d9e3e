"""One-to-many relations prefetched into plain lists for the API lists, without Django's prefetch machinery.

`Prefetch("items", queryset=…, to_attr=rows_attr("items"))` runs one query for the page, as this does, but then
normalises every parent into the `__in` filter, computes a join key per parent and per row through generic
descriptors and files each row through the relation's descriptor: for a meetings page with ≈ 800 related rows
that bookkeeping costs more than the rows' own query. `RowsQuerySet.prefetch_rows("items", queryset)` runs the
same query (`<foreign key>_id IN (<the page's ids>)`, in the queryset's order, its own prefetches included) and
stores, on each parent, the list of its rows under `rows_attr("items")` — where the compiled read serializers
(`fastread_getters._related`) look first — with each row's foreign key pointing at the parent instance, as
Django's prefetch leaves it (so `item.meeting` costs no query).

On PostgreSQL, the rows of a plain listing come with their parents instead, in the parents' own query
(`core.api.inline_rows`): a meetings page's attendance, and its agenda items' votes and recusals.
"""

from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from .fastread_getters import rows_attr
from .inline_rows import inline_rows
from .prefetch_ids import IdsQuerySet, in_ids, is_postgresql


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

    def _add_inline_columns(self) -> dict:
        pending = super()._add_inline_columns()
        connection, inline, separate = connections[self.db], [], []
        for relation, queryset in self._rows_lookups:
            rows = inline_rows(self.model, relation, queryset, connection) if is_postgresql(connection) else None
            if rows is None:
                separate.append((relation, queryset))
            else:
                annotation = RawSQL(rows.sql, ())  # noqa: S611 - names from the models, no parameters
                self.query.add_annotation(annotation, rows.column, select=True)
                inline.append(rows)
        return {**pending, "rows": separate, "inline_rows": inline}

    def _attach(self, instances: list, pending: dict) -> None:
        super()._attach(instances, pending)
        for rows in pending["inline_rows"]:
            rows.attach(instances, self.db)
        for relation, queryset in pending["rows"]:
            _attach_rows(instances, relation, queryset, self.db)


def _attach_rows(instances: list, relation: str, queryset: QuerySet | None, using: str) -> None:
    foreign_key = instances[0]._meta.get_field(relation).field
    parents = {instance.pk: instance for instance in instances}
    rows: dict[object, list] = {pk: [] for pk in parents}
    if queryset is None:
        queryset = foreign_key.model._default_manager.all()
    attname, set_parent = foreign_key.attname, foreign_key.set_cached_value
    for row in queryset.using(using).filter(in_ids(attname, list(parents))):
        parent_pk = getattr(row, attname)
        rows[parent_pk].append(row)
        set_parent(row, parents[parent_pk])
    name = rows_attr(relation)
    for pk, instance in parents.items():
        instance.__dict__[name] = rows[pk]
