"""The FilterSet of the reports app's resource, the report runs (the API's list; the page lists current runs or
the history)."""

import django_filters

from core.api.filters import SyncFilterSet
from schools.models import School, SchoolDistrict

from .models import ReportRun, ReportScope, ReportStatus


class ReportRunFilter(SyncFilterSet):
    scope = django_filters.ChoiceFilter(choices=ReportScope.choices, label="报告范围")
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices, label="状态")
    school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label="学校")
    school_district = django_filters.ModelChoiceFilter(queryset=SchoolDistrict.objects.all(), label="学区")
    period = django_filters.DateFilter(label="月份（该月第一天，YYYY-MM-01）")
    period_after = django_filters.DateFilter(field_name="period", lookup_expr="gte", label="月份不早于（YYYY-MM-DD）")
    period_before = django_filters.DateFilter(field_name="period", lookup_expr="lte", label="月份不晚于（YYYY-MM-DD）")
    is_current = django_filters.BooleanFilter(label="当前版本")

    class Meta:
        model = ReportRun
        fields = [
            "updated_since",
            "scope",
            "status",
            "school",
            "school_district",
            "period",
            "period_after",
            "period_before",
            "is_current",
        ]
