"""The compliance engine: every rule of DESIGN §3 in one place, each a set-based check over any number of
schools. Import order registers the rules; `run_rules` runs them and stores `Finding`s."""

from . import decision_rules, meeting_rules, pair_rules  # noqa: F401  (registers the rules)
from .base import RULES, Breach, Context, PolicyBook
from .engine import RunSummary, run_rules

__all__ = ["RULES", "Breach", "Context", "PolicyBook", "RunSummary", "run_rules"]
