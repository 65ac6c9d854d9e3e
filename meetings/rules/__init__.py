"""The rules on communications, meetings and agenda items (DESIGN §3), one class per rule, by family."""

from . import agenda, minutes, talks, voting  # noqa: F401  (registers the rules)
