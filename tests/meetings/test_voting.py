"""The arithmetic of quorum and majority, with the exactly-half and exactly-two-thirds edges."""

import pytest
from meetings.voting import Tally, has_personnel_quorum, has_quorum, passes, result_of

from meetings.choices import ItemResult, MatterCategory


@pytest.mark.parametrize(
    ("expected", "present", "ok"),
    [(5, 3, True), (5, 2, False), (6, 3, False), (6, 4, True), (4, 2, False), (1, 1, True), (0, 0, False)],
)
def test_quorum_is_more_than_half(expected, present, ok):
    assert has_quorum(expected=expected, present=present) is ok


@pytest.mark.parametrize(
    ("expected", "present", "ok"),
    [(6, 4, True), (6, 3, False), (9, 6, True), (9, 5, False), (7, 5, True), (7, 4, False), (0, 0, False)],
)
def test_personnel_quorum_is_at_least_two_thirds(expected, present, ok):
    assert has_personnel_quorum(expected=expected, present=present) is ok


@pytest.mark.parametrize(("expected", "votes_for", "ok"), [(6, 3, False), (6, 4, True), (5, 3, True), (5, 2, False)])
def test_majority_counts_against_expected_members(expected, votes_for, ok):
    assert passes(expected=expected, votes_for=votes_for) is ok


def test_majority_of_present_is_not_enough():
    """7 expected, 4 present, 3 for: a majority of those present but not of the 应到 members."""
    assert result_of(Tally(7, 4, 3, 1, 0), category=MatterCategory.GENERAL) == ItemResult.REJECTED


def test_personnel_item_needs_two_thirds_present_even_with_majority():
    assert result_of(Tally(9, 5, 5, 0, 0), category=MatterCategory.PERSONNEL) == ItemResult.REJECTED
    assert result_of(Tally(9, 6, 5, 1, 0), category=MatterCategory.PERSONNEL) == ItemResult.PASSED
