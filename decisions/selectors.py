"""Scoped reads of decisions, tasks, evidence and findings."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from core.models import User
from core.scope import restrict
from meetings.models import AgendaItem

from .choices import TaskStatus
from .models import Decision, DecisionTransition, Evidence, Finding, Task, TaskProgress
from .rules import RULES


def decision_list(*, user: User) -> QuerySet[Decision]:
    open_findings = Finding.objects.filter(
        resolved_at__isnull=True,
        content_type=ContentType.objects.get_for_model(Decision),
        object_id=OuterRef("pk"),
    )
    return (
        restrict(Decision.objects.all(), user)
        .select_related("school", "school__district", "deciding_item__meeting")
        .annotate(
            task_count=Count("tasks", distinct=True),
            open_task_count=Count("tasks", filter=~Q(tasks__status=TaskStatus.DONE), distinct=True),
            has_open_findings=Exists(open_findings),
        )
        .order_by("-created_at", "-pk")
    )


def decision_detail(*, user: User) -> QuerySet[Decision]:
    """Everything the decision timeline shows, in a fixed number of queries."""
    return decision_list(user=user).prefetch_related(
        "responsible_leaders",
        "communications__participants",
        Prefetch("agenda_items", queryset=AgendaItem.objects.select_related("meeting").order_by("meeting__date")),
        "consultations__person",
        "legal_reviews",
        Prefetch("transitions", queryset=DecisionTransition.objects.select_related("by")),
        Prefetch(
            "tasks",
            queryset=Task.objects.select_related("owner").prefetch_related(
                Prefetch("progress", queryset=TaskProgress.objects.select_related("author")), "evidence"
            ),
        ),
    )


def task_list(*, user: User) -> QuerySet[Task]:
    return restrict(Task.objects.all(), user, "decision__school").select_related(
        "decision", "owner", "decision__school"
    )


def overdue(tasks: QuerySet[Task]) -> QuerySet[Task]:
    return tasks.filter(due_on__lt=timezone.localdate()).exclude(status=TaskStatus.DONE)


def evidence_list(*, user: User) -> QuerySet[Evidence]:
    return restrict(Evidence.objects.all(), user, "task__decision__school").select_related("task__decision")


def finding_list(*, user: User) -> QuerySet[Finding]:
    """Findings of the schools in scope; `subject` is prefetched so linking to the record costs no query each."""
    return (
        restrict(Finding.objects.all(), user)
        .select_related("school", "school__district", "content_type")
        .prefetch_related("subject")
        .order_by("-first_seen", "-pk")
    )


def rule_titles() -> dict[str, str]:
    return {code: rule.title for code, rule in RULES.items()}
