"""Scoped reads of schools and people, and the secretary–principal pair derived from appointments."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from core.models import User
from core.scope import restrict

from .choices import PRINCIPAL_POSTS, SECRETARY_POSTS, MeetingBody, Post
from .models import Appointment, CommitteeMembership, Person, Policy, School

PAIR_POSTS = (*SECRETARY_POSTS, *PRINCIPAL_POSTS)
IN_LIST_MAX = 500  # ids beyond which a query reads all rows instead of sending the ids


@dataclass(frozen=True)
class LeadershipPair:
    """书记校长搭档 of one school over one period (`end` None = still in office)."""

    school_id: int
    secretary: Person | None
    principal: Person | None
    start: date | None = None
    end: date | None = None
    principal_post: str = Post.PRINCIPAL

    @property
    def is_combined(self) -> bool:
        """一肩挑: one person holds both posts."""
        return self.secretary is not None and self.principal is not None and self.secretary.pk == self.principal.pk

    @property
    def is_vacant(self) -> bool:
        return self.secretary is None or self.principal is None

    @property
    def vacancy_label(self) -> str:
        if self.secretary is None and self.principal is None:
            return "书记、校长均空缺"
        if self.secretary is None:
            return "书记空缺"
        if self.principal is None:
            return "校长空缺"
        return ""

    @property
    def principal_post_label(self) -> str:
        return Post(self.principal_post).label

    def key(self) -> tuple[int | None, int | None, str]:
        return (
            self.secretary.pk if self.secretary else None,
            self.principal.pk if self.principal else None,
            self.principal_post,
        )


# --- Schools and people -----------------------------------------------------------------------------
def school_list(*, user: User) -> QuerySet[School]:
    return restrict(School.objects.select_related("district", "group", "parent"), user, "")


def school_detail_queryset(*, user: User) -> QuerySet[School]:
    """Schools in scope with `has_campuses` (most schools have none: their page needs no query for them)."""
    return school_list(user=user).annotate(has_campuses=has_campuses())


def has_campuses() -> RawSQL:
    """Whether each school of a school queryset has 校区 / 分校. Written out in SQL: Django's `Exists()` took
    longer to compile (≈ 0.3 ms) than the school page's query takes to run."""
    sql = 'EXISTS (SELECT 1 FROM "schools_school" campus WHERE campus."parent_id" = "schools_school"."id")'
    return RawSQL(sql, (), output_field=BooleanField())  # noqa: S611  (a constant, no parameters)


def campuses_of(*, school: School) -> list[School]:
    """The school's 校区 / 分校 (none without a query when `has_campuses` says so)."""
    if getattr(school, "has_campuses", True) is False:
        return []
    return list(school.campuses.order_by("code"))


def person_list(*, user: User) -> QuerySet[Person]:
    """People holding, or having held, a post or a membership in a school the user may see."""
    if user.is_authenticated and user.is_active and user.is_district:
        return Person.objects.all()
    schools = restrict(School.objects.all(), user, "").values("pk")
    return Person.objects.filter(
        Q(pk__in=Appointment.objects.filter(school__in=schools).values("person_id"))
        | Q(pk__in=CommitteeMembership.objects.filter(school__in=schools).values("person_id"))
    )


def appointment_list(*, user: User) -> QuerySet[Appointment]:
    return restrict(Appointment.objects.select_related("person", "school"), user)


def membership_list(*, user: User) -> QuerySet[CommitteeMembership]:
    return restrict(CommitteeMembership.objects.select_related("person", "school"), user)


def memberships_on(*, school: School, body: str, on: date) -> QuerySet[CommitteeMembership]:
    """The expected (应到) members of a school's meeting body on a date."""
    return (
        CommitteeMembership.objects.filter(school=school, body=body, start__lte=on)
        .filter(Q(end__isnull=True) | Q(end__gte=on))
        .select_related("person")
        .order_by("person__code")
    )


class MemberOnDay(NamedTuple):
    """A row of a school's expected (应到) meeting members on a day."""

    body_label: str
    person_id: int
    person_name: str
    start: date


def memberships_on_school(*, school: School, on: date) -> list[MemberOnDay]:
    """Everyone expected at any of the school's meeting bodies on a date, by body then person code (rows, not
    model instances: the school page lists about twenty)."""
    labels = dict(MeetingBody.choices)
    rows = (
        CommitteeMembership.objects.filter(_active_on(on), school=school)
        .order_by("body", "person__code")
        .values_list("body", "person_id", "person__name", "start")
    )
    return [MemberOnDay(labels.get(body, body), person_id, name, start) for body, person_id, name, start in rows]


# --- Pairs ------------------------------------------------------------------------------------------
def _active_on(on: date) -> Q:
    return Q(start__lte=on) & (Q(end__isnull=True) | Q(end__gte=on))


def _in_office(appointment: Appointment, on: date) -> bool:
    """`_active_on` for a loaded appointment."""
    return appointment.start <= on and (appointment.end is None or appointment.end >= on)


def _pick(holders: list[Appointment], posts: Iterable[str]) -> Appointment | None:
    """The holder of the first post in `posts` order (校长 before 执行校长), earliest start first."""
    for post in posts:
        matching = sorted((a for a in holders if a.post == post), key=lambda a: (a.start, a.pk))
        if matching:
            return matching[0]
    return None


def _pair_from(school_id: int, holders: list[Appointment], start=None, end=None) -> LeadershipPair:
    secretary = _pick(holders, SECRETARY_POSTS)
    principal = _pick(holders, PRINCIPAL_POSTS)
    return LeadershipPair(
        school_id=school_id,
        secretary=secretary.person if secretary else None,
        principal=principal.person if principal else None,
        start=start,
        end=end,
        principal_post=principal.post if principal else Post.PRINCIPAL,
    )


def pairs_on(*, schools: Iterable[School] | QuerySet[School], on: date) -> dict[int, LeadershipPair]:
    """Each school's pair on a date, in one query for the appointments whatever the number of schools."""
    if isinstance(schools, QuerySet):
        school_ids = list(schools.values_list("pk", flat=True))
    else:
        school_ids = [school.pk for school in schools]
    appointments = Appointment.objects.filter(
        _active_on(on), post__in=PAIR_POSTS, school_id__in=school_ids
    ).select_related("person")
    by_school: dict[int, list[Appointment]] = defaultdict(list)
    for appointment in appointments:
        by_school[appointment.school_id].append(appointment)
    return {school_id: _pair_from(school_id, by_school.get(school_id, [])) for school_id in school_ids}


def pair_people_on(*, school_ids: list[int], on: date) -> dict[int, tuple[int | None, int | None]]:
    """(secretary id, principal id) of each school's pair on a date, as `pairs_on` picks them, without loading
    appointments or people: one query of three columns (the dashboards count vacancies and 一肩挑 with it)."""
    rows = Appointment.objects.filter(_active_on(on), post__in=PAIR_POSTS)
    wanted = set(school_ids)
    if len(wanted) <= IN_LIST_MAX:
        rows = rows.filter(school_id__in=wanted)
    # else: every school's pair (a few thousand rows) and keep the wanted ones here — cheaper than a query
    # carrying thousands of ids
    first: dict[int, dict[str, int]] = defaultdict(dict)
    for school_id, post, person_id in rows.order_by("start", "pk").values_list("school_id", "post", "person_id"):
        if school_id in wanted:
            first[school_id].setdefault(post, person_id)

    def pick(held: dict[str, int], posts) -> int | None:
        return next((held[post] for post in posts if post in held), None)

    return {
        school_id: (pick(first.get(school_id, {}), SECRETARY_POSTS), pick(first.get(school_id, {}), PRINCIPAL_POSTS))
        for school_id in school_ids
    }


def pair_on(*, school: School, on: date) -> LeadershipPair:
    return pairs_on(schools=[school], on=on)[school.pk]


@dataclass(frozen=True)
class SchoolLeadership:
    """What a school's pages show of its leadership: the pair on a day, the pairs over time (newest first) and
    every appointment (newest first)."""

    pair: LeadershipPair
    pair_history: list[LeadershipPair]
    appointments: list[Appointment]


def school_leadership(*, school: School, on: date) -> SchoolLeadership:
    """`pair_on`, `pair_history` (reversed) and the school's appointments from one query."""
    appointments = list(Appointment.objects.filter(school=school).select_related("person").order_by("start", "pk"))
    pair_posts = [a for a in appointments if a.post in PAIR_POSTS]
    holders = [a for a in pair_posts if _in_office(a, on)]
    return SchoolLeadership(
        pair=_pair_from(school.pk, holders),
        pair_history=list(reversed(pair_history(school=school, appointments=pair_posts))),
        appointments=sorted(appointments, key=lambda a: a.start, reverse=True),
    )


def pair_history(*, school: School, appointments: list[Appointment] | None = None) -> list[LeadershipPair]:
    """The school's pairs over time, oldest first, vacancies included, adjacent equal periods merged.
    `appointments`: the school's 书记 / 校长 appointments (with their people) when already loaded."""
    if appointments is None:
        appointments = list(
            Appointment.objects.filter(school=school, post__in=PAIR_POSTS).select_related("person").order_by("start")
        )
    if not appointments:
        return []
    boundaries = sorted(
        {a.start for a in appointments} | {a.end + timedelta(days=1) for a in appointments if a.end is not None}
    )
    periods: list[LeadershipPair] = []
    for index, period_start in enumerate(boundaries):
        period_end = boundaries[index + 1] - timedelta(days=1) if index + 1 < len(boundaries) else None
        holders = [a for a in appointments if _in_office(a, period_start)]
        pair = _pair_from(school.pk, holders, period_start, period_end)
        if periods and periods[-1].key() == pair.key():
            last = periods.pop()
            pair = LeadershipPair(
                school_id=school.pk,
                secretary=last.secretary,
                principal=last.principal,
                start=last.start,
                end=period_end,
                principal_post=last.principal_post,
            )
        periods.append(pair)
    # A trailing period in which nobody holds either post stays: it is an open vacancy.
    return periods


# --- Policy -----------------------------------------------------------------------------------------
def policy_in_force(*, school: School, on: date) -> Policy:
    """The rule parameters for a school on a date: the school's own policy first, then the district's."""
    candidates = list(
        Policy.objects.filter(Q(school=school) | Q(school__isnull=True), effective_from__lte=on).order_by(
            "-effective_from"
        )
    )
    own = [p for p in candidates if p.school_id == school.pk]
    if own:
        return own[0]
    district = [p for p in candidates if p.school_id is None]
    return district[0] if district else Policy(effective_from=on)
