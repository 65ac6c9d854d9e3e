"""One FilterSet per resource of the decisions app, shared by its list page and its API endpoint (NetBox style).
The selectors have already limited the rows to the user's scope: a school, 学区 or 集团 outside it yields no rows.
The pages show these filters through their forms (`decisions.forms.filters`): labels, widgets, choices in scope.
Old API names kept for old clients are marked `deprecated()` (the schema says so)."""

import django_filters
from django.db.models import Q

from core.api.filters import SyncDateTimeFilter, SyncFilterSet, deprecated
from core.filters import ListPageFilters, MonthFilter, SchoolScopedFilter, add_period, level_filter, local_midnight
from core.months import next_month

from .choices import SANZHONG_YIDA_CATEGORIES, DecisionStatus, FindingSeverity, MatterCategory, TaskStatus, Tier
from .forms.filters import DecisionFilterForm, FindingFilterForm
from .models import Consultation, Decision, Finding, MatterType, Task
from .selectors import overdue, rule_titles


class DecisionFilter(SchoolScopedFilter):
    level = level_filter()
    sanzhong = django_filters.ChoiceFilter(
        choices=[("yes", "三重一大事项")], method="filter_sanzhong", label="仅三重一大事项（yes）"
    )
    category = django_filters.ChoiceFilter(choices=MatterCategory.choices, label="事项类别")
    tier = django_filters.ChoiceFilter(choices=Tier.choices, label="决策层级")
    status = django_filters.ChoiceFilter(choices=DecisionStatus.choices, label="状态")
    month = MonthFilter(method="filter_month", label="登记或决策在该月（YYYY-MM）")
    has_open_findings = django_filters.BooleanFilter(label="有未整改的合规提示")
    decided_after = deprecated(
        django_filters.DateFilter(
            field_name="decided_on", lookup_expr="gte", label="决策日期不早于（已弃用，请改用 from）"
        )
    )
    decided_before = deprecated(
        django_filters.DateFilter(
            field_name="decided_on", lookup_expr="lte", label="决策日期不晚于（已弃用，请改用 to）"
        )
    )

    class Meta:
        model = Decision
        fields = [
            "updated_since",
            "school",
            "district",
            "group",
            "level",
            "sanzhong",
            "category",
            "tier",
            "status",
            "month",
            "has_open_findings",
            "decided_after",
            "decided_before",
        ]

    def filter_month(self, queryset, name, value):
        """Registered (created_at, local time) or decided (decided_on) in the month."""
        end = next_month(value)
        created = Q(created_at__gte=local_midnight(value), created_at__lt=local_midnight(end))
        return queryset.filter(created | Q(decided_on__gte=value, decided_on__lt=end))

    def filter_sanzhong(self, queryset, name, value):
        return queryset.filter(category__in=SANZHONG_YIDA_CATEGORIES) if value == "yes" else queryset


add_period(DecisionFilter, field_name="decided_on", is_datetime=False, label="决策日期")


class DecisionListFilter(ListPageFilters, DecisionFilter):
    """The decision list page: its form keeps the page's name `xuequ` for the 学区."""

    page_form = DecisionFilterForm
    page_names = {"xuequ": "district"}


class ConsultationFilter(SchoolScopedFilter):
    school_path = "decision__school"

    decision = django_filters.ModelChoiceFilter(queryset=Decision.objects.all(), label="决策事项")

    class Meta:
        model = Consultation
        fields = ["updated_since", "school", "district", "group", "decision"]


class TaskFilter(ConsultationFilter):
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

    level = level_filter()
    rule = django_filters.ChoiceFilter(choices=_rule_choices, label="规则代码")
    severity = django_filters.ChoiceFilter(choices=FindingSeverity.choices, label="级别")
    open = django_filters.BooleanFilter(field_name="resolved_at", lookup_expr="isnull", label="未整改")
    month = MonthFilter(method="filter_month", label="首次发现在该月（YYYY-MM）")
    updated_since = SyncDateTimeFilter(method="filter_updated_since", label="最近检查或整改时间晚于（ISO 8601）")

    class Meta:
        model = Finding
        fields = ["updated_since", "school", "district", "group", "level", "rule", "severity", "open", "month"]

    def filter_updated_since(self, queryset, name, value):
        return queryset.filter(Q(last_seen__gt=value) | Q(resolved_at__gt=value))

    def filter_month(self, queryset, name, value):
        start, end = local_midnight(value), local_midnight(next_month(value))
        return queryset.filter(first_seen__gte=start, first_seen__lt=end)


class FindingListFilter(ListPageFilters, FindingFilter):
    """The finding lists (open and resolved)."""

    page_form = FindingFilterForm


class MatterTypeFilter(SyncFilterSet):
    category = django_filters.ChoiceFilter(choices=MatterCategory.choices, label="事项类别")
    tier = django_filters.ChoiceFilter(choices=Tier.choices, label="决策层级")

    class Meta:
        model = MatterType
        fields = ["updated_since", "category", "tier"]
