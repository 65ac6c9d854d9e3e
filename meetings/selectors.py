"""Scoped reads of communications and meetings, and redaction of confidential agenda items."""

from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.models import Amendment, Role, User
from core.scope import restrict
from schools.models import Person

from .models import AgendaItem, Attendance, Communication, Deliberation, Meeting, Recusal, Vote
from .roster import expected_count, present_count

CONFIDENTIAL_TITLE = "（保密议题）"


def communication_list(*, user: User) -> QuerySet[Communication]:
    return (
        restrict(Communication.objects.all(), user)
        .select_related("school", "logged_by", "confirmed_by")
        .prefetch_related(Prefetch("participants", queryset=Person.objects.order_by("code")))
    )


def _with_counts(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """应到 and 实到 (`meetings.roster`, the one count) and the number of items, as correlated subqueries: a page
    ordered by date reads its rows through an index and counts only their children (no GROUP BY on meetings)."""
    items = (
        AgendaItem.objects.filter(meeting=OuterRef("pk"))
        .order_by()
        .values("meeting")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return meetings.annotate(
        expected_count=expected_count(),
        present_count=present_count(),
        item_count=Coalesce(Subquery(items, output_field=IntegerField()), Value(0)),
    )


def meeting_list(*, user: User) -> QuerySet[Meeting]:
    return _with_counts(
        restrict(Meeting.objects.all(), user).select_related("school", "chair", "finalised_by")
    ).order_by("-date", "-pk")


def meeting_detail(*, user: User) -> QuerySet[Meeting]:
    """Meetings with everything the 会议纪要 page shows, in a fixed number of queries."""
    return meeting_list(user=user).prefetch_related(
        Prefetch("attendance", queryset=Attendance.objects.select_related("person").order_by("kind", "person__code")),
        Prefetch(
            "items",
            queryset=AgendaItem.objects.select_related("proposer", "lead_member")
            .prefetch_related("votes__person", "recusals__person", "pre_communications", "deliberations__participants")
            .order_by("order"),
        ),
    )


def sees_confidential(*, user: User, meeting: Meeting) -> bool:
    """Confidential items (干部任免) are readable only inside the school (its pair also sees its campuses)."""
    if not user.is_authenticated or user.school_id is None:
        return False
    if user.school_id == meeting.school_id:
        return True
    return user.role in (Role.SECRETARY, Role.PRINCIPAL) and meeting.school.parent_id == user.school_id


def redact_items(*, user: User, meeting: Meeting, items) -> list[AgendaItem]:
    """Blank the title, texts and names of confidential items for readers outside the school."""
    items = list(items)
    if sees_confidential(user=user, meeting=meeting):
        return items
    for item in items:
        if item.is_confidential:
            item.title = CONFIDENTIAL_TITLE
            item.minutes = item.deferral_reason = item.gate_override_reason = item.views_heard = ""
            item.redacted = True
    return items


def amendments_for(*, targets) -> dict[tuple[int, int], list[Amendment]]:
    """Amendments of the given records keyed by (content type id, object id), in one query per type."""
    result: dict[tuple[int, int], list[Amendment]] = {}
    by_type: dict[int, list[int]] = {}
    for target in targets:
        ct = ContentType.objects.get_for_model(target)
        by_type.setdefault(ct.pk, []).append(target.pk)
    for ct_id, ids in by_type.items():
        for amendment in Amendment.objects.filter(content_type_id=ct_id, object_id__in=ids).select_related(
            "created_by"
        ):
            result.setdefault((ct_id, amendment.object_id), []).append(amendment)
    return result


def month_events(*, user: User, school_id: int, year: int, month: int) -> dict[date, list]:
    """A school's communications and meetings of one month, keyed by day, for the calendar."""
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    days: dict[date, list] = {}
    communications = communication_list(user=user).filter(
        school_id=school_id, occurred_at__date__gte=start, occurred_at__date__lt=end
    )
    for communication in communications:
        days.setdefault(timezone.localtime(communication.occurred_at).date(), []).append(communication)
    for meeting in restrict(Meeting.objects.all(), user).filter(school_id=school_id, date__gte=start, date__lt=end):
        days.setdefault(meeting.date, []).append(meeting)
    return days


# --- API reads: only what the JSON shapes need --------------------------------------------------------
# The API serialises related records as ids, so its lists join and prefetch no more than that; the HTML pages
# keep `communication_list` / `meeting_detail` with the related records they display. Every prefetch names its
# order down to the primary key, so a list of ids never depends on how the database breaks a tie.


def _ids(model, *order_by: str) -> QuerySet:
    """The related rows of a many-to-many relation, loaded as far as a list of their ids needs."""
    return model.objects.only("pk").order_by(*order_by, "pk")


def communication_api_list(*, user: User) -> QuerySet[Communication]:
    """Communications in scope; participants as ids in the order of their codes."""
    return restrict(Communication.objects.all(), user).prefetch_related(
        Prefetch("participants", queryset=_ids(Person, "code"))
    )


def meeting_api_list(*, user: User) -> QuerySet[Meeting]:
    """Meetings in scope with the counts, attendance, agenda items, votes, recusals, 酝酿 and the ids of pre-meeting
    communications, in a fixed number of queries. The school's `parent` is read for redaction (`sees_confidential`)."""
    columns = [field.name for field in Meeting._meta.concrete_fields]
    deliberations = Deliberation.objects.order_by("held_on", "pk").prefetch_related(
        Prefetch("participants", queryset=_ids(Person, "code"))
    )
    items = AgendaItem.objects.order_by("order", "pk").prefetch_related(
        Prefetch("votes", queryset=Vote.objects.order_by("pk")),
        Prefetch("recusals", queryset=Recusal.objects.order_by("pk")),
        Prefetch("pre_communications", queryset=_ids(Communication, "-occurred_at", "-pk")),
        Prefetch("deliberations", queryset=deliberations),
    )
    attendance = Attendance.objects.defer("created_at").order_by("kind", "person__code", "pk")  # not in the shape
    return (
        _with_counts(restrict(Meeting.objects.all(), user).select_related("school").only(*columns, "school__parent"))
        .order_by("-date", "-pk")
        .prefetch_related(Prefetch("attendance", queryset=attendance), Prefetch("items", queryset=items))
    )
