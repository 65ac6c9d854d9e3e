"""The pair's habits: a weekly 日常沟通 and a monthly 一对一深度对话 (REGULAR_TALK), emergencies told at once
(EMERGENCY_LATE)."""

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.rules import Context, Rule, register
from schools.choices import PRINCIPAL_POSTS, SECRETARY_POSTS
from schools.models import Appointment, School
from schools.selectors import IN_LIST_MAX, PAIR_POSTS

from ..choices import ROUTINE_TALK_CATEGORIES, CommunicationCategory
from ..models import Communication
from .periods import complete_periods

# (key prefix, policy field, categories that count, what is missing)
TALK_KINDS = (
    ("daily", "daily_talk_period", ROUTINE_TALK_CATEGORIES, "日常沟通"),
    ("deep", "regular_talk_period", (CommunicationCategory.REGULAR_TALK,), "一对一深度对话"),
)


Pair = tuple[int | None, int | None]  # (secretary id, principal id)


def pair_people_on_days(*, school_ids: list[int], days: list[date]) -> dict[date, dict[int, Pair]]:
    """`schools.selectors.pair_people_on` for each of several days, from one query: the 书记 / 校长 appointments
    in force on any of them, picked on each day as it picks them (per post the earliest start, then the lowest
    id; 书记, then 校长 before 执行校长)."""
    if not days:
        return {}
    rows = Appointment.objects.filter(post__in=PAIR_POSTS, start__lte=max(days)).filter(
        Q(end__isnull=True) | Q(end__gte=min(days))
    )
    wanted = set(school_ids)
    if len(wanted) <= IN_LIST_MAX:
        rows = rows.filter(school_id__in=wanted)
    held = [
        row
        for row in rows.order_by("start", "pk").values_list("school_id", "post", "person_id", "start", "end")
        if row[0] in wanted
    ]

    def pick(first: dict[str, int], posts) -> int | None:
        return next((first[post] for post in posts if post in first), None)

    pairs = {}
    for day in days:
        first: dict[int, dict[str, int]] = defaultdict(dict)
        for school_id, post, person_id, start, end in held:
            if start <= day and (end is None or end >= day):
                first[school_id].setdefault(post, person_id)
        pairs[day] = {
            school_id: (pick(first[school_id], SECRETARY_POSTS), pick(first[school_id], PRINCIPAL_POSTS))
            for school_id in school_ids
        }
    return pairs


@register
class RegularTalk(Rule):
    code = "REGULAR_TALK"
    title = "书记校长定期沟通"
    summary = (
        "书记和校长每周至少开展一次日常沟通、每月至少开展一次一对一深度对话（频次见制度参数）；"
        "深度对话也算当周的日常沟通。一肩挑或书记、校长空缺的时段不检查。"
    )
    edge = "一周（周一至周日）内有一次日常沟通：符合；整周没有：违规。整月没有深度对话：违规。"
    source = "talk_rules"
    quote = "书记和校长每周沟通不少于1次……每月开展谈心谈话不少于1次。"
    parameters = ("daily_talk_period", "regular_talk_period")
    remedy = "请书记校长按制度要求开展日常沟通和一对一深度对话，并及时登记沟通记录。"

    def check(self, ctx: Context):
        periods = complete_periods(ctx.today)
        first_day = min(period.start for period in periods)
        talks = ctx.scope(Communication.objects.all()).filter(
            category__in=ROUTINE_TALK_CATEGORIES, occurred_at__date__gte=first_day
        )
        days: dict[tuple[int, str], list[date]] = defaultdict(list)
        # Local dates computed by the database: no time-zone conversion per talk in Python.
        for school_id, category, day in talks.annotate(day=TruncDate("occurred_at")).values_list(
            "school_id", "category", "day"
        ):
            for prefix, _field, categories, _label in TALK_KINDS:
                if category in categories:
                    days[(school_id, prefix)].append(day)
        school_ids = list(ctx.schools().values_list("pk", flat=True))
        pairs_by_end = pair_people_on_days(school_ids=school_ids, days=[period.end for period in periods])
        for period in periods:
            for school_id in school_ids:
                secretary, principal = pairs_by_end[period.end][school_id]
                if secretary is None or principal is None or secretary == principal:
                    continue
                policy = ctx.policies.on(school_id, period.end)
                for prefix, field, _categories, missing in TALK_KINDS:
                    if getattr(policy, field) == period.kind and not period.holds(days[(school_id, prefix)]):
                        yield self.breach(
                            School,
                            school_id,
                            school_id,
                            f"{period.label}书记校长没有{missing}记录。",
                            key=f"{prefix}:{period.key}",
                            policy=policy,
                        )


@register
class EmergencyLate(Rule):
    code = "EMERGENCY_LATE"
    title = "突发事件及时沟通"
    summary = "突发事件发生后，书记和校长须在规定时限内（默认 24 小时）沟通并登记。"
    edge = "事件发生后恰好 24 小时登记：符合；超过 24 小时：违规。"
    source = "seed"
    quote = "四沟通：……突发事件紧急及时沟通。"
    parameters = ("emergency_log_hours",)
    remedy = "突发事件发生后请书记校长立即沟通，并在规定时限内登记沟通记录。"

    def check(self, ctx: Context):
        emergencies = ctx.scope(Communication.objects.all()).filter(
            category=CommunicationCategory.EMERGENCY, event_at__isnull=False
        )
        for pk, school_id, subject, occurred_at, event_at in emergencies.values_list(
            "pk", "school_id", "subject", "occurred_at", "event_at"
        ):
            policy = ctx.policies.on(school_id, timezone.localdate(event_at))
            hours = policy.emergency_log_hours
            if occurred_at - event_at > timedelta(hours=hours):
                delay = (occurred_at - event_at).total_seconds() / 3600
                yield self.breach(
                    Communication,
                    pk,
                    school_id,
                    f"突发事件“{subject}”发生 {delay:.0f} 小时后才沟通登记，超过 {hours} 小时时限。",
                    policy=policy,
                )
