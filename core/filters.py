"""The pieces every resource's FilterSet and every list page's filter form share (one FilterSet per resource,
used by its page and its API endpoint, NetBox style): `SchoolScopedFilter` (school, 学区, 集团), the period
`from`/`to` as inclusive local dates under the names the dashboard links use, months, and the page side —
`ListPageFilters` reads a FilterSet through a page's `ScopedFilterForm`, whose choices come from the user's
scope. A dashboard figure and the list behind it thus count the same rows. Bad values are form errors (400 in
the API), never a 500."""

import copy
import datetime
from typing import ClassVar

import django_filters
import django_filters.fields
from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from core.api.filters import SyncFilterSet
from core.models import SCHOOL_ROLES, Role
from core.months import parse_month
from core.school_search import SchoolChoiceField, use_school_search
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


MONTH_ERROR = "月份格式不正确，请按“年-月”填写，如 2024-03。"


class MonthField(forms.CharField):
    """A month typed as YYYY-MM (what `<input type="month">` sends); cleans to the month's first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        month = parse_month(value)
        if month is None:
            raise forms.ValidationError(MONTH_ERROR, code="invalid_month")
        return month


class MonthFilter(django_filters.CharFilter):  # a string (YYYY-MM) in the API schema
    field_class = MonthField


class YesNoField(django_filters.fields.ChoiceField):
    """A yes/no select on a page (`yes`, `no`), cleaned to True/False for the FilterSet's BooleanFilter."""

    def clean(self, value):
        return {"yes": True, "no": False}.get(super().clean(value))


_XUEQU = ("district", "xuequ")  # the 学区 filter's two names (the decision list calls it `xuequ`)


def _filters_outside_scope(user) -> tuple[str, ...]:
    """Filters that cannot narrow what `user` sees: a school account sees one school (the pair also its
    campuses), a 学区 viewer one 学区. They are not offered (and ignored if sent)."""
    role = getattr(user, "role", None)
    if role == Role.CLERK:
        return (*_XUEQU, "group", "level", "school")
    if role in SCHOOL_ROLES:
        return (*_XUEQU, "group", "level")
    if role == Role.XUEQU_VIEWER:
        return _XUEQU
    return ()


class SchoolScopedFilter(SyncFilterSet):
    """A resource owned by a school: its `school`, 学区 (`district`) and 集团 (`group`), reached through
    `school_path` (`decision__school` for a decision's tasks). Any id is accepted: the selector has already
    limited the rows to the user's scope, so a school, 学区 or 集团 outside it simply yields no rows."""

    school_path = "school"

    school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label="学校")
    district = django_filters.ModelChoiceFilter(
        field_name="school__district", queryset=SchoolDistrict.objects.all(), label="学区"
    )
    group = django_filters.ModelChoiceFilter(
        field_name="school__group", queryset=EducationGroup.objects.all(), label="教育集团"
    )

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        if cls.school_path != "school":
            for name, filter_ in filters.items():
                if filter_.field_name == "school" or filter_.field_name.startswith("school__"):
                    filters[name] = copy.deepcopy(filter_)
                    filters[name].field_name = cls.school_path + filter_.field_name.removeprefix("school")
        return filters


class ScopedFilterForm(forms.Form):
    """A list page's filter form (NetBox's filter forms): fields of the resource's FilterSet with the page's labels,
    widgets and choices. The FilterSet does the filtering. School, 学区 and 集团 are chosen among those in the user's
    scope; filters that cannot narrow what the user sees are not offered (and ignored if sent)."""

    scoped_choices = ("school", "district", "xuequ", "group")  # fields whose choices come from the scope

    def __init__(self, data=None, *, user, prefix=None):
        super().__init__(data, prefix=prefix)
        choices = {
            "school": lambda: schools_in_scope(user).only("pk", "code", "name").order_by("code"),
            "district": lambda: districts_in_scope(user),
            "xuequ": lambda: districts_in_scope(user),
            "group": lambda: groups_in_scope(user),
        }
        for name, queryset in choices.items():
            if name in self.fields and name in self.scoped_choices:
                self.fields[name].queryset = queryset()
        for name in _filters_outside_scope(user):
            self.fields.pop(name, None)
        use_school_search(self, user)


class SchoolRecordFilterForm(ScopedFilterForm):
    """学区, 集团, 学段 and school, as every list of school records offers them."""

    district = django_filters.fields.ModelChoiceField(
        label="学区", queryset=SchoolDistrict.objects.none(), empty_label="全部学区", required=False
    )
    group = django_filters.fields.ModelChoiceField(
        label="教育集团", queryset=EducationGroup.objects.none(), empty_label="全部集团", required=False
    )
    level = django_filters.fields.ChoiceField(
        label="学段", choices=SchoolLevel.choices, empty_label="全部学段", required=False
    )
    school = SchoolChoiceField(label="学校", queryset=School.objects.none(), empty_label="全部学校", required=False)


def add_period_fields(form_class, *, label: str):
    """Give a page's filter form the `from` and `to` fields of `add_period` (Python keywords, hence added here)."""
    form_class.base_fields["from"] = PeriodDateField(label=f"{label}自", required=False)
    form_class.base_fields["to"] = PeriodDateField(label=f"{label}至", required=False)
    return form_class


class ListPageFilters:
    """A list page's use of its resource's FilterSet (put first in the bases): the same filters, read through
    `page_form`, whose fields keep the page's query-string names (`page_names`: page name → filter name)."""

    page_form: type[ScopedFilterForm]
    page_names: ClassVar[dict[str, str]] = {}

    @property
    def form(self):
        if not hasattr(self, "_form"):
            data = self.data if self.is_bound else None
            self._form = self.page_form(data, user=self.request.user, prefix=self.form_prefix)
        return self._form

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        for name, value in self.form.cleaned_data.items():
            queryset = self.filters[self.page_names.get(name, name)].filter(queryset, value)
        return queryset


def local_midnight(day: datetime.date) -> datetime.datetime:
    """The first instant of `day` in local time."""
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
            return qs.filter(**{f"{self.field_name}__lt": local_midnight(value + datetime.timedelta(days=1))})
        return qs.filter(**{f"{self.field_name}__gte": local_midnight(value)})


def add_period(filterset_class, *, field_name: str, is_datetime: bool, label: str):
    """Give `filterset_class` the `from` and `to` filters (Python keywords, hence added after the class body; as
    declared filters, so that subclasses have them too)."""
    for name, end in (("from", False), ("to", True)):
        period_filter = PeriodBoundFilter(
            field_name=field_name, end=end, is_datetime=is_datetime, label=f"{label}{'至' if end else '自'}"
        )
        filterset_class.declared_filters[name] = filterset_class.base_filters[name] = period_filter
    return filterset_class


def schools_in_scope(user) -> QuerySet[School]:
    """The schools `user` may see (the choices of the lists' and the dashboard's filters)."""
    return restrict(School.objects.all(), user, "")


def districts_in_scope(user) -> QuerySet[SchoolDistrict]:
    return SchoolDistrict.objects.filter(pk__in=schools_in_scope(user).values("district_id")).order_by("code")


def groups_in_scope(user) -> QuerySet[EducationGroup]:
    return EducationGroup.objects.filter(pk__in=schools_in_scope(user).values("group_id")).order_by("code")


def level_filter() -> django_filters.ChoiceFilter:
    """学段 of the record's school."""
    return django_filters.ChoiceFilter(field_name="school__level", choices=SchoolLevel.choices, label="学段")
