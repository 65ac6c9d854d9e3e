"""PostgreSQL: the rows of a one-to-many relation read inside the parents' own query (`RowsQuerySet.prefetch_rows`).

When the queryset of the relation is a plain listing — no filter, join, annotation, slice, distinct or Django
prefetch of its own; `only()` / `defer()` of its own columns allowed; ordered by its own columns or by columns of a
model one foreign key away — each parent row gets a correlated column

    (SELECT json_agg(json_build_array(<loaded columns>, <nested>…) ORDER BY <order>, <pk>)::text
       FROM <table> c0 [LEFT JOIN <ordering table> c0j0 …] WHERE c0.<foreign key> = <parent>.<pk>)

and its rows are built from it with the model's `from_db()`, as the separate query would build them: the same
values (integers, booleans and text as JSON carries them; timestamps, dates and times from their ISO text), in
the same order. What the rows' own queryset prefetches comes as further elements of each row's array: the ids of a
`prefetch_ids` relation as an array, the rows of a nested `prefetch_rows` as the same kind of subquery one level
down. A meetings page — attendance, agenda items, their votes, recusals and pre-meeting communications — is then
one query instead of six, without their compilation, their `IN (<ids>)` lists and their round trips.

Anything else (a column with a converter of its own, a decimal, a filtered queryset …, at any level) returns None,
and `prefetch_rows` runs the separate query.
"""

import datetime

import orjson
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.db.models.query import ModelIterable

from .fastread_getters import rows_attr
from .prefetch_ids import IdsQuerySet, array_sql, ids_attr

# Columns that JSON carries without loss: the value json_build_array writes reads back as the value psycopg gives.
_JSON_NATIVE = (models.IntegerField, models.BooleanField, models.CharField, models.TextField)
_CACHE: dict[tuple, "InlineRows | None"] = {}


class InlineRows:
    """How the rows of one relation come inside the parents' query: the SQL of the column (`column` names it), the
    attnames of the loaded columns, the converters of those that JSON carries as ISO text, and what the rows' own
    queryset prefetches (`prefetch_ids`, `prefetch_rows`), carried by further elements of each row's array."""

    def __init__(self, foreign_key, relation: str, sql: str, fields: list, converters: list, ids: list, children: list):
        self.foreign_key, self.sql, self.column, self.name = foreign_key, sql, f"_{relation}_json", rows_attr(relation)
        self.attnames, self.converters, self.ids, self.children = [f.attname for f in fields], converters, ids, children

    def attach(self, instances: list, using: str) -> None:
        """Build each parent's rows from its column (then dropped) into `rows_attr(relation)`."""
        column = self.column
        for instance in instances:
            data = instance.__dict__.pop(column)
            instance.__dict__[self.name] = self._rows(instance, orjson.loads(data) if data is not None else (), using)

    def _rows(self, parent, data, using: str) -> list:
        """The rows of `parent` from their JSON arrays, each row's foreign key pointing at the parent instance."""
        set_parent, from_db = self.foreign_key.set_cached_value, self.foreign_key.model.from_db
        attnames, converters, width = self.attnames, self.converters, len(self.attnames)
        nested = self.ids or self.children
        rows = []
        for values in data:
            extra = values[width:] if nested else ()
            for index, convert in converters:
                if values[index] is not None:
                    values[index] = convert(values[index])
            row = from_db(using, attnames, values[:width] if nested else values)
            set_parent(row, parent)
            if nested:
                for name, ids in zip(self.ids, extra, strict=False):
                    row.__dict__[name] = ids
                for child, rows_data in zip(self.children, extra[len(self.ids) :], strict=True):
                    row.__dict__[child.name] = child._rows(row, rows_data or (), using)
            rows.append(row)
        return rows


def inline_rows(parent, relation: str, queryset: QuerySet | None, connection) -> InlineRows | None:
    """How to read the rows of `relation` of each `parent` row as `queryset` lists them, or None (see the module)."""
    return _inline(parent, relation, queryset, connection, 0)


def _inline(parent, relation: str, queryset: QuerySet | None, connection, depth: int) -> InlineRows | None:
    foreign_key = parent._meta.get_field(relation).field
    if queryset is None:
        queryset = foreign_key.model._default_manager.all()
    signature = _signature(queryset, foreign_key.model)
    if signature is None:
        return None
    key = (parent, relation, connection.alias, connection.timezone_name, settings.USE_TZ, depth, signature)
    if key not in _CACHE:
        _CACHE[key] = _build(parent, relation, foreign_key, queryset, connection, depth)
    return _CACHE[key]


def _signature(queryset: QuerySet, model) -> tuple | None:
    """What the SQL depends on, for the cache; None where the queryset is not a plain listing."""
    if not _plain_listing(queryset, model):
        return None
    nested = []
    for relation, child in getattr(queryset, "_rows_lookups", ()):
        child_model = model._meta.get_field(relation).related_model
        signature = _signature(child if child is not None else child_model._default_manager.all(), child_model)
        if signature is None:
            return None
        nested.append((relation, signature))
    query = queryset.query
    ids = getattr(queryset, "_ids_lookups", ())
    return type(queryset), tuple(_ordering(queryset)), query.deferred_loading, ids, tuple(nested)


def _build(parent, relation: str, foreign_key, queryset: QuerySet, connection, depth: int) -> InlineRows | None:
    model = foreign_key.model
    fields = _loaded_fields(queryset, foreign_key)
    if fields is None:
        return None
    converters = [(index, _json_converter(field, connection)) for index, field in enumerate(fields)]
    if any(convert is False for _, convert in converters):
        return None
    quote, joins, ordering, alias = connection.ops.quote_name, {}, [], f"c{depth}"
    for name in [*_ordering(queryset), "pk"]:
        column = _order_column(model, name, alias, joins, quote)
        if column is None:
            return None
        ordering.append(column)
    elements = [f"{alias}.{quote(field.column)}" for field in fields]
    row_pk = f"{alias}.{quote(model._meta.pk.column)}"
    ids = []
    for name, order_by in getattr(queryset, "_ids_lookups", ()):
        sql = array_sql(model, name, order_by, quote, outer=row_pk)
        if sql is None:
            return None
        elements.append(sql)
        ids.append(ids_attr(name))
    children = []
    for name, child_queryset in getattr(queryset, "_rows_lookups", ()):
        child = _inline(model, name, child_queryset, connection, depth + 1)
        if child is None:
            return None
        elements.append(child.sql)
        children.append(child)
    if depth:
        outer = f"c{depth - 1}.{quote(parent._meta.pk.column)}"
    else:
        outer = f"{quote(parent._meta.db_table)}.{quote(parent._meta.pk.column)}"
    sql = (
        f"(SELECT json_agg(json_build_array({', '.join(elements)}) ORDER BY {', '.join(ordering)})"  # noqa: S608 - quoted names
        f" FROM {quote(model._meta.db_table)} {alias}{''.join(join for _, join in joins.values())}"
        f" WHERE {alias}.{quote(foreign_key.column)} = {outer})"
    )
    if not depth:
        sql = f"{sql}::text"  # read with orjson, not psycopg's json loader
    converters = [(i, c) for i, c in converters if c is not None]
    return InlineRows(foreign_key, relation, sql, fields, converters, ids, children)


def _plain_listing(queryset: QuerySet, model) -> bool:
    """Nothing but the model's rows, as Django's own iteration builds them (its own `prefetch_ids` /
    `prefetch_rows` aside, which `_build` inlines in turn)."""
    query = queryset.query
    return (
        queryset.model is model
        and queryset._iterable_class is ModelIterable
        and type(queryset).iterator is QuerySet.iterator
        and type(queryset)._fetch_all in (QuerySet._fetch_all, IdsQuerySet._fetch_all)
        and not queryset._prefetch_related_lookups
        and not query.where
        and not query.annotations
        and not query.extra
        and not query.distinct
        and not query.combinator
        and query.group_by is None
        and query.select_related is False
        and query.low_mark == 0
        and query.high_mark is None
        and len(query.alias_map) <= 1
        and all(isinstance(name, str) for name in _ordering(queryset))
    )


def _loaded_fields(queryset: QuerySet, foreign_key) -> list | None:
    """The concrete fields `queryset` loads (`defer()` / `only()` of the model's own fields), the foreign key always."""
    names, defer = queryset.query.deferred_loading
    fields = queryset.model._meta.concrete_fields
    if any(LOOKUP_SEP in name for name in names):
        return None
    if defer:
        return [f for f in fields if f.name not in names or f is foreign_key]
    return [f for f in fields if f.name in names or f.attname in names or f.primary_key or f is foreign_key]


def _ordering(queryset: QuerySet) -> list:
    query = queryset.query
    if query.order_by:
        return list(query.order_by)
    return list(queryset.model._meta.ordering) if query.default_ordering else []


def _order_column(model, name, alias: str, joins: dict, quote) -> str | None:
    """`name` (`-` for descending) as an ORDER BY term: a plain column of the model, or of a model one foreign key
    away (joined as Django would order by it: LEFT JOIN, so rows without one stay)."""
    if not isinstance(name, str) or name == "?":
        return None
    descending, name = name.startswith("-"), name.removeprefix("-")
    direction = " DESC" if descending else ""
    if name == "pk":
        return f"{alias}.{quote(model._meta.pk.column)}{direction}"
    parts = name.split(LOOKUP_SEP)
    if len(parts) > 2:
        return None
    field = _field(model, parts[0])
    if len(parts) == 1:
        return f"{alias}.{quote(field.column)}{direction}" if _plain(field) else None
    if field is None or not (field.concrete and field.many_to_one):
        return None
    target = _field(field.related_model, parts[1])
    if not _plain(target):
        return None
    if field.name not in joins:
        joined = f"{alias}j{len(joins)}"
        joins[field.name] = (
            joined,
            f" LEFT JOIN {quote(field.related_model._meta.db_table)} {joined}"
            f" ON {joined}.{quote(field.target_field.column)} = {alias}.{quote(field.column)}",
        )
    return f"{joins[field.name][0]}.{quote(target.column)}{direction}"


def _field(model, name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _plain(field) -> bool:
    return field is not None and field.concrete and not field.is_relation


def _json_converter(field, connection):
    """None when json_build_array writes the column's value as psycopg would give it, the converter from its JSON
    text where it writes ISO text (timestamps with time zone, dates, times), False where neither holds."""
    if hasattr(field, "from_db_value"):
        return False  # a converter of its own
    if isinstance(field, models.ForeignKey):
        return _json_converter(field.target_field, connection)
    if isinstance(field, models.DateTimeField):
        return _aware_datetime(connection.timezone) if settings.USE_TZ else False
    if isinstance(field, models.DateField):
        return datetime.date.fromisoformat
    if isinstance(field, models.TimeField):
        return datetime.time.fromisoformat
    return None if isinstance(field, _JSON_NATIVE) else False  # floats and decimals would lose digits


def _aware_datetime(zone):
    """A `timestamptz` as json_build_array writes it (ISO 8601 with the offset of the session's time zone), in the
    connection's time zone, as Django's loader gives it."""

    def convert(text: str) -> datetime.datetime:
        return datetime.datetime.fromisoformat(text).astimezone(zone)

    return convert
