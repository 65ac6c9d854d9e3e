"""The 学校 filter of the lists. A scope of a few schools gets a `<select>`; a district or city-wide scope (hundreds
or thousands of schools, where a drop-down is unusable and was 80 KB of every list page) gets a search box that
takes a school code or (part of) a name. Either way the value sent by links — the school's id — is accepted, so
a dashboard figure's link still narrows its list to one school.

A name matching several schools is a form error that says how many, never a guess.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from . import dataversion
from .scope import scope_key

SELECT_MAX = 150  # more schools in scope than this: a search box instead of a drop-down
PLACEHOLDER = "学校代码或名称"
EXAMPLES = 4  # schools named in the error of an ambiguous name (and the count is exact below this many)


def _label(school) -> str:
    return f"{school.code} {school.name}"


class SchoolChoiceField(forms.ModelChoiceField):
    """A school in the field's queryset (the user's scope): by id (links, the drop-down), or typed into the search
    box, by exact code, by "code name" as the box shows a chosen school, or by a part of the name that only one
    school has."""

    default_error_messages = {
        "invalid_choice": "找不到该学校，或它不在您的查看范围内。请填写学校代码或名称。",
        "ambiguous": "有 %(count)s 所学校的名称包含“%(value)s”（如 %(examples)s），请填写学校代码或更完整的名称。",
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, self.queryset.model):
            value = value.pk
        text = str(value).strip()[:200]
        if not text:
            return None
        if self._found is None or self._found[0] != text:  # the search box asks again to show the choice
            self._found = (text, self._find(text))
        school = self._found[1]
        if school is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return school

    _found: tuple[str, object] | None = None  # (text, school) of the last lookup (one per form render)

    def _find(self, text: str):
        schools = self.queryset
        if text.isdigit() and len(text) <= 18:
            school = schools.filter(pk=int(text)).first()
            if school is not None:
                return school
        school = schools.filter(code=text.split()[0]).first()
        if school is not None:
            return school
        school = schools.filter(name=text).first()
        if school is not None:
            return school
        matches = list(schools.filter(name__icontains=text)[:EXAMPLES])
        if len(matches) > 1:
            count = len(matches) if len(matches) < EXAMPLES else schools.filter(name__icontains=text).count()
            examples = "、".join(_label(school) for school in matches[:3])
            params = {"count": count, "value": text, "examples": examples}
            raise ValidationError(self.error_messages["ambiguous"], code="ambiguous", params=params)
        return matches[0] if matches else None


class SchoolSearchInput(forms.TextInput):
    """The search box: shows a chosen school as "code name" (a link's id included)."""

    input_type = "search"

    def __init__(self, field: SchoolChoiceField):
        super().__init__(attrs={"placeholder": PLACEHOLDER, "autocomplete": "off"})
        self.field = field

    def format_value(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, self.field.queryset.model):
            return _label(value)
        try:
            school = self.field.to_python(value)
        except ValidationError:
            return str(value)  # shown back as typed, beside the error
        return _label(school) if school is not None else None


def _scope_size(schools: QuerySet, user) -> int:
    return dataversion.cached(("school-filter-size", scope_key(user)), schools.count)


def use_school_search(form: forms.Form, user) -> None:
    """Turn the form's `school` drop-down into a search box when the user's scope holds more than SELECT_MAX
    schools."""
    field = form.fields.get("school")
    if not isinstance(field, SchoolChoiceField) or _scope_size(field.queryset, user) <= SELECT_MAX:
        return
    field.widget = SchoolSearchInput(field)
