"""One FilterSet per resource of the schools app, shared by the school list page and the API endpoints."""

import django_filters
from django.db.models import Q

from core.api.filters import SyncFilterSet
from core.filters import ListPageFilters, SchoolScopedFilter

from .choices import SchoolLevel
from .forms import SchoolFilterForm
from .models import Appointment, CommitteeMembership, EducationGroup, Person, School, SchoolDistrict


class SchoolDistrictFilter(SyncFilterSet):
    class Meta:
        model = SchoolDistrict
        fields = ["updated_since", "code"]


class EducationGroupFilter(SyncFilterSet):
    class Meta:
        model = EducationGroup
        fields = ["updated_since", "code"]


class SchoolFilter(SyncFilterSet):
    q = django_filters.CharFilter(method="filter_q", label="名称或代码包含")
    district = django_filters.ModelChoiceFilter(queryset=SchoolDistrict.objects.all(), label="学区")
    group = django_filters.ModelChoiceFilter(queryset=EducationGroup.objects.all(), label="教育集团")
    level = django_filters.ChoiceFilter(choices=SchoolLevel.choices, label="学段")

    class Meta:
        model = School
        fields = ["updated_since", "q", "district", "group", "level", "code"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))


class SchoolListFilter(ListPageFilters, SchoolFilter):
    page_form = SchoolFilterForm


class PersonFilter(SyncFilterSet):
    class Meta:
        model = Person
        fields = ["updated_since", "code"]


class AppointmentFilter(SchoolScopedFilter):
    class Meta:
        model = Appointment
        fields = ["updated_since", "school", "district", "group", "post", "person"]


class MembershipFilter(SchoolScopedFilter):
    class Meta:
        model = CommitteeMembership
        fields = ["updated_since", "school", "district", "group", "body", "person"]
