"""Rules on meetings and agenda items: quorum, majority, pre-communication, 末位表态, recusal, 教代会, minutes."""

from datetime import timedelta

from django.db.models import Count, DateField, Exists, ExpressionWrapper, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, TruncDate

from meetings.choices import (
    SANZHONG_YIDA_CATEGORIES,
    AttendanceKind,
    AttendanceStatus,
    CommunicationOutcome,
    ItemResult,
    MatterCategory,
    MeetingStatus,
)
from meetings.models import AgendaItem, Attendance, Communication, Meeting, Recusal, Vote
from schools.choices import MeetingBody

from ..choices import FindingSeverity
from ..models import Decision
from .base import Context, breach, rule

DECIDED = (ItemResult.PASSED, ItemResult.REJECTED)


def _count(**conditions) -> Coalesce:
    members = (
        Attendance.objects.filter(meeting=OuterRef("meeting"), kind=AttendanceKind.MEMBER, **conditions)
        .order_by()
        .values("meeting")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(members, output_field=IntegerField()), Value(0))


def _items(ctx: Context):
    """Decided items of the schools in scope with their 应到 and 实到 counts."""
    return (
        ctx.scope(AgendaItem.objects.all(), "meeting__school")
        .filter(result__in=DECIDED)
        .annotate(expected=_count(), present=_count(status=AttendanceStatus.PRESENT))
    )


def _label(item) -> str:
    title = "保密议题" if item.is_confidential else item.title
    return f"{item.meeting.title}（{item.meeting.date:%Y-%m-%d}）议题“{title}”"


def _rows(queryset):
    return queryset.select_related("meeting").only(
        "pk", "title", "is_confidential", "meeting__date", "meeting__title", "meeting__school_id"
    )


def _item_breaches(code: str, items, finding: str):
    """One breach per agenda item of `items`, described as the item's label followed by `finding`."""
    for item in _rows(items):
        yield breach(code, AgendaItem, item.pk, item.meeting.school_id, f"{_label(item)}{finding}")


@rule("QUORUM", "会议出席人数过半")
def quorum(ctx: Context):
    items = _items(ctx).alias(present2=F("present") * 2).filter(present2__lte=F("expected"))
    return _item_breaches("QUORUM", items, "作出决定时实到人数未超过应到人数半数。")


@rule("QUORUM_PERSONNEL", "干部任免出席人数达三分之二")
def quorum_personnel(ctx: Context):
    items = (
        _items(ctx)
        .filter(category=MatterCategory.PERSONNEL)
        .alias(present3=F("present") * 3, expected2=F("expected") * 2)
        .filter(present3__lt=F("expected2"))
    )
    return _item_breaches("QUORUM_PERSONNEL", items, "（干部任免）实到人数不足应到人数三分之二。")


@rule("MAJORITY", "赞成票超过应到人数半数")
def majority(ctx: Context):
    items = (
        _items(ctx)
        .filter(result=ItemResult.PASSED)
        .alias(for2=F("votes_for") * 2)
        .filter(Q(votes_for__isnull=True) | Q(for2__lte=F("expected")))
    )
    return _item_breaches("MAJORITY", items, "赞成票未超过应到人数半数却记为通过。")


@rule("PRE_COMMUNICATION", "三重一大议题会前沟通")
def pre_communication(ctx: Context):
    before = Communication.objects.filter(agenda_items=OuterRef("pk"), occurred_at__date__lte=OuterRef("meeting__date"))
    items = ctx.scope(AgendaItem.objects.all(), "meeting__school").filter(
        ~Exists(before), category__in=SANZHONG_YIDA_CATEGORIES
    )
    return _item_breaches("PRE_COMMUNICATION", items, "为三重一大事项，会前没有书记校长沟通记录。")


@rule("GATE_OVERRIDE", "主持人书面说明后上会", FindingSeverity.WARNING)
def gate_override(ctx: Context):
    items = ctx.scope(AgendaItem.objects.all(), "meeting__school").exclude(gate_override_reason="")
    return _item_breaches("GATE_OVERRIDE", items, "未经书记校长沟通达成共识，由主持人书面说明后上会。")


@rule("DISAGREEMENT_FORCED", "存在分歧应暂缓上会")
def disagreement_forced(ctx: Context):
    latest = (
        Communication.objects.filter(agenda_items=OuterRef("pk")).order_by("-occurred_at", "-pk").values("outcome")[:1]
    )
    items = (
        ctx.scope(AgendaItem.objects.all(), "meeting__school")
        .filter(result__in=DECIDED)
        .annotate(last_outcome=Subquery(latest))
        .filter(last_outcome=CommunicationOutcome.DISAGREEMENT)
    )
    return _item_breaches("DISAGREEMENT_FORCED", items, "会前沟通存在分歧，未暂缓而径行表决。")


@rule("SECRETARY_LAST", "书记末位表态")
def secretary_last(ctx: Context):
    items = ctx.scope(AgendaItem.objects.all(), "meeting__school").filter(
        result__in=DECIDED, meeting__body=MeetingBody.PARTY_COMMITTEE, secretary_spoke_last=False
    )
    return _item_breaches("SECRETARY_LAST", items, "书记未末位表态。")


@rule("RECUSAL", "回避人员不参加表决")
def recusal(ctx: Context):
    recused = Recusal.objects.filter(item=OuterRef("item"), person=OuterRef("person"))
    item_ids = ctx.scope(Vote.objects.all(), "item__meeting__school").filter(Exists(recused)).values("item_id")
    return _item_breaches("RECUSAL", AgendaItem.objects.filter(pk__in=item_ids), "有申请回避的成员参加了表决。")


@rule("STAFF_CONGRESS", "涉及教职工切身利益须经教代会")
def staff_congress(ctx: Context):
    reviewed = Decision.objects.filter(agenda_items=OuterRef("pk")).filter(
        agenda_items__meeting__body=MeetingBody.STAFF_CONGRESS
    )
    items = (
        ctx.scope(AgendaItem.objects.all(), "meeting__school")
        .filter(touches_staff_interests=True, result=ItemResult.PASSED)
        .exclude(meeting__body=MeetingBody.STAFF_CONGRESS)
        .filter(~Exists(reviewed))
    )
    return _item_breaches("STAFF_CONGRESS", items, "涉及教职工切身利益，未见教代会审议记录。")


@rule("MINUTES_LATE", "会议纪要按时定稿")
def minutes_late(ctx: Context):
    # The database keeps only the meetings late under the most lenient policy (and computes the local date of
    # signing); the exact due date of each, under the policy in force for it, is checked below.
    shortest = timedelta(days=ctx.policies.least("minutes_due_days"))
    meetings = (
        ctx.scope(Meeting.objects.all())
        .exclude(status=MeetingStatus.PREPARING)
        .annotate(signed_on=TruncDate("finalised_at"))
        .filter(
            Q(signed_on__isnull=True, date__lt=ctx.today - shortest)
            | Q(signed_on__gt=ExpressionWrapper(F("date") + shortest, output_field=DateField()))
        )
        .values_list("pk", "school_id", "date", "title", "signed_on")
    )
    for pk, school_id, day, title, signed_on in meetings:
        due = day + timedelta(days=ctx.policies.on(school_id, day).minutes_due_days)
        if (signed_on is None and ctx.today > due) or (signed_on is not None and signed_on > due):
            state = f"于{signed_on:%Y-%m-%d}定稿" if signed_on else "至今未定稿"
            yield breach(
                "MINUTES_LATE",
                Meeting,
                pk,
                school_id,
                f"{title}（{day:%Y-%m-%d}）的纪要应于{due:%Y-%m-%d}前定稿签发，{state}。",
            )
