"""Signals between apps that must not import each other.

`school_records_changed` is sent by any service whose write may change a school's compliance; the decisions
app (which owns the engine) receives it and re-checks the school once the write has committed. The meetings
app therefore needs nothing from the decisions app.
"""

from django.dispatch import Signal

school_records_changed = Signal()  # keyword argument: school_id


def recheck_school(school_id: int) -> None:
    """Ask for the school's findings to be brought up to date after the current transaction commits."""
    school_records_changed.send(sender=None, school_id=school_id)
