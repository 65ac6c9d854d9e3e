"""督办: tasks of a passed decision, their progress and evidence, and closing the decision."""

import hashlib
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from core.errors import RecordFinalisedError
from core.hooks import recheck_school
from core.models import User
from schools.models import Person

from ..choices import DecisionStatus, Outcome, TaskStatus
from ..models import Decision, Evidence, Task, TaskProgress
from ..rules.chain import ReportBack
from ._common import lock, record_transition, require_edit

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
TOO_LARGE_MESSAGE = "文件不能超过 10 MB。"
# Accepted evidence: the file's first bytes must match its extension.
EVIDENCE_SIGNATURES = {
    ".pdf": (b"%PDF-", "application/pdf"),
    ".png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    ".jpg": (b"\xff\xd8\xff", "image/jpeg"),
    ".jpeg": (b"\xff\xd8\xff", "image/jpeg"),
    ".docx": (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def _open_task(task: Task) -> Task:
    task = Task.objects.select_for_update().select_related("decision__school").get(pk=task.pk)
    if task.decision.status == DecisionStatus.CLOSED:
        raise RecordFinalisedError("决策事项已办结，任务不能再修改。")
    return task


@transaction.atomic
def task_create(*, user: User, decision: Decision, title: str, owner: Person, due_on: date) -> Task:
    """A task of a passed decision; the first one moves the decision to 落实中."""
    require_edit(user, decision.school)
    decision = lock(decision)
    if decision.status not in (DecisionStatus.DECIDED, DecisionStatus.IMPLEMENTING) or (
        decision.outcome != Outcome.PASSED
    ):
        raise ValidationError("只有已通过的决策事项可以分解督办任务。")
    task = Task(decision=decision, title=title.strip(), owner=owner, due_on=due_on)
    task.full_clean()
    task.save()
    if decision.status == DecisionStatus.DECIDED:
        decision.status = DecisionStatus.IMPLEMENTING
        decision.save()
        record_transition(decision, user=user, from_status=DecisionStatus.DECIDED, note="分解督办任务")
    recheck_school(task.decision.school_id)
    return task


@transaction.atomic
def task_add_progress(*, user: User, task: Task, noted_on: date, text: str) -> TaskProgress:
    require_edit(user, task.decision.school)
    task = _open_task(task)
    if noted_on > timezone.localdate():
        raise ValidationError({"noted_on": "进展日期不能晚于今天。"})
    if not text.strip():
        raise ValidationError({"text": "请填写进展情况。"})
    if task.status == TaskStatus.OPEN:
        task.status = TaskStatus.IN_PROGRESS
    task.save()  # progress notes are part of the task's record (ETag, sync)
    return TaskProgress.objects.create(task=task, noted_on=noted_on, text=text.strip(), author=user)


@transaction.atomic
def task_complete(*, user: User, task: Task, done_on: date) -> Task:
    require_edit(user, task.decision.school)
    task = _open_task(task)
    if task.status == TaskStatus.DONE:
        raise ValidationError("任务已完成。")
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": "完成日期不能晚于今天。"})
    task.status, task.done_on = TaskStatus.DONE, done_on
    task.save()
    recheck_school(task.decision.school_id)
    return task


@transaction.atomic
def decision_close(*, user: User, decision: Decision, closing_summary: str, closed_on: date) -> Decision:
    """已办结: every task done, a 三重一大 decision's implementation reported to the 党组织 (REPORT_BACK) and a
    closing summary."""
    require_edit(user, decision.school)
    decision = lock(decision)
    if decision.status != DecisionStatus.IMPLEMENTING:
        raise ValidationError("只有落实中的事项可以办结。")
    open_tasks = list(decision.tasks.exclude(status=TaskStatus.DONE).values_list("title", flat=True))
    if open_tasks:
        raise ValidationError(f"以下任务尚未完成：{'、'.join(open_tasks)}。")
    if ReportBack.applies(decision.category) and not decision.implementation_reports.exists():
        raise ValidationError("须先登记校长向党组织报告决议执行情况，再办结。")
    if not closing_summary.strip():
        raise ValidationError({"closing_summary": "请填写办结总结（落实情况报告）。"})
    if closed_on > timezone.localdate():
        raise ValidationError({"closed_on": "办结日期不能晚于今天。"})
    decision.status, decision.closing_summary, decision.closed_on = DecisionStatus.CLOSED, closing_summary, closed_on
    decision.save()
    record_transition(decision, user=user, from_status=DecisionStatus.IMPLEMENTING, note="办结")
    recheck_school(decision.school_id)
    return decision


def _check_upload(upload: UploadedFile) -> str:
    name = upload.name or ""
    extension = name[name.rfind(".") :].lower() if "." in name else ""
    if extension not in EVIDENCE_SIGNATURES:
        raise ValidationError({"file": "只能上传 PDF、PNG、JPG、DOCX 或 XLSX 文件。"})
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ValidationError({"file": TOO_LARGE_MESSAGE})
    signature, content_type = EVIDENCE_SIGNATURES[extension]
    upload.seek(0)
    head = upload.read(len(signature))
    upload.seek(0)
    if head != signature:
        raise ValidationError({"file": "文件内容与扩展名不符。"})
    return content_type


@transaction.atomic
def evidence_upload(*, user: User, task: Task, upload: UploadedFile) -> Evidence:
    require_edit(user, task.decision.school)
    task = _open_task(task)
    content_type = _check_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    task.save(update_fields=["updated_at"])  # evidence is part of the task's record (ETag, sync)
    return Evidence.objects.create(
        task=task,
        file=upload,
        original_name=upload.name[:200],
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=user,
    )
