"""Celery adapters: take primary keys, call one service."""

from celery import shared_task

from .rules import run_rules


@shared_task(acks_late=True, ignore_result=True)
def check_compliance_for_school(school_id: int) -> None:
    """Re-check one school after a write that may change its findings."""
    run_rules(school_ids=[school_id])


@shared_task(acks_late=True, ignore_result=True)
def check_compliance_all() -> dict:
    """Nightly run over every school."""
    summary = run_rules()
    return {"opened": summary.opened, "resolved": summary.resolved, "open": summary.open_total}
