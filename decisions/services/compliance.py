"""Re-checking schools after writes, coalesced: a queued re-check that a later check has covered is skipped, and
one check covers every school with a re-check waiting.

Every committed write that may change a school's findings publishes one `check_compliance_for_school` message
(`decisions.triggers.publish_recheck`), stamped with the time it was published — after the commit, so the write
is visible to any check that starts later — and notes that time in the cache (`requested_key`). Under a burst of
writes (20 clients logging at once) the queue holds many messages for the same schools, and one worker would
run the rules once per message, each school in turn. Instead:

- a message is acknowledged without running the rules when a check of its school that *started* after the
  message was published has completed (its start time is kept under `covered_key`): that check read the write;
- a check that does run takes, besides its own school, every school whose last request is newer than its last
  covered check (up to `COMPLIANCE_RECHECK_BATCH` schools): the engine is set-based, so checking 20 schools
  costs little more than checking one, and their queued messages are then skipped.

A stored time is written only once the check has completed: a check that fails covers nothing. Without the
cache values (expired, evicted, Redis down) every message runs its check, as before; the request keys only pick
the companions of a check, the coverage of each message is decided by its own publish time.

The publish time comes from the web process's clock and the start time from the worker's: their hosts keep
their clocks in step (NTP), as Celery's own `eta` and `expires` assume. `COMPLIANCE_RECHECK_CLOCK_SKEW` (seconds)
widens the margin when they may not: a message is skipped only if the check started more than that after it.
"""

import time

from django.conf import settings
from django.core.cache import cache

from schools.models import School

from ..rules import RunSummary, run_rules

KEY_TIMEOUT = 24 * 3600  # the nightly run re-checks every school anyway


def covered_key(school_id: int) -> str:
    return f"compliance:covered:{school_id}"


def requested_key(school_id: int) -> str:
    return f"compliance:requested:{school_id}"


def compliance_recheck_requested(*, school_id: int, requested_at: float) -> None:
    """Note that a re-check of the school was published at `requested_at` (a check may take it along)."""
    cache.set(requested_key(school_id), requested_at, timeout=KEY_TIMEOUT)


def waiting_schools(*, exclude: int, limit: int) -> list[int]:
    """Active schools with a re-check requested after their last covered check started, oldest request first."""
    if limit <= 0:
        return []
    ids = [pk for pk in School.objects.filter(is_active=True).values_list("pk", flat=True) if pk != exclude]
    requested = cache.get_many([requested_key(pk) for pk in ids])
    if not requested:
        return []
    candidates = [pk for pk in ids if requested_key(pk) in requested]
    covered = cache.get_many([covered_key(pk) for pk in candidates])
    waiting = [
        (requested[requested_key(pk)], pk)
        for pk in candidates
        if covered.get(covered_key(pk)) is None or covered[covered_key(pk)] <= requested[requested_key(pk)]
    ]
    return [pk for _at, pk in sorted(waiting)[:limit]]


def compliance_recheck_school(*, school_id: int, requested_at: float | None = None) -> RunSummary | None:
    """Run every rule for the school (and the schools waiting for a re-check, see the module) unless a check that
    started after `requested_at` (epoch seconds, when the re-check was published) has completed since; None when
    skipped. `requested_at=None` always runs."""
    if requested_at is not None:
        covered = cache.get(covered_key(school_id))
        if covered is not None and covered > requested_at + settings.COMPLIANCE_RECHECK_CLOCK_SKEW:
            return None
    school_ids = [school_id, *waiting_schools(exclude=school_id, limit=settings.COMPLIANCE_RECHECK_BATCH - 1)]
    started = time.time()
    summary = run_rules(school_ids=school_ids)
    covered = cache.get_many([covered_key(pk) for pk in school_ids])
    # A check that started later may have finished first: keep its time.
    cache.set_many(
        {
            covered_key(pk): started
            for pk in school_ids
            if covered.get(covered_key(pk)) is None or covered[covered_key(pk)] < started
        },
        timeout=KEY_TIMEOUT,
    )
    return summary
