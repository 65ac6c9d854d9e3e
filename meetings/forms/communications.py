"""Forms of the 四沟通 pages. They only collect input: `meetings.services` validates the pair and writes."""

from django import forms
from django.db.models import OuterRef, QuerySet, Subquery

from core.models import User
from core.scope import editable_schools
from schools.choices import Post
from schools.models import Appointment, Person, School

from ..choices import CommunicationCategory, CommunicationOutcome, CommunicationTiming
from ..models import Communication

# Who may take part in a pair communication: the pair, and in a 一肩挑 school a deputy.
LEADER_POSTS = (Post.SECRETARY, Post.PRINCIPAL, Post.EXECUTIVE_PRINCIPAL, Post.DEPUTY_SECRETARY, Post.DEPUTY_PRINCIPAL)
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
BLANK = [("", "请选择")]


def leaders_of(schools: QuerySet[School]) -> QuerySet[Person]:
    """People who hold or held a pair or deputy post in `schools`, labelled with their latest post: one query."""
    appointments = Appointment.objects.filter(school__in=schools, post__in=LEADER_POSTS)
    latest = appointments.filter(person=OuterRef("pk")).order_by("-start", "-pk")
    return (
        Person.objects.filter(pk__in=appointments.values("person_id"))
        .annotate(
            leader_school=Subquery(latest.values("school__name")[:1]), leader_post=Subquery(latest.values("post")[:1])
        )
        .order_by("code")
    )


def _leader_label(person: Person) -> str:
    post = getattr(person, "leader_post", None)
    if not post:
        return person.name
    return f"{person.name}（{person.leader_school} · {Post(post).label}）"


class LeaderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return _leader_label(obj)


class LeaderMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return _leader_label(obj)


def _datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


class CommunicationForm(forms.Form):
    """Log (no `communication`) or edit (with it) a communication; the school is fixed once logged."""

    school = forms.ModelChoiceField(
        label="学校",
        queryset=School.objects.none(),
        empty_label="请选择学校",
        error_messages={"required": "请选择学校。", "invalid_choice": "请选择您有权登记的学校。"},
    )
    occurred_at = forms.DateTimeField(
        label="沟通时间",
        widget=_datetime_input(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        error_messages={"required": "请填写沟通时间。", "invalid": "请填写有效的日期和时间。"},
    )
    category = forms.ChoiceField(
        label="沟通类别",
        choices=BLANK + CommunicationCategory.choices,
        error_messages={"required": "请选择沟通类别。", "invalid_choice": "请选择有效的沟通类别。"},
    )
    timing = forms.ChoiceField(
        label="沟通时机",
        choices=BLANK + CommunicationTiming.choices,
        help_text="三重一大须“重要决策事先”，突发事件须“紧急及时”，一对一深度对话为“日常定期”。",
        error_messages={"required": "请选择沟通时机。", "invalid_choice": "请选择有效的沟通时机。"},
    )
    event_at = forms.DateTimeField(
        label="事件发生时间",
        required=False,
        widget=_datetime_input(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        help_text="仅突发事件填写，且必填。",
        error_messages={"invalid": "请填写有效的日期和时间。"},
    )
    subject = forms.CharField(
        label="主题",
        max_length=200,
        error_messages={"required": "请填写沟通主题。", "max_length": "主题不能超过 200 字。"},
    )
    summary = forms.CharField(
        label="沟通内容",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "请填写沟通内容。"},
    )
    outcome = forms.ChoiceField(
        label="沟通结果",
        choices=BLANK + CommunicationOutcome.choices,
        error_messages={"required": "请选择沟通结果。", "invalid_choice": "请选择有效的沟通结果。"},
    )
    participants = LeaderMultipleChoiceField(
        label="参与人",
        queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="选择沟通当日在任的书记和校长；一肩挑学校选择书记（校长）本人和一位副书记或副校长。",
        error_messages={"required": "请选择沟通参与人。", "invalid_choice": "所选参与人不在可选范围内。"},
    )

    def __init__(self, *args, user: User, communication: Communication | None = None, **kwargs):
        if communication is not None:
            kwargs.setdefault("initial", _initial_of(communication))
        super().__init__(*args, **kwargs)
        schools = editable_schools(user)
        self.single_school: School | None = None
        if communication is not None:
            del self.fields["school"]
            self.can_create = True
            school_ids: QuerySet[School] | list[int] = [communication.school_id]
        else:
            first_two = list(schools[:2])
            self.can_create = bool(first_two)
            self.fields["school"].queryset = schools
            if len(first_two) == 1:
                self.single_school = first_two[0]
                self.fields["school"].widget = forms.HiddenInput()
                self.fields["school"].required = False
                self.initial["school"] = self.single_school.pk
            chosen = self.data.get(self.add_prefix("school")) if self.is_bound else self.initial.get("school")
            school_ids = schools.filter(pk=chosen) if str(chosen or "").isdigit() else schools
        self.fields["participants"].queryset = leaders_of(School.objects.filter(pk__in=school_ids))

    def clean_school(self) -> School | None:
        return self.cleaned_data.get("school") or self.single_school


def _initial_of(communication: Communication) -> dict:
    fields = ("occurred_at", "category", "timing", "event_at", "subject", "summary", "outcome")
    initial = {field: getattr(communication, field) for field in fields}
    initial["participants"] = [person.pk for person in communication.participants.all()]
    return initial


class AmendmentForm(forms.Form):
    """更正: the corrected content and why; the confirmed record itself stays as it was."""

    correction = forms.CharField(
        label="更正后内容",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写更正后的内容。"},
    )
    reason = forms.CharField(
        label="更正原因",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写更正原因。"},
    )
