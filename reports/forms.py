"""The dashboard's filter form: period (`from`, `to`), 学区, 集团 and 学段. Choices come from the user's scope;
a bad value is a form error shown next to its field and the default is used instead — never a 500."""

from datetime import date

from django import forms

from core.filters import districts_in_scope, groups_in_scope
from core.models import User
from schools.choices import SchoolLevel

from .aggregates import DashboardScope, default_period

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
DATE_ERROR = "请填写 2000 年至 2100 年之间的日期。"


def _parse(value) -> date | None:
    try:
        parsed = forms.DateField().clean(value)
    except forms.ValidationError:
        return None
    return parsed if parsed and EARLIEST <= parsed <= LATEST else None


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class DashboardFilterForm(forms.Form):
    """Bound to the query string; `scope()` gives what to compute, defaults in place of missing or bad values."""

    def __init__(self, data=None, *, user: User, today: date):
        self.today = today
        self.default_from, self.default_to = default_period(today)
        if data is not None:
            data = data.copy()
            end = _parse(data.get("to"))
            # Only an end given: the 12 months up to it.
            data.setdefault("from", default_period(end)[0].isoformat() if end else self.default_from.isoformat())
            data.setdefault("to", self.default_to.isoformat())
        super().__init__(data)
        self.fields["from"] = forms.DateField(label="起始日期", required=False, widget=DateInput())
        self.fields["to"] = forms.DateField(label="截止日期", required=False, widget=DateInput())
        self.fields["district"] = forms.ModelChoiceField(
            label="学区",
            required=False,
            empty_label="全部学区",
            queryset=districts_in_scope(user),
        )
        self.fields["group"] = forms.ModelChoiceField(
            label="教育集团",
            required=False,
            empty_label="全部集团",
            queryset=groups_in_scope(user),
        )
        self.fields["level"] = forms.ChoiceField(
            label="学段", required=False, choices=[("", "全部学段"), *SchoolLevel.choices]
        )

    def _clean_date(self, name: str) -> date | None:
        value = self.cleaned_data.get(name)
        if value is not None and not (EARLIEST <= value <= LATEST):
            raise forms.ValidationError(DATE_ERROR, code="out_of_range")
        return value

    def clean_from(self):
        return self._clean_date("from")

    def clean_to(self):
        return self._clean_date("to")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and start > end:
            self.add_error("to", "截止日期不能早于起始日期。")
        return cleaned

    def scope(self) -> DashboardScope:
        """The figures' scope: the valid values, the defaults for the rest."""
        if self.is_bound:
            self.is_valid()
        values = getattr(self, "cleaned_data", {})
        start = values.get("from") if "from" in values else None
        end = values.get("to") if "to" in values else None
        if start is None or end is None or start > end:
            start, end = start or self.default_from, end or self.default_to
            if start > end:
                start, end = self.default_from, self.default_to
        district, group = values.get("district"), values.get("group")
        return DashboardScope(
            date_from=start,
            date_to=end,
            district_id=district.pk if district else None,
            group_id=group.pk if group else None,
            level=values.get("level") or "",
        )
