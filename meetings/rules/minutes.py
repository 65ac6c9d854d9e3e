"""Meetings as institutions: minutes signed by the chair in time (MINUTES_LATE) and bodies that meet at least
monthly (MEETING_FREQUENCY)."""

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import DateField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.rules import Context, Rule, register
from core.workdays import CalendarNotCovered, add_working_days
from schools.choices import MeetingBody
from schools.models import School

from ..choices import MeetingStatus
from ..models import Meeting
from .periods import complete_periods


def minutes_due(meeting_day: date, working_days: int) -> date:
    """The last day to sign: the `working_days`-th working day after the meeting (raises CalendarNotCovered)."""
    return add_working_days(meeting_day, working_days)


@register
class MinutesLate(Rule):
    code = "MINUTES_LATE"
    title = "会议纪要按时签发"
    summary = (
        "会议纪要由会议主持人在会后 2 个工作日内（制度参数）审定签发。工作日按国家法定节假日和调休安排计算，"
        "调休上班的周六、周日算工作日。"
    )
    edge = (
        "国庆节前 9 月 30 日开会：10 月 9 日签发是第 2 个工作日，按时；10 月 10 日（调休上班的周六，是工作日）"
        "签发是第 3 个工作日，逾期。"
    )
    source = "school_rules"
    article = "学校校长办公会工作流程；绍兴一中章程 §18"
    quote = "会议纪要……经党委书记签发；会议纪要一般在会后1至2个工作日内印发。"
    parameters = ("minutes_due_working_days",)
    remedy = "请会议主持人尽快审定并签发会议纪要。"

    def check(self, ctx: Context):
        # Working days are never fewer than calendar days: a meeting signed within the shortest limit counted
        # in calendar days is on time under every policy. The rest is checked on the official calendar.
        shortest = timedelta(days=ctx.policies.least("minutes_due_working_days"))
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
            policy = ctx.policies.on(school_id, day)
            try:
                due = minutes_due(day, policy.minutes_due_working_days)
            except CalendarNotCovered as gap:
                ctx.calendar_gaps.add(gap.year)
                continue
            if (signed_on is None and ctx.today > due) or (signed_on is not None and signed_on > due):
                state = f"于{signed_on:%Y-%m-%d}签发" if signed_on else "至今未签发"
                yield self.breach(
                    Meeting,
                    pk,
                    school_id,
                    f"{title}（{day:%Y-%m-%d}）的纪要应于{due:%Y-%m-%d}（第 {policy.minutes_due_working_days} 个"
                    f"工作日）前签发，{state}。",
                    policy=policy,
                )


FREQUENT_BODIES = (MeetingBody.PARTY_COMMITTEE, MeetingBody.PRINCIPAL_OFFICE)


@register
class MeetingFrequency(Rule):
    code = "MEETING_FREQUENCY"
    title = "党组织会议、校长办公会定期召开"
    summary = "党组织会议和校长办公会每月至少各召开一次（制度参数可改为每周）；学校登记之前的月份不检查。"
    edge = "一个自然月内召开过一次（已召开或已定稿）：符合；整月没有：违规。"
    source = "school_rules"
    article = "（绍兴一中章程；党支部委员会会议一般每月召开1次）"
    quote = "党委会议一般每月召开一次……校长办公会议原则上每月召开一次。"
    parameters = ("meeting_period",)
    remedy = "请按制度定期召开党组织会议和校长办公会，并及时登记会议记录。"

    def check(self, ctx: Context):
        periods = complete_periods(ctx.today)
        first_day = min(period.start for period in periods)
        held: dict[tuple[int, str], list[date]] = defaultdict(list)
        meetings = (
            ctx.scope(Meeting.objects.filter(body__in=FREQUENT_BODIES, date__gte=first_day, date__lt=ctx.today))
            .exclude(status=MeetingStatus.PREPARING)
            .values_list("school_id", "body", "date")
            .distinct()
        )
        for school_id, body, day in meetings:
            held[(school_id, body)].append(day)
        for school_id, created_at in ctx.schools().values_list("pk", "created_at"):
            registered = timezone.localdate(created_at)
            for period in periods:
                if period.start < registered:
                    continue
                policy = ctx.policies.on(school_id, period.end)
                if policy.meeting_period != period.kind:
                    continue
                for body in FREQUENT_BODIES:
                    if not period.holds(held[(school_id, body)]):
                        yield self.breach(
                            School,
                            school_id,
                            school_id,
                            f"{period.label}没有召开{MeetingBody(body).label}。",
                            key=f"{body}:{period.key}",
                            policy=policy,
                        )
