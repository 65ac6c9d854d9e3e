"""Forms of 督办: tasks, progress notes, completion, evidence uploads and closing a decision. The services
check the lifecycle and the uploaded file (type, size, content); these forms only shape the input."""

from django import forms
from django.utils import timezone

from schools.models import Person

from ..models import Decision
from ..services.tasks import EVIDENCE_SIGNATURES, TOO_LARGE_MESSAGE
from .decisions import DATE_ERRORS, ActionForm, date_input, school_people

__all__ = ["CloseForm", "CompleteForm", "EvidenceForm", "ProgressForm", "TaskForm"]


class TaskForm(ActionForm):
    id_prefix = "task"

    title = forms.CharField(
        label="任务",
        max_length=200,
        error_messages={"required": "请填写任务内容。", "max_length": "任务内容不能超过 200 字。"},
    )
    owner = forms.ModelChoiceField(
        label="责任人",
        queryset=Person.objects.none(),
        empty_label="请选择责任人",
        error_messages={"required": "请选择责任人。", "invalid_choice": "所选责任人不在可选范围内。"},
    )
    due_on = forms.DateField(
        label="完成时限", widget=date_input(), error_messages={"required": "请填写完成时限。", **DATE_ERRORS}
    )

    def __init__(self, *args, decision: Decision, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = school_people(decision.school_id)


class ProgressForm(ActionForm):
    id_prefix = "progress"

    noted_on = forms.DateField(
        label="日期",
        widget=date_input(),
        initial=timezone.localdate,
        error_messages={"required": "请填写进展日期。", **DATE_ERRORS},
    )
    text = forms.CharField(
        label="进展情况", widget=forms.Textarea(attrs={"rows": 3}), error_messages={"required": "请填写进展情况。"}
    )


class CompleteForm(ActionForm):
    id_prefix = "complete"

    done_on = forms.DateField(
        label="完成日期",
        widget=date_input(),
        initial=timezone.localdate,
        error_messages={"required": "请填写完成日期。", **DATE_ERRORS},
    )


class EvidenceForm(ActionForm):
    id_prefix = "evidence"

    file = forms.FileField(
        label="佐证材料",
        widget=forms.FileInput(attrs={"accept": ",".join(EVIDENCE_SIGNATURES)}),
        help_text="PDF、PNG、JPG、DOCX 或 XLSX 文件，不超过 10 MB。",
        error_messages={
            "required": "请选择要上传的文件。",
            "empty": "上传的文件是空的。",
            "invalid": "上传失败，请重新选择文件。",
            "missing": "上传失败，请重新选择文件。",
        },
    )

    def __init__(self, *args, too_large: bool = False, **kwargs):
        """`too_large`: the upload was stopped while streaming in (decisions.uploads), so no file arrived."""
        super().__init__(*args, **kwargs)
        self.too_large = too_large

    def full_clean(self):
        super().full_clean()
        if self.is_bound and self.too_large:
            self._errors["file"] = self.error_class([TOO_LARGE_MESSAGE])
            self.cleaned_data.pop("file", None)


class CloseForm(ActionForm):
    id_prefix = "close"

    """已办结: the implementation report back to the party organisation closes the loop."""

    closing_summary = forms.CharField(
        label="办结总结（落实情况报告）",
        required=False,  # the service says what is missing: open tasks first, then the summary
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    closed_on = forms.DateField(
        label="办结日期",
        widget=date_input(),
        initial=timezone.localdate,
        error_messages={"required": "请填写办结日期。", **DATE_ERRORS},
    )
