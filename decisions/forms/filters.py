"""The filter forms of the decision and finding list pages: which filters of `decisions.filters` each page shows,
with its labels, widgets and empty choices. They filter nothing themselves."""

from django_filters.fields import ChoiceField, ModelChoiceField

from core.filters import MonthField, SchoolRecordFilterForm, YesNoField, add_period_fields
from schools.models import SchoolDistrict

from ..choices import DecisionStatus, FindingSeverity, MatterCategory, Tier
from ..selectors import rule_titles


class DecisionFilterForm(SchoolRecordFilterForm):
    """The 学区 keeps the page's query-string name `xuequ`."""

    field_order = ("xuequ", "group", "level", "school")

    district = None
    xuequ = ModelChoiceField(
        label="学区", queryset=SchoolDistrict.objects.none(), empty_label="全部学区", required=False
    )
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


class FindingFilterForm(SchoolRecordFilterForm):
    rule = ChoiceField(label="规则", choices=_rule_choices, empty_label="全部规则", required=False)
    severity = ChoiceField(label="级别", choices=FindingSeverity.choices, empty_label="全部级别", required=False)
    month = MonthField(label="首次发现月份", required=False)
