"""What every part of the demo year shares: the simulated clock, the calendar, who held which post when, the
pair accounts, the bulk `Ledger` of routine rows and the `stories` (service steps replayed afterwards)."""

import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core.history import note_history
from core.models import Role, User
from core.workdays import CalendarNotCovered, add_working_days, is_working_day
from schools.choices import PRINCIPAL_POSTS, SECRETARY_POSTS
from schools.models import Appointment, CommitteeMembership, Person, School

from ..rules import run_rules
from .ledger import REASON, Ledger

SEED = 20261125
ONE_DAY = timedelta(days=1)


@contextmanager
def clock(moment: datetime) -> Iterator[None]:
    """Run the block as if it were `moment` (which must not be in the real future)."""
    original = timezone.now
    if moment > original():
        raise ValueError(f"演示数据不能写入未来的时间：{moment:%Y-%m-%d %H:%M}")
    timezone.now = lambda: moment
    try:
        yield
    finally:
        timezone.now = original


def month_start(today: date, offset: int) -> date:
    """The first day of the month `offset` months from today's month (offset <= 0)."""
    index = today.year * 12 + today.month - 1 + offset
    return date(index // 12, index % 12 + 1, 1)


def school_day(day: date) -> bool:
    """A weekday that is a working day on China's official calendar (a weekday outside it: Monday to Friday)."""
    if day.weekday() >= 5:
        return False
    try:
        return is_working_day(day)
    except CalendarNotCovered:
        return True


def workday(day: date) -> date:
    """The day itself, or the next weekday that is not a public holiday."""
    while not school_day(day):
        day += ONE_DAY
    return day


def workday_before(day: date) -> date:
    """The day itself, or the last weekday before it that is not a public holiday."""
    while not school_day(day):
        day -= ONE_DAY
    return day


def working_days_after(day: date, count: int) -> date:
    """The `count`-th working day after `day` on the official calendar (calendar days where it is not covered)."""
    try:
        return add_working_days(day, count)
    except CalendarNotCovered:
        return day + timedelta(days=count)


def month_label(day: date) -> str:
    return f"{day.year}年{day.month}月"


@dataclass(frozen=True)
class Pair:
    school: School
    secretary: Person
    principal: Person
    secretary_user: User
    principal_user: User


@dataclass
class Demo:
    """Today, a seeded random source, the people in office and their accounts, the ledger and the stories."""

    today: date
    admin: User
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))  # noqa: S311 - demo data
    ledger: Ledger = field(default_factory=Ledger)
    stories: list[tuple[datetime, int, Callable[[], None]]] = field(default_factory=list)
    accounts: dict[int, User] = field(default_factory=dict)
    created_accounts: list[User] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.posts: dict[int, list[Appointment]] = defaultdict(list)
        for appointment in Appointment.objects.filter(post__in=(*SECRETARY_POSTS, *PRINCIPAL_POSTS)).select_related(
            "person"
        ):
            self.posts[appointment.school_id].append(appointment)
        self.seats: dict[tuple[int, str], list[CommitteeMembership]] = defaultdict(list)
        for seat in CommitteeMembership.objects.select_related("person").order_by("person__code"):
            self.seats[(seat.school_id, seat.body)].append(seat)
        self.accounts = {user.person_id: user for user in User.objects.filter(person__isnull=False)}
        clerks = User.objects.filter(role=Role.CLERK, is_active=True, school__isnull=False).order_by("-pk")
        self.clerks = {user.school_id: user for user in clerks}

    # --- Calendar and clock -------------------------------------------------------------------------
    def moment(self, day: date, hour: int = 9, minute: int = 0) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(hour, minute)))

    def at(self, day: date, hour: int = 9, minute: int = 0):
        """The clock set to `day` at `hour:minute`."""
        return clock(self.moment(day, hour, minute))

    def is_past(self, day: date) -> bool:
        return day < self.today

    # --- People -------------------------------------------------------------------------------------
    def holder(self, school: School, posts, on: date) -> Person | None:
        """Who held one of `posts` on a date (as `schools.selectors.pairs_on` picks it)."""
        for post in posts:
            held = sorted(
                (
                    a
                    for a in self.posts[school.pk]
                    if a.post == post and a.start <= on and (a.end is None or a.end >= on)
                ),
                key=lambda a: (a.start, a.pk),
            )
            if held:
                return held[0].person
        return None

    def pair(self, school: School, on: date) -> Pair | None:
        """The two-person pair in office on a date with their accounts, or None (vacant, 一肩挑)."""
        secretary, principal = self.holder(school, SECRETARY_POSTS, on), self.holder(school, PRINCIPAL_POSTS, on)
        if secretary is None or principal is None or secretary.pk == principal.pk:
            return None
        return Pair(school, secretary, principal, self.accounts[secretary.pk], self.accounts[principal.pk])

    def members(self, school: School, body: str, on: date) -> list[Person]:
        """The expected (应到) members of a body on a date, as `memberships_on` lists them."""
        return [s.person for s in self.seats[(school.pk, body)] if s.start <= on and (s.end is None or s.end >= on)]

    def open_accounts(self, schools: list[School], days: list[date]) -> None:
        """Fictional accounts `sec_<code>` / `pri_<code>` (no usable password) for every pair member who has
        none, so that each can log, confirm and sign; created in one go with their history."""
        new: list[User] = []
        taken = set(User.objects.values_list("username", flat=True))
        for school in schools:
            for day in days:
                secretary = self.holder(school, SECRETARY_POSTS, day)
                principal = self.holder(school, PRINCIPAL_POSTS, day)
                if secretary is None or principal is None or secretary.pk == principal.pk:
                    continue  # no two-person pair that day: nobody to talk with
                for person, role, prefix in ((secretary, Role.SECRETARY, "sec"), (principal, Role.PRINCIPAL, "pri")):
                    if person.pk in self.accounts:
                        continue
                    username = f"{prefix}_{school.code}"
                    username = username if username not in taken else f"{username}_{person.code}"
                    taken.add(username)
                    user = User(
                        username=username,
                        role=role,
                        school=school,
                        person=person,
                        last_name=person.name[:1],
                        first_name=person.name[1:],
                        date_joined=self.moment(day, 8),
                    )
                    user.set_unusable_password()
                    note_history(user, at=user.date_joined)
                    self.accounts[person.pk] = user
                    new.append(user)
        bulk_create_with_history(new, User, default_change_reason=REASON)
        self.created_accounts.extend(new)

    def retire_departed_accounts(self) -> None:
        """The fictional accounts of pair members who have left office are switched off."""
        for user in self.created_accounts:
            posts = SECRETARY_POSTS if user.role == Role.SECRETARY else PRINCIPAL_POSTS
            holder = self.holder(user.school, posts, self.today)
            if holder is None or holder.pk != user.person_id:
                ends = [a.end for a in self.posts[user.school_id] if a.person_id == user.person_id and a.end]
                user.is_active = False
                note_history(user, reason="离任后账号停用")
                with self.at(max(ends, default=self.today - ONE_DAY) + ONE_DAY, 9):
                    user.save(update_fields=["is_active"])

    # --- Stories ------------------------------------------------------------------------------------
    def story(self, when: datetime, step: Callable[[], None]) -> None:
        """A service step replayed (in time order) once the routine rows are written."""
        self.stories.append((when, len(self.stories), step))

    def check(self, school: School, day: date, hour: int, *codes: str) -> None:
        """The nightly compliance check of one school as it ran that day."""
        with self.at(day, hour):
            run_rules(codes=list(codes), school_ids=[school.pk])

    def replay(self) -> None:
        self.ledger.write()
        for _when, _order, step in sorted(self.stories, key=lambda s: (s[0], s[1])):
            step()
