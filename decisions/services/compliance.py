"""Re-checking one school after a write, coalesced: a queued re-check that a later check has covered is skipped.

Every committed write that may change a school's findings publishes one `check_compliance_for_school` message
(`decisions.triggers`), stamped with the time it was published — after the commit, so the write is visible to
any check that starts later. Under a burst of writes (20 clients logging at once) the queue holds many messages
for the same school; one check started after all of them reads all their writes. So each completed check stores
the time it *started* in the cache (`covered_key`), and a message published before that time is acknowledged
without running the rules again. The stored time is written only once the check has completed: a check that
fails covers nothing. Without the cache value (expired, evicted, Redis down) the check runs, as before.

The publish time comes from the web process's clock and the start time from the worker's: their hosts keep
their clocks in step (NTP), as Celery's own `eta` and `expires` assume. `COMPLIANCE_RECHECK_CLOCK_SKEW` (seconds)
widens the margin when they may not: a message is skipped only if the check started more than that after it.
"""

import time

from django.conf import settings
from django.core.cache import cache

from ..rules import RunSummary, run_rules

COVERED_TIMEOUT = 24 * 3600  # the nightly run re-checks every school anyway


def covered_key(school_id: int) -> str:
    return f"compliance:covered:{school_id}"


def compliance_recheck_school(*, school_id: int, requested_at: float | None = None) -> RunSummary | None:
    """Run every rule for one school unless a check that started after `requested_at` (epoch seconds, when the
    re-check was published) has completed since; None when skipped. `requested_at=None` always runs."""
    key = covered_key(school_id)
    if requested_at is not None:
        covered = cache.get(key)
        if covered is not None and covered > requested_at + settings.COMPLIANCE_RECHECK_CLOCK_SKEW:
            return None
    started = time.time()
    summary = run_rules(school_ids=[school_id])
    covered = cache.get(key)
    if covered is None or covered < started:  # a check that started later may have finished first
        cache.set(key, started, timeout=COVERED_TIMEOUT)
    return summary
