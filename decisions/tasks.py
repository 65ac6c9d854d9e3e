"""Celery adapters: take primary keys, call one service."""

from celery import shared_task

from .rules import run_rules
from .services.compliance import compliance_recheck_school
from .services.evidence_files import evidence_sweep


@shared_task(acks_late=True, ignore_result=True)
def check_compliance_for_school(school_id: int, requested_at: float | None = None) -> None:
    """Re-check one school after a write that may change its findings (published at `requested_at`, epoch
    seconds; skipped when a check started since has covered it)."""
    compliance_recheck_school(school_id=school_id, requested_at=requested_at)


@shared_task(acks_late=True, ignore_result=True)
def check_compliance_all() -> dict:
    """Nightly run over every school."""
    summary = run_rules()
    return {"opened": summary.opened, "resolved": summary.resolved, "open": summary.open_total}


@shared_task(acks_late=True, ignore_result=True)
def sweep_evidence_files() -> dict:
    """Nightly: remove evidence files left by uploads whose transaction rolled back."""
    result = evidence_sweep()
    return {"checked": result.checked, "removed": len(result.removed)}
