"""ETags on every object; writes must carry a matching If-Match (428 without it, 412 when stale).

The comparison is made against the record as locked inside the write's transaction (see
`core.api.viewsets.ServiceWriteMixin.get_locked_object`), so two writers holding the same ETag cannot both
succeed: the second one waits for the first one's lock and then sees the new ETag (412).
"""

import hashlib

from .exceptions import PreconditionFailed, PreconditionRequired


def etag_of(instance) -> str:
    stamp = getattr(instance, "updated_at", None)
    raw = f"{instance._meta.label}:{instance.pk}:{stamp.isoformat() if stamp else ''}"
    return f'"{hashlib.sha256(raw.encode()).hexdigest()[:32]}"'


def check_if_match(request, instance) -> None:
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired()
    candidates = {value.strip().removeprefix("W/") for value in header.split(",")}
    if etag_of(instance) not in candidates:
        raise PreconditionFailed()
