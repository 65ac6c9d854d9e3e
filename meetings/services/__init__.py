"""Every write of the meetings app. Views, forms, the API and tasks call these, never the models directly."""

from .agenda import agenda_item_create, agenda_item_defer, agenda_item_record_votes, agenda_item_update
from .communications import communication_amend, communication_confirm, communication_create, communication_update
from .deliberations import deliberation_add
from .meetings import (
    meeting_amend,
    meeting_create,
    meeting_finalise,
    meeting_mark_held,
    meeting_record_attendance,
    meeting_set_minutes,
    meeting_update,
)
from .principal import agenda_item_record_principal_decision

__all__ = [
    "agenda_item_create",
    "agenda_item_defer",
    "agenda_item_record_principal_decision",
    "agenda_item_record_votes",
    "agenda_item_update",
    "communication_amend",
    "communication_confirm",
    "communication_create",
    "communication_update",
    "deliberation_add",
    "meeting_amend",
    "meeting_create",
    "meeting_finalise",
    "meeting_mark_held",
    "meeting_record_attendance",
    "meeting_set_minutes",
    "meeting_update",
]
