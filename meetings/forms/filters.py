"""The filter forms of the communication and meeting list pages: which filters of `meetings.filters` each page
shows, with its labels, widgets and empty choices. They filter nothing themselves."""

from django import forms
from django_filters.fields import ChoiceField

from core.filters import MonthField, SchoolRecordFilterForm, YesNoField, add_period_fields, schools_in_scope
from schools.choices import MeetingBody
from schools.models import Person

from ..choices import CommunicationCategory, CommunicationOutcome, MeetingStatus
from .communications import LeaderChoiceField, leaders_of


class CommunicationFilterForm(SchoolRecordFilterForm):
    participant = LeaderChoiceField(
        label="搭档成员", queryset=Person.objects.none(), empty_label="全部人员", required=False
    )
    category = ChoiceField(
        label="沟通类别", choices=CommunicationCategory.choices, empty_label="全部类别", required=False
    )
    month = MonthField(label="月份", required=False)
    outcome = ChoiceField(
        label="沟通结果", choices=CommunicationOutcome.choices, empty_label="全部结果", required=False
    )
    confirmed = YesNoField(
        label="确认状态", choices=[("yes", "已确认"), ("no", "待确认")], empty_label="全部", required=False
    )

    def __init__(self, data=None, *, user, prefix=None):
        super().__init__(data, user=user, prefix=prefix)
        self.fields["participant"].queryset = leaders_of(schools_in_scope(user))


add_period_fields(CommunicationFilterForm, label="沟通日期")


class MeetingFilterForm(SchoolRecordFilterForm):
    body = ChoiceField(label="会议类型", choices=MeetingBody.choices, empty_label="全部类型", required=False)
    status = ChoiceField(label="状态", choices=MeetingStatus.choices, empty_label="全部状态", required=False)
    month = forms.DateField(
        label="月份",
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": "请按“年-月”填写月份，如 2025-03。"},
    )


add_period_fields(MeetingFilterForm, label="会议日期")
