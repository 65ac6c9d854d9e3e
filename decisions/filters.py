"""Filters of the decision list. Choices come from the user's scope; bad values are form errors, never 500."""

import datetime

import django_filters
from django.db.models import Q
from django.utils import timezone

from core.filters import ScopedFilterSet, add_period, group_filter, level_filter, school_choice_filter, scoped_districts
from meetings.filters import MonthFilter, next_month

from .choices import SANZHONG_YIDA_CATEGORIES, DecisionStatus, MatterCategory, Tier
from .models import Decision


class DecisionFilter(ScopedFilterSet):
    xuequ = django_filters.ModelChoiceFilter(
        label="学区", field_name="school__district", queryset=scoped_districts, empty_label="全部学区"
    )
    group = group_filter()
    level = level_filter()
    school = school_choice_filter()
    sanzhong = django_filters.ChoiceFilter(
        label="事项范围", choices=[("yes", "三重一大事项")], empty_label="全部事项", method="filter_sanzhong"
    )
    category = django_filters.ChoiceFilter(label="事项类别", choices=MatterCategory.choices, empty_label="全部类别")
    tier = django_filters.ChoiceFilter(label="决策层级", choices=Tier.choices, empty_label="全部层级")
    status = django_filters.ChoiceFilter(label="状态", choices=DecisionStatus.choices, empty_label="全部状态")
    month = MonthFilter(label="月份", method="filter_month", help_text="登记或决策在该月")
    has_open_findings = django_filters.ChoiceFilter(
        label="合规提示",
        choices=[("yes", "有未整改提示"), ("no", "无未整改提示")],
        empty_label="全部",
        method="filter_findings",
    )

    class Meta:
        model = Decision
        fields = [
            "xuequ",
            "group",
            "level",
            "school",
            "sanzhong",
            "category",
            "tier",
            "status",
            "month",
            "has_open_findings",
        ]

    def filter_month(self, queryset, name, value):
        """Registered (created_at, local time) or decided (decided_on) in the month."""
        if value is None:
            return queryset
        end = next_month(value)
        start_at = timezone.make_aware(datetime.datetime.combine(value, datetime.time.min))
        end_at = timezone.make_aware(datetime.datetime.combine(end, datetime.time.min))
        created = Q(created_at__gte=start_at, created_at__lt=end_at)
        return queryset.filter(created | Q(decided_on__gte=value, decided_on__lt=end))

    def filter_sanzhong(self, queryset, name, value):
        return queryset.filter(category__in=SANZHONG_YIDA_CATEGORIES) if value == "yes" else queryset

    def filter_findings(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(has_open_findings=(value == "yes"))


add_period(DecisionFilter, field_name="decided_on", is_datetime=False, label="决策日期")
