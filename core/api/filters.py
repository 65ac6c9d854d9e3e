import datetime

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField
from drf_spectacular.contrib.django_filters import DjangoFilterExtension

# Real time zones lie between UTC-12:00 and UTC+14:00; PostgreSQL refuses offsets beyond ±15:59.
MAX_UTC_OFFSET = datetime.timedelta(hours=14)


class SyncDateTimeField(IsoDateTimeField):
    """An ISO 8601 instant a database can compare with: a real UTC offset and a UTC value inside years 1–9999."""

    def to_python(self, value):
        result = super().to_python(value)
        if result is None:
            return None
        offset = result.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            raise forms.ValidationError("时区偏移超出范围（应在 -12:00 到 +14:00 之间）。", code="invalid")
        try:
            return result.astimezone(datetime.UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError("时间超出可表示的范围。", code="invalid") from None


class SyncDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = SyncDateTimeField


class SyncFilterSet(django_filters.FilterSet):
    """Every list can be pulled incrementally: rows changed after `updated_since` (ISO 8601)."""

    updated_since = SyncDateTimeFilter(field_name="updated_at", lookup_expr="gt", label="更新时间晚于（ISO 8601）")


def deprecated(filter_: django_filters.Filter) -> django_filters.Filter:
    """An old API name kept so that old clients keep working: the schema marks it deprecated (its help text says
    which name to use instead)."""
    filter_.deprecated = True
    return filter_


class DjangoFilterSchema(DjangoFilterExtension):
    """drf-spectacular's django-filter parameters, with `deprecated: true` on the filters marked `deprecated()`."""

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(auto_schema, model, filterset_class, field_name, filter_field)
        if getattr(filter_field, "deprecated", False):
            for parameter in parameters:
                parameter["deprecated"] = True
        return parameters
