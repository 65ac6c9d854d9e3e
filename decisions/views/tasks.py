"""督办 pages: tasks of a passed decision, their progress notes and evidence, closing the decision, and a
school's task board with overdue tasks highlighted.

Evidence files live under MEDIA_ROOT, which no URL serves: `evidence_download` streams a file only when the
evidence is in the user's scope (out of scope is 404, like every other record).
"""

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from core.scope import can_edit_school_records
from schools import selectors as school_selectors

from .. import selectors, services
from ..choices import DecisionStatus, TaskStatus
from ..forms.tasks import CloseForm, CompleteForm, EvidenceForm, ProgressForm, TaskForm
from ..models import Task
from ..uploads import SizeLimitUploadHandler
from .decisions import decision_page, get_decision, submit

__all__ = [
    "decision_close",
    "evidence_download",
    "evidence_upload",
    "school_task_board",
    "task_add_progress",
    "task_complete",
    "task_create",
    "task_detail",
]


def _task(request: HttpRequest, pk: int) -> Task:
    return get_object_or_404(selectors.task_detail(user=request.user), pk=pk)


def task_page(request: HttpRequest, pk: int, *, forms: dict | None = None, status: int = 200) -> HttpResponse:
    """A task with its progress and evidence; the forms shown while its decision is not closed."""
    task = _task(request, pk)
    open_for_edit = task.decision.status != DecisionStatus.CLOSED and can_edit_school_records(
        request.user, task.decision.school
    )
    built = {}
    if open_for_edit:
        built = {"progress": ProgressForm(), "evidence": EvidenceForm()}
        if task.status != TaskStatus.DONE:
            built["complete"] = CompleteForm()
    built.update(forms or {})
    return render(request, "decisions/task_detail.html", {"task": task, "forms": built}, status=status)


def _task_action(request: HttpRequest, pk: int, name: str, form, service: Callable, success: str) -> HttpResponse:
    task = get_object_or_404(selectors.task_list(user=request.user), pk=pk)
    return submit(
        request,
        form=form,
        service=service,
        again=lambda status: task_page(request, pk, forms={name: form}, status=status),
        success=success,
        done=task,
        school=task.decision.school,
        task=task,
    )


# --- pages ------------------------------------------------------------------------------------------
@login_required
@require_POST
def decision_close(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_decision(request, pk)
    form = CloseForm(request.POST)
    return submit(
        request,
        form=form,
        service=services.decision_close,
        again=lambda status: decision_page(request, pk, forms={"close": form}, status=status),
        success="事项已办结。",
        done=decision,
        school=decision.school,
        decision=decision,
    )


@login_required
@require_POST
def task_create(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_decision(request, pk)
    form = TaskForm(request.POST, decision=decision)
    return submit(
        request,
        form=form,
        service=services.task_create,
        again=lambda status: decision_page(request, pk, forms={"task": form}, status=status),
        success="督办任务已登记。",
        done=decision,
        school=decision.school,
        decision=decision,
    )


@login_required
@require_http_methods(["GET"])
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return task_page(request, pk)


@login_required
@require_POST
def task_add_progress(request: HttpRequest, pk: int) -> HttpResponse:
    form = ProgressForm(request.POST)
    return _task_action(request, pk, "progress", form, services.task_add_progress, "进展已登记。")


@login_required
@require_POST
def task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    form = CompleteForm(request.POST)
    return _task_action(request, pk, "complete", form, services.task_complete, "任务已标记为完成。")


def _upload(*, user, task, file):
    return services.evidence_upload(user=user, task=task, upload=file)


@csrf_exempt  # checked by `_evidence_upload`: the CSRF check reads the body, the size limit must come first
@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """An over-size file is refused while it streams in (decisions.uploads), never read whole or stored."""
    request.upload_handlers.insert(0, SizeLimitUploadHandler(request))
    return _evidence_upload(request, pk)


@csrf_protect
def _evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    form = EvidenceForm(request.POST, request.FILES, too_large=request.upload_too_large)
    return _task_action(request, pk, "evidence", form, _upload, "佐证材料已上传。")


@login_required
@require_http_methods(["GET"])
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_object_or_404(selectors.evidence_list(user=request.user), pk=pk)
    try:
        handle = evidence.file.storage.open(evidence.file.name, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type)


@login_required
@require_http_methods(["GET"])
def school_task_board(request: HttpRequest, pk: int) -> HttpResponse:
    school = get_object_or_404(school_selectors.school_list(user=request.user), pk=pk)
    tasks = list(selectors.school_task_board(user=request.user, school_id=school.pk))
    columns = [(status, [task for task in tasks if task.status == status]) for status in TaskStatus]
    context = {
        "school": school,
        "columns": columns,
        "overdue_count": sum(task.is_overdue for task in tasks),
    }
    return render(request, "decisions/task_board.html", context)
