"""The decision chain around the 党组织会议: 校长办公会 研究提出 → 党组织会议 讨论决定 → 校长办公会 部署落实
(MEETING_ORDER), the 教代会 for staff's vital interests (STAFF_CONGRESS), and the principal's report on
implementation that closes the loop (REPORT_BACK)."""

from collections import defaultdict

from django.db.models import Exists, F, OuterRef

from core.rules import WARNING, Context, Rule, register
from meetings.choices import ItemResult
from meetings.models import AgendaItem
from meetings.roster import with_roster_counts
from meetings.rules.common import item_breaches, items
from meetings.rules.voting import StaffCongressQuorum
from schools.choices import MeetingBody
from schools.models import Policy

from ..choices import SANZHONG_YIDA_CATEGORIES, DecisionStatus
from ..models import Decision, ImplementationReport
from .matters import decided_sanzhong


@register
class MeetingOrder(Rule):
    code = "MEETING_ORDER"
    title = "决策链：研究提出—讨论决定—部署落实"
    summary = (
        "三重一大事项一般由校长办公会研究提出方案，党组织会议讨论决定，再由校长办公会部署落实，"
        "研究提出和部署落实须是两次不同的会议。干部任免和党的建设事项由党组织直接研究，无须校长办公会研究提出（提示）。"
    )
    edge = "同一次校长办公会既研究提出又部署落实：提示；两次会议：符合。"
    source = "opinion"
    article = "（六）"
    quote = "校长办公会议……研究提出拟由学校党组织讨论决定的重要事项方案，具体部署落实党组织决议的有关措施。"
    severity = WARNING
    parameters = ("meeting_order_exempt_categories",)
    remedy = "请补齐决策链：校长办公会研究提出、党组织会议讨论决定、校长办公会部署落实，并关联相应议题。"

    @staticmethod
    def missing(*, office_meetings: list, decided_on, category: str, implementing: bool, policy: Policy) -> str | None:
        """The missing step given the (meeting id, date) of the decision's 校长办公会 items, or None."""
        exempt = category in (policy.meeting_order_exempt_categories or [])
        prepared = [m for m in office_meetings if m[1] <= decided_on]
        if not exempt and not prepared:
            return "校长办公会研究提出"
        if implementing:
            deployed = [m for m in office_meetings if m[1] >= decided_on and (exempt or any(m != p for p in prepared))]
            if not deployed:
                return "校长办公会部署落实"
        return None

    def check(self, ctx: Context):
        decisions = list(
            decided_sanzhong(ctx)
            .filter(is_emergency=False, deciding_item__meeting__body=MeetingBody.PARTY_COMMITTEE)
            .values_list("pk", "school_id", "title", "category", "decided_on", "status")
        )
        office: dict[int, list[tuple[int, object]]] = defaultdict(list)
        links = Decision.agenda_items.through.objects.filter(
            decision__in=decided_sanzhong(ctx), agendaitem__meeting__body=MeetingBody.PRINCIPAL_OFFICE
        ).values_list("decision_id", "agendaitem__meeting_id", "agendaitem__meeting__date")
        for decision_id, meeting_id, day in links:
            office[decision_id].append((meeting_id, day))
        implementing = (DecisionStatus.IMPLEMENTING, DecisionStatus.CLOSED)
        for pk, school_id, title, category, decided_on, status in decisions:
            policy = ctx.policies.on(school_id, decided_on)
            missing = self.missing(
                office_meetings=office[pk],
                decided_on=decided_on,
                category=category,
                implementing=status in implementing,
                policy=policy,
            )
            if missing:
                yield self.breach(
                    Decision,
                    pk,
                    school_id,
                    f"三重一大事项“{title}”的决策链缺少“{missing}”环节。",
                    policy=policy,
                )


def congress_passes(*, pass_of_all: bool):
    """教代会 items that passed, quorate (⅔ of 代表) and by more than half of all 代表 (or of those present),
    held on or before the day of the outer agenda item's meeting."""
    base = "expected" if pass_of_all else "present"
    return (
        with_roster_counts(
            AgendaItem.objects.filter(
                decisions__agenda_items=OuterRef("pk"),
                meeting__body=MeetingBody.STAFF_CONGRESS,
                result=ItemResult.PASSED,
                meeting__date__lte=OuterRef("meeting__date"),
            ),
            "meeting",
        )
        .alias(present3=F("present") * 3, expected2=F("expected") * 2, for2=F("votes_for") * 2)
        .filter(present3__gte=F("expected2"), for2__gt=F(base))
    )


@register
class StaffCongress(Rule):
    code = "STAFF_CONGRESS"
    title = "涉及教职工切身利益须经教代会通过"
    summary = (
        "涉及教职工切身利益的事项，须在决定之前或当天经教代会讨论通过：出席代表达到三分之二以上，"
        "赞成票超过全体代表的半数（制度参数可改为出席代表的半数）。未通过、晚于决定或人数不足的教代会不算。"
    )
    edge = "代表 30 人出席 20 人（恰好三分之二）赞成 16 票：通过；出席 19 人或赞成 15 票：不算通过。"
    source = "staff_congress"
    article = "（职权；代表大会的召开）"
    quote = (
        "教职工代表大会……讨论通过学校提出的与教职工利益直接相关的福利、校内分配实施方案"
        "以及相应的教职工聘任、考核、奖惩办法。"
    )
    parameters = ("staff_congress_pass_of_all",)
    remedy = "涉及教职工切身利益的事项请提交教代会讨论通过（三分之二以上代表出席），并将教代会议题关联到该事项。"
    quorum = StaffCongressQuorum

    def check(self, ctx: Context):
        staff_items = (
            items(ctx)
            .filter(touches_staff_interests=True, result=ItemResult.PASSED)
            .exclude(meeting__body=MeetingBody.STAFF_CONGRESS)
        )
        # Without a 教代会 pass counted even on those present, the item breaks the rule under every policy;
        # with one on those present but none on all 代表, it does where the policy counts all 代表.
        never = staff_items.filter(~Exists(congress_passes(pass_of_all=False)))
        yield from item_breaches(self, never, "涉及教职工切身利益，决定前没有经教代会讨论通过的记录。")
        maybe = staff_items.filter(Exists(congress_passes(pass_of_all=False))).filter(
            ~Exists(congress_passes(pass_of_all=True))
        )
        counted_on_all = [
            pk
            for pk, school_id, day in maybe.values_list("pk", "meeting__school_id", "meeting__date")
            if ctx.policies.on(school_id, day).staff_congress_pass_of_all
        ]
        yield from item_breaches(
            self, AgendaItem.objects.filter(pk__in=counted_on_all), "的教代会赞成票未超过全体代表的半数。"
        )


@register
class ReportBack(Rule):
    code = "REPORT_BACK"
    title = "重大决议执行情况报告"
    summary = "三重一大事项办结前，校长须向党组织报告决议执行情况并登记；没有报告不能办结。"
    edge = "已办结且有执行情况报告：符合；已办结而没有报告：违规。"
    source = "opinion"
    article = "校长职责第9项"
    quote = "向学校党组织报告重大决议执行情况，向教职工大会（教职工代表大会）报告工作。"
    remedy = "请登记校长向党组织报告决议执行情况的时间和内容。"

    @staticmethod
    def applies(category: str) -> bool:
        return category in SANZHONG_YIDA_CATEGORIES

    def check(self, ctx: Context):
        reported = ImplementationReport.objects.filter(decision=OuterRef("pk"))
        decisions = ctx.scope(Decision.objects.all()).filter(
            status=DecisionStatus.CLOSED, category__in=SANZHONG_YIDA_CATEGORIES
        )
        for pk, school_id, title in decisions.filter(~Exists(reported)).values_list("pk", "school_id", "title"):
            yield self.breach(
                Decision, pk, school_id, f"三重一大事项“{title}”已办结，但没有校长向党组织报告执行情况的记录。"
            )
