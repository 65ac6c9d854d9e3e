"""The secretary–principal pair derived from appointments: normal, 一肩挑, vacancy, change of post."""

import datetime

import pytest

from schools.choices import Post
from schools.selectors import pair_history, pair_on, pairs_on, policy_in_force, school_leadership
from tests.factories import AppointmentFactory, PersonFactory, PolicyFactory, SchoolFactory

D = datetime.date


@pytest.fixture
def school(db):
    return SchoolFactory()


def test_normal_pair(school):
    secretary = AppointmentFactory(school=school, post=Post.SECRETARY, start=D(2022, 1, 1)).person
    principal = AppointmentFactory(school=school, post=Post.PRINCIPAL, start=D(2022, 3, 1)).person
    AppointmentFactory(school=school, post=Post.DEPUTY_PRINCIPAL, start=D(2022, 1, 1))

    pair = pair_on(school=school, on=D(2024, 5, 1))

    assert (pair.secretary, pair.principal) == (secretary, principal)
    assert not pair.is_combined
    assert not pair.is_vacant


def test_combined_posts_are_yijiantiao(school):
    person = PersonFactory()
    AppointmentFactory(school=school, person=person, post=Post.SECRETARY, start=D(2022, 1, 1))
    AppointmentFactory(school=school, person=person, post=Post.PRINCIPAL, start=D(2022, 1, 1))

    pair = pair_on(school=school, on=D(2023, 1, 1))

    assert pair.is_combined
    assert pair.secretary == pair.principal == person


def test_vacancy_after_principal_leaves(school):
    AppointmentFactory(school=school, post=Post.SECRETARY, start=D(2022, 1, 1))
    AppointmentFactory(school=school, post=Post.PRINCIPAL, start=D(2022, 1, 1), end=D(2024, 6, 30))

    assert not pair_on(school=school, on=D(2024, 6, 30)).is_vacant
    pair = pair_on(school=school, on=D(2024, 7, 1))
    assert pair.is_vacant
    assert pair.principal is None
    assert pair.vacancy_label == "校长空缺"


def test_school_without_appointments_is_fully_vacant(school):
    pair = pair_on(school=school, on=D(2024, 1, 1))
    assert pair.vacancy_label == "书记、校长均空缺"
    assert pair_history(school=school) == []


def test_executive_principal_counts_when_no_principal(school):
    person = PersonFactory()
    AppointmentFactory(school=school, person=person, post=Post.SECRETARY, start=D(2022, 1, 1))
    AppointmentFactory(school=school, person=person, post=Post.EXECUTIVE_PRINCIPAL, start=D(2022, 1, 1))

    pair = pair_on(school=school, on=D(2023, 1, 1))

    assert pair.is_combined
    assert pair.principal_post_label == "执行校长"


def _change_of_post(school):
    """甲 and 乙 lead until 2023-08-31; 乙 becomes secretary on 09-01; the deputy 丙 becomes principal on 10-01."""
    old_secretary, old_principal, deputy = PersonFactory(name="甲"), PersonFactory(name="乙"), PersonFactory(name="丙")
    AppointmentFactory(
        school=school, person=old_secretary, post=Post.SECRETARY, start=D(2020, 1, 1), end=D(2023, 8, 31)
    )
    AppointmentFactory(
        school=school, person=old_principal, post=Post.PRINCIPAL, start=D(2020, 1, 1), end=D(2023, 8, 31)
    )
    AppointmentFactory(school=school, person=old_principal, post=Post.SECRETARY, start=D(2023, 9, 1))
    AppointmentFactory(
        school=school, person=deputy, post=Post.DEPUTY_PRINCIPAL, start=D(2020, 1, 1), end=D(2023, 9, 30)
    )
    AppointmentFactory(school=school, person=deputy, post=Post.PRINCIPAL, start=D(2023, 10, 1))
    return old_secretary, old_principal, deputy


def test_change_of_post_and_history(school):
    """A deputy becomes principal; the old principal becomes secretary: history shows three periods."""
    old_secretary, old_principal, deputy = _change_of_post(school)

    history = pair_history(school=school)

    assert [(p.start, p.end, p.secretary, p.principal) for p in history] == [
        (D(2020, 1, 1), D(2023, 8, 31), old_secretary, old_principal),
        (D(2023, 9, 1), D(2023, 9, 30), old_principal, None),
        (D(2023, 10, 1), None, old_principal, deputy),
    ]
    assert history[1].is_vacant
    assert pair_on(school=school, on=D(2023, 9, 15)).vacancy_label == "校长空缺"


@pytest.mark.parametrize("on", [D(2021, 6, 1), D(2023, 9, 15), D(2026, 1, 1)])
def test_school_leadership_is_pair_history_and_appointments_in_one_query(school, on, django_assert_num_queries):
    _change_of_post(school)
    AppointmentFactory(post=Post.PRINCIPAL, start=D(2020, 1, 1))  # another school's

    with django_assert_num_queries(1):
        leadership = school_leadership(school=school, on=on)

    assert leadership.pair == pair_on(school=school, on=on)
    assert leadership.pair_history == list(reversed(pair_history(school=school)))
    assert [a.start for a in leadership.appointments] == sorted(
        (a.start for a in school.appointments.all()), reverse=True
    )
    assert len(leadership.appointments) == 5


def test_history_merges_periods_with_same_holders(school):
    """A re-appointment for a second term does not split the pair's period."""
    secretary = AppointmentFactory(school=school, post=Post.SECRETARY, start=D(2019, 1, 1)).person
    principal = PersonFactory()
    AppointmentFactory(school=school, person=principal, post=Post.PRINCIPAL, start=D(2021, 1, 1), end=D(2023, 12, 31))
    AppointmentFactory(school=school, person=principal, post=Post.PRINCIPAL, start=D(2024, 1, 1))

    history = pair_history(school=school)

    assert [(p.start, p.end) for p in history] == [(D(2019, 1, 1), D(2020, 12, 31)), (D(2021, 1, 1), None)]
    assert history[-1].secretary == secretary and history[-1].principal == principal
    assert history[0].principal is None


def test_pairs_on_many_schools_in_constant_queries(db, django_assert_num_queries):
    schools = SchoolFactory.create_batch(12)
    for school in schools:
        AppointmentFactory(school=school, post=Post.SECRETARY, start=D(2022, 1, 1))
        AppointmentFactory(school=school, post=Post.PRINCIPAL, start=D(2022, 1, 1))

    with django_assert_num_queries(1):
        pairs = pairs_on(schools=schools, on=D(2023, 1, 1))

    assert len(pairs) == 12
    assert all(not pair.is_vacant for pair in pairs.values())


def test_policy_in_force_prefers_school_and_date(school):
    assert policy_in_force(school=school, on=D(2023, 1, 1)).regular_talk_period == "month"  # built-in defaults
    PolicyFactory(effective_from=D(2022, 1, 1), minutes_due_working_days=7)
    PolicyFactory(effective_from=D(2024, 1, 1), minutes_due_working_days=5)
    PolicyFactory(school=school, effective_from=D(2025, 1, 1), regular_talk_period="week")

    assert policy_in_force(school=school, on=D(2023, 6, 1)).minutes_due_working_days == 7
    assert policy_in_force(school=school, on=D(2024, 6, 1)).minutes_due_working_days == 5
    assert policy_in_force(school=school, on=D(2025, 6, 1)).regular_talk_period == "week"
    assert policy_in_force(school=SchoolFactory(), on=D(2025, 6, 1)).regular_talk_period == "month"


def test_pair_people_on_many_schools_reads_all_rows_and_keeps_the_wanted(db, monkeypatch):
    from schools import selectors

    schools = SchoolFactory.create_batch(3)
    for school in schools:
        AppointmentFactory(school=school, post=Post.SECRETARY, start=D(2022, 1, 1))
        AppointmentFactory(school=school, post=Post.PRINCIPAL, start=D(2022, 1, 1))
    wanted = [schools[0].pk, schools[1].pk]
    by_list = selectors.pair_people_on(school_ids=wanted, on=D(2023, 1, 1))
    monkeypatch.setattr(selectors, "IN_LIST_MAX", 1)
    by_all_rows = selectors.pair_people_on(school_ids=wanted, on=D(2023, 1, 1))
    assert by_all_rows == by_list and set(by_list) == set(wanted)
    assert all(secretary and principal for secretary, principal in by_list.values())
