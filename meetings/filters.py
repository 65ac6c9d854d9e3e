"""One FilterSet per resource of the meetings app, shared by its list page and its API endpoint (NetBox style).
The selectors have already limited the rows to the user's scope: a school, 学区 or 集团 outside it yields no rows.
The pages show these filters through their forms (`meetings.forms.filters`): labels, widgets, choices in scope.
Old API names kept for old clients are marked `deprecated()` (the schema says so)."""

import django_filters

from core.api.filters import SyncFilterSet, deprecated
from core.filters import ListPageFilters, MonthFilter, SchoolScopedFilter, add_period, level_filter, local_midnight
from core.months import next_month
from schools.choices import MeetingBody
from schools.models import Person, School

from .choices import CommunicationCategory, CommunicationOutcome, ItemResult, MatterCategory, MeetingStatus
from .forms.filters import CommunicationFilterForm, MeetingFilterForm
from .models import AgendaItem, Communication, Meeting


class CommunicationFilter(SchoolScopedFilter):
    level = level_filter()
    participant = django_filters.ModelChoiceFilter(
        field_name="participants", queryset=Person.objects.all(), label="搭档成员（人员编号）"
    )
    category = django_filters.ChoiceFilter(choices=CommunicationCategory.choices, label="沟通类别")
    outcome = django_filters.ChoiceFilter(choices=CommunicationOutcome.choices, label="沟通结果")
    month = MonthFilter(method="filter_month", label="沟通在该月（YYYY-MM）")
    confirmed = django_filters.BooleanFilter(
        field_name="confirmed_at", lookup_expr="isnull", exclude=True, label="已确认"
    )
    occurred_after = deprecated(
        django_filters.DateFilter(
            field_name="occurred_at",
            lookup_expr="date__gte",
            label="沟通日期不早于（YYYY-MM-DD；已弃用，请改用 from）",
        )
    )
    occurred_before = deprecated(
        django_filters.DateFilter(
            field_name="occurred_at",
            lookup_expr="date__lte",
            label="沟通日期不晚于（YYYY-MM-DD；已弃用，请改用 to）",
        )
    )

    class Meta:
        model = Communication
        fields = [
            "updated_since",
            "school",
            "district",
            "group",
            "level",
            "participant",
            "category",
            "outcome",
            "month",
            "confirmed",
            "occurred_after",
            "occurred_before",
        ]

    def filter_month(self, queryset, name, value):
        return queryset.filter(
            occurred_at__gte=local_midnight(value), occurred_at__lt=local_midnight(next_month(value))
        )


add_period(CommunicationFilter, field_name="occurred_at", is_datetime=True, label="沟通日期")


class CommunicationListFilter(ListPageFilters, CommunicationFilter):
    page_form = CommunicationFilterForm


class MeetingFilter(SchoolScopedFilter):
    level = level_filter()
    body = django_filters.ChoiceFilter(choices=MeetingBody.choices, label="会议类型")
    status = django_filters.ChoiceFilter(choices=MeetingStatus.choices, label="状态")
    month = MonthFilter(method="filter_month", label="会议在该月（YYYY-MM）")
    date_after = deprecated(
        django_filters.DateFilter(
            field_name="date", lookup_expr="gte", label="会议日期不早于（YYYY-MM-DD；已弃用，请改用 from）"
        )
    )
    date_before = deprecated(
        django_filters.DateFilter(
            field_name="date", lookup_expr="lte", label="会议日期不晚于（YYYY-MM-DD；已弃用，请改用 to）"
        )
    )

    class Meta:
        model = Meeting
        fields = [
            "updated_since",
            "school",
            "district",
            "group",
            "level",
            "body",
            "status",
            "month",
            "date_after",
            "date_before",
        ]

    def filter_month(self, queryset, name, value):
        return queryset.filter(date__year=value.year, date__month=value.month)


add_period(MeetingFilter, field_name="date", is_datetime=False, label="会议日期")


class MeetingListFilter(ListPageFilters, MeetingFilter):
    page_form = MeetingFilterForm


class AgendaItemFilter(SyncFilterSet):
    school = django_filters.ModelChoiceFilter(field_name="meeting__school", queryset=School.objects.all(), label="学校")
    meeting = django_filters.NumberFilter(field_name="meeting_id", label="会议")
    category = django_filters.ChoiceFilter(choices=MatterCategory.choices, label="事项类别")
    result = django_filters.ChoiceFilter(choices=ItemResult.choices, label="表决结果")

    class Meta:
        model = AgendaItem
        fields = ["updated_since", "school", "meeting", "category", "result"]
