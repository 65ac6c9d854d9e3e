from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Appointment, CommitteeMembership, EducationGroup, Person, Policy, School, SchoolDistrict
from .services import appointment_validate


@admin.register(SchoolDistrict)
class SchoolDistrictAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "office_name"]
    search_fields = ["code", "name"]


@admin.register(EducationGroup)
class EducationGroupAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(School)
class SchoolAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "level", "party_org_type", "district", "group", "parent", "is_active"]
    list_filter = ["district", "group", "level", "party_org_type", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["district", "group", "parent"]
    autocomplete_fields = ["parent"]


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "gender", "note"]
    search_fields = ["code", "name"]


class AppointmentForm(forms.ModelForm):
    class Meta:
        model = Appointment
        fields = ["person", "school", "post", "start", "end", "note"]

    def clean(self):
        data = super().clean()
        if not self.errors:
            appointment_validate(
                person=data["person"],
                school=data["school"],
                post=data["post"],
                start=data["start"],
                end=data.get("end"),
                exclude_pk=self.instance.pk,
            )
        return data


@admin.register(Appointment)
class AppointmentAdmin(SimpleHistoryAdmin):
    form = AppointmentForm
    list_display = ["person", "school", "post", "start", "end"]
    list_filter = ["post", "school__district"]
    search_fields = ["person__name", "person__code", "school__name", "school__code"]
    list_select_related = ["person", "school"]
    autocomplete_fields = ["person", "school"]
    date_hierarchy = "start"


@admin.register(CommitteeMembership)
class CommitteeMembershipAdmin(SimpleHistoryAdmin):
    list_display = ["person", "school", "body", "portfolio", "start", "end"]
    list_filter = ["body", "school__district"]
    search_fields = ["person__name", "school__name", "portfolio"]
    list_select_related = ["person", "school"]
    autocomplete_fields = ["person", "school"]


@admin.register(Policy)
class PolicyAdmin(SimpleHistoryAdmin):
    list_display = [
        "__str__",
        "quorum_strict",
        "large_amount_threshold",
        "minutes_due_working_days",
        "daily_talk_period",
        "regular_talk_period",
        "vacancy_days",
    ]
    list_filter = ["quorum_strict", "regular_talk_period"]
    fieldsets = [
        (None, {"fields": ["school", "effective_from", "note"]}),
        (
            "会议与表决（QUORUM、QUORUM_PERSONNEL、MAJORITY、RECUSAL、STAFF_CONGRESS）",
            {
                "fields": [
                    "quorum_strict",
                    "personnel_quorum_categories",
                    "recused_count_in_expected",
                    "staff_congress_pass_of_all",
                ]
            },
        ),
        (
            "会议程序（AGENDA_NOTICE、MINUTES_LATE、MEETING_FREQUENCY、MEETING_ORDER）",
            {
                "fields": [
                    "notice_days",
                    "minutes_due_working_days",
                    "meeting_period",
                    "meeting_order_exempt_categories",
                ]
            },
        ),
        (
            "书记校长沟通（REGULAR_TALK、EMERGENCY_LATE）",
            {"fields": ["daily_talk_period", "regular_talk_period", "emergency_log_hours"]},
        ),
        (
            "决策事项（AMOUNT_TIER、LEGAL_REVIEW）",
            {"fields": ["large_amount_threshold", "amount_split_days", "legal_review_exempt_categories"]},
        ),
        ("人员（PAIR_VACANCY）", {"fields": ["vacancy_days"]}),
    ]
    list_select_related = ["school"]
    autocomplete_fields = ["school"]
