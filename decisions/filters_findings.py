"""Filters of the finding lists: 学区, 集团, 学段 and school (choices from the user's scope), rule, severity and
the month first seen. Bad values are form errors shown next to the field, never a 500."""

import datetime

import django_filters
from django.utils import timezone

from core.filters import ScopedFilterSet, district_filter, group_filter, level_filter, school_choice_filter
from meetings.filters import MonthFilter, next_month

from .choices import FindingSeverity
from .models import Finding
from .selectors import rule_titles


def _rule_choices() -> list[tuple[str, str]]:
    return [(code, f"{title}（{code}）") for code, title in rule_titles().items()]


class FindingFilter(ScopedFilterSet):
    district = district_filter()
    group = group_filter()
    level = level_filter()
    school = school_choice_filter()
    rule = django_filters.ChoiceFilter(label="规则", choices=_rule_choices, empty_label="全部规则")
    severity = django_filters.ChoiceFilter(label="级别", choices=FindingSeverity.choices, empty_label="全部级别")
    month = MonthFilter(label="首次发现月份", method="filter_month")

    class Meta:
        model = Finding
        fields = ["district", "group", "level", "school", "rule", "severity", "month"]

    def filter_month(self, queryset, name, value):
        if value is None:
            return queryset
        start = timezone.make_aware(datetime.datetime.combine(value, datetime.time.min))
        end = timezone.make_aware(datetime.datetime.combine(next_month(value), datetime.time.min))
        return queryset.filter(first_seen__gte=start, first_seen__lt=end)
