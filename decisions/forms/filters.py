"""The filter forms of the decision and finding list pages: which filters of `decisions.filters` each page shows,
with its labels, widgets and empty choices. They filter nothing themselves."""

from django_filters.fields import ChoiceField, ModelChoiceField

from core.filters import MonthField, ScopedFilterForm, YesNoField, add_period_fields
from core.school_search import SchoolChoiceField
from schools.choices import SchoolLevel
from schools.models import EducationGroup, School, SchoolDistrict

from ..choices import DecisionStatus, FindingSeverity, MatterCategory, Tier
from ..selectors import rule_titles


def _district() -> ModelChoiceField:
    return ModelChoiceField(
        label="学区", queryset=SchoolDistrict.objects.none(), empty_label="全部学区", required=False
    )


def _group() -> ModelChoiceField:
    return ModelChoiceField(
        label="教育集团", queryset=EducationGroup.objects.none(), empty_label="全部集团", required=False
    )


def _level() -> ChoiceField:
    return ChoiceField(label="学段", choices=SchoolLevel.choices, empty_label="全部学段", required=False)


def _school() -> SchoolChoiceField:
    return SchoolChoiceField(label="学校", queryset=School.objects.none(), empty_label="全部学校", required=False)


class DecisionFilterForm(ScopedFilterForm):
    xuequ = _district()
    group = _group()
    level = _level()
    school = _school()
    sanzhong = ChoiceField(label="事项范围", choices=[("yes", "三重一大事项")], empty_label="全部事项", required=False)
    category = ChoiceField(label="事项类别", choices=MatterCategory.choices, empty_label="全部类别", required=False)
    tier = ChoiceField(label="决策层级", choices=Tier.choices, empty_label="全部层级", required=False)
    status = ChoiceField(label="状态", choices=DecisionStatus.choices, empty_label="全部状态", required=False)
    month = MonthField(label="月份", help_text="登记或决策在该月", required=False)
    has_open_findings = YesNoField(
        label="合规提示",
        choices=[("yes", "有未整改提示"), ("no", "无未整改提示")],
        empty_label="全部",
        required=False,
    )


add_period_fields(DecisionFilterForm, label="决策日期")


def _rule_choices() -> list[tuple[str, str]]:
    return [(code, f"{title}（{code}）") for code, title in rule_titles().items()]


class FindingFilterForm(ScopedFilterForm):
    district = _district()
    group = _group()
    level = _level()
    school = _school()
    rule = ChoiceField(label="规则", choices=_rule_choices, empty_label="全部规则", required=False)
    severity = ChoiceField(label="级别", choices=FindingSeverity.choices, empty_label="全部级别", required=False)
    month = MonthField(label="首次发现月份", required=False)
