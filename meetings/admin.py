"""Communications and meetings in the admin: read-only, since every write goes through the portal's services
(validation, confirmation, signing, compliance re-check). District admins browse them and their history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AgendaItem, Attendance, Communication, Meeting


class ReadOnlyAdminMixin:
    """List, filter, search and view; no add, change or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


@admin.register(Communication)
class CommunicationAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["occurred_at", "school", "category", "timing", "subject", "outcome", "confirmed_at"]
    list_filter = ["category", "timing", "outcome", "school__district"]
    search_fields = ["subject", "summary", "school__name", "school__code"]
    list_select_related = ["school"]
    date_hierarchy = "occurred_at"


class AttendanceInline(ReadOnlyInline):
    model = Attendance
    fields = ["person", "kind", "status", "leave_reason"]


class AgendaItemInline(ReadOnlyInline):
    model = AgendaItem
    fields = ["order", "title", "category", "votes_for", "votes_against", "votes_abstain", "result"]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["date", "school", "body", "title", "status", "finalised_at"]
    list_filter = ["body", "status", "school__district"]
    search_fields = ["title", "school__name", "school__code"]
    list_select_related = ["school"]
    date_hierarchy = "date"
    inlines = [AttendanceInline, AgendaItemInline]
