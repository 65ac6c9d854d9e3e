"""The benchmark dataset (`manage.py generate_dataset`): see `generator.generate`."""

from .generator import MARKER_PREFIX, generate, marker_note

__all__ = ["MARKER_PREFIX", "generate", "marker_note"]
