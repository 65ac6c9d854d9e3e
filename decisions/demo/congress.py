"""The 教职工代表大会 of the lead school: fictional staff representatives, and a 教代会 reviewing a matter."""

import random
from datetime import date

from meetings.models import Communication
from schools.choices import Gender, MeetingBody
from schools.models import CommitteeMembership, Person, School

from .base import Pair
from .matters import Matter
from .sessions import Session

TERM_START = date(2023, 9, 1)  # 第三届教代会
REPRESENTATIVES = ("教代会主席团成员、工会主席", *(["教职工代表"] * 8))


def seat_staff_congress(school: School, rng: random.Random) -> None:
    """Nine representatives (codes `<school>-JD01`…) seated in the school's 教代会 for the current term."""
    from schools.demo.data import GIVEN_FEMALE, GIVEN_MALE, SURNAMES  # schools.demo imports this package

    taken = set(Person.objects.values_list("name", flat=True))
    for number, note in enumerate(REPRESENTATIVES, start=1):
        gender = rng.choice((Gender.FEMALE, Gender.MALE))
        given_names = GIVEN_FEMALE if gender == Gender.FEMALE else GIVEN_MALE
        name = rng.choice(SURNAMES) + rng.choice(given_names)
        while name in taken:
            name = rng.choice(SURNAMES) + rng.choice(given_names)
        taken.add(name)
        person = Person.objects.create(code=f"{school.code}-JD{number:02d}", name=name, gender=gender, note=note)
        CommitteeMembership.objects.create(
            person=person, school=school, body=MeetingBody.STAFF_CONGRESS, start=TERM_START
        )


def plan_staff_congress(year, matter: Matter, talk: Communication, day: date, pair: Pair, *, link: bool = True):
    """The 教代会 reviews a matter touching the staff's vital interests before the party meeting decides it; its
    item joins the matter's chain unless `link` is False (a story links it later)."""
    demo = year.demo
    congress = Session(
        demo,
        school=year.school,
        body=MeetingBody.STAFF_CONGRESS,
        day=day,
        number=year.number(MeetingBody.STAFF_CONGRESS, day),
        chair=demo.members(year.school, MeetingBody.STAFF_CONGRESS, day)[0],
        clerk=year.clerk(pair),
        leave=1,
    )
    item = congress.add(
        f"审议《{matter.obj.title}》", matter.obj.category, proposer=pair.principal, talks=[talk], staff=True, abstain=1
    )
    if link:
        matter.on_agenda(item, demo.moment(day, 18))
    congress.finish(pair.secretary_user, sign_after=2)
    return item
