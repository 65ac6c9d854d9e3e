"""Filters of the audit trail: school, account, record type, action and a date range (local dates)."""

import datetime

import django_filters
from django import forms
from django.utils import timezone

from schools.models import School

from ..models import AuditAction, AuditEvent
from .selectors import audited_models


def _model_choices() -> list[tuple[str, str]]:
    return list(audited_models().items())


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class AuditEventFilter(django_filters.FilterSet):
    school = django_filters.ModelChoiceFilter(
        label="学校", queryset=School.objects.order_by("code"), empty_label="全部学校"
    )
    username = django_filters.CharFilter(label="账号", method="filter_username")
    model = django_filters.ChoiceFilter(label="对象类型", choices=_model_choices, empty_label="全部类型")
    action = django_filters.ChoiceFilter(label="操作", choices=AuditAction.choices, empty_label="全部操作")
    date_from = django_filters.DateFilter(
        label="起始日期", method="filter_date_from", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label="截止日期", method="filter_date_to", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AuditEvent
        fields = ["school", "username", "model", "action", "date_from", "date_to"]

    def filter_username(self, queryset, name, value):
        value = (value or "").strip()
        return queryset.filter(username=value) if value else queryset

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(at__gte=_start_of(value)) if value else queryset

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(at__lt=_start_of(value + datetime.timedelta(days=1))) if value else queryset
