"""酝酿 of 干部任免 items (PERSONNEL_DELIBERATION): who discussed the appointment, when and within which circle,
before the 党组织会议 decides it."""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.hooks import recheck_school
from core.models import User
from schools.models import Person

from ..choices import MatterCategory
from ..models import AgendaItem, Deliberation
from ._common import require_edit
from .meetings import lock_meeting, touch_meeting


def _school_people(school_id: int, people: list[Person]) -> set[int]:
    """The ids among `people` who hold (or held) a post or a meeting-body membership in the school."""
    return set(
        Person.objects.filter(pk__in=[p.pk for p in people])
        .filter(Q(appointments__school=school_id) | Q(memberships__school=school_id))
        .values_list("pk", flat=True)
    )


@transaction.atomic
def deliberation_add(
    *,
    user: User,
    item: AgendaItem,
    held_on: date,
    circle: str,
    participants: Iterable[Person],
    note: str = "",
) -> Deliberation:
    """Record a 酝酿 of a 干部任免 item: on or before the meeting day, never in the future, by people of the school."""
    require_edit(user, item.meeting.school)
    meeting = lock_meeting(item.meeting)
    item = AgendaItem.objects.get(pk=item.pk)
    if item.category != MatterCategory.PERSONNEL:
        raise ValidationError("只有干部任免议题需要登记酝酿情况。")
    errors: dict[str, str] = {}
    if held_on > meeting.date:
        errors["held_on"] = f"酝酿须在提交会议之前，日期不能晚于会议日期（{meeting.date:%Y-%m-%d}）。"
    elif held_on > timezone.localdate():
        errors["held_on"] = "酝酿日期不能晚于今天。"
    if not circle.strip():
        errors["circle"] = "请填写酝酿范围。"
    people = list(participants)
    if not people:
        errors["participants"] = "请选择参加酝酿的人员。"
    elif {p.pk for p in people} - _school_people(meeting.school_id, people):
        errors["participants"] = "参加酝酿的人员须为本校人员。"
    if errors:
        raise ValidationError(errors)
    deliberation = Deliberation(item=item, held_on=held_on, circle=circle.strip(), note=note.strip())
    deliberation.full_clean()
    deliberation.save()
    deliberation.participants.set(people)
    AgendaItem.objects.filter(pk=item.pk).update(updated_at=touch_meeting(meeting.pk))  # the item shows its 酝酿
    recheck_school(meeting.school_id)
    return deliberation
