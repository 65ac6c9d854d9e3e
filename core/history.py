"""What django-simple-history records with the next history row of an instance, set in one place.

Simple-history documents per-instance underscore attributes for this (`_change_reason`, `_history_date`,
`_history_user`); they are named here once, so the rest of the code uses no private-looking member.
"""

from datetime import datetime

from django.db import models


def note_history(
    instance: models.Model, *, reason: str | None = None, at: datetime | None = None, user: object = None
) -> models.Model:
    """The change reason, date and user of the history row the next save (or delete) of `instance` writes."""
    if reason is not None:
        instance._change_reason = reason  # noqa: SLF001 - simple-history's documented per-instance change reason
    if at is not None:
        instance._history_date = at  # noqa: SLF001 - simple-history's documented per-instance history date
    if user is not None:
        instance._history_user = user  # noqa: SLF001 - simple-history's documented per-instance history user
    return instance
