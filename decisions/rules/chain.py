"""The decision chain around the 党组织会议: 校长办公会 研究提出 → 党组织会议 讨论决定 → 校长办公会 部署落实
(MEETING_ORDER), the 教代会 for staff's vital interests (STAFF_CONGRESS), and the principal's report on
implementation that closes the loop (REPORT_BACK)."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from core.rules import WARNING, Context, Rule, register
from meetings.choices import ItemResult
from meetings.models import AgendaItem, Meeting
from meetings.roster import with_roster_counts
from meetings.rules.common import items, label, rows
from meetings.rules.voting import StaffCongressQuorum
from schools.choices import MeetingBody
from schools.models import Policy
from schools.selectors import policy_in_force

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
    linked to a decision that the outer agenda item is linked to too, and held on or before that decision's day
    (or, while it is not decided, the outer item's meeting day)."""
    base = "expected" if pass_of_all else "present"
    # One filter() call: the conditions on `decisions` apply to the same linked decision (Django's rule for
    # multi-valued relations), so the planner walks from the outer item's decisions to their 教代会 items
    # instead of testing every 教代会 item of the district against them.
    shared_decision = Q(decisions__agenda_items=OuterRef("pk")) & (
        Q(decisions__decided_on__gte=F("meeting__date"))
        | Q(decisions__decided_on__isnull=True, meeting__date__lte=OuterRef("meeting__date"))
    )
    return (
        with_roster_counts(
            AgendaItem.objects.filter(meeting__body=MeetingBody.STAFF_CONGRESS, result=ItemResult.PASSED).filter(
                shared_decision
            ),
            "meeting",
        )
        .alias(present3=F("present") * 3, expected2=F("expected") * 2, for2=F("votes_for") * 2)
        .filter(expected__gt=0, present3__gte=F("expected2"), for2__gt=F(base))
    )


@dataclass(frozen=True)
class CongressStep:
    """What the decision page shows of the 教代会 step: whether it applies and whether it is satisfied."""

    applies: bool
    satisfied: bool
    detail: str


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

    @classmethod
    def passes(cls, *, expected: int, present: int, votes_for: int | None, pass_of_all: bool) -> bool:
        """A 教代会 vote counts: ⅔ of 代表 present and 赞成 more than half of all 代表 (or of those present)."""
        base = expected if pass_of_all else present
        return cls.quorum.holds(expected=expected, present=present) and (votes_for or 0) * 2 > base

    @classmethod
    def step(cls, decision: Decision, agenda_items: list[AgendaItem]) -> CongressStep:
        """The 教代会 step of one decision, from its (loaded) agenda items: one query for the 教代会 rosters."""
        congress = [item for item in agenda_items if item.meeting.body == MeetingBody.STAFF_CONGRESS]
        staff = any(
            item.touches_staff_interests for item in agenda_items if item.meeting.body != MeetingBody.STAFF_CONGRESS
        )
        review = decision.matter_type is not None and decision.matter_type.staff_congress_review
        if not (staff or review or congress):
            return CongressStep(False, False, "")
        day = decision.decided_on or timezone.localdate()
        pass_of_all = policy_in_force(school=decision.school, on=day).staff_congress_pass_of_all
        passed = [item for item in congress if item.result == ItemResult.PASSED and item.meeting.date <= day]
        meetings = Meeting.objects.filter(pk__in={item.meeting_id for item in passed})
        counts = {
            pk: (expected, present)
            for pk, expected, present in with_roster_counts(meetings).values_list("pk", "expected", "present")
        }
        for item in passed:
            expected, present = counts[item.meeting_id]
            if cls.passes(expected=expected, present=present, votes_for=item.votes_for, pass_of_all=pass_of_all):
                return CongressStep(
                    True,
                    True,
                    f"{item.meeting.date:%Y-%m-%d} 教代会通过（代表 {expected} 人，出席 {present} 人，"
                    f"赞成 {item.votes_for} 票）。",
                )
        when = "决定之前或当天" if decision.decided_on else "决定前"
        return CongressStep(True, False, f"尚无{when}经教代会依规通过（三分之二以上代表出席、赞成票过半数）的记录。")

    def check(self, ctx: Context):
        # Without a 教代会 pass counted even on those present, the item breaks the rule under every policy;
        # with one on those present but none on all 代表, it does where the policy counts all 代表. One query:
        # the items without a pass on all 代表 (a pass on all is one on those present too), each knowing
        # whether it has one on those present.
        staff_items = (
            items(ctx)
            .filter(touches_staff_interests=True, result=ItemResult.PASSED)
            .exclude(meeting__body=MeetingBody.STAFF_CONGRESS)
            .annotate(
                on_present=Exists(congress_passes(pass_of_all=False)),
                on_all=Exists(congress_passes(pass_of_all=True)),
            )
            .filter(Q(on_present=False) | Q(on_all=False))
        )
        for item in rows(staff_items):
            school_id = item.meeting.school_id
            if not item.on_present:
                finding = "涉及教职工切身利益，决定前没有经教代会讨论通过的记录。"
            elif ctx.policies.on(school_id, item.meeting.date).staff_congress_pass_of_all:
                finding = "的教代会赞成票未超过全体代表的半数。"
            else:
                continue
            yield self.breach(AgendaItem, item.pk, school_id, f"{label(item)}{finding}")


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
