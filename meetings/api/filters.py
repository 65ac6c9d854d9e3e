"""Query filters of the meetings resources; every list also takes `updated_since` for incremental sync."""

import django_filters

from core.api.filters import SyncFilterSet
from core.filters import SchoolScopedFilter
from schools.choices import MeetingBody
from schools.models import School

from ..choices import CommunicationCategory, CommunicationOutcome, ItemResult, MatterCategory, MeetingStatus
from ..models import AgendaItem, Communication, Meeting


class CommunicationFilter(SchoolScopedFilter):
    category = django_filters.ChoiceFilter(choices=CommunicationCategory.choices, label="沟通类别")
    outcome = django_filters.ChoiceFilter(choices=CommunicationOutcome.choices, label="沟通结果")
    occurred_after = django_filters.DateFilter(
        field_name="occurred_at", lookup_expr="date__gte", label="沟通日期不早于（YYYY-MM-DD）"
    )
    occurred_before = django_filters.DateFilter(
        field_name="occurred_at", lookup_expr="date__lte", label="沟通日期不晚于（YYYY-MM-DD）"
    )
    confirmed = django_filters.BooleanFilter(
        field_name="confirmed_at", lookup_expr="isnull", exclude=True, label="已确认"
    )

    class Meta:
        model = Communication
        fields = [
            "updated_since",
            "school",
            "district",
            "group",
            "category",
            "outcome",
            "occurred_after",
            "occurred_before",
            "confirmed",
        ]


class MeetingFilter(SchoolScopedFilter):
    body = django_filters.ChoiceFilter(choices=MeetingBody.choices, label="会议类型")
    status = django_filters.ChoiceFilter(choices=MeetingStatus.choices, label="状态")
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte", label="会议日期不早于（YYYY-MM-DD）")
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte", label="会议日期不晚于（YYYY-MM-DD）")

    class Meta:
        model = Meeting
        fields = ["updated_since", "school", "district", "group", "body", "status", "date_after", "date_before"]


class AgendaItemFilter(SyncFilterSet):
    school = django_filters.ModelChoiceFilter(field_name="meeting__school", queryset=School.objects.all(), label="学校")
    meeting = django_filters.NumberFilter(field_name="meeting_id", label="会议")
    category = django_filters.ChoiceFilter(choices=MatterCategory.choices, label="事项类别")
    result = django_filters.ChoiceFilter(choices=ItemResult.choices, label="表决结果")

    class Meta:
        model = AgendaItem
        fields = ["updated_since", "school", "meeting", "category", "result"]
