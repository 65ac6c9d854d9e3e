"""The bulk writer of the demo year's routine rows, with the history rows the services would have written.

Routine records (hundreds of monthly talks, meetings with their rosters, votes and minutes, decisions with
their tasks) are planned in memory and written model by model with `bulk_create`: one row at a time through
the services costs tens of milliseconds each and would make `seed_demo` take minutes. Every row still gets its
creation time, its history row (who, when; many-to-many links included) and the values the services compute
(rosters from the memberships, results from `meetings.rules.voting`, classification from `decisions.classification`).
"""

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.db import models
from django.utils import timezone

from core.history import note_history
from core.models import User
from decisions.models import (
    Consultation,
    Decision,
    DecisionTransition,
    ImplementationReport,
    LegalReview,
    Task,
    TaskProgress,
)
from meetings.models import AgendaItem, Attendance, Communication, Deliberation, Meeting, Recusal, Vote

REASON = "seed_demo"
ORDER = (
    Communication,
    Meeting,
    Attendance,
    AgendaItem,
    Vote,
    Recusal,
    Deliberation,
    Decision,
    DecisionTransition,
    LegalReview,
    Consultation,
    Task,
    TaskProgress,
    ImplementationReport,
)
BATCH = 400


@contextmanager
def _stamps_as_given(fields) -> Iterator[None]:
    """Let `auto_now` / `auto_now_add` fields keep the planned times instead of the moment of writing."""
    flags = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in flags:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


class Ledger:
    """Unsaved rows (linked to each other as objects) and their many-to-many links, written in one go."""

    def __init__(self) -> None:
        self.rows: dict[type[models.Model], list[models.Model]] = defaultdict(list)
        self.links: dict[tuple[type[models.Model], str], list[tuple[models.Model, list]]] = defaultdict(list)

    def add(self, obj: models.Model, at: datetime, user: User | None = None) -> models.Model:
        """Plan a row as created at `at` by `user` (the history row records both)."""
        if at > timezone.now():
            raise ValueError(f"演示数据不能写入未来的时间：{at:%Y-%m-%d %H:%M}")
        obj.ledger_stamp = at
        note_history(obj, at=at, user=user)
        self.rows[type(obj)].append(obj)
        return obj

    def link(self, obj: models.Model, field: str, targets) -> None:
        self.links[(type(obj), field)].append((obj, list(targets)))

    def write(self) -> None:
        for model in ORDER:
            objs = self.rows.pop(model, [])
            if not objs:
                continue
            stamps = [
                f
                for f in model._meta.concrete_fields
                if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            ]
            relations = [f.name for f in model._meta.fields if f.is_relation]
            for obj in objs:
                obj.clean_fields(exclude=relations)  # choices, lengths, validators, as `full_clean` would
                for stamp in stamps:
                    setattr(obj, stamp.attname, obj.ledger_stamp)
            with _stamps_as_given(stamps):
                model.objects.bulk_create(objs, batch_size=BATCH)
            through_rows = {field: self._write_links(model, field) for (m, field) in list(self.links) if m is model}
            manager = getattr(model, "history", None)
            if manager is None:
                continue
            history = manager.bulk_history_create(objs, batch_size=BATCH, default_change_reason=REASON)
            by_pk = {obj.pk: record for obj, record in zip(objs, history, strict=True)}
            for field, rows in through_rows.items():
                self._write_link_history(model, field, rows, by_pk)

    def _write_links(self, model: type[models.Model], field_name: str) -> list[models.Model]:
        field = model._meta.get_field(field_name)
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        rows = [
            through(**{f"{source}_id": obj.pk, f"{target}_id": other.pk})
            for obj, targets in self.links.pop((model, field_name))
            for other in targets
        ]
        return through.objects.bulk_create(rows, batch_size=BATCH)

    @staticmethod
    def _write_link_history(model, field_name: str, rows: list[models.Model], by_pk: dict) -> None:
        field = model._meta.get_field(field_name)
        history_model = getattr(model.history.model, field_name).model
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        history_model.objects.bulk_create(
            [
                history_model(
                    id=row.pk,
                    history=by_pk[getattr(row, f"{source}_id")],
                    **{f"{source}_id": getattr(row, f"{source}_id"), f"{target}_id": getattr(row, f"{target}_id")},
                )
                for row in rows
            ],
            batch_size=BATCH,
        )
