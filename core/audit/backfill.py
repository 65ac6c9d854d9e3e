"""Audit events for the history written before the audit trail existed (`manage.py audit_backfill`).

Every historical record older than the first record event becomes an event, as `recording` would have
written it: same action, user, time, school and change summary. Running it again adds nothing.
"""

from collections.abc import Callable
from itertools import islice

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Min

from ..models import AuditAction, AuditEvent
from .recording import HISTORY_ACTIONS, diff_fields, resolve_path, school_path

BATCH = 1000
RECORD_ACTIONS = (AuditAction.CREATE, AuditAction.UPDATE, AuditAction.FINALISE, AuditAction.DELETE)


def _history_models() -> list:
    models = []
    for model in apps.get_models():
        manager_name = getattr(model._meta, "simple_history_manager_attribute", None)
        if manager_name and not model._meta.proxy:
            models.append(getattr(model, manager_name).model)
    return models


def _repr(row) -> str:
    try:
        return str(row.instance)[:200]
    except ObjectDoesNotExist:  # a record whose related rows are gone keeps its type and id
        return f"{row.instance_type._meta.verbose_name} #{row.pk}"


def _events(history_model, rows, before: dict, schools: dict) -> list[AuditEvent]:
    model = history_model.instance_type
    pk_attname = model._meta.pk.attname
    path = school_path(model)  # the live model's path; a historical row has the same attributes
    events = []
    for row in rows:
        object_id = getattr(row, pk_attname)
        if path is None or path == ("pk",):
            school_id = object_id if path else None
        else:
            key = getattr(row, path[0] if len(path) == 1 else f"{path[0]}_id")
            if key not in schools:
                schools[key] = resolve_path(row, path)
            school_id = schools[key]
        previous = before.get(object_id)
        before[object_id] = row
        action, changes = HISTORY_ACTIONS[row.history_type], ""
        if action == AuditAction.UPDATE and previous is not None:
            parts, finalises = diff_fields(history_model.tracked_fields, previous, row)
            if not parts:
                continue
            action = AuditAction.FINALISE if finalises else action
            changes = "；".join(parts)[:2000]
        user = row.history_user
        events.append(
            AuditEvent(
                at=row.history_date,
                action=action,
                user=user,
                username=user.get_username() if user else "",
                school_id=school_id,
                model=model._meta.label_lower,
                object_id=str(object_id),
                object_repr=_repr(row),
                changes=changes,
            )
        )
    return events


def backfill(*, log: Callable[[str], None] = print) -> int:
    """Write the missing events; returns how many."""
    first = AuditEvent.objects.filter(action__in=RECORD_ACTIONS).aggregate(first=Min("at"))["first"]
    total = 0
    for history_model in _history_models():
        pk_attname = history_model.instance_type._meta.pk.attname
        rows = history_model.objects.select_related("history_user").order_by(pk_attname, "history_id")
        if first is not None:
            rows = rows.filter(history_date__lt=first)
        iterator, before, schools, written = rows.iterator(chunk_size=BATCH), {}, {}, 0
        while batch := list(islice(iterator, BATCH)):
            events = _events(history_model, batch, before, schools)
            with transaction.atomic():
                AuditEvent.objects.bulk_create(events, batch_size=BATCH)
            written += len(events)
            before = {key: value for key, value in before.items() if key == getattr(batch[-1], pk_attname)}
        if written:
            log(f"  {history_model.instance_type._meta.label_lower}: {written} 条")
        total += written
    log(f"补写审计日志 {total} 条")
    return total
