"""Deleted records are listed as tombstones so that clients mirroring the data can delete them too."""

from django.core.exceptions import ObjectDoesNotExist
from django.db.models.signals import post_delete

from ..models import Tombstone

_TRACKED: dict[type, str] = {}


def track_deletions(model, school_path: str) -> None:
    """Record a tombstone whenever a `model` row is deleted; `school_path` leads from the row to its school id."""
    _TRACKED[model] = school_path
    post_delete.connect(_on_delete, sender=model, dispatch_uid=f"tombstone-{model._meta.label}")


def _school_id(instance, path: str):
    value = instance
    try:
        for part in path.split("."):
            value = getattr(value, part, None)
            if value is None:
                return None
    except ObjectDoesNotExist:  # a parent deleted in the same cascade
        return None
    return value


def _on_delete(sender, instance, **kwargs):
    Tombstone.objects.create(
        model=sender._meta.label_lower, object_id=instance.pk, school_id=_school_id(instance, _TRACKED[sender])
    )


# Models whose rows can be deleted by normal use (re-recorded votes, replaced attendance, …) or by admins.
TRACKED_MODELS = {
    "schools.Appointment": "school_id",
    "schools.CommitteeMembership": "school_id",
    "meetings.Attendance": "meeting.school_id",
    "meetings.Vote": "item.meeting.school_id",
    "meetings.Recusal": "item.meeting.school_id",
    "meetings.AgendaItem": "meeting.school_id",
    "meetings.Communication": "school_id",
    "meetings.Meeting": "school_id",
    "decisions.Decision": "school_id",
    "decisions.Task": "decision.school_id",
    "decisions.Consultation": "decision.school_id",
    "decisions.TaskProgress": "task.decision.school_id",
}


def track_default_models() -> None:
    from django.apps import apps

    for label, path in TRACKED_MODELS.items():
        track_deletions(apps.get_model(label), path)
