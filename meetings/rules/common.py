"""What the meeting rules share: the items they read and how a breach names its item."""

from collections.abc import Iterator

from django.db.models import QuerySet

from core.rules import Breach, Context, Rule

from ..choices import ItemResult
from ..models import AgendaItem
from ..roster import with_roster_counts

DECIDED = (ItemResult.PASSED, ItemResult.REJECTED)
CONFIDENTIAL_LABEL = "保密议题"


def items(ctx: Context) -> QuerySet[AgendaItem]:
    """Agenda items of the schools in scope."""
    return ctx.scope(AgendaItem.objects.all(), "meeting__school")


def decided_items(ctx: Context) -> QuerySet[AgendaItem]:
    """Decided items of the schools in scope with their meeting's 应到 (`expected`) and 实到 (`present`)."""
    return with_roster_counts(items(ctx).filter(result__in=DECIDED), "meeting")


def label(item: AgendaItem) -> str:
    title = CONFIDENTIAL_LABEL if item.is_confidential else item.title
    return f"{item.meeting.title}（{item.meeting.date:%Y-%m-%d}）议题“{title}”"


def rows(queryset: QuerySet[AgendaItem], *extra: str) -> QuerySet[AgendaItem]:
    return queryset.select_related("meeting").only(
        "pk", "title", "is_confidential", "meeting__date", "meeting__title", "meeting__school_id", *extra
    )


def item_breaches(rule: Rule, queryset: QuerySet[AgendaItem], finding: str) -> Iterator[Breach]:
    """One breach per item of `queryset`, described as the item's label followed by `finding`."""
    for item in rows(queryset):
        yield rule.breach(AgendaItem, item.pk, item.meeting.school_id, f"{label(item)}{finding}")
