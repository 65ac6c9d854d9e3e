"""The arithmetic of DESIGN §3: quorum, personnel quorum and majority, all counted against 应到 members.

Integer comparisons only (no floats), so the exactly-half and exactly-two-thirds edges are exact.
"""

from dataclasses import dataclass

from .choices import ItemResult, MatterCategory


@dataclass(frozen=True)
class Tally:
    expected: int  # 应到
    present: int  # 实到 (members, not 列席)
    votes_for: int
    votes_against: int
    votes_abstain: int

    @property
    def cast(self) -> int:
        return self.votes_for + self.votes_against + self.votes_abstain


def has_quorum(*, expected: int, present: int) -> bool:
    """QUORUM: more than half of the 应到 members are present."""
    return expected > 0 and present * 2 > expected


def has_personnel_quorum(*, expected: int, present: int) -> bool:
    """QUORUM_PERSONNEL: at least two thirds of the 应到 members are present."""
    return expected > 0 and present * 3 >= expected * 2


def quorum_met(*, category: str, expected: int, present: int) -> bool:
    if category == MatterCategory.PERSONNEL:
        return has_personnel_quorum(expected=expected, present=present)
    return has_quorum(expected=expected, present=present)


def passes(*, expected: int, votes_for: int) -> bool:
    """MAJORITY: 赞成 from more than half of the 应到 members (not of those present)."""
    return expected > 0 and votes_for * 2 > expected


def result_of(tally: Tally, *, category: str) -> str:
    """The result an item must have given its tally; 通过 only when quorum and majority both hold."""
    if quorum_met(category=category, expected=tally.expected, present=tally.present) and passes(
        expected=tally.expected, votes_for=tally.votes_for
    ):
        return ItemResult.PASSED
    return ItemResult.REJECTED
