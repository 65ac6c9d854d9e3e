"""Re-check a school's compliance once the write that may change it has committed (`core.hooks`)."""

import time
from functools import partial

from django.conf import settings
from django.db import transaction

from core.faults import publish_task


def recheck_after_policy_change(sender=None, *, instance, **kwargs) -> None:
    """`post_save` / `post_delete` of a `Policy`: the findings computed under it (a school's version: that school;
    the district's: every school) are recomputed by the engine, set-based, once the change has committed. Each
    finding then records the version it was computed under (`Finding.policy`)."""
    if not settings.COMPLIANCE_CHECK_ON_WRITE:
        return
    from .tasks import check_compliance_all

    if instance.school_id:
        transaction.on_commit(partial(publish_recheck, instance.school_id))
    else:
        transaction.on_commit(partial(publish_task, check_compliance_all))


def recheck_on_commit(sender=None, *, school_id: int, **kwargs) -> None:
    """Receiver of `core.hooks.school_records_changed`."""
    if not settings.COMPLIANCE_CHECK_ON_WRITE:
        return
    # With Redis down the write still succeeds: the message is dropped (logged) and the nightly run at 01:30
    # (`check_compliance_all`) brings the school's findings up to date.
    transaction.on_commit(partial(publish_recheck, school_id))


def publish_recheck(school_id: int) -> bool:
    """Queue the school's re-check, stamped with the time it is sent: after the commit (an `on_commit`
    callback), so any check that starts later reads the write and covers this message; the time is also noted
    for the school, so that a check of another school may take this one along (`decisions.services.compliance`)."""
    from .services.compliance import compliance_recheck_requested
    from .tasks import check_compliance_for_school

    requested_at = time.time()
    compliance_recheck_requested(school_id=school_id, requested_at=requested_at)
    return publish_task(check_compliance_for_school, args=[school_id], kwargs={"requested_at": requested_at})
