"""Evidence files without a database row.

`evidence_upload` stores the file when it inserts the `Evidence` row; if the surrounding transaction then rolls
back (a later error in the same request, a lost connection), the row is gone but the file stays. The sweep walks
the evidence directory of the storage and removes files no row names once they are older than a grace period
(an upload in flight is never touched). It runs nightly (Celery beat) and as `manage.py sweep_evidence`.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from ..models import Evidence

EVIDENCE_DIR = "evidence"
DEFAULT_GRACE = datetime.timedelta(hours=6)


@dataclass
class SweepResult:
    checked: int = 0
    removed: list[str] = field(default_factory=list)


def _stored_files(storage, directory: str):
    if not storage.exists(directory):
        return
    directories, files = storage.listdir(directory)
    for name in files:
        yield f"{directory}/{name}"
    for name in directories:
        yield from _stored_files(storage, f"{directory}/{name}")


def evidence_sweep(*, grace: datetime.timedelta = DEFAULT_GRACE, dry_run: bool = False) -> SweepResult:
    """Remove (or with `dry_run` only list) evidence files older than `grace` that no `Evidence` row names."""
    storage = Evidence._meta.get_field("file").storage
    cutoff = timezone.now() - grace
    result = SweepResult()
    stored = list(_stored_files(storage, EVIDENCE_DIR))
    result.checked = len(stored)
    referenced = set(Evidence.objects.filter(file__in=stored).values_list("file", flat=True))
    for name in stored:
        if name in referenced or storage.get_modified_time(name) > cutoff:
            continue
        if not dry_run:
            storage.delete(name)
        result.removed.append(name)
    return result
