"""Writes the audit trail (`AuditEvent`) as records change and users log in or out.

Sources:
- django-simple-history: each historical record (+ created, ~ changed, - deleted) becomes one event with the
  user and date of that record. A change is compared with the object's previous historical record; the
  changed fields are summarised in Chinese, a change that sets `finalised_at` / `confirmed_at` or the status
  `finalised` is a 定稿, and a change without any visible difference is not logged. Rows written with
  `bulk_create_with_history` (attendance, votes, the demo data) send no signal, so `HistoryManager.
  bulk_history_create` is wrapped once at start-up to log them too, in one insert per batch.
- `core.Amendment` rows (更正 of finalised records).
- Django's auth signals: login, failed login (also when django-axes refuses a locked-out pair) and logout.

Each event carries the school of the record (found once per model by following foreign keys to
`schools.School`, see `school_path`) so that the trail can be filtered by school.
"""

import datetime
import ipaddress
from collections.abc import Sequence
from functools import cache

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models.signals import m2m_changed, post_save
from django.utils import timezone
from simple_history.manager import HistoryManager
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record

from ..models import Amendment, AuditAction, AuditEvent

HISTORY_ACTIONS = {"+": AuditAction.CREATE, "~": AuditAction.UPDATE, "-": AuditAction.DELETE}
IGNORED_FIELDS = frozenset({"created_at", "updated_at"})
FINALISING_FIELDS = frozenset({"finalised_at", "confirmed_at"})
FINALISED_STATUS = "finalised"
REPR_LENGTH = 200
VALUE_LENGTH = 40
CHANGES_LENGTH = 2000
SEPARATOR = "；"
M2M_FLAG = "_audit_m2m_changed"
BATCH_SIZE = 500


# --- where a record belongs -----------------------------------------------------------------------------
@cache
def school_path(model: type[models.Model]) -> tuple[str, ...] | None:
    """The attribute path from a `model` instance to its school id, e.g. ("meeting", "school_id"); None when
    the model belongs to no school (学区, people, the 事项清单)."""
    return _school_path(model, apps.get_model("schools", "School"), depth=0)


def _school_path(model, school_model, depth: int) -> tuple[str, ...] | None:
    if model is school_model:
        return ("pk",)
    foreign_keys = [field for field in model._meta.concrete_fields if field.many_to_one]
    for field in foreign_keys:
        if field.related_model is school_model and field.name == "school":
            return (field.attname,)
    for field in foreign_keys:
        if field.related_model is school_model:
            return (field.attname,)
    if depth >= 3:
        return None
    for field in foreign_keys:
        related = field.related_model
        if related is get_user_model() or related is ContentType or related is model:
            continue  # the author's school is not the record's school
        path = _school_path(related, school_model, depth + 1)
        if path is not None:
            return (field.name, *path)
    return None


def school_id_of(instance: models.Model) -> int | None:
    path = school_path(type(instance)._meta.concrete_model)
    return None if path is None else resolve_path(instance, path)


def resolve_path(instance: models.Model, path: tuple[str, ...]) -> int | None:
    value = instance
    try:
        for part in path:
            value = getattr(value, part)
            if value is None:
                return None
    except ObjectDoesNotExist:  # a parent deleted earlier in the same cascade
        return None
    return value


# --- helpers ----------------------------------------------------------------------------------------------
def _ip(request) -> str | None:
    if request is None:
        return None
    candidate = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")
    try:
        return str(ipaddress.ip_address(candidate)) if candidate else None
    except ValueError:
        return None


def _current_request():
    return getattr(HistoricalRecords.context, "request", None)


def _repr(instance: models.Model) -> str:
    try:
        text = str(instance)
    except ObjectDoesNotExist:
        text = f"{instance._meta.verbose_name} #{instance.pk}"
    return text[:REPR_LENGTH]


def _display(field: models.Field, value) -> str | None:
    """A short display of a field value for the change summary; None when only the field name is useful."""
    if value is None or value == "":
        return "空"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if timezone.is_aware(value) else f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(field, models.TextField | models.FileField | models.JSONField) or field.is_relation:
        return None
    text = str(value)
    return text if len(text) <= VALUE_LENGTH else None


def diff_fields(fields: Sequence[models.Field], old, new) -> tuple[list[str], bool]:
    """The changed fields between two historical rows as Chinese phrases, and whether the change finalises."""
    parts, finalises = [], False
    for field in fields:
        if field.name in IGNORED_FIELDS:
            continue
        before, after = getattr(old, field.attname), getattr(new, field.attname)
        if before == after:
            continue
        if field.name in FINALISING_FIELDS and before is None and after is not None:
            finalises = True
        if field.name == "status" and after == FINALISED_STATUS:
            finalises = True
        label = str(field.verbose_name)
        shown_before, shown_after = _display(field, before), _display(field, after)
        parts.append(f"{label}：{shown_before} → {shown_after}" if shown_before and shown_after else label)
    return parts, finalises


def _summary(parts: list[str]) -> str:
    return SEPARATOR.join(parts)[:CHANGES_LENGTH]


def _previous(history_model, history_row):
    """The historical row written just before `history_row` for the same object (insertion order)."""
    pk_attname = history_model.instance_type._meta.pk.attname
    return (
        history_model.objects.filter(
            **{pk_attname: getattr(history_row, pk_attname), "history_id__lt": history_row.history_id}
        )
        .order_by("-history_id")
        .first()
    )


def _event(*, history_model, history_row, instance, school_id, changes="", action=None, repr_text=None):
    model = history_model.instance_type
    user = history_row.history_user
    return AuditEvent(
        at=history_row.history_date,
        action=action or HISTORY_ACTIONS[history_row.history_type],
        user=user,
        username=user.get_username() if user else "",
        school_id=school_id,
        model=model._meta.label_lower,
        object_id=str(getattr(history_row, model._meta.pk.attname)),
        object_repr=repr_text if repr_text is not None else _repr(instance),
        changes=changes,
        ip=_ip(_current_request()),
    )


# --- receivers --------------------------------------------------------------------------------------------
def on_historical_record(sender, instance, history_instance, **kwargs) -> None:
    """One saved or deleted record (post_create_historical_record)."""
    m2m_labels = instance.__dict__.pop(M2M_FLAG, set())
    action = HISTORY_ACTIONS[history_instance.history_type]
    changes = ""
    if action == AuditAction.UPDATE:
        previous = _previous(sender, history_instance)
        if previous is not None:
            parts, finalises = diff_fields(sender.tracked_fields, previous, history_instance)
            parts += sorted(m2m_labels)
            if not parts:
                return  # saved without a visible change
            if finalises:
                action = AuditAction.FINALISE
            changes = _summary(parts)
    _event(
        history_model=sender,
        history_row=history_instance,
        instance=instance,
        school_id=school_id_of(instance),
        changes=changes,
        action=action,
    ).save()


def on_m2m_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """Remember which tracked many-to-many field changes, for the historical record that follows."""
    if reverse or action not in ("pre_add", "pre_remove", "pre_clear") or (action != "pre_clear" and not pk_set):
        return
    manager_name = getattr(instance._meta, "simple_history_manager_attribute", None)
    if manager_name is None:
        return
    tracked = getattr(getattr(type(instance), manager_name).model, "_history_m2m_fields", ())
    for field in tracked:
        if field.remote_field.through is sender:
            instance.__dict__.setdefault(M2M_FLAG, set()).add(str(field.verbose_name))


def record_history_rows(history_model, objs: Sequence[models.Model], rows: Sequence[models.Model]) -> None:
    """Events for historical rows written in bulk (`bulk_history_create`): one insert per batch."""
    model = history_model.instance_type
    pk_attname = model._meta.pk.attname
    previous: dict = {}
    updated = [row for row in rows if row.history_type == "~"]
    if updated:
        new_ids = [row.history_id for row in updated if row.history_id is not None]
        old_rows = (
            history_model.objects.filter(**{f"{pk_attname}__in": {getattr(row, pk_attname) for row in updated}})
            .exclude(history_id__in=new_ids)
            .order_by("history_id")
        )
        for old in old_rows.iterator(chunk_size=BATCH_SIZE):
            previous[getattr(old, pk_attname)] = old  # the latest one wins
    schools: dict = {}
    path = school_path(model)
    events = []
    for obj, row in zip(objs, rows, strict=True):
        action, changes = HISTORY_ACTIONS[row.history_type], ""
        old = previous.get(getattr(row, pk_attname))
        if action == AuditAction.UPDATE and old is not None:
            parts, finalises = diff_fields(history_model.tracked_fields, old, row)
            if not parts:
                continue
            action = AuditAction.FINALISE if finalises else action
            changes = _summary(parts)
        key = (path[0], getattr(obj, path[0] if len(path) == 1 else f"{path[0]}_id", None)) if path else None
        if key not in schools:
            schools[key] = school_id_of(obj)
        events.append(
            _event(
                history_model=history_model,
                history_row=row,
                instance=obj,
                school_id=schools[key],
                changes=changes,
                action=action,
                repr_text=f"{model._meta.verbose_name} #{getattr(row, pk_attname)}",
            )
        )
    AuditEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)


def on_amendment(sender, instance: Amendment, created: bool, raw: bool = False, **kwargs) -> None:
    if not created or raw:
        return
    content_type = ContentType.objects.get_for_id(instance.content_type_id)
    target = instance.target
    user = instance.created_by
    AuditEvent(
        at=instance.created_at,
        action=AuditAction.AMEND,
        user=user,
        username=user.get_username(),
        school_id=instance.school_id,
        model=f"{content_type.app_label}.{content_type.model}",
        object_id=str(instance.object_id),
        object_repr=_repr(target) if target is not None else "",
        changes=_summary([f"{instance.field_label}：{instance.reason}"]),
        ip=_ip(_current_request()),
    ).save()


def _auth_event(action: str, *, user, username: str, request, changes: str = "") -> None:
    AuditEvent(
        at=timezone.now(),
        action=action,
        user=user,
        username=username[:150],
        school_id=getattr(user, "school_id", None),
        model=user._meta.label_lower if user is not None else "",
        object_id=str(user.pk) if user is not None else "",
        object_repr=_repr(user) if user is not None else "",
        changes=changes,
        ip=_ip(request),
    ).save()


def on_logged_in(sender, request, user, **kwargs) -> None:
    _auth_event(AuditAction.LOGIN, user=user, username=user.get_username(), request=request)


def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        _auth_event(AuditAction.LOGOUT, user=user, username=user.get_username(), request=request)


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    user_model = get_user_model()
    username = str(credentials.get(user_model.USERNAME_FIELD) or credentials.get("username") or "")
    user = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first() if username else None
    locked = getattr(request, "axes_locked_out", False)
    changes = "账号与地址已被锁定" if locked else ("账号不存在" if user is None else "密码错误或账号停用")
    _auth_event(AuditAction.LOGIN_FAILED, user=user, username=username, request=request, changes=changes)


# --- wiring -----------------------------------------------------------------------------------------------
def _wrap_bulk_history_create() -> None:
    original = HistoryManager.bulk_history_create
    if getattr(original, "audited", False):
        return

    def bulk_history_create(self, objs, *args, **kwargs):
        objs = list(objs)
        rows = original(self, objs, *args, **kwargs)
        if rows:
            record_history_rows(self.model, objs, rows)
        return rows

    bulk_history_create.audited = True
    HistoryManager.bulk_history_create = bulk_history_create


def connect() -> None:
    post_create_historical_record.connect(on_historical_record, dispatch_uid="audit-history")
    m2m_changed.connect(on_m2m_changed, dispatch_uid="audit-m2m")
    post_save.connect(on_amendment, sender=Amendment, dispatch_uid="audit-amendment")
    user_logged_in.connect(on_logged_in, dispatch_uid="audit-login")
    user_logged_out.connect(on_logged_out, dispatch_uid="audit-logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit-login-failed")
    _wrap_bulk_history_create()
