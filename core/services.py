"""Writes shared by every app: amendments of finalised records."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models

from .errors import NotAllowedError
from .models import Amendment, User
from .scope import can_finalise_school_records


def amendment_create(
    *, user: User, target: models.Model, school, is_final: bool, field_label: str, correction: str, reason: str
) -> Amendment:
    """Record a correction of a finalised record; the record itself never changes."""
    if not can_finalise_school_records(user, school):
        raise NotAllowedError("只有本校书记或校长可以更正已定稿的记录。")
    if not is_final:
        raise ValidationError("该记录尚未定稿，请直接修改，无需提交更正。")
    errors = {}
    if not correction.strip():
        errors["correction"] = "请填写更正后的内容。"
    if not reason.strip():
        errors["reason"] = "请填写更正原因。"
    if errors:
        raise ValidationError(errors)
    return Amendment.objects.create(
        school=school,
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
        field_label=field_label,
        correction=correction.strip(),
        reason=reason.strip(),
        created_by=user,
    )
