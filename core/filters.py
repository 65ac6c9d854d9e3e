"""Filters shared by the lists of school-owned records (communications, meetings, decisions), so that a dashboard
figure and the list behind it count the same rows: the school's 集团 and 学段, and a period given as inclusive local
dates under the names the dashboard uses (`from`, `to`). Bad values are form errors, never a 500."""

import datetime

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from core.scope import restrict
from schools.choices import SchoolLevel
from schools.models import EducationGroup, School, SchoolDistrict

EARLIEST = datetime.date(1990, 1, 1)
LATEST = datetime.date(2100, 12, 31)
DATE_ERROR = "请填写 1990 年至 2100 年之间的日期，如 2026-03-01。"


class PeriodDateField(forms.DateField):
    default_error_messages = {"invalid": DATE_ERROR}
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def validate(self, value):
        super().validate(value)
        if value is not None and not (EARLIEST <= value <= LATEST):
            raise forms.ValidationError(DATE_ERROR, code="out_of_range")


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class PeriodBoundFilter(django_filters.Filter):
    """One end of an inclusive period of local dates on a date or datetime field."""

    field_class = PeriodDateField

    def __init__(self, *, end: bool, is_datetime: bool, **kwargs):
        super().__init__(**kwargs)
        self.end, self.is_datetime = end, is_datetime

    def filter(self, qs: QuerySet, value: datetime.date | None) -> QuerySet:
        if value is None:
            return qs
        if not self.is_datetime:
            return qs.filter(**{f"{self.field_name}__{'lte' if self.end else 'gte'}": value})
        if self.end:
            return qs.filter(**{f"{self.field_name}__lt": _local_midnight(value + datetime.timedelta(days=1))})
        return qs.filter(**{f"{self.field_name}__gte": _local_midnight(value)})


def add_period(filterset_class, *, field_name: str, is_datetime: bool, label: str):
    """Give `filterset_class` the `from` and `to` filters (Python keywords, hence added after the class body)."""
    filterset_class.base_filters["from"] = PeriodBoundFilter(
        field_name=field_name, end=False, is_datetime=is_datetime, label=f"{label}自"
    )
    filterset_class.base_filters["to"] = PeriodBoundFilter(
        field_name=field_name, end=True, is_datetime=is_datetime, label=f"{label}至"
    )
    return filterset_class


def scoped_schools(request) -> QuerySet[School]:
    """The schools the requesting user may see (the choices of a list's school filter)."""
    return restrict(School.objects.all(), request.user, "")


def scoped_districts(request) -> QuerySet[SchoolDistrict]:
    return SchoolDistrict.objects.filter(pk__in=scoped_schools(request).values("district_id")).order_by("code")


def scoped_groups(request) -> QuerySet[EducationGroup]:
    return EducationGroup.objects.filter(pk__in=scoped_schools(request).values("group_id")).order_by("code")


def district_filter() -> django_filters.ModelChoiceFilter:
    """学区 of the record's school, among the 学区 in the user's scope."""
    return django_filters.ModelChoiceFilter(
        label="学区", field_name="school__district", queryset=scoped_districts, empty_label="全部学区"
    )


def group_filter() -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        label="教育集团", field_name="school__group", queryset=scoped_groups, empty_label="全部集团"
    )


def level_filter() -> django_filters.ChoiceFilter:
    return django_filters.ChoiceFilter(
        label="学段", field_name="school__level", choices=SchoolLevel.choices, empty_label="全部学段"
    )
