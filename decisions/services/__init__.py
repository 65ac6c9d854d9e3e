"""Every write of the decisions app: lifecycle, consultations, legal reviews, tasks and evidence."""

from .decisions import (
    consultation_add,
    decision_amend,
    decision_create,
    decision_decide,
    decision_link_agenda_item,
    decision_transition,
    decision_update,
    legal_review_add,
)
from .reports import implementation_report_add
from .tasks import decision_close, evidence_upload, task_add_progress, task_complete, task_create

__all__ = [
    "consultation_add",
    "decision_amend",
    "decision_close",
    "decision_create",
    "decision_decide",
    "decision_link_agenda_item",
    "decision_transition",
    "decision_update",
    "evidence_upload",
    "implementation_report_add",
    "legal_review_add",
    "task_add_progress",
    "task_complete",
    "task_create",
]
