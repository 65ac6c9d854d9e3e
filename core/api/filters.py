import datetime

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend

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


class ApiFilterBackend(DjangoFilterBackend):
    """`DjangoFilterBackend` that does not build the FilterSet when the request names none of its filters (a plain
    page, `?page_size=…&cursor=…`): every filter would leave the queryset as it is, and building the form deep-copies
    each field and its queryset (about a millisecond per request). Only for FilterSets with the stock behaviour:
    no required filter, no custom `__init__` / `qs` / `filter_queryset`."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and _plain(filterset_class) and not _names_a_filter(filterset_class, request):
            return queryset
        return super().filter_queryset(request, queryset, view)


def _plain(filterset_class: type) -> bool:
    stock = all(
        getattr(filterset_class, name) is getattr(django_filters.FilterSet, name)
        for name in ("__init__", "qs", "filter_queryset", "is_valid", "form")
    )
    return stock and not any(f.extra.get("required") for f in filterset_class.base_filters.values())


def _names_a_filter(filterset_class: type, request) -> bool:
    """Whether a query parameter is a filter's name or its name with a suffix (`date_after`, `amount_min`)."""
    names = filterset_class.base_filters
    return any(key in names or any(key.startswith(f"{name}_") for name in names) for key in request.query_params)
