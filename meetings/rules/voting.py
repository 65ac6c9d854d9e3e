"""How a meeting decides: who must be present (QUORUM, QUORUM_PERSONNEL), what passes at a voting body
(MAJORITY), the secretary's last word (SECRETARY_LAST), recusals (RECUSAL) and absent leads (ABSENT_LEAD).

Integer comparisons only, so the edges are exact: 半数以上 is `present * 2 >= expected`, 超过半数 is
`votes_for * 2 > base`, 三分之二以上 is `present * 3 >= expected * 2`. Each rule's `check` selects in SQL the
records that may break it under the most lenient policy, then applies the same predicate services call
before they write, with the policy in force on the meeting's date.
"""

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from core.rules import WARNING, Context, Rule, register
from schools.choices import QUORUM_BODIES, VOTING_BODIES, MeetingBody
from schools.models import Policy

from ..choices import PRINCIPAL_DECISION_RESULT, AttendanceKind, AttendanceStatus, ItemResult, MatterCategory
from ..models import AgendaItem, Attendance, Recusal, Vote
from .common import decided_items, item_breaches, items, label, rows


# --- The predicates services call before they write ---------------------------------------------------------
def quorum_met(*, body: str, category: str, expected: int, present: int, policy: Policy) -> bool:
    """Whether a meeting of `body` with these counts may decide an item of `category`."""
    if expected <= 0:
        return False
    if body == MeetingBody.STAFF_CONGRESS:
        return StaffCongressQuorum.holds(expected=expected, present=present)
    if category in PersonnelQuorum.categories(policy):
        return PersonnelQuorum.holds(expected=expected, present=present)
    return Quorum.holds(expected=expected, present=present, strict=policy.quorum_strict)


def quorum_needed(*, body: str, category: str, policy: Policy) -> str:
    """The requirement in the words of the rules, for messages."""
    if body == MeetingBody.STAFF_CONGRESS or category in PersonnelQuorum.categories(policy):
        return "三分之二以上"
    return "超过半数" if policy.quorum_strict else "半数以上"


def majority_base(*, body: str, expected: int, present: int, recused: int, policy: Policy) -> int:
    """The number 赞成 must be more than half of: 应到 (less recused members where the policy says so); at a
    教代会 all 代表, or those present where the policy says so."""
    if body == MeetingBody.STAFF_CONGRESS:
        return expected if policy.staff_congress_pass_of_all else present
    return expected if policy.recused_count_in_expected else expected - recused


def voted_result(
    *, body: str, category: str, expected: int, present: int, recused: int, votes_for: int, policy: Policy
) -> str:
    """The result a vote gives: 通过 only when quorum and majority both hold."""
    quorate = quorum_met(body=body, category=category, expected=expected, present=present, policy=policy)
    base = majority_base(body=body, expected=expected, present=present, recused=recused, policy=policy)
    return ItemResult.PASSED if quorate and Majority.passes(base=base, votes_for=votes_for) else ItemResult.REJECTED


def decides_by_vote(body: str) -> bool:
    """Whether items of a meeting of `body` are decided by a vote (党组织会议, 党政联席会, 教代会). At a 校长办公会
    the principal decides after hearing the members' views (意见 (六)); votes posted there are 表态 only."""
    return body in VOTING_BODIES


def principal_result(principal_decision: str) -> str:
    """The result of a 校长办公会 item: follows the principal's decision; 待决定 until it is recorded."""
    return PRINCIPAL_DECISION_RESULT.get(principal_decision, ItemResult.PENDING)


# --- Rules -------------------------------------------------------------------------------------------------
@register
class Quorum(Rule):
    code = "QUORUM"
    title = "到会人数达到半数以上"
    summary = (
        "党组织会议、校长办公会须有半数以上应到成员到会方能开会作出决定；"
        "教代会须有三分之二以上代表出席。学校议事规则写“超过半数”的，可在制度参数中改为超过半数。"
    )
    edge = "应到 4 人实到 2 人（恰好半数）：可以开会；实到 1 人：不能。制度参数改为“超过半数”时恰好半数不能开会。"
    source = "opinion"
    article = "（五）（六）"
    quote = "会议应当有半数以上党组织班子成员到会方能召开……应当有半数以上行政班子成员到会方能召开。"
    parameters = ("quorum_strict",)
    remedy = "请核对出席情况；到会人数未达到要求时，应另行召开会议再作决定。"

    @staticmethod
    def holds(*, expected: int, present: int, strict: bool = False) -> bool:
        """半数以上 (at least half); `strict`: 超过半数 (more than half)."""
        if expected <= 0:
            return False
        return present * 2 > expected if strict else present * 2 >= expected

    def check(self, ctx: Context):
        # Candidates under the strictest reading (exactly half included), then the exact test per policy.
        candidates = (
            decided_items(ctx)
            .filter(meeting__body__in=QUORUM_BODIES)
            .alias(present2=F("present") * 2)
            .filter(present2__lte=F("expected"))
        )
        for item in rows(candidates):
            policy = ctx.policies.on(item.meeting.school_id, item.meeting.date)
            if not self.holds(expected=item.expected, present=item.present, strict=policy.quorum_strict):
                needed = "超过半数" if policy.quorum_strict else "半数以上"
                yield self.breach(
                    AgendaItem,
                    item.pk,
                    item.meeting.school_id,
                    f"{label(item)}作出决定时应到 {item.expected} 人、实到 {item.present} 人，未达到{needed}。",
                    policy=policy,
                )
        congress = (
            decided_items(ctx)
            .filter(meeting__body=MeetingBody.STAFF_CONGRESS)
            .alias(present3=F("present") * 3, expected2=F("expected") * 2)
            .filter(present3__lt=F("expected2"))
        )
        for item in rows(congress):
            yield self.breach(
                AgendaItem,
                item.pk,
                item.meeting.school_id,
                f"{label(item)}表决时应到代表 {item.expected} 人、实到 {item.present} 人，未达到三分之二以上。",
                policy=ctx.policies.on(item.meeting.school_id, item.meeting.date),
            )


def two_thirds_present(*, expected: int, present: int) -> bool:
    """三分之二以上 (at least two thirds) of 应到 present: the 干部任免 quorum and the 教代会's."""
    return expected > 0 and present * 3 >= expected * 2


class StaffCongressQuorum:
    """教代会: 三分之二以上 of the 代表 present (教代会规定); checked under QUORUM."""

    holds = staticmethod(two_thirds_present)


@register
class PersonnelQuorum(Rule):
    code = "QUORUM_PERSONNEL"
    title = "干部任免须三分之二以上到会"
    summary = "讨论决定干部任免等重要事项时，须有三分之二以上应到成员到会。须适用的事项类别可在制度参数中增加。"
    edge = "应到 6 人实到 4 人（恰好三分之二）：可以决定；实到 3 人：不能。"
    source = "opinion"
    article = "（五）"
    quote = "讨论决定干部任免等重要事项时，必须有三分之二以上党组织班子成员到会。"
    parameters = ("personnel_quorum_categories",)
    remedy = "干部任免议题须有三分之二以上应到成员到会，请补齐到会人数后重新研究决定。"

    @staticmethod
    def categories(policy: Policy) -> list[str]:
        return list(policy.personnel_quorum_categories or [MatterCategory.PERSONNEL])

    holds = staticmethod(two_thirds_present)

    def check(self, ctx: Context):
        categories = {c for policy in ctx.policies.all() for c in self.categories(policy)}
        candidates = (
            decided_items(ctx)
            .filter(meeting__body__in=QUORUM_BODIES, category__in=categories)
            .alias(present3=F("present") * 3, expected2=F("expected") * 2)
            .filter(present3__lt=F("expected2"))
        )
        for item in rows(candidates, "category"):
            policy = ctx.policies.on(item.meeting.school_id, item.meeting.date)
            if item.category in self.categories(policy):
                yield self.breach(
                    AgendaItem,
                    item.pk,
                    item.meeting.school_id,
                    f"{label(item)}应到 {item.expected} 人、实到 {item.present} 人，不足三分之二。",
                    policy=policy,
                )


def _recused_count() -> Coalesce:
    recused = Recusal.objects.filter(item=OuterRef("pk")).order_by().values("item").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(recused, output_field=IntegerField()), Value(0))


@register
class Majority(Rule):
    code = "MAJORITY"
    title = "赞成票超过应到人数半数"
    summary = (
        "党组织会议（及党政联席会、教代会）表决时，赞成票超过应到人数的半数方为通过；恰好半数不通过。"
        "校长办公会不表决，由校长在听取意见后作出决定，本规则不适用。"
    )
    edge = "应到 6 人赞成 3 票（恰好半数）：不通过；赞成 4 票：通过。"
    source = "branch_regulation"
    article = "（与学校党组织议事规则一致）"
    quote = "赞成人数超过应到会有表决权的党员的半数为通过。"
    parameters = ("recused_count_in_expected", "staff_congress_pass_of_all")
    remedy = "请核对表决票数；赞成票未超过应到人数半数的议题不能记为通过，应重新表决或暂缓。"

    @staticmethod
    def passes(*, base: int, votes_for: int) -> bool:
        """超过半数: more than half of `base`."""
        return base > 0 and votes_for * 2 > base

    def check(self, ctx: Context):
        # `base` is never above 应到, so an item with 赞成 over half of 应到 passes under every policy.
        candidates = (
            decided_items(ctx)
            .filter(result=ItemResult.PASSED, meeting__body__in=VOTING_BODIES)
            .annotate(recused=_recused_count())
            .alias(for2=F("votes_for") * 2)
            .filter(Q(votes_for__isnull=True) | Q(for2__lte=F("expected")))
        )
        for item in rows(candidates, "votes_for", "meeting__body"):
            policy = ctx.policies.on(item.meeting.school_id, item.meeting.date)
            base = majority_base(
                body=item.meeting.body,
                expected=item.expected,
                present=item.present,
                recused=item.recused,
                policy=policy,
            )
            if not self.passes(base=base, votes_for=item.votes_for or 0):
                yield self.breach(
                    AgendaItem,
                    item.pk,
                    item.meeting.school_id,
                    f"{label(item)}赞成 {item.votes_for or 0} 票，未超过 {base} 人的半数，却记为通过。",
                    policy=policy,
                )


@register
class SecretaryLast(Rule):
    code = "SECRETARY_LAST"
    title = "书记末位表态"
    summary = "党组织会议讨论决定事项时，班子成员充分发表意见，书记最后表态。"
    edge = "党组织会议已表决的议题登记为“书记未末位表态”：提示。"
    source = "school_rules"
    article = "绍兴一中章程 §16"
    quote = "党委委员表态（党委书记最后表态）。"
    remedy = "党组织会议表决时请书记最后表态（末位表态），并在议题中如实登记。"

    def check(self, ctx: Context):
        found = items(ctx).filter(
            result__in=(ItemResult.PASSED, ItemResult.REJECTED),
            meeting__body=MeetingBody.PARTY_COMMITTEE,
            secretary_spoke_last=False,
        )
        return item_breaches(self, found, "书记未末位表态。")


@register
class RecusalRule(Rule):
    code = "RECUSAL"
    title = "回避人员不参加表决"
    summary = "与议题有利害关系、申请回避的成员不参加该议题的讨论和表决；回避人员是否计入应到人数由制度参数规定。"
    edge = "申请回避的成员有一张表决票：违规。"
    source = "school_rules"
    article = "首都体育学院管理与传播学院党委会议事规则"
    quote = "讨论决定与参会人员本人及其亲属有关的事项时，涉及的参会人员应回避。"
    parameters = ("recused_count_in_expected",)
    remedy = "申请回避的成员不得参加表决，请核对表决记录，必要时重新表决。"

    def check(self, ctx: Context):
        recused = Recusal.objects.filter(item=OuterRef("item"), person=OuterRef("person"))
        item_ids = ctx.scope(Vote.objects.all(), "item__meeting__school").filter(Exists(recused)).values("item_id")
        return item_breaches(self, AgendaItem.objects.filter(pk__in=item_ids), "有申请回避的成员参加了表决。")


@register
class AbsentLead(Rule):
    code = "ABSENT_LEAD"
    title = "分管领导缺席时一般不研究其分管事项"
    summary = "班子成员未出席会议的，一般不研究决定其分管工作范围内的重大事项（提示）。"
    edge = "议题登记的分管领导在该次会议请假或缺席，且议题已决定：提示；分管领导出席：不提示。"
    source = "school_rules"
    article = "郑州十一中党委议事规则"
    quote = "党委委员未出席会议的，一般不研究决定其分管工作范围内的重大事项。"
    severity = WARNING
    remedy = "分管领导缺席时，其分管事项一般应待其出席时再研究；确需决定的，请在纪要中说明并事先征求其意见。"

    def check(self, ctx: Context):
        absent = Attendance.objects.filter(
            meeting=OuterRef("meeting"), person=OuterRef("lead_member"), kind=AttendanceKind.MEMBER
        ).exclude(status=AttendanceStatus.PRESENT)
        found = items(ctx).filter(result__in=(ItemResult.PASSED, ItemResult.REJECTED), lead_member__isnull=False)
        return item_breaches(self, found.filter(Exists(absent)), "决定时其分管领导未出席会议。")
