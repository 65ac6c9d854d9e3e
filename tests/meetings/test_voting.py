"""The arithmetic of quorum and majority (Rulebook v2), with the exactly-half and exactly-two-thirds edges:
半数以上 includes half, 超过半数 does not, 三分之二以上 includes two thirds."""

import pytest

from meetings.choices import ItemResult, MatterCategory
from meetings.rules.voting import Majority, PersonnelQuorum, Quorum, voted_result
from schools.choices import MeetingBody
from schools.models import Policy


@pytest.mark.parametrize(
    ("expected", "present", "ok"),
    [
        (5, 3, True),
        (5, 2, False),
        (6, 3, True),
        (6, 2, False),
        (4, 2, True),
        (4, 1, False),
        (1, 1, True),
        (0, 0, False),
    ],
)
def test_quorum_is_at_least_half(expected, present, ok):
    assert Quorum.holds(expected=expected, present=present) is ok


@pytest.mark.parametrize(("expected", "present", "ok"), [(4, 2, False), (4, 3, True), (5, 3, True), (5, 2, False)])
def test_strict_quorum_is_more_than_half(expected, present, ok):
    assert Quorum.holds(expected=expected, present=present, strict=True) is ok


@pytest.mark.parametrize(
    ("expected", "present", "ok"),
    [(6, 4, True), (6, 3, False), (9, 6, True), (9, 5, False), (7, 5, True), (7, 4, False), (0, 0, False)],
)
def test_personnel_quorum_is_at_least_two_thirds(expected, present, ok):
    assert PersonnelQuorum.holds(expected=expected, present=present) is ok


@pytest.mark.parametrize(("base", "votes_for", "ok"), [(6, 3, False), (6, 4, True), (5, 3, True), (5, 2, False)])
def test_majority_is_more_than_half_of_the_base(base, votes_for, ok):
    assert Majority.passes(base=base, votes_for=votes_for) is ok


def _result(expected, present, votes_for, category=MatterCategory.GENERAL):
    return voted_result(
        body=MeetingBody.PARTY_COMMITTEE,
        category=category,
        expected=expected,
        present=present,
        recused=0,
        votes_for=votes_for,
        policy=Policy(),
    )


def test_majority_of_present_is_not_enough():
    """7 expected, 4 present, 3 for: a majority of those present but not of the 应到 members."""
    assert _result(7, 4, 3) == ItemResult.REJECTED


def test_personnel_item_needs_two_thirds_present_even_with_majority():
    assert _result(9, 5, 5, MatterCategory.PERSONNEL) == ItemResult.REJECTED
    assert _result(9, 6, 5, MatterCategory.PERSONNEL) == ItemResult.PASSED
