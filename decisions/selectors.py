"""Scoped reads of decisions, tasks, evidence and findings, and the rulebook as users read it."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.models import User
from core.rules import Rule
from core.scope import restrict
from meetings.models import AgendaItem, Communication, Vote
from schools.models import Policy
from schools.policies import PolicyBook

from .choices import MatterCategory, TaskStatus
from .models import Decision, DecisionTransition, Evidence, Finding, ImplementationReport, Task, TaskProgress
from .rules import RULES


def decision_list(*, user: User) -> QuerySet[Decision]:
    open_findings = Finding.objects.filter(
        resolved_at__isnull=True,
        # By natural key, so building the queryset needs no query (the OpenAPI generator builds it without a DB).
        content_type__app_label=Decision._meta.app_label,
        content_type__model=Decision._meta.model_name,
        object_id=OuterRef("pk"),
    )
    # Task counts as correlated subqueries, not JOIN + GROUP BY over every decision: a page ordered by creation
    # is then read through the (created_at, id) index and only its rows are counted (docs/benchmarks.md).
    return (
        restrict(Decision.objects.all(), user)
        .select_related("school", "school__district", "deciding_item__meeting")
        .annotate(
            task_count=_task_count(),
            open_task_count=_task_count(~Q(status=TaskStatus.DONE)),
            has_open_findings=Exists(open_findings),
        )
        .order_by("-created_at", "-pk")
    )


def _task_count(*conditions: Q) -> Coalesce:
    tasks = (
        Task.objects.filter(*conditions, decision=OuterRef("pk"))
        .order_by()
        .values("decision")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(tasks, output_field=IntegerField()), Value(0))


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


def open_finding_count() -> RawSQL:
    """The number of open findings of each school of a school queryset. Findings are scoped by their school
    alone, so for schools already in the user's scope it is what the user sees on the findings pages. Written
    out in SQL: a `Subquery()` count took longer to compile (≈ 0.4 ms) than the school page's query to run."""
    sql = (
        'SELECT COUNT(*) FROM "decisions_finding" finding'
        ' WHERE finding."school_id" = "schools_school"."id" AND finding."resolved_at" IS NULL'
    )
    return RawSQL(sql, (), output_field=IntegerField())  # noqa: S611  (a constant, no parameters)


def rule_titles() -> dict[str, str]:
    return {code: rule.title for code, rule in RULES.items()}


# --- added by decision pages ---
def with_overdue(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """Annotate `is_overdue`: past its due date and not done (the TASK_OVERDUE rule, per row)."""
    late = Q(due_on__lt=timezone.localdate()) & ~Q(status=TaskStatus.DONE)
    return tasks.annotate(is_overdue=ExpressionWrapper(late, output_field=BooleanField()))


def decision_timeline(*, user: User) -> QuerySet[Decision]:
    """The decision page: proposal, communications, agenda items with votes, consultations, legal reviews,
    tasks with progress and evidence, in a number of queries independent of the number of rows."""
    people = ("matter_type", "decided_by", "created_by", "deciding_item__meeting", "same_matter_as")
    return (
        decision_list(user=user)
        .select_related(*people)
        .prefetch_related(
            "responsible_leaders",
            Prefetch(
                "communications",
                queryset=Communication.objects.select_related("confirmed_by", "logged_by").order_by(
                    "occurred_at", "pk"
                ),
            ),
            "communications__participants",
            Prefetch(
                "agenda_items",
                queryset=AgendaItem.objects.select_related("meeting", "meeting__school").order_by(
                    "meeting__date", "order", "pk"
                ),
            ),
            Prefetch("agenda_items__votes", queryset=Vote.objects.select_related("person").order_by("person__code")),
            "consultations__person",
            "legal_reviews",
            Prefetch(
                "implementation_reports",
                queryset=ImplementationReport.objects.select_related("reporter", "item__meeting"),
            ),
            Prefetch("transitions", queryset=DecisionTransition.objects.select_related("by")),
            Prefetch(
                "tasks",
                queryset=with_overdue(Task.objects.select_related("owner")).prefetch_related(
                    Prefetch("progress", queryset=TaskProgress.objects.select_related("author")), "evidence"
                ),
            ),
        )
    )


def task_detail(*, user: User) -> QuerySet[Task]:
    """A task with its progress notes and evidence, scoped through its decision's school."""
    return with_overdue(task_list(user=user)).prefetch_related(
        Prefetch("progress", queryset=TaskProgress.objects.select_related("author")),
        Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by")),
    )


def school_task_board(*, user: User, school_id: int) -> QuerySet[Task]:
    """A school's tasks (in scope) with `is_overdue`, by due date."""
    return with_overdue(task_list(user=user)).filter(decision__school_id=school_id).order_by("due_on", "pk")


def decision_open_findings(*, user: User, decision: Decision) -> QuerySet[Finding]:
    """Open findings about the decision itself or one of its tasks."""
    task_ids = Task.objects.filter(decision_id=decision.pk).values("pk")
    about_decision = Q(content_type=ContentType.objects.get_for_model(Decision), object_id=decision.pk)
    about_tasks = Q(content_type=ContentType.objects.get_for_model(Task), object_id__in=task_ids)
    return (
        finding_list(user=user)
        .prefetch_related(None)
        .filter(about_decision | about_tasks, resolved_at__isnull=True)
        .order_by("rule", "pk")
    )


# --- 制度依据: the rulebook as users read it -------------------------------------------------------------------
@dataclass(frozen=True)
class ParameterInForce:
    """One `Policy` parameter of a rule as it stands today for the reader: its label, value and where it comes
    from (the school's own version, the district's, or the built-in default)."""

    label: str
    value: str
    origin: str


@dataclass(frozen=True)
class RuleSheet:
    rule: Rule
    open_count: int
    parameters: list[ParameterInForce]

    @property
    def code(self) -> str:
        return self.rule.code


def _parameter_value(policy: Policy, name: str) -> str:
    field = Policy._meta.get_field(name)
    value = getattr(policy, name)
    if field.choices:
        return getattr(policy, f"get_{name}_display")()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        labels = dict(MatterCategory.choices)
        return "、".join(labels.get(code, code) for code in value) or "无"
    if isinstance(value, Decimal):
        return f"¥{value:,.2f}"
    return str(value)


def _origin(policy: Policy) -> str:
    if policy.pk is None:
        return "系统默认值"
    scope = policy.school.name if policy.school_id else "全区"
    return f"{scope}制度参数，自 {policy.effective_from:%Y-%m-%d} 起"


def rulebook(*, user: User, today: date | None = None) -> list[RuleSheet]:
    """Every rule with its parameters in force today for the reader (their school's, else the district's) and
    the number of open findings in the reader's scope: two queries."""
    today = today or timezone.localdate()
    counts = dict(
        finding_list(user=user)
        .filter(resolved_at__isnull=True)
        .prefetch_related(None)
        .select_related(None)
        .order_by()
        .values_list("rule")
        .annotate(n=Count("pk"))
    )
    book = PolicyBook(Policy.objects.select_related("school"))
    policy = book.on(user.school_id or 0, today)
    return [
        RuleSheet(
            rule=rule,
            open_count=counts.get(code, 0),
            parameters=[
                ParameterInForce(
                    label=str(Policy._meta.get_field(name).verbose_name),
                    value=_parameter_value(policy, name),
                    origin=_origin(policy),
                )
                for name in rule.parameters
            ],
        )
        for code, rule in RULES.items()
    ]


def rule_sheet(*, user: User, code: str) -> RuleSheet | None:
    return next((sheet for sheet in rulebook(user=user) if sheet.code == code), None)
