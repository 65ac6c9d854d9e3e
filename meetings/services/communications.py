"""Logging, editing and confirming 四沟通 communications."""

from collections.abc import Iterable
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.errors import NotAllowedError, RecordFinalisedError
from core.hooks import recheck_school
from core.models import Amendment, User
from core.services import amendment_create
from schools.choices import Post
from schools.models import Appointment, Person, School
from schools.selectors import pair_on

from ..choices import REQUIRED_TIMING, CommunicationCategory, CommunicationTiming
from ..models import Communication
from ._common import require_edit, require_finalise

DEPUTY_POSTS = (Post.DEPUTY_SECRETARY, Post.DEPUTY_PRINCIPAL)


def _deputies_on(school: School, on: date) -> set[int]:
    return set(
        Appointment.objects.filter(school=school, post__in=DEPUTY_POSTS, start__lte=on)
        .filter(Q(end__isnull=True) | Q(end__gte=on))
        .values_list("person_id", flat=True)
    )


def validate_participants(*, school: School, on: date, participants: Iterable[Person]) -> None:
    """The participants are the secretary and the principal in office on that date (both of them).

    In a 一肩挑 school the leader talks with a deputy secretary or deputy principal in office.
    """
    pair = pair_on(school=school, on=on)
    if pair.is_vacant:
        raise ValidationError({"participants": f"{on:%Y-%m-%d}本校{pair.vacancy_label}，无法登记书记校长沟通。"})
    chosen = {person.pk: person for person in participants}
    pair_ids = {pair.secretary.pk, pair.principal.pk}
    allowed = pair_ids | (_deputies_on(school, on) if pair.is_combined else set())
    outsiders = [person.name for pk, person in chosen.items() if pk not in allowed]
    if outsiders:
        raise ValidationError(
            {"participants": f"{'、'.join(outsiders)} 不是{on:%Y-%m-%d}在任的本校书记或校长，不能作为沟通参与人。"}
        )
    if pair.is_combined:
        if pair.secretary.pk not in chosen or len(chosen) < 2:
            raise ValidationError(
                {"participants": "本校书记校长一肩挑：请选择书记（校长）本人和一位在任副书记或副校长。"}
            )
    elif not pair_ids <= set(chosen):
        raise ValidationError({"participants": "沟通参与人须同时包括本校书记和校长。"})


def _validate_fields(*, occurred_at: datetime, category: str, timing: str, event_at: datetime | None) -> None:
    errors: dict[str, str] = {}
    now = timezone.now()
    if occurred_at > now:
        errors["occurred_at"] = "沟通时间不能晚于现在。"
    required = REQUIRED_TIMING.get(category)
    if required and timing != required:
        errors["timing"] = (
            f"{CommunicationCategory(category).label}的沟通时机应为“{CommunicationTiming(required).label}”。"
        )
    if category != CommunicationCategory.EMERGENCY and timing == CommunicationTiming.URGENT:
        errors["timing"] = "“紧急及时”只用于突发事件沟通。"
    if category == CommunicationCategory.EMERGENCY:
        if event_at is None:
            errors["event_at"] = "突发事件须填写事件发生时间。"
        elif event_at > occurred_at:
            errors["event_at"] = "事件发生时间不能晚于沟通时间。"
    elif event_at is not None:
        errors["event_at"] = "只有突发事件需要填写事件发生时间。"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def communication_create(
    *,
    user: User,
    school: School,
    occurred_at: datetime,
    category: str,
    timing: str,
    subject: str,
    summary: str,
    outcome: str,
    participants: Iterable[Person],
    event_at: datetime | None = None,
) -> Communication:
    """Log a communication; a pair member or a clerk logs it, the other pair member confirms it later."""
    require_edit(user, school)
    participants = list(participants)
    _validate_fields(occurred_at=occurred_at, category=category, timing=timing, event_at=event_at)
    validate_participants(school=school, on=timezone.localdate(occurred_at), participants=participants)
    communication = Communication(
        school=school,
        occurred_at=occurred_at,
        category=category,
        timing=timing,
        event_at=event_at,
        subject=subject.strip(),
        summary=summary.strip(),
        outcome=outcome,
        logged_by=user,
    )
    communication.full_clean(exclude=["participants"])
    communication.save()
    communication.participants.set(participants)
    recheck_school(communication.school_id)
    return communication


@transaction.atomic
def communication_update(*, user: User, communication: Communication, **changes) -> Communication:
    """Edit an unconfirmed communication; a confirmed one changes only through an amendment."""
    require_edit(user, communication.school)
    communication = Communication.objects.select_for_update().get(pk=communication.pk)
    if communication.is_confirmed:
        raise RecordFinalisedError("该沟通记录已确认，不能修改；如需更正，请提交更正记录。")
    participants = changes.pop("participants", None)
    if "school" in changes and changes["school"] != communication.school:
        raise ValidationError({"school": "沟通记录不能改到其他学校。"})
    changes.pop("school", None)
    for field, value in changes.items():
        setattr(communication, field, value.strip() if isinstance(value, str) else value)
    _validate_fields(
        occurred_at=communication.occurred_at,
        category=communication.category,
        timing=communication.timing,
        event_at=communication.event_at,
    )
    if participants is None:
        participants = list(communication.participants.all())
    validate_participants(
        school=communication.school, on=timezone.localdate(communication.occurred_at), participants=participants
    )
    communication.full_clean(exclude=["participants"])
    communication.save()
    communication.participants.set(participants)
    recheck_school(communication.school_id)
    return communication


@transaction.atomic
def communication_confirm(*, user: User, communication: Communication) -> Communication:
    """The other pair member confirms the record (who and when are kept); it is final afterwards."""
    require_finalise(user, communication.school, "确认沟通记录")
    communication = Communication.objects.select_for_update().get(pk=communication.pk)
    if communication.is_confirmed:
        raise RecordFinalisedError("该沟通记录已经确认过。")
    participant_ids = set(communication.participants.values_list("pk", flat=True))
    if user.person_id is None or user.person_id not in participant_ids:
        raise NotAllowedError("只有参与本次沟通的书记或校长可以确认。")
    logger = communication.logged_by
    if logger.pk == user.pk or (logger.person_id is not None and logger.person_id == user.person_id):
        raise NotAllowedError("登记人不能确认自己登记的沟通记录，请由沟通的另一方确认。")
    communication.confirmed_by = user
    communication.confirmed_at = timezone.now()
    communication.save(update_fields=["confirmed_by", "confirmed_at", "updated_at"])
    recheck_school(communication.school_id)
    return communication


def communication_amend(*, user: User, communication: Communication, correction: str, reason: str) -> Amendment:
    """Correct a confirmed communication; the confirmed text itself never changes."""
    communication = Communication.objects.select_related("school").get(pk=communication.pk)
    return amendment_create(
        user=user,
        target=communication,
        school=communication.school,
        is_final=communication.is_confirmed,
        field_label="沟通内容",
        correction=correction,
        reason=reason,
    )
