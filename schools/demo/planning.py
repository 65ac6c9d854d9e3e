"""The demo district planned in memory as plain rows (people, appointments, seats) from a fixed seed."""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ..choices import SOLE_POSTS, Gender, MeetingBody, PartyOrgType, Post
from .data import (
    BASELINES,
    CAMPUSES,
    COMBINED_SCHOOL,
    DEPARTMENTS,
    GIVEN_FEMALE,
    GIVEN_MALE,
    GROUP_FOUNDED,
    HANDOVERS,
    LEAD_SCHOOL,
    OTHER_SCHOOL,
    PARTY_COMMITTEE_POSTS,
    PRINCIPAL_OFFICE_POSTS,
    SCHOOLS,
    SURNAMES,
    USER_NAMES,
    VACANCY_SINCE,
    VACANT_SCHOOL,
    SchoolSpec,
)

SEED = 20260901
ONE_DAY = timedelta(days=1)


@dataclass
class _Plan:
    rng: random.Random
    people: list[dict[str, Any]] = field(default_factory=list)
    appointments: list[dict[str, Any]] = field(default_factory=list)
    seats: dict[tuple, dict[str, Any]] = field(default_factory=dict)
    used_names: set[str] = field(default_factory=set)
    current: dict[tuple[str, str], str] = field(default_factory=dict)  # (school, post) -> person in office

    def person(self, note: str = "") -> str:
        gender = self.rng.choice((Gender.FEMALE, Gender.MALE))
        given_names = GIVEN_FEMALE if gender == Gender.FEMALE else GIVEN_MALE
        while True:
            name = self.rng.choice(SURNAMES) + self.rng.choice(given_names)
            if name not in self.used_names:
                break
        self.used_names.add(name)
        code = f"P{len(self.people) + 1:04d}"
        self.people.append({"code": code, "name": name, "gender": gender, "note": note})
        return code

    def appoint(self, person: str, school: str, post: str, start: date, end: date | None = None, note: str = ""):
        self.appointments.append(
            {"person": person, "school": school, "post": post, "start": start, "end": end, "note": note}
        )
        if end is None:
            self.current[(school, post)] = person

    def seat(self, person: str, school: str, body: str, start: date, end: date | None = None) -> None:
        # One person holding two posts (一肩挑) takes one seat, not two.
        self.seats.setdefault(
            (person, school, body, start),
            {"person": person, "school": school, "body": body, "start": start, "end": end},
        )


def _plan_school(
    plan: _Plan,
    spec: SchoolSpec,
    *,
    start: date,
    other_posts: list[str],
    party_size: int,
    office_size: int,
    combined: bool = False,
    principal_post: str = Post.PRINCIPAL,
    handovers: dict[str, date] | None = None,
    principal_leaves: date | None = None,
    reserved_party_seats: int = 0,
) -> None:
    """Appoint a school's pair and leaders, then seat them (and added members) in its two meeting bodies."""
    rng, code, handovers = plan.rng, spec.code, handovers or {}
    secretary = plan.person()
    pair = ((Post.SECRETARY, secretary), (principal_post, secretary if combined else plan.person()))
    for post, first in pair:
        if post in handovers:
            last_day = handovers[post]
            holders = [(first, start, last_day), (plan.person(), last_day + ONE_DAY, None)]
        elif post == principal_post and principal_leaves is not None:
            holders = [(first, start, principal_leaves)]
        else:
            holders = [(first, start, None)]
        for person, begin, end in holders:
            if end is None:
                note = "接任" if begin != start else ""
            else:
                note = "调任" if post in handovers else "调任，继任人选待定"
            plan.appoint(person, code, post, begin, end, note)
            for body in (MeetingBody.PARTY_COMMITTEE, MeetingBody.PRINCIPAL_OFFICE):
                plan.seat(person, code, body, begin, end)

    pair_seats = 1 if combined else 2
    party_members, office_members = pair_seats + reserved_party_seats, pair_seats
    first_deputy = True
    for post in other_posts:
        person = plan.person()
        plan.appoint(person, code, post, start)
        in_party = post in PARTY_COMMITTEE_POSTS or (post == Post.DEPUTY_PRINCIPAL and first_deputy)
        if post == Post.DEPUTY_PRINCIPAL:
            first_deputy = False
        if in_party:
            plan.seat(person, code, MeetingBody.PARTY_COMMITTEE, start)
            party_members += 1
        if post in PRINCIPAL_OFFICE_POSTS:
            plan.seat(person, code, MeetingBody.PRINCIPAL_OFFICE, start)
            office_members += 1

    departments = iter(rng.sample(DEPARTMENTS, len(DEPARTMENTS)))
    for _ in range(party_size - party_members):
        plan.seat(plan.person(f"党组织委员、{next(departments)}"), code, MeetingBody.PARTY_COMMITTEE, start)
    for _ in range(office_size - office_members):
        plan.seat(plan.person(next(departments)), code, MeetingBody.PRINCIPAL_OFFICE, start)


def _other_posts(rng: random.Random, org_type: str) -> list[str]:
    """The 2-4 school leaders besides the pair, by the size of the party organisation."""
    if org_type == PartyOrgType.COMMITTEE:
        posts = [Post.DEPUTY_SECRETARY, Post.DEPUTY_PRINCIPAL, Post.DISCIPLINE_SECRETARY]
        if rng.random() < 0.6:
            posts.insert(2, Post.DEPUTY_PRINCIPAL)
        return posts
    posts = [Post.DEPUTY_PRINCIPAL, Post.COMMITTEE_MEMBER]
    if org_type == PartyOrgType.GENERAL_BRANCH:
        posts.append(rng.choice((Post.DEPUTY_PRINCIPAL, Post.UNION_CHAIR, Post.DEPUTY_SECRETARY)))
    elif rng.random() < 0.4:
        posts.append(Post.UNION_CHAIR)
    return posts


def _body_sizes(rng: random.Random, org_type: str) -> tuple[int, int]:
    """(党组织会议, 校长办公会) sizes: 5-7 and 5-8 members."""
    if org_type == PartyOrgType.COMMITTEE:
        return 7, rng.choice((7, 8))
    if org_type == PartyOrgType.GENERAL_BRANCH:
        return rng.choice((5, 6, 7)), rng.choice((5, 6))
    return 5, rng.choice((5, 6))


def build_plan(seed: int = SEED) -> _Plan:
    """The whole demo district as plain rows; the same seed always gives the same rows."""
    plan = _Plan(rng=random.Random(seed))  # noqa: S311 - demo data, not security
    rng = plan.rng
    for surname, given in USER_NAMES.values():
        plan.used_names.add(surname + given)

    # About a third of the schools changed their 书记 or 校长 in 2023/2024 (the lead school among them).
    ordinary = [s.code for s in SCHOOLS if s.code not in {LEAD_SCHOOL, OTHER_SCHOOL, COMBINED_SCHOOL, VACANT_SCHOOL}]
    changed = {LEAD_SCHOOL, *rng.sample(ordinary, len(SCHOOLS) // 3 - 1)}

    for spec in SCHOOLS:
        start = date(2019, 9, 1) if spec.code == LEAD_SCHOOL else rng.choice(BASELINES)
        handovers: dict[str, date] = {}
        if spec.code == LEAD_SCHOOL:
            handovers[Post.PRINCIPAL] = date(2024, 8, 31)
        elif spec.code in changed:
            posts = [Post.SECRETARY, Post.PRINCIPAL] if rng.random() < 0.2 else [rng.choice(SOLE_POSTS)]
            for post, last_day in zip(posts, rng.sample(HANDOVERS, len(posts)), strict=True):
                handovers[post] = last_day
        party_size, office_size = _body_sizes(rng, spec.party_org_type)
        if spec.code == VACANT_SCHOOL:  # still at least five members once the principal has left
            party_size, office_size = party_size + 1, office_size + 1
        _plan_school(
            plan,
            spec,
            start=start,
            other_posts=_other_posts(rng, spec.party_org_type),
            party_size=party_size,
            office_size=office_size,
            combined=spec.code == COMBINED_SCHOOL,
            handovers=handovers,
            principal_leaves=VACANCY_SINCE - ONE_DAY if spec.code == VACANT_SCHOOL else None,
            reserved_party_seats=len(CAMPUSES) if spec.code == LEAD_SCHOOL else 0,
        )

    for spec in CAMPUSES:
        _plan_school(
            plan,
            spec,
            start=GROUP_FOUNDED,
            other_posts=[Post.DEPUTY_PRINCIPAL, Post.COMMITTEE_MEMBER],
            party_size=5,
            office_size=5,
            combined=True,
            principal_post=Post.EXECUTIVE_PRINCIPAL,
        )
        # 雁阵管理: each campus head sits on the lead school's 党委.
        head = plan.current[(spec.code, Post.EXECUTIVE_PRINCIPAL)]
        plan.seat(head, LEAD_SCHOOL, MeetingBody.PARTY_COMMITTEE, GROUP_FOUNDED)
    return plan
