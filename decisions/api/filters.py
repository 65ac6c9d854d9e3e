"""Query filters of the decisions API. Lists are already limited to the user's scope by the selectors; a
school, 学区 or 集团 outside it simply yields no rows."""

import django_filters
from django.db.models import Q

from core.api.filters import SyncDateTimeFilter, SyncFilterSet
from core.filters import SchoolScopedFilter

from ..choices import DecisionStatus, FindingSeverity, MatterCategory, TaskStatus, Tier
from ..models import Consultation, Decision, Finding, MatterType, Task
from ..selectors import overdue, rule_titles


class DecisionSchoolScopedFilter(SchoolScopedFilter):
    """For records reaching their school through their decision."""

    school_path = "decision__school"

    decision = django_filters.ModelChoiceFilter(queryset=Decision.objects.all(), label="决策事项")


class DecisionFilter(SchoolScopedFilter):
    category = django_filters.ChoiceFilter(choices=MatterCategory.choices, label="事项类别")
    tier = django_filters.ChoiceFilter(choices=Tier.choices, label="决策层级")
    status = django_filters.ChoiceFilter(choices=DecisionStatus.choices, label="状态")
    decided_after = django_filters.DateFilter(field_name="decided_on", lookup_expr="gte", label="决策日期不早于")
    decided_before = django_filters.DateFilter(field_name="decided_on", lookup_expr="lte", label="决策日期不晚于")
    has_open_findings = django_filters.BooleanFilter(label="有未整改的合规提示")

    class Meta:
        model = Decision
        fields = [
            "updated_since",
            "school",
            "district",
            "group",
            "category",
            "tier",
            "status",
            "decided_after",
            "decided_before",
            "has_open_findings",
        ]


class ConsultationFilter(DecisionSchoolScopedFilter):
    class Meta:
        model = Consultation
        fields = ["updated_since", "school", "district", "group", "decision"]


class TaskFilter(DecisionSchoolScopedFilter):
    status = django_filters.ChoiceFilter(choices=TaskStatus.choices, label="状态")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="已逾期（过了完成时限仍未完成）")
    due_after = django_filters.DateFilter(field_name="due_on", lookup_expr="gte", label="完成时限不早于")
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte", label="完成时限不晚于")

    class Meta:
        model = Task
        fields = [
            "updated_since",
            "school",
            "district",
            "group",
            "decision",
            "status",
            "overdue",
            "due_after",
            "due_before",
        ]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = overdue(queryset).values("pk")
        return queryset.filter(pk__in=late) if value else queryset.exclude(pk__in=late)


def _rule_choices() -> list[tuple[str, str]]:
    return sorted(rule_titles().items())


class FindingFilter(SchoolScopedFilter):
    """Findings have no `updated_at`: `updated_since` looks at the last check and the resolution time."""

    rule = django_filters.ChoiceFilter(choices=_rule_choices, label="规则代码")
    severity = django_filters.ChoiceFilter(choices=FindingSeverity.choices, label="级别")
    open = django_filters.BooleanFilter(field_name="resolved_at", lookup_expr="isnull", label="未整改")
    updated_since = SyncDateTimeFilter(method="filter_updated_since", label="最近检查或整改时间晚于（ISO 8601）")

    class Meta:
        model = Finding
        fields = ["updated_since", "school", "district", "group", "rule", "severity", "open"]

    def filter_updated_since(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(Q(last_seen__gt=value) | Q(resolved_at__gt=value))


class MatterTypeFilter(SyncFilterSet):
    category = django_filters.ChoiceFilter(choices=MatterCategory.choices, label="事项类别")
    tier = django_filters.ChoiceFilter(choices=Tier.choices, label="决策层级")

    class Meta:
        model = MatterType
        fields = ["updated_since", "category", "tier"]
