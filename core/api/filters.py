import django_filters


class SyncFilterSet(django_filters.FilterSet):
    """Every list can be pulled incrementally: rows changed after `updated_since` (ISO 8601)."""

    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gt", label="更新时间晚于（ISO 8601）"
    )
