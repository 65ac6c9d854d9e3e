"""PostgreSQL: the rows of a one-to-many relation read inside the parents' own query (`RowsQuerySet.prefetch_rows`).

When the queryset of the relation is a plain listing — no filter, join, annotation, slice, distinct or prefetch of
its own; `only()` / `defer()` of its own columns allowed; ordered by its own columns or by columns of a model one
foreign key away — each parent row gets a correlated column

    (SELECT json_agg(json_build_array(<loaded columns>) ORDER BY <order>, <pk>)::text
       FROM <table> c [LEFT JOIN <ordering table> j0 …] WHERE c.<foreign key> = <parent>.<pk>)

and its rows are built from it with the model's `from_db()`, as the separate query would build them: the same
values (integers, booleans and text as JSON carries them; timestamps, dates and times from their ISO text), in
the same order. A meetings page's attendance and its agenda items' votes and recusals come that way: three
queries, their compilation, their `IN (<ids>)` lists and their round trips fewer.

Anything else (a column with a converter of its own, a decimal, a filtered queryset …) returns None, and
`prefetch_rows` runs the separate query.
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
from .prefetch_ids import IdsQuerySet

# Columns that JSON carries without loss: the value json_build_array writes reads back as the value psycopg gives.
_JSON_NATIVE = (models.IntegerField, models.BooleanField, models.CharField, models.TextField)
_NOT_JSON_NATIVE = (models.FloatField, models.DecimalField, models.JSONField)
_CACHE: dict[tuple, "InlineRows | None"] = {}


class InlineRows:
    """How the rows of one relation come inside the parents' query: the SQL of the column (`column` names it), the
    attnames of the loaded columns and the converters of those that JSON carries as ISO text."""

    def __init__(self, foreign_key, relation: str, sql: str, attnames: list[str], converters: list) -> None:
        self.foreign_key, self.sql, self.column, self.name = foreign_key, sql, f"_{relation}_json", rows_attr(relation)
        self.attnames, self.converters = attnames, converters

    def attach(self, instances: list, using: str) -> None:
        """Build each parent's rows from its column (then dropped) into `rows_attr(relation)`, each row's foreign
        key pointing at the parent instance."""
        set_parent, from_db = self.foreign_key.set_cached_value, self.foreign_key.model.from_db
        attnames, converters, column, name = self.attnames, self.converters, self.column, self.name
        for instance in instances:
            data = instance.__dict__.pop(column)
            rows = []
            for values in orjson.loads(data) if data is not None else ():
                for index, convert in converters:
                    if values[index] is not None:
                        values[index] = convert(values[index])
                row = from_db(using, attnames, values)
                set_parent(row, instance)
                rows.append(row)
            instance.__dict__[name] = rows


def inline_rows(parent, relation: str, queryset: QuerySet | None, connection) -> InlineRows | None:
    """How to read the rows of `relation` of each `parent` row as `queryset` lists them, or None (see the module)."""
    foreign_key = parent._meta.get_field(relation).field
    if queryset is None:
        queryset = foreign_key.model._default_manager.all()
    if not _plain_listing(queryset, foreign_key.model):
        return None
    query = queryset.query
    key = (parent, relation, connection.alias, tuple(_ordering(queryset)), query.deferred_loading)
    if key not in _CACHE:
        _CACHE[key] = _build(parent, relation, foreign_key, queryset, connection)
    return _CACHE[key]


def _build(parent, relation: str, foreign_key, queryset: QuerySet, connection) -> InlineRows | None:
    model = foreign_key.model
    fields = _loaded_fields(queryset, foreign_key)
    if fields is None:
        return None
    converters = [(index, _json_converter(field, connection)) for index, field in enumerate(fields)]
    if any(convert is False for _, convert in converters):
        return None
    quote, joins, ordering = connection.ops.quote_name, {}, []
    for name in [*_ordering(queryset), "pk"]:
        column = _order_column(model, name, joins, quote)
        if column is None:
            return None
        ordering.append(column)
    columns = ", ".join(f"c.{quote(field.column)}" for field in fields)
    outer = f"{quote(parent._meta.db_table)}.{quote(parent._meta.pk.column)}"
    sql = (
        f"(SELECT json_agg(json_build_array({columns}) ORDER BY {', '.join(ordering)})::text"  # noqa: S608 - quoted names
        f" FROM {quote(model._meta.db_table)} c{''.join(join for _, join in joins.values())}"
        f" WHERE c.{quote(foreign_key.column)} = {outer})"
    )
    attnames = [field.attname for field in fields]
    return InlineRows(foreign_key, relation, sql, attnames, [(i, c) for i, c in converters if c is not None])


def _plain_listing(queryset: QuerySet, model) -> bool:
    """Nothing but the model's rows, as Django's own iteration builds them."""
    query = queryset.query
    return (
        queryset.model is model
        and queryset._iterable_class is ModelIterable
        and type(queryset).iterator is QuerySet.iterator
        and type(queryset)._fetch_all in (QuerySet._fetch_all, IdsQuerySet._fetch_all)
        and not getattr(queryset, "_ids_lookups", ())
        and not getattr(queryset, "_rows_lookups", ())
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


def _order_column(model, name, joins: dict, quote) -> str | None:
    """`name` (`-` for descending) as an ORDER BY term: a plain column of the model, or of a model one foreign key
    away (joined as Django would order by it: LEFT JOIN, so rows without one stay)."""
    if not isinstance(name, str) or name == "?":
        return None
    descending, name = name.startswith("-"), name.removeprefix("-")
    direction = " DESC" if descending else ""
    if name == "pk":
        return f"c.{quote(model._meta.pk.column)}{direction}"
    parts = name.split(LOOKUP_SEP)
    if len(parts) > 2:
        return None
    field = _field(model, parts[0])
    if len(parts) == 1:
        return f"c.{quote(field.column)}{direction}" if _plain(field) else None
    if field is None or not (field.concrete and field.many_to_one):
        return None
    target = _field(field.related_model, parts[1])
    if not _plain(target):
        return None
    if field.name not in joins:
        alias = f"j{len(joins)}"
        joins[field.name] = (
            alias,
            f" LEFT JOIN {quote(field.related_model._meta.db_table)} {alias}"
            f" ON {alias}.{quote(field.target_field.column)} = c.{quote(field.column)}",
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
    if isinstance(field, _NOT_JSON_NATIVE) or not isinstance(field, _JSON_NATIVE):
        return False
    return None


def _aware_datetime(zone):
    """A `timestamptz` as json_build_array writes it (ISO 8601 with the offset of the session's time zone), in the
    connection's time zone, as Django's loader gives it."""

    def convert(text: str) -> datetime.datetime:
        return datetime.datetime.fromisoformat(text).astimezone(zone)

    return convert
