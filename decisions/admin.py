"""Decisions in the admin. The district's 事项清单 (MatterType) is edited here; decisions, tasks, evidence,
consultations, legal reviews and findings are read-only, since their writes go through the portal's services
(lifecycle, validation, compliance re-check) and findings are kept by the compliance engine."""

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from meetings.admin import ReadOnlyAdminMixin, ReadOnlyInline
from schools.choices import MeetingBody

from .models import (
    Consultation,
    Decision,
    DecisionTransition,
    Evidence,
    Finding,
    ImplementationReport,
    LegalReview,
    MatterType,
    Task,
    TaskProgress,
)
from .selectors import rule_titles


# --- 事项清单 ---------------------------------------------------------------------------------------
class MatterTypeForm(forms.ModelForm):
    bodies_required = forms.MultipleChoiceField(
        label="须经会议",
        choices=MeetingBody.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="该类事项须提交的会议，按决策链顺序勾选。",
    )

    class Meta:
        model = MatterType
        fields = ["name", "category", "tier", "bodies_required", "staff_congress_review", "description"]


@admin.register(MatterType)
class MatterTypeAdmin(SimpleHistoryAdmin):
    form = MatterTypeForm
    list_display = ["name", "category", "tier", "bodies_display", "staff_congress_review"]
    list_filter = ["category", "tier", "staff_congress_review"]
    search_fields = ["name", "description"]

    @admin.display(description="须经会议")
    def bodies_display(self, obj: MatterType) -> str:
        labels = dict(MeetingBody.choices)
        return "、".join(str(labels.get(code, code)) for code in obj.bodies_required or []) or "—"


# --- Decisions and their parts (read-only) ----------------------------------------------------------
class TransitionInline(ReadOnlyInline):
    model = DecisionTransition
    fields = ["from_status", "to_status", "note", "by", "at"]
    readonly_fields = ["at"]


class ConsultationInline(ReadOnlyInline):
    model = Consultation
    fields = ["person", "consulted_on", "opinion"]


class LegalReviewInline(ReadOnlyInline):
    model = LegalReview
    fields = ["reviewer", "reviewed_on", "conclusion", "note"]


class ImplementationReportInline(ReadOnlyInline):
    model = ImplementationReport
    fields = ["reported_on", "reporter", "item", "summary"]


class TaskInline(ReadOnlyInline):
    model = Task
    fields = ["title", "owner", "due_on", "status", "done_on"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "school", "category", "tier", "amount", "status", "outcome", "decided_on", "is_emergency"]
    list_filter = ["status", "outcome", "category", "tier", "is_emergency", "school__district"]
    search_fields = ["title", "description", "school__name", "school__code"]
    list_select_related = ["school"]
    date_hierarchy = "decided_on"
    inlines = [TransitionInline, ConsultationInline, LegalReviewInline, ImplementationReportInline, TaskInline]


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["decision", "person", "consulted_on"]
    list_filter = ["decision__school__district"]
    search_fields = ["decision__title", "person__name", "opinion"]
    list_select_related = ["decision", "person"]


@admin.register(LegalReview)
class LegalReviewAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["decision", "reviewer", "reviewed_on", "conclusion"]
    list_filter = ["conclusion", "decision__school__district"]
    search_fields = ["decision__title", "reviewer", "note"]
    list_select_related = ["decision"]


@admin.register(ImplementationReport)
class ImplementationReportAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["decision", "reporter", "reported_on"]
    list_filter = ["decision__school__district"]
    search_fields = ["decision__title", "reporter__name", "summary"]
    list_select_related = ["decision", "reporter"]


class ProgressInline(ReadOnlyInline):
    model = TaskProgress
    fields = ["noted_on", "text", "author"]


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fields = ["original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = ["uploaded_at"]


@admin.register(Task)
class TaskAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "decision", "school", "owner", "due_on", "status", "done_on"]
    list_filter = ["status", "decision__school__district"]
    search_fields = ["title", "decision__title", "owner__name", "decision__school__name"]
    list_select_related = ["decision__school", "owner"]
    date_hierarchy = "due_on"
    inlines = [ProgressInline, EvidenceInline]

    @admin.display(description="学校", ordering="decision__school__name")
    def school(self, obj: Task):
        return obj.decision.school


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["original_name", "task", "content_type", "size", "uploaded_by", "uploaded_at"]
    search_fields = ["original_name", "task__title", "sha256"]
    list_select_related = ["task", "uploaded_by"]
    exclude = ["file"]  # served only in scope through the portal, never as a public media link


# --- 合规提示 (read-only) ---------------------------------------------------------------------------
class RuleFilter(admin.SimpleListFilter):
    title = "规则"
    parameter_name = "rule"

    def lookups(self, request, model_admin):
        return list(rule_titles().items())

    def queryset(self, request, queryset):
        return queryset.filter(rule=self.value()) if self.value() else queryset


class ResolvedFilter(admin.SimpleListFilter):
    title = "整改状态"
    parameter_name = "resolved"

    def lookups(self, request, model_admin):
        return [("no", "未整改"), ("yes", "已整改")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(resolved_at__isnull=self.value() == "no")
        return queryset


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["rule_title", "severity", "school", "message", "first_seen", "last_seen", "resolved_at"]
    list_filter = [RuleFilter, "severity", ResolvedFilter, "school__district"]
    search_fields = ["message", "school__name", "school__code"]
    list_select_related = ["school"]
    date_hierarchy = "first_seen"
    exclude = ["content_type", "object_id"]
    readonly_fields = ["rule_title", "subject_type"]

    @admin.display(description="规则", ordering="rule")
    def rule_title(self, obj: Finding) -> str:
        return f"{rule_titles().get(obj.rule, obj.rule)}（{obj.rule}）"

    @admin.display(description="对象")
    def subject_type(self, obj: Finding) -> str:
        return f"{obj.content_type.name} #{obj.object_id}"
