import django_filters
from django.db.models import Q

from core.filters import ScopedFilterSet

from .choices import SchoolLevel
from .models import EducationGroup, School, SchoolDistrict


class SchoolFilter(ScopedFilterSet):
    q = django_filters.CharFilter(label="名称或代码", method="filter_q")
    district = django_filters.ModelChoiceFilter(
        label="学区", queryset=SchoolDistrict.objects.all(), empty_label="全部学区"
    )
    group = django_filters.ModelChoiceFilter(
        label="教育集团", queryset=EducationGroup.objects.all(), empty_label="全部集团"
    )
    level = django_filters.ChoiceFilter(label="学段", choices=SchoolLevel.choices, empty_label="全部学段")

    class Meta:
        model = School
        fields = ["q", "district", "group", "level"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))
