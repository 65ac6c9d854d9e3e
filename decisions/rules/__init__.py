"""The compliance engine and the rules on decisions and tasks. Every app's rules register in `core.rules.RULES`
when Django starts; `run_rules` runs them and stores `Finding`s."""

from . import chain, matters, tasks  # noqa: F401  (registers the rules)
from .base import RULES, Breach, Context, PolicyBook
from .engine import RunSummary, run_rules

__all__ = ["RULES", "Breach", "Context", "PolicyBook", "RunSummary", "run_rules"]
