"""Rules on decisions and tasks: the deciding body, amount tier, decision chain, legal review, overdue tasks."""

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import TruncDate

from meetings.models import AgendaItem
from schools.choices import MeetingBody

from ..choices import (
    SANZHONG_YIDA_CATEGORIES,
    DecisionStatus,
    FindingSeverity,
    MatterCategory,
    Outcome,
    TaskStatus,
    Tier,
)
from ..models import Decision, LegalReview, Task
from .base import Context, breach, rule

DONE = (DecisionStatus.DECIDED, DecisionStatus.IMPLEMENTING, DecisionStatus.CLOSED)


def _decided_sanzhong(ctx: Context):
    return ctx.scope(Decision.objects.all()).filter(
        status__in=DONE, outcome=Outcome.PASSED, category__in=SANZHONG_YIDA_CATEGORIES
    )


@rule("WRONG_BODY", "三重一大由党组织会议决定")
def wrong_body(ctx: Context):
    decisions = _decided_sanzhong(ctx).filter(
        Q(deciding_item__isnull=True) | ~Q(deciding_item__meeting__body=MeetingBody.PARTY_COMMITTEE)
    )
    for pk, school_id, title in decisions.values_list("pk", "school_id", "title"):
        yield breach("WRONG_BODY", Decision, pk, school_id, f"三重一大事项“{title}”未经党组织会议讨论决定。")


@rule("AMOUNT_TIER", "大额度资金集体决策")
def amount_tier(ctx: Context):
    decisions = (
        ctx.scope(Decision.objects.filter(amount__isnull=False))
        .annotate(day=TruncDate("created_at"))
        .values_list("pk", "school_id", "title", "amount", "category", "tier", "decided_on", "day")
    )
    for pk, school_id, title, amount, category, tier, decided_on, day in decisions:
        threshold = ctx.policies.on(school_id, decided_on or day).large_amount_threshold
        if amount >= threshold and (category != MatterCategory.LARGE_FUNDS or tier != Tier.COLLECTIVE):
            yield breach(
                "AMOUNT_TIER",
                Decision,
                pk,
                school_id,
                f"“{title}”涉及金额 {amount:,.2f} 元，达到 {threshold:,.0f} 元标准，应按大额度资金使用集体决策。",
            )


@rule("MEETING_ORDER", "决策链：研究提出—讨论决定—部署落实", FindingSeverity.WARNING)
def meeting_order(ctx: Context):
    office = AgendaItem.objects.filter(decisions=OuterRef("pk"), meeting__body=MeetingBody.PRINCIPAL_OFFICE)
    prepared = office.filter(meeting__date__lte=OuterRef("deciding_item__meeting__date"))
    deployed = office.filter(meeting__date__gte=OuterRef("deciding_item__meeting__date"))
    decisions = (
        _decided_sanzhong(ctx)
        .filter(deciding_item__meeting__body=MeetingBody.PARTY_COMMITTEE)
        .annotate(prepared=Exists(prepared), deployed=Exists(deployed))
        .filter(Q(prepared=False) | Q(deployed=False, status__in=[DecisionStatus.IMPLEMENTING, DecisionStatus.CLOSED]))
    )
    for pk, school_id, title, was_prepared in decisions.values_list("pk", "school_id", "title", "prepared"):
        missing = "校长办公会研究提出" if not was_prepared else "校长办公会部署落实"
        yield breach("MEETING_ORDER", Decision, pk, school_id, f"三重一大事项“{title}”的决策链缺少“{missing}”环节。")


@rule("LEGAL_REVIEW", "三重一大事项合法性审查")
def legal_review(ctx: Context):
    reviewed = LegalReview.objects.filter(decision=OuterRef("pk"), reviewed_on__lte=OuterRef("decided_on"))
    decisions = _decided_sanzhong(ctx).filter(~Exists(reviewed))
    for pk, school_id, title, category, day in decisions.values_list(
        "pk", "school_id", "title", "category", "decided_on"
    ):
        if category in (ctx.policies.on(school_id, day).legal_review_exempt_categories or []):
            continue
        yield breach("LEGAL_REVIEW", Decision, pk, school_id, f"三重一大事项“{title}”决策前没有合法性审查记录。")


@rule("TASK_OVERDUE", "督办任务按期完成")
def task_overdue(ctx: Context):
    tasks = (
        ctx.scope(Task.objects.all(), "decision__school").filter(due_on__lt=ctx.today).exclude(status=TaskStatus.DONE)
    )
    for pk, school_id, title, due_on in tasks.values_list("pk", "decision__school_id", "title", "due_on"):
        days = (ctx.today - due_on).days
        yield breach(
            "TASK_OVERDUE", Task, pk, school_id, f"督办任务“{title}”已逾期 {days} 天（时限 {due_on:%Y-%m-%d}）。"
        )
