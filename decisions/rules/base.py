"""The rule frame lives in `core.rules` (shared by every app's rules); re-exported for the engine's callers."""

from core.rules import RULES, Breach, Context, Rule, register
from schools.policies import PolicyBook

__all__ = ["RULES", "Breach", "Context", "PolicyBook", "Rule", "register"]
