"""Rules on the pair: regular 一对一 talks, emergencies told at once, vacancies filled in time."""

from collections import defaultdict
from datetime import date, timedelta

from django.db.models.functions import TruncDate
from django.utils import timezone

from meetings.choices import CommunicationCategory
from meetings.models import Communication
from schools.choices import PRINCIPAL_POSTS, SECRETARY_POSTS, TalkPeriod
from schools.models import Appointment, School
from schools.selectors import pair_people_on

from .base import Context, breach, rule

MONTHS_CHECKED = 12
WEEKS_CHECKED = 12


def _month_starts(today: date, count: int) -> list[date]:
    """The first days of the last `count` complete months, oldest first."""
    starts, year, month = [], today.year, today.month
    for _ in range(count):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        starts.append(date(year, month, 1))
    return starts[::-1]


def _periods(today: date) -> list[tuple[str, str, date, date]]:
    """(kind, key, first day, last day) of the complete months and weeks checked."""
    periods = []
    for start in _month_starts(today, MONTHS_CHECKED):
        end = date(start.year + (start.month == 12), start.month % 12 + 1, 1) - timedelta(days=1)
        periods.append((TalkPeriod.MONTH, f"{start:%Y-%m}", start, end))
    this_monday = today - timedelta(days=today.weekday())
    for weeks_back in range(WEEKS_CHECKED, 0, -1):
        start = this_monday - timedelta(weeks=weeks_back)
        iso = start.isocalendar()
        periods.append((TalkPeriod.WEEK, f"{iso.year}-W{iso.week:02d}", start, start + timedelta(days=6)))
    return periods


@rule("REGULAR_TALK", "书记校长定期一对一深度对话")
def regular_talk(ctx: Context):
    periods = _periods(ctx.today)
    first_day = min(start for _kind, _key, start, _end in periods)
    talk_days: dict[int, list[date]] = defaultdict(list)
    talks = ctx.scope(Communication.objects.all()).filter(
        category=CommunicationCategory.REGULAR_TALK, occurred_at__date__gte=first_day
    )
    # Local dates computed by the database: no datetime parsing nor time-zone conversion per talk in Python.
    for school_id, day in talks.annotate(day=TruncDate("occurred_at")).values_list("school_id", "day"):
        talk_days[school_id].append(day)
    school_ids = list(ctx.schools().values_list("pk", flat=True))
    # Only the two person ids of each pair are needed (vacant or 一肩挑): no model instances, 24 small queries.
    pairs_by_end = {end: pair_people_on(school_ids=school_ids, on=end) for _kind, _key, _start, end in periods}
    for kind, key, start, end in periods:
        for school_id in school_ids:
            if ctx.policies.on(school_id, end).regular_talk_period != kind:
                continue
            secretary, principal = pairs_by_end[end][school_id]
            if secretary is None or principal is None or secretary == principal:
                continue
            if not any(start <= day <= end for day in talk_days[school_id]):
                label = f"{start:%Y年%m月}" if kind == TalkPeriod.MONTH else f"{start:%m月%d日}起的一周"
                yield breach(
                    "REGULAR_TALK", School, school_id, school_id, f"{label}书记校长没有一对一深度对话记录。", key=key
                )


@rule("EMERGENCY_LATE", "突发事件及时沟通")
def emergency_late(ctx: Context):
    emergencies = ctx.scope(Communication.objects.all()).filter(
        category=CommunicationCategory.EMERGENCY, event_at__isnull=False
    )
    for pk, school_id, subject, occurred_at, event_at in emergencies.values_list(
        "pk", "school_id", "subject", "occurred_at", "event_at"
    ):
        hours = ctx.policies.on(school_id, timezone.localdate(event_at)).emergency_log_hours
        if occurred_at - event_at > timedelta(hours=hours):
            delay = (occurred_at - event_at).total_seconds() / 3600
            yield breach(
                "EMERGENCY_LATE",
                Communication,
                pk,
                school_id,
                f"突发事件“{subject}”发生 {delay:.0f} 小时后才沟通登记，超过 {hours} 小时时限。",
            )


def _vacant_since(appointments: list[Appointment], posts, today: date, registered: date) -> date | None:
    """The day a post became vacant (None when filled today); a post never filled counts from registration."""
    holders = [a for a in appointments if a.post in posts]
    if any(a.start <= today and (a.end is None or a.end >= today) for a in holders):
        return None
    ended = [a.end for a in holders if a.end is not None and a.end < today]
    return max(ended) + timedelta(days=1) if ended else registered


@rule("PAIR_VACANCY", "书记校长空缺及时补齐")
def pair_vacancy(ctx: Context):
    by_school: dict[int, list[Appointment]] = defaultdict(list)
    posts = (*SECRETARY_POSTS, *PRINCIPAL_POSTS)
    for appointment in ctx.scope(Appointment.objects.filter(post__in=posts)).only("school_id", "post", "start", "end"):
        by_school[appointment.school_id].append(appointment)
    for school_id, created_at in ctx.schools().values_list("pk", "created_at"):
        registered = timezone.localdate(created_at)
        limit = ctx.policies.on(school_id, ctx.today).vacancy_days
        for key, label, post_set in (("secretary", "书记", SECRETARY_POSTS), ("principal", "校长", PRINCIPAL_POSTS)):
            since = _vacant_since(by_school[school_id], post_set, ctx.today, registered)
            if since is not None and (ctx.today - since).days > limit:
                yield breach(
                    "PAIR_VACANCY",
                    School,
                    school_id,
                    school_id,
                    f"{label}自 {since:%Y-%m-%d} 起空缺已 {(ctx.today - since).days} 天，超过 {limit} 天。",
                    key=key,
                )
