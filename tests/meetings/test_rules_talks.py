"""REGULAR_TALK reads each period's pair from one query (`pair_people_on_days`): on every day, the same pair as
`schools.selectors.pair_people_on` picks."""

from datetime import date, timedelta

import pytest

from meetings.rules.talks import pair_people_on_days
from schools.choices import Post
from schools.selectors import pair_people_on
from tests.factories import AppointmentFactory, PersonFactory, SchoolFactory

D = date


@pytest.fixture
def schools(db):
    changing = SchoolFactory()  # secretary changes mid-year, principal gap then an executive principal
    AppointmentFactory(school=changing, post=Post.SECRETARY, start=D(2020, 9, 1), end=D(2026, 3, 31))
    AppointmentFactory(school=changing, post=Post.SECRETARY, start=D(2026, 4, 1))
    AppointmentFactory(school=changing, post=Post.PRINCIPAL, start=D(2021, 9, 1), end=D(2026, 6, 15))
    AppointmentFactory(school=changing, post=Post.EXECUTIVE_PRINCIPAL, start=D(2026, 7, 1))
    AppointmentFactory(school=changing, post=Post.DEPUTY_PRINCIPAL, start=D(2020, 9, 1))  # not of the pair
    combined = SchoolFactory()  # 一肩挑, and two principals overlapping for a week (the earlier start wins)
    both = PersonFactory()
    AppointmentFactory(school=combined, person=both, post=Post.SECRETARY, start=D(2025, 1, 1))
    AppointmentFactory(school=combined, person=both, post=Post.PRINCIPAL, start=D(2025, 1, 1), end=D(2026, 5, 7))
    AppointmentFactory(school=combined, post=Post.PRINCIPAL, start=D(2026, 5, 1))
    both_posts = SchoolFactory()  # a principal and an executive principal at once: the principal is of the pair
    AppointmentFactory(school=both_posts, post=Post.EXECUTIVE_PRINCIPAL, start=D(2024, 1, 1))
    AppointmentFactory(school=both_posts, post=Post.PRINCIPAL, start=D(2025, 1, 1))
    empty = SchoolFactory()  # nobody
    return [changing.pk, combined.pk, both_posts.pk, empty.pk]


def test_every_day_the_pair_that_pair_people_on_picks(schools):
    days = [D(2025, 12, 31) + timedelta(days=n) for n in range(0, 366, 3)]
    days += [D(2026, 3, 31), D(2026, 4, 1), D(2026, 5, 1), D(2026, 5, 7), D(2026, 5, 8), D(2026, 6, 15), D(2026, 7, 1)]

    pairs = pair_people_on_days(school_ids=schools, days=days)

    assert set(pairs) == set(days)
    for day in days:
        assert pairs[day] == pair_people_on(school_ids=schools, on=day), day


def test_a_subset_of_the_schools(schools):
    day = D(2026, 8, 1)

    expected = pair_people_on(school_ids=schools[:1], on=day)

    assert pair_people_on_days(school_ids=schools[:1], days=[day]) == {day: expected}


def test_no_day():
    assert pair_people_on_days(school_ids=[1], days=[]) == {}
