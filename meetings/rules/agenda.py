"""How an item reaches the agenda: the pair's prior communication (PRE_COMMUNICATION), no item forced through a
disagreement (DISAGREEMENT_FORCED) unless the chair writes why (GATE_OVERRIDE), the 酝酿 of a 干部任免 item
(PERSONNEL_DELIBERATION), and notice of the agenda and papers (AGENDA_NOTICE)."""

from datetime import date, datetime, time, timedelta

from django.db.models import DateField, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate, TruncTime
from django.utils import timezone

from core.rules import WARNING, Context, Rule, register
from schools.choices import QUORUM_BODIES, MeetingBody

from ..choices import (
    PRE_COMMUNICATION_CATEGORIES,
    SANZHONG_YIDA_CATEGORIES,
    CommunicationOutcome,
    MatterCategory,
    MeetingStatus,
)
from ..models import Communication, Deliberation, Meeting
from .common import item_breaches, items


def meeting_start(day: date, start_time: time | None) -> datetime:
    """When a meeting starts: its date and start time in local time; without a start time, the start of its day
    (a talk on the meeting day then counts as before it only once the start time is recorded)."""
    return timezone.make_aware(datetime.combine(day, start_time or time.min))


def talk_before_meeting() -> Q:
    """On communications correlated with an agenda item: held before its meeting started (see `meeting_start`)."""
    return Q(talk_day__lt=OuterRef("meeting__date")) | Q(
        talk_day=OuterRef("meeting__date"),
        talk_time__lt=OuterRef("meeting__start_time"),
    )


def _talks_of_item():
    return Communication.objects.filter(agenda_items=OuterRef("pk")).annotate(
        talk_day=TruncDate("occurred_at"), talk_time=TruncTime("occurred_at")
    )


@register
class PreCommunication(Rule):
    code = "PRE_COMMUNICATION"
    title = "重要事项会前沟通"
    summary = "三重一大事项和重要事项上会前，书记和校长须就该议题充分沟通，沟通记录经另一方确认，且在会议开始之前。"
    edge = "会议当天 9:00 开会、8:30 的已确认沟通：算会前；10:00 的沟通或未确认的沟通：不算。"
    source = "opinion"
    article = "（七）"
    quote = "经党组织书记与校长充分沟通且无重大分歧后提交会议讨论决定。"
    remedy = "请在上会前由书记校长就该议题充分沟通、经另一方确认，并将沟通记录关联到议题。"

    def check(self, ctx: Context):
        before = _talks_of_item().filter(talk_before_meeting(), confirmed_at__isnull=False)
        found = (
            items(ctx)
            .filter(category__in=PRE_COMMUNICATION_CATEGORIES)
            .exclude(meeting__status=MeetingStatus.PREPARING)
        )
        return item_breaches(self, found.filter(~Exists(before)), "上会前没有经确认的书记校长沟通记录。")


def latest_outcome_when_tabled():
    """The outcome of the latest communication on an item recorded before the item was put on the agenda."""
    return Subquery(
        Communication.objects.filter(agenda_items=OuterRef("pk"), occurred_at__lte=OuterRef("created_at"))
        .order_by("-occurred_at", "-pk")
        .values("outcome")[:1]
    )


@register
class DisagreementForced(Rule):
    code = "DISAGREEMENT_FORCED"
    title = "存在分歧应暂缓上会"
    summary = "书记校长就议题的最近一次沟通存在分歧时，议题应暂缓上会；列入议程本身即违反规定，无论随后是否表决。"
    edge = "列入议程时最近一次沟通为“存在分歧”：违规（主持人书面说明的按 GATE_OVERRIDE 提示）；为“达成共识”：不违规。"
    source = "opinion"
    article = "（七）"
    quote = "充分沟通且无重大分歧后提交会议讨论决定。对意见不一致的议题，暂缓上会。"
    remedy = "书记校长存在分歧的议题应暂缓上会，请再次沟通达成共识后重新提交会议。"

    def check(self, ctx: Context):
        found = (
            items(ctx)
            .filter(gate_override_reason="")
            .annotate(tabled_outcome=latest_outcome_when_tabled())
            .filter(tabled_outcome=CommunicationOutcome.DISAGREEMENT)
        )
        return item_breaches(self, found, "列入议程时书记校长的最近一次沟通存在分歧，未暂缓上会。")


@register
class GateOverride(Rule):
    code = "GATE_OVERRIDE"
    title = "主持人书面说明后上会（本区例外）"
    summary = (
        "本区的例外做法：书记校长未达成共识的议题，会议主持人可以书面说明理由后列入议程。"
        "允许并留痕，但始终作为提示列出。意见原文要求无重大分歧后方可提交，没有这一例外。"
    )
    edge = "议题有主持人上会说明：总是提示。"
    source = "district"
    quote = "（本区做法，无上位制度条文依据）"
    severity = WARNING
    remedy = "请书记校长补充沟通、形成共识并登记沟通记录，今后议题应先沟通后上会。"

    def check(self, ctx: Context):
        found = items(ctx).exclude(gate_override_reason="")
        return item_breaches(self, found, "未经书记校长沟通达成共识，由主持人书面说明后上会。")


@register
class PersonnelDeliberation(Rule):
    code = "PERSONNEL_DELIBERATION"
    title = "干部任免事项会前酝酿"
    summary = "涉及干部工作的方案提交党组织会议讨论决定前，须在一定范围内酝酿，并登记酝酿时间、范围和参加人。"
    edge = "酝酿日期早于或等于会议日期：符合；没有酝酿记录或酝酿晚于会议：违规。"
    source = "opinion"
    article = "（七）"
    quote = "对涉及干部工作的方案，在提交党组织会议讨论决定前，应当在一定范围内进行酝酿。"
    remedy = "请登记该干部任免议题会前的酝酿情况（时间、范围、参加人）；未经酝酿的，应酝酿后再提交会议。"

    def check(self, ctx: Context):
        deliberated = Deliberation.objects.filter(item=OuterRef("pk"), held_on__lte=OuterRef("meeting__date"))
        found = (
            items(ctx)
            .filter(
                category=MatterCategory.PERSONNEL,
                meeting__body__in=(MeetingBody.PARTY_COMMITTEE, MeetingBody.JOINT),
            )
            .exclude(meeting__status=MeetingStatus.PREPARING)
            .filter(~Exists(deliberated))
        )
        return item_breaches(self, found, "（干部任免）提交会议前没有酝酿记录。")


def notice_in_time(*, sent_on: date | None, meeting_day: date, days: int) -> bool:
    """Papers reached the members at least `days` days before the meeting day (sent on the day before: 1 day)."""
    return sent_on is not None and sent_on <= meeting_day - timedelta(days=days)


def impromptu_allowed(*, category: str, chair_consented: bool) -> bool:
    """临时动议: only with the chair's consent, and never a 三重一大 matter."""
    return chair_consented and category not in SANZHONG_YIDA_CATEGORIES


@register
class AgendaNotice(Rule):
    code = "AGENDA_NOTICE"
    title = "会议通知和材料提前送达"
    summary = "会议议题和材料至少提前 1 天（制度参数）送达参会人员；会上临时动议须经主持人同意，且不得是三重一大事项。"
    edge = "会议前一天送达：符合；会议当天送达或未登记：违规。临时动议未经主持人同意或属三重一大：违规。"
    source = "school_rules"
    article = "学校党组织议事决策程序"
    quote = "会议议题及有关材料应在会前1天送达参会人员。"
    parameters = ("notice_days",)
    remedy = "请在会前按规定时限送达会议通知和议题材料，并登记送达时间；三重一大事项不得临时动议。"

    def check(self, ctx: Context):
        # Candidates: late under the policy asking the longest notice; then the exact test per policy.
        longest = timedelta(days=ctx.policies.most("notice_days"))
        meetings = (
            ctx.scope(Meeting.objects.filter(body__in=QUORUM_BODIES))
            .exclude(status=MeetingStatus.PREPARING)
            .annotate(sent_on=TruncDate("notice_sent_at"))
            .filter(Q(sent_on__isnull=True) | Q(sent_on__gt=ExpressionWrapper(F("date") - longest, DateField())))
            .values_list("pk", "school_id", "date", "title", "sent_on")
        )
        for pk, school_id, day, title, sent_on in meetings:
            policy = ctx.policies.on(school_id, day)
            if notice_in_time(sent_on=sent_on, meeting_day=day, days=policy.notice_days):
                continue
            state = f"于{sent_on:%Y-%m-%d}送达" if sent_on else "未登记送达时间"
            yield self.breach(
                Meeting,
                pk,
                school_id,
                f"{title}（{day:%Y-%m-%d}）的通知和材料应至少提前 {policy.notice_days} 天送达，{state}。",
                policy=policy,
            )
        impromptu = items(ctx).filter(added_at_meeting=True)
        bad = impromptu.filter(Q(chair_consented=False) | Q(category__in=SANZHONG_YIDA_CATEGORIES))
        yield from item_breaches(self, bad, "为会上临时动议，未经主持人同意或属于三重一大事项。")
