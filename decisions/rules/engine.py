"""Runs the rules and keeps `Finding`s in step: new breaches open findings, breaches that disappear are
resolved, ongoing ones are refreshed (message and the policy version they were computed under). A constant
number of queries per rule whatever the number of schools."""

import logging
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from core.dataversion import bump_on_commit
from core.rules import RULES, Breach, Context
from schools.policies import PolicyBook

from ..models import Finding

logger = logging.getLogger(__name__)
MESSAGE_MAX = 500


@dataclass
class RunSummary:
    opened: int = 0
    resolved: int = 0
    open_total: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    calendar_gaps: set[int] = field(default_factory=set)  # years the official calendar does not cover yet


def _sync(codes: list[str], breaches: list[Breach], ctx: Context, now) -> tuple[int, int]:
    """Store one run's breaches of `codes` in the run's scope, in one transaction and a handful of queries
    whatever the number of rules: open what is new, refresh what goes on, resolve what is gone."""
    existing = Finding.objects.filter(rule__in=codes, resolved_at__isnull=True)
    if ctx.school_ids is not None:
        existing = existing.filter(school_id__in=ctx.school_ids)
    current = {(f.rule, f.content_type_id, f.object_id, f.key): f for f in existing}
    found = {b.identity: b for b in breaches}
    new = [
        Finding(
            rule=b.rule,
            severity=b.severity,
            school_id=b.school_id,
            content_type_id=b.content_type_id,
            object_id=b.object_id,
            key=b.key,
            message=b.message[:MESSAGE_MAX],
            policy_id=b.policy_id,
            first_seen=now,
            last_seen=now,
        )
        for identity, b in found.items()
        if identity not in current
    ]
    Finding.objects.bulk_create(new, batch_size=500)
    changed = []
    for identity, finding in current.items():
        breach = found.get(identity)
        if breach and (finding.message, finding.policy_id) != (breach.message[:MESSAGE_MAX], breach.policy_id):
            finding.message, finding.policy_id = breach.message[:MESSAGE_MAX], breach.policy_id
            changed.append(finding)
    Finding.objects.bulk_update(changed, ["message", "policy"], batch_size=500)
    gone = [f.pk for identity, f in current.items() if identity not in found]
    existing.filter(pk__in=gone).update(resolved_at=now)
    existing.exclude(pk__in=gone).exclude(last_seen=now).update(last_seen=now)
    if new or changed or gone:  # bulk writes send no signal: cached figures (open findings) must refresh
        bump_on_commit()
    return len(new), len(gone)


def run_rules(*, school_ids: list[int] | None = None, codes: list[str] | None = None, today: date | None = None):
    """Check `codes` (default: every rule) for the given schools (default: all) and store the findings.

    Every rule is checked first (reads only), then the findings of all of them are brought in step in one
    transaction: a run costs a constant number of queries per rule plus a few for the findings, which is what
    a re-check after a write (one school) mostly consists of."""
    now = timezone.now()
    ctx = Context(school_ids=school_ids, today=today or timezone.localdate(), policies=PolicyBook.load())
    summary = RunSummary()
    codes = codes or list(RULES)
    breaches: list[Breach] = []
    for code in codes:
        found = list(RULES[code].check(ctx))
        summary.by_rule[code] = len(found)
        summary.open_total += len(found)
        breaches += found
    with transaction.atomic():
        summary.opened, summary.resolved = _sync(codes, breaches, ctx, now)
    summary.calendar_gaps = set(ctx.calendar_gaps)
    if ctx.calendar_gaps:
        logger.warning(
            "official calendar not covered for %s: MINUTES_LATE skipped meetings due then",
            sorted(ctx.calendar_gaps),
        )
    return summary
