"""School A with its pair (linked to the secretary_a / principal_a accounts) and its meeting bodies;
school B with its own pair, for the "other school cannot see it" cases."""

import datetime
from types import SimpleNamespace

import pytest

from schools.choices import MeetingBody, Post
from tests.factories import AppointmentFactory, CommitteeMembershipFactory, PersonFactory

START = datetime.date(2022, 1, 1)


def _pair(school, secretary_name, principal_name):
    secretary = PersonFactory(name=secretary_name)
    principal = PersonFactory(name=principal_name)
    AppointmentFactory(school=school, person=secretary, post=Post.SECRETARY, start=START)
    AppointmentFactory(school=school, person=principal, post=Post.PRINCIPAL, start=START)
    return secretary, principal


def _body(school, body, people):
    for person in people:
        CommitteeMembershipFactory(person=person, school=school, body=body, start=START)
    return people


@pytest.fixture
def pair_a(school_a, secretary_a, principal_a):
    secretary, principal = _pair(school_a, "张书记", "李校长")
    secretary_a.person = secretary
    secretary_a.save()
    principal_a.person = principal
    principal_a.save()
    return SimpleNamespace(secretary=secretary, principal=principal)


@pytest.fixture
def committee_a(school_a, pair_a):
    """School A's 党组织会议 (5 members: the pair first) and 校长办公会 (5 members: principal first)."""
    party = _body(
        school_a, MeetingBody.PARTY_COMMITTEE, [pair_a.secretary, pair_a.principal, *PersonFactory.create_batch(3)]
    )
    office = _body(
        school_a, MeetingBody.PRINCIPAL_OFFICE, [pair_a.principal, pair_a.secretary, *PersonFactory.create_batch(3)]
    )
    return SimpleNamespace(party=party, office=office)


@pytest.fixture
def pair_b(school_b):
    secretary, principal = _pair(school_b, "王书记", "赵校长")
    return SimpleNamespace(secretary=secretary, principal=principal)


@pytest.fixture
def committee_b(school_b, pair_b):
    party = _body(
        school_b, MeetingBody.PARTY_COMMITTEE, [pair_b.secretary, pair_b.principal, *PersonFactory.create_batch(3)]
    )
    return SimpleNamespace(party=party)
