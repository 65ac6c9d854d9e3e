"""Filters of the communication list. Choices come from the user's scope; bad values are form errors, never 500."""

import datetime

import django_filters
from django.db.models import QuerySet
from django.utils import timezone

from core.filters import (
    MonthFilter,
    ScopedFilterSet,
    add_period,
    district_filter,
    group_filter,
    level_filter,
    school_choice_filter,
    scoped_schools,
)
from core.months import next_month
from schools.models import Person

from .choices import CommunicationCategory, CommunicationOutcome
from .forms.communications import LeaderChoiceField, leaders_of
from .models import Communication


def _scoped_leaders(request) -> QuerySet[Person]:
    return leaders_of(scoped_schools(request))


class LeaderFilter(django_filters.ModelChoiceFilter):
    field_class = LeaderChoiceField


class CommunicationFilter(ScopedFilterSet):
    district = district_filter()
    group = group_filter()
    level = level_filter()
    school = school_choice_filter()
    participant = LeaderFilter(
        label="搭档成员", field_name="participants", queryset=_scoped_leaders, empty_label="全部人员"
    )
    category = django_filters.ChoiceFilter(
        label="沟通类别", choices=CommunicationCategory.choices, empty_label="全部类别"
    )
    month = MonthFilter(label="月份", method="filter_month")
    outcome = django_filters.ChoiceFilter(
        label="沟通结果", choices=CommunicationOutcome.choices, empty_label="全部结果"
    )
    confirmed = django_filters.ChoiceFilter(
        label="确认状态",
        choices=[("yes", "已确认"), ("no", "待确认")],
        empty_label="全部",
        method="filter_confirmed",
    )

    class Meta:
        model = Communication
        fields = ["district", "group", "level", "school", "participant", "category", "month", "outcome", "confirmed"]

    def filter_month(self, queryset, name, value):
        if value is None:
            return queryset
        start = timezone.make_aware(datetime.datetime.combine(value, datetime.time.min))
        end = timezone.make_aware(datetime.datetime.combine(next_month(value), datetime.time.min))
        return queryset.filter(occurred_at__gte=start, occurred_at__lt=end)

    def filter_confirmed(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(confirmed_at__isnull=(value == "no"))


add_period(CommunicationFilter, field_name="occurred_at", is_datetime=True, label="沟通日期")
