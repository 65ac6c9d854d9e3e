"""Forms of the decision pages. They only collect input: `decisions.services` classify, check the lifecycle
and write; their messages are put back onto these forms."""

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.models import User
from core.scope import editable_schools
from meetings.forms import communications as communication_forms
from meetings.forms.communications import LeaderMultipleChoiceField, leaders_of
from meetings.forms.meetings import CommunicationChoiceField
from meetings.models import AgendaItem, Communication, Meeting
from meetings.selectors import CONFIDENTIAL_TITLE, sees_confidential
from schools.choices import MeetingBody
from schools.models import Person, School

from ..choices import DecisionStatus, MatterCategory, ReviewConclusion, Tier
from ..models import Decision, MatterType

__all__ = [
    "ActionForm",
    "AmendmentForm",
    "ConsultationForm",
    "DecideForm",
    "DecisionForm",
    "ImplementationReportForm",
    "LegalReviewForm",
    "LinkItemForm",
    "TransitionForm",
    "date_input",
    "school_people",
]

BLANK = [("", "请选择")]
DATE_ERRORS = {"invalid": "请填写有效的日期。"}


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def school_people(school: School | int) -> QuerySet[Person]:
    """People holding (or having held) a post or a meeting-body membership in the school."""
    return (
        Person.objects.filter(Q(appointments__school=school) | Q(memberships__school=school))
        .distinct()
        .order_by("code")
    )


class ActionForm(forms.Form):
    """One of several forms on a page: element ids carry `id_prefix` so that they stay unique on the page."""

    id_prefix = "action"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class AmendmentForm(ActionForm, communication_forms.AmendmentForm):
    """更正 of a decided decision: the corrected content and why; the decision itself stays as it was."""

    id_prefix = "amend"


class SameMatterChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Decision) -> str:
        amount = f"，{obj.amount:,.2f} 元" if obj.amount is not None else ""
        return f"{obj.created_at:%Y-%m-%d} {obj.title}（{obj.get_status_display()}{amount}）"


def same_matter_choices(school_ids, decision: Decision | None) -> QuerySet[Decision]:
    """Decisions a part of a split matter may point at: the school's first decisions of a matter (roots), not the
    decision itself; 干部任免 matters (confidential, no amounts to split) are not offered."""
    choices = Decision.objects.filter(school__in=school_ids, same_matter_as__isnull=True).exclude(
        category=MatterCategory.PERSONNEL
    )
    if decision is not None:
        choices = choices.exclude(pk=decision.pk)
    return choices.order_by("-created_at", "-pk")


class MatterTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: MatterType) -> str:
        return f"{obj.name}（{obj.get_category_display()} · {obj.get_tier_display()}）"


class DecisionForm(forms.Form):
    """Register (no `decision`) or edit (with it) a decision before it is decided; the school is fixed once
    registered. Category and tier may stay empty when a 事项清单 entry is chosen: the service takes its
    suggestion (and an amount at or above the threshold always makes it 大额度资金使用, collective)."""

    school = forms.ModelChoiceField(
        label="学校",
        queryset=School.objects.none(),
        empty_label="请选择学校",
        error_messages={"required": "请选择学校。", "invalid_choice": "请选择您有权登记的学校。"},
    )
    title = forms.CharField(
        label="事项名称",
        max_length=200,
        error_messages={"required": "请填写事项名称。", "max_length": "事项名称不能超过 200 字。"},
    )
    description = forms.CharField(label="事项说明", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    matter_type = MatterTypeChoiceField(
        label="事项清单",
        queryset=MatterType.objects.all(),
        required=False,
        empty_label="不选择",
        help_text="选择区事项清单中的事项后，事项类别和决策层级可留空，按清单建议确定。",
        error_messages={"invalid_choice": "请选择事项清单中的事项。"},
    )
    category = forms.ChoiceField(
        label="事项类别",
        choices=BLANK + MatterCategory.choices,
        required=False,
        error_messages={"required": "请选择事项类别。", "invalid_choice": "请选择有效的事项类别。"},
    )
    tier = forms.ChoiceField(
        label="决策层级",
        choices=BLANK + Tier.choices,
        required=False,
        help_text="三重一大事项须“大事难事 集体讨论”；中事须先征询意见；小事由责任领导自主决策并登记。",
        error_messages={"required": "请选择决策层级。", "invalid_choice": "请选择有效的决策层级。"},
    )
    amount = forms.DecimalField(
        label="涉及金额（元）",
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text="达到大额度资金标准的，自动按“大额度资金使用”集体决策。",
        error_messages={
            "min_value": "涉及金额不能为负数。",
            "invalid": "请填写有效的金额。",
            "max_digits": "金额过大，请核对。",
            "max_whole_digits": "金额过大，请核对。",
            "max_decimal_places": "金额最多保留两位小数。",
        },
    )
    responsible_leaders = LeaderMultipleChoiceField(
        label="责任领导",
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "所选责任领导不在可选范围内。"},
    )
    communications = CommunicationChoiceField(
        label="会前沟通",
        queryset=Communication.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="书记校长就本事项的事先沟通记录。",
        error_messages={"invalid_choice": "所选沟通记录不在可选范围内。"},
    )
    same_matter_as = SameMatterChoiceField(
        label="同一事项（分次决策）",
        queryset=Decision.objects.none(),
        required=False,
        empty_label="不是分次决策",
        help_text="同一事项分次决策时选择首次决策的事项；期限内的金额合并计算，合计达到标准的按大额度资金集体决策。",
        error_messages={"invalid_choice": "请选择本校首次决策的事项。"},
    )

    def __init__(self, *args, user: User, decision: Decision | None = None, **kwargs):
        if decision is not None:
            kwargs.setdefault("initial", _initial_of(decision))
        super().__init__(*args, **kwargs)
        self.single_school: School | None = None
        if decision is not None:
            del self.fields["school"]
            self.can_create = True
            self.fields["category"].required = self.fields["tier"].required = True
            school_ids: QuerySet[School] | list[int] = [decision.school_id]
        else:
            schools = editable_schools(user)
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
            self._suggest_from_matter_type()
            if self.single_school is None and not str(chosen or "").isdigit():
                # Several schools and none chosen yet: no list of every school's communications.
                self.fields["school"].help_text = "会前沟通记录可在登记后“修改”时关联。"
                self.fields["communications"].widget = forms.MultipleHiddenInput()
                self.fields["same_matter_as"].widget = forms.HiddenInput()
        self.fields["responsible_leaders"].queryset = leaders_of(School.objects.filter(pk__in=school_ids))
        self.fields["communications"].queryset = Communication.objects.filter(school__in=school_ids).order_by(
            "-occurred_at", "-pk"
        )
        self.fields["same_matter_as"].queryset = same_matter_choices(school_ids, decision)

    def _suggest_from_matter_type(self) -> None:
        """On an unbound form opened with ?matter_type=, pre-fill the category and tier the list suggests."""
        chosen = self.initial.get("matter_type")
        if self.is_bound or not str(chosen or "").isdigit():
            return
        matter_type = MatterType.objects.filter(pk=chosen).first()
        if matter_type is not None:
            self.initial.setdefault("category", matter_type.category)
            self.initial.setdefault("tier", matter_type.tier)

    def clean_school(self) -> School | None:
        return self.cleaned_data.get("school") or self.single_school

    def clean_category(self) -> str | None:
        return self.cleaned_data.get("category") or None

    def clean_tier(self) -> str | None:
        return self.cleaned_data.get("tier") or None


def _initial_of(decision: Decision) -> dict:
    fields = ("title", "description", "matter_type", "category", "tier", "amount")
    initial = {field: getattr(decision, field) for field in fields}
    initial["matter_type"] = decision.matter_type_id
    initial["responsible_leaders"] = [person.pk for person in decision.responsible_leaders.all()]
    initial["communications"] = [communication.pk for communication in decision.communications.all()]
    initial["same_matter_as"] = decision.same_matter_as_id
    return initial


class TransitionForm(ActionForm):
    """A step the user asks for directly (开始沟通, 提交会议研究, 暂缓后再沟通); the buttons carry `to_status`."""

    id_prefix = "transition"

    to_status = forms.ChoiceField(
        label="变更为",
        choices=DecisionStatus.choices,
        error_messages={"required": "请选择要变更的状态。", "invalid_choice": "请选择有效的状态。"},
    )
    note = forms.CharField(
        label="说明", max_length=300, required=False, error_messages={"max_length": "说明不能超过 300 字。"}
    )


class AgendaItemChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, redact: bool = False, **kwargs):
        self.redact = redact
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: AgendaItem) -> str:
        title = CONFIDENTIAL_TITLE if self.redact and obj.is_confidential else obj.title
        meeting = obj.meeting
        return f"{meeting.date:%Y-%m-%d} {meeting.get_body_display()}：{title}（{obj.get_result_display()}）"


def _redacts(user: User, decision: Decision) -> bool:
    """Confidential item titles are hidden from readers outside the school (as on the meeting pages)."""
    return not sees_confidential(user=user, meeting=Meeting(school=decision.school))


class LinkItemForm(ActionForm):
    """Add an agenda item of the school's meetings to the decision chain."""

    id_prefix = "link"

    item = AgendaItemChoiceField(
        label="会议议题",
        queryset=AgendaItem.objects.none(),
        empty_label="请选择议题",
        help_text="校长办公会研究提出 → 党组织会议讨论决定 → 校长办公会部署落实；列入党组织会议后事项即为“已上会”。",
        error_messages={"required": "请选择要关联的会议议题。", "invalid_choice": "请选择本校会议的议题。"},
    )

    def __init__(self, *args, user: User, decision: Decision, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["item"]
        field.redact = _redacts(user, decision)
        field.queryset = (
            AgendaItem.objects.filter(meeting__school_id=decision.school_id)
            .exclude(decisions=decision)
            .select_related("meeting")
            .order_by("-meeting__date", "meeting_id", "order")
        )


class DecideForm(ActionForm):
    """已决策: a collective matter from one of its voted agenda items; a 中事 or 小事 on a date (and, for a
    小事, by the responsible leader). Which fields exist follows the tier; the service checks the rest."""

    id_prefix = "decide"

    item = AgendaItemChoiceField(
        label="决策议题",
        queryset=AgendaItem.objects.none(),
        required=False,
        empty_label="请选择已表决的议题",
        help_text="决策结果按该议题的表决结果确定；三重一大事项须为党组织会议议题。",
        error_messages={"invalid_choice": "请选择本事项已关联的议题。"},
    )
    decided_on = forms.DateField(
        label="决策日期", required=False, widget=date_input(), initial=timezone.localdate, error_messages=DATE_ERRORS
    )
    decided_by = forms.ModelChoiceField(
        label="决定人",
        queryset=Person.objects.none(),
        required=False,
        empty_label="请选择决定人",
        error_messages={"invalid_choice": "所选决定人不在可选范围内。"},
    )
    is_emergency = forms.BooleanField(
        label="紧急情况临机决定",
        required=False,
        help_text="紧急情况下由书记或校长个人临机决定时勾选，并填写决定人、日期和理由；事后须在下一次党组织会议上通报。",
    )
    emergency_reason = forms.CharField(
        label="临机决定理由",
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "临机决定理由不能超过 200 字。"},
    )

    def __init__(self, *args, user: User, decision: Decision, **kwargs):
        super().__init__(*args, **kwargs)
        if decision.tier == Tier.COLLECTIVE:
            self.fields["item"].redact = _redacts(user, decision)
            self.fields["item"].queryset = (
                AgendaItem.objects.filter(decisions=decision).select_related("meeting").order_by("meeting__date")
            )
            self.fields["item"].required = False
            for name in ("decided_on", "decided_by"):
                self.fields[name].help_text = "仅紧急情况临机决定时填写；集体讨论决定的，日期取会议日期。"
            self.fields["decided_by"].queryset = school_people(decision.school_id)
            return
        del self.fields["item"], self.fields["is_emergency"], self.fields["emergency_reason"]
        if decision.tier == Tier.AUTONOMOUS:
            self.fields["decided_by"].queryset = school_people(decision.school_id)
        else:
            del self.fields["decided_by"]


class ConsultationForm(ActionForm):
    """征询意见 of a 中事: whom, when, what he or she said."""

    id_prefix = "consultation"

    person = forms.ModelChoiceField(
        label="征询对象",
        queryset=Person.objects.none(),
        empty_label="请选择",
        error_messages={"required": "请选择征询对象。", "invalid_choice": "所选人员不在可选范围内。"},
    )
    consulted_on = forms.DateField(
        label="征询日期",
        widget=date_input(),
        initial=timezone.localdate,
        error_messages={"required": "请填写征询日期。", **DATE_ERRORS},
    )
    opinion = forms.CharField(
        label="意见", widget=forms.Textarea(attrs={"rows": 3}), error_messages={"required": "请填写征询到的意见。"}
    )

    def __init__(self, *args, decision: Decision, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = school_people(decision.school_id)


class LegalReviewForm(ActionForm):
    """合法性审查 before a 三重一大 matter is decided."""

    id_prefix = "review"

    reviewer = forms.CharField(
        label="审查人（机构）",
        max_length=100,
        error_messages={"required": "请填写审查人或审查机构。", "max_length": "审查人不能超过 100 字。"},
    )
    reviewed_on = forms.DateField(
        label="审查日期",
        widget=date_input(),
        initial=timezone.localdate,
        error_messages={"required": "请填写审查日期。", **DATE_ERRORS},
    )
    conclusion = forms.ChoiceField(
        label="审查结论",
        choices=BLANK + ReviewConclusion.choices,
        error_messages={"required": "请选择审查结论。", "invalid_choice": "请选择有效的审查结论。"},
    )
    note = forms.CharField(label="审查意见", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ImplementationReportForm(ActionForm):
    """执行情况报告: the principal reports the decision's implementation to the 党组织 (REPORT_BACK)."""

    id_prefix = "report"

    reported_on = forms.DateField(
        label="报告日期",
        widget=date_input(),
        initial=timezone.localdate,
        error_messages={"required": "请填写报告日期。", **DATE_ERRORS},
    )
    reporter = forms.ModelChoiceField(
        label="报告人",
        queryset=Person.objects.none(),
        empty_label="请选择报告人",
        error_messages={"required": "请选择报告人。", "invalid_choice": "所选报告人不在可选范围内。"},
    )
    item = AgendaItemChoiceField(
        label="报告所在议题",
        queryset=AgendaItem.objects.none(),
        required=False,
        empty_label="不关联议题",
        help_text="在党组织会议上报告的，选择该议题。",
        error_messages={"invalid_choice": "请选择本校党组织会议的议题。"},
    )
    summary = forms.CharField(
        label="报告内容", widget=forms.Textarea(attrs={"rows": 3}), error_messages={"required": "请填写报告内容。"}
    )

    def __init__(self, *args, user: User, decision: Decision, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reporter"].queryset = school_people(decision.school_id)
        field = self.fields["item"]
        field.redact = _redacts(user, decision)
        field.queryset = (
            AgendaItem.objects.filter(meeting__school_id=decision.school_id, meeting__body=MeetingBody.PARTY_COMMITTEE)
            .select_related("meeting")
            .order_by("-meeting__date", "meeting_id", "order")
        )
