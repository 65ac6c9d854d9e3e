"""Report runs in the admin: read-only (runs are created by requests and the monthly schedule, and written by
the rendering tasks), with an action to render the selected scopes and months again."""

from django.contrib import admin, messages
from simple_history.admin import SimpleHistoryAdmin

from meetings.admin import ReadOnlyAdminMixin

from . import services
from .models import ReportRun


@admin.register(ReportRun)
class ReportRunAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "period",
        "scope",
        "scope_label",
        "status",
        "progress",
        "is_current",
        "page_count",
        "size",
        "finished_at",
    ]
    list_filter = ["status", "scope", "is_current", "period"]
    search_fields = ["school__name", "school__code", "school_district__name", "sha256"]
    list_select_related = ["school", "school_district", "requested_by"]
    date_hierarchy = "period"
    actions = ["render_again"]

    @admin.display(description="对象")
    def scope_label(self, obj: ReportRun) -> str:
        return obj.scope_label

    @admin.action(description="重新生成所选报告")
    def render_again(self, request, queryset):
        count = 0
        for run in queryset.filter(is_current=True):
            services.report_run_request(
                user=request.user,
                scope=run.scope,
                period=run.period,
                school=run.school,
                school_district=run.school_district,
            )
            count += 1
        self.message_user(request, f"已将 {count} 份报告加入生成队列。", messages.SUCCESS)
