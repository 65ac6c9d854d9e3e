"""Prefetching a many-to-many relation as plain ids, for the API lists that serialise it as a list of ids.

`Prefetch("participants", queryset=Person.objects.only("id"))` still builds a model instance per related row and
Django's prefetch bookkeeping around it; a page of 100 communications spends more time there than in its own
query. `IdsQuerySet.prefetch_ids("participants", order_by=("code",))` instead runs one `values_list` query on the
through table when the queryset is evaluated and stores, on each instance, the list of related ids under
`ids_attr("participants")`, where the compiled read serializers (`fastread_getters.pk_ids`) look first.

On PostgreSQL the ids come with the rows themselves instead, in one query: a correlated `ARRAY(SELECT …)` column
per relation (one round trip and one query compilation fewer per page), the same list in the same order.
"""

from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.models import F, ManyToManyField, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.lookups import In
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
        fetching = self._result_cache is None and self._iterable_class is ModelIterable
        pending = self._add_inline_columns() if fetching else None
        super()._fetch_all()
        if pending is not None and self._result_cache:
            self._attach(self._result_cache, pending)

    def _add_inline_columns(self) -> dict:
        """PostgreSQL: add to this evaluation's query (count(), values() … stay as they were) the columns that bring
        what was asked for with the rows themselves; returns what is left for `_attach` (subclasses add theirs)."""
        connection, separate = connections[self.db], []
        postgresql = is_postgresql(connection)
        for relation, order_by in self._ids_lookups:
            sql = array_sql(self.model, relation, order_by, connection.ops.quote_name) if postgresql else None
            if sql is None:
                separate.append((relation, order_by))
            else:
                annotation = RawSQL(sql, ())  # noqa: S611 - names from the models, no parameters
                self.query.add_annotation(annotation, ids_attr(relation), select=True)
        return {"ids": separate}

    def _attach(self, instances: list, pending: dict) -> None:
        """Fill in, on the instances just fetched, what `_add_inline_columns` left to separate queries."""
        for relation, order_by in pending["ids"]:
            _attach_ids(instances, relation, order_by, self.db)


def is_postgresql(connection) -> bool:
    return connection.vendor == "postgresql"


def in_ids(attname: str, ids: list):
    """The filter `attname IN ids`; on PostgreSQL written `attname = ANY(%s)` with the ids as one array parameter:
    Django prepares and psycopg parses one placeholder instead of one per id (a meetings page filters ≈ 450 ids)."""
    return _AnyOf(F(attname), ids)


class _AnyOf(In):
    """Django's `IN`, written `= ANY(%s)` with one array parameter on PostgreSQL."""

    prepare_rhs = False  # primary keys read from the database: nothing to prepare

    def as_sql(self, compiler, connection):
        if not is_postgresql(connection):
            return super().as_sql(compiler, connection)
        lhs_sql, params = self.process_lhs(compiler, connection)
        return f"{lhs_sql} = ANY(%s)", (*params, list(self.rhs))


def _attach_ids(instances: list, relation: str, order_by: tuple[str, ...], using: str) -> None:
    field = instances[0]._meta.get_field(relation)
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    rows = (
        field.remote_field.through._default_manager.using(using)
        .filter(in_ids(f"{source}_id", [instance.pk for instance in instances]))
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


def array_sql(model, relation: str, order_by: tuple[str, ...], quote, outer: str | None = None) -> str | None:
    """PostgreSQL: the related ids of the outer row (`outer`: the SQL of its primary key, default the model's table's)
    as an array, in the order `_attach_ids` gives them (None when `order_by` names something other than the related
    model's own columns: then `_attach_ids` does it)."""
    field = model._meta.get_field(relation)
    through, related = field.remote_field.through._meta, field.related_model._meta
    source = quote(through.get_field(field.m2m_field_name()).column)
    target = quote(through.get_field(field.m2m_reverse_field_name()).column)
    ordering = []
    for name in order_by:
        descending, name = name.startswith("-"), name.removeprefix("-")
        column = related.pk if name == "pk" else _plain_field(related, name)
        if column is None:
            return None
        ordering.append(f"r.{quote(column.column)}{' DESC' if descending else ''}")
    select = f"SELECT t.{target} FROM {quote(through.db_table)} t"  # noqa: S608 - quoted names from the models
    return (
        f"ARRAY({select}"
        f" INNER JOIN {quote(related.db_table)} r ON r.{quote(related.pk.column)} = t.{target}"
        f" WHERE t.{source} = {outer or f'{quote(model._meta.db_table)}.{quote(model._meta.pk.column)}'}"
        f" ORDER BY {', '.join([*ordering, f't.{target}'])})"
    )


def _plain_field(opts, name: str):
    try:
        field = opts.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if field.concrete and not field.is_relation else None
