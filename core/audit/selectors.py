"""Scoped reads of the audit trail: district admins see every event, anyone else none."""

from functools import cache

from django.apps import apps
from django.db.models import QuerySet

from ..models import AuditEvent, User
from ..scope import is_district_admin


def audit_event_list(*, user: User) -> QuerySet[AuditEvent]:
    """Newest first, with the school, its 学区 and the account joined (a fixed number of queries per page)."""
    if not is_district_admin(user):
        return AuditEvent.objects.none()
    return AuditEvent.objects.select_related("school__district", "user").order_by("-at", "-pk")


@cache
def audited_models() -> dict[str, str]:
    """label_lower → Chinese name of every model whose changes are audited (those with simple-history)."""
    models = [
        model
        for model in apps.get_models()
        if getattr(model._meta, "simple_history_manager_attribute", None) and not model._meta.proxy
    ]
    models.sort(key=lambda model: (model._meta.app_label, str(model._meta.verbose_name)))
    return {model._meta.label_lower: str(model._meta.verbose_name) for model in models}


def model_name(label: str) -> str:
    """The Chinese name of a model label ("meetings.meeting" → "会议"); the label itself when unknown."""
    if not label:
        return ""
    known = audited_models()
    if label in known:
        return known[label]
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label
