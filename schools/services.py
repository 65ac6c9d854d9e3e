"""Writes and write-time validation of schools, people and appointments."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Q

from .choices import SOLE_POSTS, Post
from .models import Appointment, Person, School


def _overlapping(start: date, end: date | None) -> Q:
    """Appointments whose [start, end] period overlaps the given one (None = open-ended)."""
    condition = Q(end__isnull=True) | Q(end__gte=start)
    if end is not None:
        condition &= Q(start__lte=end)
    return condition


def appointment_validate(
    *, person: Person, school: School, post: str, start: date, end: date | None, exclude_pk: int | None = None
) -> None:
    """Refuse an appointment that ends before it starts, duplicates one, or gives a sole post two holders."""
    if end is not None and end < start:
        raise ValidationError({"end": "离任日期不能早于任职日期。"})
    others = Appointment.objects.filter(_overlapping(start, end), school=school, post=post)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.filter(person=person).exists():
        raise ValidationError("该人员在此期间已担任本校同一职务，任职期间不能重叠。")
    if post in SOLE_POSTS:
        clash = others.select_related("person").first()
        if clash is not None:
            period = f"{clash.start:%Y-%m-%d} 至 {clash.end:%Y-%m-%d}" if clash.end else f"{clash.start:%Y-%m-%d} 起"
            raise ValidationError(
                f"{school.name}在此期间已有{Post(post).label}：{clash.person.name}（{period}），请先为其填写离任日期。"
            )
