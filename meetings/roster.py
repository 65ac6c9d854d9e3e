"""应到 and 实到: the one count of a meeting's expected members and of those present (DESIGN §3).

Every surface (the engine, the services' write-time checks, pages, API, reports) counts through these
expressions: members are the stored roster (`Attendance` of kind 应到成员); 列席 attendees never count.
"""

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from .choices import AttendanceKind, AttendanceStatus
from .models import Attendance, Meeting


def _count(meeting_ref: str, **conditions) -> Coalesce:
    rows = (
        Attendance.objects.filter(meeting=OuterRef(meeting_ref), kind=AttendanceKind.MEMBER, **conditions)
        .order_by()
        .values("meeting")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def expected_count(meeting_ref: str = "pk") -> Coalesce:
    """应到: the members of the meeting that `meeting_ref` names in the outer query."""
    return _count(meeting_ref)


def present_count(meeting_ref: str = "pk") -> Coalesce:
    """实到: those of them marked 出席."""
    return _count(meeting_ref, status=AttendanceStatus.PRESENT)


def with_roster_counts(queryset: QuerySet, meeting_ref: str = "pk") -> QuerySet:
    """`queryset` (of meetings, or of rows pointing at one) annotated with `expected` and `present`."""
    return queryset.annotate(expected=expected_count(meeting_ref), present=present_count(meeting_ref))


def roster_counts(meeting: Meeting) -> tuple[int, int]:
    """(应到, 实到) of one meeting, read now (inside the caller's transaction)."""
    return with_roster_counts(Meeting.objects.filter(pk=meeting.pk)).values_list("expected", "present").get()
