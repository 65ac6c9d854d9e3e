"""Filters of the meeting list: school (within the user's scope), meeting body, status and month."""

import django_filters
from django import forms

from core.filters import ScopedFilterSet, add_period, district_filter, group_filter, level_filter
from core.school_search import SchoolChoiceFilter
from schools.choices import MeetingBody
from schools.models import School

from .choices import MeetingStatus
from .models import Meeting


class MeetingFilter(ScopedFilterSet):
    district = district_filter()
    group = group_filter()
    level = level_filter()
    school = SchoolChoiceFilter(label="学校", queryset=School.objects.none(), empty_label="全部学校")
    body = django_filters.ChoiceFilter(label="会议类型", choices=MeetingBody.choices, empty_label="全部类型")
    status = django_filters.ChoiceFilter(label="状态", choices=MeetingStatus.choices, empty_label="全部状态")
    month = django_filters.DateFilter(
        label="月份",
        method="filter_month",
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": "请按“年-月”填写月份，如 2025-03。"},
    )

    class Meta:
        model = Meeting
        fields = ["district", "group", "level", "school", "body", "status", "month"]

    def __init__(self, data=None, queryset=None, *, schools=None, **kwargs):
        """`schools`: the schools the user may see (the choices of the school filter)."""
        super().__init__(data, queryset, **kwargs)
        if schools is not None:
            self.filters["school"].queryset = schools.select_related(None).only("pk", "code", "name")

    def filter_month(self, queryset, name, value):
        return queryset.filter(date__year=value.year, date__month=value.month)


add_period(MeetingFilter, field_name="date", is_datetime=False, label="会议日期")
