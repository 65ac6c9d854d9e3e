"""A fast read path for the read-only ModelSerializers of the API lists (DESIGN §7: a 100-row page within 2× of a
raw query).

DRF serialises a row by asking every bound field for `get_attribute()` and `to_representation()`, through several
generic layers per field and row. `FastReadMixin` "compiles" once per serializer class a plan of cheap getters —
a model attribute read with `operator.attrgetter`, a foreign key's `<name>_id`, the ids of a prefetched relation,
a datetime converted to the current time zone and formatted as DRF formats it, a choice label from a dict, a nested
fast serializer — and builds each row's dict from it. Output is identical to DRF's own path:

- only field kinds whose DRF behaviour is reproduced exactly get a fast getter; any other field (or a subclass
  overriding `get_attribute` / `to_representation`) is read through the bound field itself, as DRF would;
- a row for which a getter meets something unusual (a missing attribute, a callable value, a relation that was not
  prefetched, a naive datetime) is handed to DRF's `Serializer.to_representation` as a whole;
- `fastread.disabled()` switches the fast path off, which the tests use to compare both outputs.

A serializer that needs per-row work besides its fields (redaction, say) implements `prepare_instance()` and
`finish_representation()` instead of overriding `to_representation()`. Serializer methods (`SerializerMethodField`)
and these hooks of a nested serializer run on an instance of that serializer sharing the root's context: they must
depend on the object and `self.context` only, not on `self.parent`.
"""

import contextlib
import threading
from collections.abc import Iterator
from operator import attrgetter

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils import timezone
from rest_framework import fields as drf_fields
from rest_framework import relations, serializers

from .fastread_getters import (
    SKIP,
    Fallback,
    Row,
    converter,
    generic_getter,
    label_getter,
    model_field,
    nested_rows,
    overrides,
    pk_ids,
    prefetch_key,
    rows_attr,
    source_getter,
)
from .serializers import LabelField

__all__ = ["FastListSerializer", "FastReadMixin", "disabled", "fast_row", "plan_of", "rows_attr"]
_MISSING = object()
_state = threading.local()


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Serialise through DRF's own path while inside (the tests compare both)."""
    previous = getattr(_state, "disabled", False)
    _state.disabled = True
    try:
        yield
    finally:
        _state.disabled = previous


# --- the plan of a serializer class -------------------------------------------------------------------------
class _Plan:
    """What each readable field of a serializer class needs, worked out once from a prototype instance."""

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.proto = cls()
        self.model = cls.Meta.model
        self.fields = [field for field in self.proto.fields.values() if not field.write_only]
        self.prepare = cls.prepare_instance is not FastReadMixin.prepare_instance
        self.finish = cls.finish_representation is not FastReadMixin.finish_representation
        self._recipes: dict[object, tuple] = {}

    def _field_entry(self, field: drf_fields.Field, tz) -> tuple:
        """(name, getter, converter, make) of one field: the getter returns the value DRF would pass to the field;
        where it needs the live serializer of a run (a serializer method, a nested serializer, DRF's own step),
        it is None and `make(live, context)` builds it."""
        name, attrs, model = field.field_name, field.source_attrs, self.model
        single = attrs[0] if len(attrs) == 1 else None
        if isinstance(field, serializers.SerializerMethodField) and not overrides(
            field, serializers.SerializerMethodField, "get_attribute", "to_representation"
        ):
            method = field.method_name
            return name, None, None, lambda live, context: getattr(live, method)
        if (
            isinstance(field, LabelField)
            and field._labels is not None
            and not overrides(field, LabelField, "get_attribute", "to_representation")
        ):
            return name, label_getter(field._field, field._labels), None, None
        if isinstance(field, relations.ManyRelatedField):
            child = field.child_relation
            key = prefetch_key(model, single) if single else None
            if (
                key
                and isinstance(child, relations.PrimaryKeyRelatedField)
                and child.pk_field is None
                and not overrides(field, relations.ManyRelatedField, "get_attribute", "to_representation")
                and not overrides(child, relations.PrimaryKeyRelatedField, "to_representation")
            ):
                return name, pk_ids(single, key), None, None
        elif isinstance(field, relations.PrimaryKeyRelatedField):
            relation = model_field(model, single) if single else None
            if (
                relation is not None
                and relation.concrete
                and (relation.many_to_one or relation.one_to_one)
                and field.pk_field is None
                and not overrides(
                    field,
                    relations.PrimaryKeyRelatedField,
                    "get_attribute",
                    "to_representation",
                    "use_pk_only_optimization",
                )
            ):
                return name, attrgetter(relation.attname), None, None
        elif isinstance(field, serializers.ListSerializer):
            key = prefetch_key(model, single) if single else None
            child_plan = plan_of(type(field.child))
            if (
                key
                and child_plan is not None
                and type(field).get_attribute is drf_fields.Field.get_attribute
                and type(field).to_representation in (FastListSerializer.to_representation, _LIST_REPRESENTATION)
            ):
                child_cls = type(field.child)

                def make(live, context):
                    return nested_rows(single, key, child_plan.bind(child_cls(context=context), tz, context))

                return name, None, None, make
        elif type(field).get_attribute is drf_fields.Field.get_attribute and not isinstance(
            field, serializers.BaseSerializer | relations.RelatedField | relations.ManyRelatedField
        ):
            known, convert = converter(field, tz)
            getter = source_getter(model, attrs) if known else None
            if getter is not None:
                return name, getter, convert, None
        return name, None, None, lambda live, context: generic_getter(live, name)

    def bind(self, live: serializers.Serializer, tz, context: dict) -> Row:
        """The row function for one serialisation run: `live` is the serializer instance doing it. What does not
        depend on the run is worked out once per time zone."""
        recipes = self._recipes.get(tz)
        if recipes is None:
            recipes = self._recipes[tz] = tuple(self._field_entry(field, tz) for field in self.fields)
        entries = tuple(
            (name, get if make is None else make(live, context), convert) for name, get, convert, make in recipes
        )
        skips = any(getattr(get, "may_skip", False) for _, get, _ in entries)
        prepare = live.prepare_instance if self.prepare else None
        finish = live.finish_representation if self.finish else None
        drf_row = serializers.Serializer.to_representation

        def row(obj) -> dict:
            if prepare is not None:
                obj = prepare(obj)
            try:
                data = {}
                for name, get, convert in entries:
                    value = get(obj)
                    if value is not None and convert is not None:
                        value = convert(value)
                    data[name] = value
            except (Fallback, AttributeError, ObjectDoesNotExist):
                data = drf_row(live, obj)
            else:
                if skips:
                    for name in [name for name, value in data.items() if value is SKIP]:
                        del data[name]
            return finish(obj, data) if finish is not None else data

        return row


_LIST_REPRESENTATION = serializers.ListSerializer.to_representation
_PLANS: dict[type, _Plan | None] = {}


def _eligible(cls: type) -> bool:
    """Only classes whose rows depend on nothing but their declared fields and the two hooks."""
    if not issubclass(cls, serializers.ModelSerializer) or getattr(getattr(cls, "Meta", None), "model", None) is None:
        return False
    allowed = (FastReadMixin, serializers.ModelSerializer, serializers.Serializer, serializers.BaseSerializer)
    for name in ("to_representation", "get_fields", "__init__", "get_field_names", "build_field"):
        owner = next(klass for klass in cls.__mro__ if name in vars(klass))
        if owner not in allowed and owner is not drf_fields.Field:
            return False
    return True


def plan_of(cls: type) -> _Plan | None:
    if cls not in _PLANS:
        _PLANS[cls] = _Plan(cls) if _eligible(cls) else None
    return _PLANS[cls]


def fast_row(serializer: serializers.Serializer) -> Row | None:
    """The compiled row function of a (bound, live) serializer, or None where DRF's own path must run."""
    if getattr(_state, "disabled", False):
        return None
    row = serializer.__dict__.get("_fast_row", _MISSING)
    if row is _MISSING:
        plan = plan_of(type(serializer))
        tz = timezone.get_current_timezone() if settings.USE_TZ else None
        row = plan.bind(serializer, tz, serializer.context) if plan is not None else None
        serializer.__dict__["_fast_row"] = row
    return row


class FastListSerializer(serializers.ListSerializer):
    """`many=True` of a `FastReadMixin` serializer: one compiled row function for the whole list."""

    def to_representation(self, data):
        row = fast_row(self.child)
        if row is None:
            return super().to_representation(data)
        iterable = data.all() if isinstance(data, models.manager.BaseManager) else data
        return [row(item) for item in iterable]


class FastReadMixin:
    # Put before `serializers.ModelSerializer` on a read-only output serializer (see the module docstring). No
    # docstring here: drf-spectacular would take it as the description of every serializer without its own.

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        meta = getattr(cls, "Meta", None)
        if meta is not None and not hasattr(meta, "list_serializer_class"):
            meta.list_serializer_class = FastListSerializer

    def prepare_instance(self, instance):
        """Per-row work before the fields are read (returns the instance to read)."""
        return instance

    def finish_representation(self, instance, data: dict) -> dict:
        """Per-row work on the finished dict."""
        return data

    def to_representation(self, instance):
        row = fast_row(self)
        if row is None:
            instance = self.prepare_instance(instance)
            return self.finish_representation(instance, serializers.Serializer.to_representation(self, instance))
        return row(instance)
