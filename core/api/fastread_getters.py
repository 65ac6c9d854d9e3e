"""Per-field getters and converters of the fast read path (`core.api.fastread`): each reproduces, for the field
kinds it accepts, exactly what DRF's `get_attribute()` + `to_representation()` give for a row."""

import datetime
import inspect
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models.fields.related_descriptors import ManyToManyDescriptor, ReverseManyToOneDescriptor
from django.utils.functional import cached_property
from rest_framework import fields as drf_fields
from rest_framework import relations, serializers
from rest_framework.fields import SkipField
from rest_framework.settings import ISO_8601, api_settings

from .prefetch_ids import ids_attr

Row = Callable[[Any], dict]
SKIP = object()  # a field DRF would leave out of the row (SkipField)
_MISSING = object()


class Fallback(Exception):
    """This row needs DRF's own path."""


def overrides(field: drf_fields.Field, base: type, *names: str) -> bool:
    return any(getattr(type(field), name) is not getattr(base, name) for name in names)


def model_field(model, name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def prefetch_key(model, attr: str) -> str | None:
    """The key under which `prefetch_related(attr)` stores the rows of a to-many relation on an instance."""
    descriptor = getattr(model, attr, None)
    if isinstance(descriptor, ManyToManyDescriptor):
        field = descriptor.rel.field
        return field.related_query_name() if descriptor.reverse else field.name
    if isinstance(descriptor, ReverseManyToOneDescriptor):
        return descriptor.field.remote_field.cache_name
    return None


def rows_attr(relation: str) -> str:
    """Where a selector may prefetch a to-many relation for the fast path: `Prefetch(relation, to_attr=…)` stores a
    plain list, without the queryset Django builds per instance for the usual prefetch cache (a fifth of a meetings
    page). DRF's own path does not look there and queries the relation instead."""
    return f"{relation}_rows"


def _related(obj, attr: str, key: str, listed: str):
    """The prefetched rows of a to-many relation, else (not prefetched) what DRF would iterate: `manager.all()`."""
    rows = obj.__dict__.get(listed)
    if rows is not None:
        return rows
    cache = getattr(obj, "_prefetched_objects_cache", None)
    rows = cache.get(key, _MISSING) if cache else _MISSING
    return getattr(obj, attr).all() if rows is _MISSING else rows


def _plain_attr(attr: str) -> Callable[[Any], Any]:
    """A non-field attribute (annotation, property): DRF would call a callable value, which the fast path does not."""

    def get(obj):
        value = getattr(obj, attr)
        if callable(value):
            raise Fallback
        return value

    return get


def source_getter(model, attrs: list[str]) -> Callable[[Any], Any] | None:
    """A getter for `source` when every step but the last is a forward foreign key (never callable, None on a null
    key, which then fails on the next step exactly as in DRF and sends the row to DRF's path)."""
    if not attrs or not all(attr.isidentifier() for attr in attrs):
        return None
    for attr in attrs[:-1]:
        field = model_field(model, attr)
        if field is None or not (field.many_to_one or field.one_to_one) or field.auto_created:
            return None
        model = field.related_model
    last = attrs[-1]
    field = model_field(model, last)
    is_column = (field is not None and field.concrete and not field.is_relation) or any(
        f.attname == last for f in model._meta.concrete_fields
    )
    if is_column:
        return attrgetter(".".join(attrs))
    static = inspect.getattr_static(model, last, None) if len(attrs) == 1 and field is None else _MISSING
    if static is None or isinstance(static, property | cached_property):
        return _plain_attr(last)  # an annotation or a property; methods (get_FOO_display …) are left to DRF
    return None


def _datetime_converter(field: drf_fields.DateTimeField, tz) -> Callable[[Any], Any] | None:
    if getattr(field, "format", api_settings.DATETIME_FORMAT) != ISO_8601:
        return None
    zone = field.timezone if hasattr(field, "timezone") else tz
    if zone is None:
        return None
    slow = field.to_representation

    def convert(value):
        if type(value) is not datetime.datetime or value.utcoffset() is None:
            return slow(value)  # naive or not a datetime: DRF's own conversion
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert


def _date_converter(field: drf_fields.Field, kind: type, default_format: str) -> Callable[[Any], Any] | None:
    if getattr(field, "format", default_format) != ISO_8601:
        return None
    slow = field.to_representation

    def convert(value):
        return value.isoformat() if type(value) is kind else slow(value)

    return convert


def _boolean_converter(field: drf_fields.BooleanField) -> Callable[[Any], Any]:
    slow = field.to_representation

    def convert(value):
        if value is True or value is False:
            return value
        return slow(value)

    return convert


def _choice_converter(field: drf_fields.ChoiceField) -> Callable[[Any], Any]:
    values = field.choice_strings_to_values
    slow = field.to_representation

    def convert(value):
        return values.get(value, value) if type(value) is str else slow(value)

    return convert


def converter(field: drf_fields.Field, tz) -> tuple[bool, Callable[[Any], Any] | None]:
    """(known, converter): the exact equivalent of the field's `to_representation` for a non-None value."""
    impl = type(field).to_representation
    if impl is drf_fields.CharField.to_representation:
        return True, str
    if impl is drf_fields.IntegerField.to_representation:
        return True, int
    if impl is drf_fields.BigIntegerField.to_representation:
        return True, str if getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING) else int
    if impl is drf_fields.ReadOnlyField.to_representation:
        return True, None
    if impl is drf_fields.BooleanField.to_representation:
        return True, _boolean_converter(field)
    if impl is drf_fields.ChoiceField.to_representation:
        return True, _choice_converter(field)
    if impl is drf_fields.DateTimeField.to_representation:
        convert = _datetime_converter(field, tz)
        return convert is not None, convert
    if impl is drf_fields.DateField.to_representation:
        convert = _date_converter(field, datetime.date, api_settings.DATE_FORMAT)
        return convert is not None, convert
    if impl is drf_fields.TimeField.to_representation:
        convert = _date_converter(field, datetime.time, api_settings.TIME_FORMAT)
        return convert is not None, convert
    return False, None


def generic_getter(live: serializers.Serializer, name: str) -> Callable[[Any], Any]:
    """DRF's own per-field step, through the live bound field."""
    field = live.fields[name]

    def get(obj):
        try:
            attribute = field.get_attribute(obj)
        except SkipField:
            return SKIP
        check = attribute.pk if isinstance(attribute, relations.PKOnlyObject) else attribute
        return None if check is None else field.to_representation(attribute)

    get.may_skip = True
    return get


def pk_ids(attr: str, key: str) -> Callable[[Any], list]:
    listed, ids = rows_attr(attr), ids_attr(attr)

    def get(obj):
        if obj.pk is None:
            return []
        prefetched = obj.__dict__.get(ids)  # IdsQuerySet.prefetch_ids
        if prefetched is not None:
            return list(prefetched)
        return [row.pk for row in _related(obj, attr, key, listed)]

    return get


def nested_rows(attr: str, key: str, row: Row) -> Callable[[Any], list]:
    listed = rows_attr(attr)

    def get(obj):
        return [row(item) for item in _related(obj, attr, key, listed)]

    return get


def label_getter(field_name: str, labels: dict) -> Callable[[Any], Any]:
    def get(obj):
        value = getattr(obj, field_name)
        label = labels.get(value, value)
        return None if label is None else str(label)

    return get
