"""Rules on how a matter is decided: by the 党组织会议 (WRONG_BODY), large amounts collectively, split amounts
summed (AMOUNT_TIER), after a lawful review (LEGAL_REVIEW), and emergencies reported afterwards
(EMERGENCY_DECISION)."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate

from core.rules import Context, Rule, register
from meetings.choices import MeetingStatus
from meetings.models import AgendaItem, Meeting
from schools.choices import MeetingBody
from schools.models import Person, Policy, School
from schools.selectors import pair_on

from ..choices import SANZHONG_YIDA_CATEGORIES, DecisionStatus, MatterCategory, Outcome, ReviewConclusion, Tier
from ..models import Decision, LegalReview

DONE = (DecisionStatus.DECIDED, DecisionStatus.IMPLEMENTING, DecisionStatus.CLOSED)


def decided_sanzhong(ctx: Context):
    return ctx.scope(Decision.objects.all()).filter(
        status__in=DONE, outcome=Outcome.PASSED, category__in=SANZHONG_YIDA_CATEGORIES
    )


@register
class WrongBody(Rule):
    code = "WRONG_BODY"
    title = "三重一大由党组织会议决定"
    summary = (
        "三重一大事项由党组织会议集体讨论决定，不能由校长办公会、传阅、会签或个别征求意见代替。"
        "紧急情况下个人临机决定的，按 EMERGENCY_DECISION 事后通报。"
    )
    edge = "决策议题属于党组织会议：符合；属于校长办公会或没有决策议题：违规。"
    source = "opinion"
    article = "（五）（六）"
    quote = "党组织会议……讨论和决定学校重大问题；不得以传阅、会签或个别征求意见等方式代替集体讨论决定。"
    remedy = "请将该三重一大事项提交党组织会议讨论决定，校长办公会只负责研究提出和部署落实。"

    def check(self, ctx: Context):
        decisions = (
            decided_sanzhong(ctx)
            .filter(is_emergency=False)
            .filter(Q(deciding_item__isnull=True) | ~Q(deciding_item__meeting__body=MeetingBody.PARTY_COMMITTEE))
        )
        for pk, school_id, title in decisions.values_list("pk", "school_id", "title"):
            yield self.breach(Decision, pk, school_id, f"三重一大事项“{title}”未经党组织会议讨论决定。")


@register
class AmountTier(Rule):
    code = "AMOUNT_TIER"
    title = "大额度资金集体决策"
    summary = (
        "涉及金额达到标准（本区默认 10 万元，学校议事规则多为 5,000–50,000 元）的，属于大额度资金使用，"
        "须集体讨论决定。同一事项分次决策的，90 天（制度参数）内的金额合并计算，不得拆分规避。"
    )
    edge = "金额恰好 100,000 元：达到标准；99,999.99 元：未达到。两次各 6 万元且间隔不超过 90 天：合计达到标准。"
    source = "school_rules"
    article = "学校“三重一大”决策制度（大额度资金使用）"
    quote = "单笔或同一事项累计金额在规定标准以上的资金使用，须经集体讨论决定。"
    parameters = ("large_amount_threshold", "amount_split_days")
    remedy = "请将该事项按“大额度资金使用”归类，提交党组织会议集体讨论决定；同一事项不得拆分决策。"

    @staticmethod
    def is_large(*, total: Decimal, policy: Policy) -> bool:
        return total >= policy.large_amount_threshold

    @staticmethod
    def window_total(amounts: list[tuple[date, Decimal]], day: date, days: int) -> Decimal:
        """The amounts of one matter dated within `days` days up to `day`."""
        return sum((amount for on, amount in amounts if day - timedelta(days=days) <= on <= day), Decimal(0))

    @staticmethod
    def dated(queryset):
        """Decisions with an amount, annotated with the day that dates it (decision day, else registration)
        and the matter it belongs to (its `same_matter_as` root, else itself)."""
        return queryset.filter(amount__isnull=False).annotate(
            day=Coalesce("decided_on", TruncDate("created_at")), matter=Coalesce("same_matter_as", "pk")
        )

    @classmethod
    def matter_amounts(cls, *, matter_id: int, exclude_pk: int | None = None) -> list[tuple[date, Decimal]]:
        """(day, amount) of every decision of one matter: the root and the parts pointing at it."""
        rows = cls.dated(Decision.objects.filter(Q(pk=matter_id) | Q(same_matter_as=matter_id)))
        if exclude_pk is not None:
            rows = rows.exclude(pk=exclude_pk)
        return list(rows.values_list("day", "amount"))

    def check(self, ctx: Context):
        rows = self.dated(ctx.scope(Decision.objects.all())).values_list(
            "pk", "school_id", "title", "amount", "category", "tier", "day", "matter"
        )
        rows = list(rows)
        by_matter: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
        for _pk, _school, _title, amount, _category, _tier, day, matter in rows:
            by_matter[matter].append((day, amount))
        for pk, school_id, title, amount, category, tier, day, matter in rows:
            if category == MatterCategory.LARGE_FUNDS and tier == Tier.COLLECTIVE:
                continue
            policy = ctx.policies.on(school_id, day)
            total = self.window_total(by_matter[matter], day, policy.amount_split_days)
            if self.is_large(total=total, policy=policy):
                split = f"（同一事项 {policy.amount_split_days} 天内合计 {total:,.2f} 元）" if total != amount else ""
                yield self.breach(
                    Decision,
                    pk,
                    school_id,
                    f"“{title}”涉及金额 {amount:,.2f} 元{split}，达到 {policy.large_amount_threshold:,.0f} 元标准，"
                    "应按大额度资金使用集体决策。",
                    policy=policy,
                )


def latest_review_conclusion(decided_on_ref: str = "decided_on") -> Subquery:
    """The conclusion of the latest legal review on or before the decision date (None: no review)."""
    return Subquery(
        LegalReview.objects.filter(decision=OuterRef("pk"), reviewed_on__lte=OuterRef(decided_on_ref))
        .order_by("-reviewed_on", "-pk")
        .values("conclusion")[:1]
    )


@register
class LegalReviewRule(Rule):
    code = "LEGAL_REVIEW"
    title = "三重一大事项合法性审查"
    summary = (
        "三重一大事项决策前须经合法性审查，且决策前最近一次审查的结论不是“不合法”。"
        "制度参数免审的类别和紧急情况临机决定的事项除外。"
    )
    edge = "先“合法合规”后“不合法”：不得决策（以最近一次为准）；只有“不合法”的审查：违规。"
    source = "legal_review_rules"
    quote = "除紧急情况外，未经合法合规性审查或者经审查未通过的，不得提交会议讨论决定。"
    parameters = ("legal_review_exempt_categories",)
    remedy = "请在决策前完成合法性审查并登记审查结论；审查不合法的事项不得决策。"

    @staticmethod
    def required(*, category: str, is_emergency: bool, policy: Policy) -> bool:
        """Whether a decision of `category` needs a review: 三重一大, not exempt by policy, not an emergency."""
        return (
            category in SANZHONG_YIDA_CATEGORIES
            and not is_emergency
            and category not in (policy.legal_review_exempt_categories or [])
        )

    @staticmethod
    def latest_conclusion(*, decision: Decision, on: date) -> str | None:
        """The conclusion of the decision's latest review dated on or before `on` (None: no review)."""
        return (
            decision.legal_reviews.filter(reviewed_on__lte=on)
            .order_by("-reviewed_on", "-pk")
            .values_list("conclusion", flat=True)
            .first()
        )

    @staticmethod
    def allows(*, latest_conclusion: str | None) -> bool:
        return latest_conclusion is not None and latest_conclusion != ReviewConclusion.UNLAWFUL

    @classmethod
    def refusal(cls, *, decision: Decision, on: date, is_emergency: bool, policy: Policy) -> str | None:
        """Why `decision` may not be decided on `on` under this rule (None: it may)."""
        if not cls.required(category=decision.category, is_emergency=is_emergency, policy=policy):
            return None
        latest = cls.latest_conclusion(decision=decision, on=on)
        if cls.allows(latest_conclusion=latest):
            return None
        if latest is None:
            return "三重一大事项决策前须经合法性审查，请先登记合法性审查。"
        return "决策前最近一次合法性审查的结论为不合法，不得作出决策；请整改后重新审查。"

    def check(self, ctx: Context):
        decisions = (
            decided_sanzhong(ctx)
            .filter(is_emergency=False)
            .annotate(latest=latest_review_conclusion())
            .filter(Q(latest__isnull=True) | Q(latest=ReviewConclusion.UNLAWFUL))
        )
        for pk, school_id, title, category, day, latest in decisions.values_list(
            "pk", "school_id", "title", "category", "decided_on", "latest"
        ):
            policy = ctx.policies.on(school_id, day)
            if category in (policy.legal_review_exempt_categories or []):
                continue
            state = "没有合法性审查记录" if latest is None else "最近一次合法性审查结论为不合法"
            yield self.breach(Decision, pk, school_id, f"三重一大事项“{title}”决策前{state}。", policy=policy)


@register
class EmergencyDecision(Rule):
    code = "EMERGENCY_DECISION"
    title = "紧急情况临机决定事后通报"
    summary = "紧急情况下由书记或校长个人临机决定的事项，须在下一次党组织会议上通报（关联该次会议的议题）。"
    edge = "决定后召开的第一次党组织会议有关联议题：符合；该次会议没有：违规；尚未召开：暂不检查。"
    source = "school_rules"
    article = "郑州十一中党委议事规则；绍兴一中章程 §22"
    quote = "遇紧急情况……可由书记或校长临机处置，事后及时向党委会报告。"
    remedy = "请在下一次党组织会议上通报该临机决定，并将通报议题关联到该事项。"

    @staticmethod
    def may_decide_alone(*, person: Person, school: School, on: date) -> bool:
        """Only the school's secretary or principal in office that day decides alone in an emergency."""
        pair = pair_on(school=school, on=on)
        return any(leader is not None and leader.pk == person.pk for leader in (pair.secretary, pair.principal))

    def check(self, ctx: Context):
        next_meeting = Subquery(
            Meeting.objects.filter(
                school=OuterRef("school"), body=MeetingBody.PARTY_COMMITTEE, date__gt=OuterRef("decided_on")
            )
            .exclude(status=MeetingStatus.PREPARING)
            .order_by("date", "pk")
            .values("date")[:1]
        )
        reported = AgendaItem.objects.filter(
            decisions=OuterRef("pk"),
            meeting__body=MeetingBody.PARTY_COMMITTEE,
            meeting__date__gt=OuterRef("decided_on"),
            meeting__date__lte=OuterRef("next_meeting"),
        )
        decisions = (
            ctx.scope(Decision.objects.filter(is_emergency=True, decided_on__isnull=False))
            .annotate(next_meeting=next_meeting)
            .filter(next_meeting__isnull=False)
            .filter(~Exists(reported))
        )
        for pk, school_id, title, day in decisions.values_list("pk", "school_id", "title", "next_meeting"):
            yield self.breach(
                Decision, pk, school_id, f"紧急情况临机决定的“{title}”未在{day:%Y-%m-%d}的党组织会议上通报。"
            )
