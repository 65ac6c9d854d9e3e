"""Writing a valid file: upserts by natural key in one transaction, rechecked before it commits."""

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from core import dataversion
from core.history import note_history
from core.models import User

from ..models import Appointment, EducationGroup, Person, School, SchoolDistrict
from ..services import appointment_validate
from .parsing import _AppointmentRow, _Parsed, _SchoolRow
from .result import Counts, ImportResult, RowError
from .sheets import APPOINTMENT_SHEET, FILE_SHEET
from .validation import _Existing

logger = logging.getLogger(__name__)


class _Rollback(Exception):
    """Raised inside the transaction to undo every write when the final check finds a problem."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("import rolled back")
        self.errors = errors


def _upsert(
    model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any], counts: Counts, user: User
) -> models.Model:
    """Create or update the row found by `lookup`; save nothing when it already has `values`."""
    instance = model.objects.filter(**lookup).first()
    if instance is None:
        instance = model(**lookup, **values)
        counts.created += 1
    elif all(getattr(instance, name) == value for name, value in values.items()):
        counts.unchanged += 1
        return instance
    else:
        for name, value in values.items():
            setattr(instance, name, value)
        counts.updated += 1
    note_history(instance, user=user)  # attribute the change outside of a request too
    instance.save()
    return instance


def _ensure_named(model: type[models.Model], names: set[str], prefix: str) -> tuple[dict[str, int], list[str]]:
    """Ids of the 学区 / 教育集团 by name, creating the unknown ones with a generated code `<prefix>-<n>`."""
    ids = dict(model.objects.filter(name__in=names).values_list("name", "pk"))
    codes = set(model.objects.filter(code__startswith=f"{prefix}-").values_list("code", flat=True))
    created, number = [], 0
    for name in sorted(names - set(ids)):
        number += 1
        while f"{prefix}-{number}" in codes:
            number += 1
        code = f"{prefix}-{number}"
        ids[name] = model.objects.create(code=code, name=name).pk
        created.append(f"{name}（{code}）")
    return ids, created


def _parents_first(rows: list[_SchoolRow]) -> list[_SchoolRow]:
    """Schools ordered so that a parent school of the file is written before its campuses."""
    in_file = {row.code for row in rows}
    ordered: list[_SchoolRow] = []
    done: set[str] = set()
    pending = list(rows)
    while pending:
        ready = [row for row in pending if not row.parent or row.parent not in in_file or row.parent in done]
        ordered += ready
        done |= {row.code for row in ready}
        pending = [row for row in pending if row.code not in done]
    return ordered


def _write_schools(parsed: _Parsed, existing: _Existing, result: ImportResult, user: User) -> dict[str, School]:
    districts, result.new_districts = _ensure_named(SchoolDistrict, {row.district for row in parsed.schools}, "XQ")
    groups, result.new_groups = _ensure_named(EducationGroup, {row.group for row in parsed.schools if row.group}, "JT")
    schools = dict(existing.schools)
    for row in _parents_first(parsed.schools):
        values: dict[str, Any] = {
            "name": row.name,
            "level": row.level,
            "party_org_type": row.party_org_type,
            "district_id": districts[row.district],
        }
        if row.group is not None:
            values["group_id"] = groups[row.group] if row.group else None
        if row.parent is not None:
            values["parent_id"] = schools[row.parent].pk if row.parent else None
        if row.address is not None:
            values["address"] = row.address
        schools[row.code] = _upsert(School, {"code": row.code}, values, result.schools, user)
    return schools


def _write_people(parsed: _Parsed, existing: _Existing, result: ImportResult, user: User) -> dict[str, Person]:
    people = dict(existing.people)
    for row in parsed.people:
        values = {"name": row.name}
        if row.gender is not None:
            values["gender"] = row.gender
        if row.note is not None:
            values["note"] = row.note
        people[row.code] = _upsert(Person, {"code": row.code}, values, result.people, user)
    return people


def _write_appointments(
    parsed: _Parsed, schools: dict[str, School], people: dict[str, Person], result: ImportResult, user: User
) -> list[tuple[_AppointmentRow, Appointment]]:
    written = []
    for row in parsed.appointments:
        person, school = people[row.person], schools[row.school]
        lookup = {"person_id": person.pk, "school_id": school.pk, "post": row.post, "start": row.start}
        appointment = _upsert(Appointment, lookup, {"end": row.end}, result.appointments, user)
        written.append((row, appointment))
    return written


def _recheck_appointments(written: list[tuple[_AppointmentRow, Appointment]]) -> list[RowError]:
    """Safety net: with the file written, the service-layer rule must hold for every imported appointment."""
    errors = []
    for row, appointment in written:
        try:
            appointment_validate(
                person=appointment.person,
                school=appointment.school,
                post=appointment.post,
                start=appointment.start,
                end=appointment.end,
                exclude_pk=appointment.pk,
            )
        except ValidationError as exc:
            errors += [RowError(APPOINTMENT_SHEET, row.row, message) for message in exc.messages]
    return errors


def _write(parsed: _Parsed, existing: _Existing, user: User) -> ImportResult:
    result = ImportResult()
    try:
        with transaction.atomic():
            schools = _write_schools(parsed, existing, result, user)
            people = _write_people(parsed, existing, result, user)
            written = _write_appointments(parsed, schools, people, result, user)
            errors = _recheck_appointments(written)
            if errors:
                raise _Rollback(errors)
            dataversion.bump_on_commit()  # bulk writes send no signal
    except _Rollback as rollback:
        return ImportResult(errors=rollback.errors)
    except IntegrityError:
        logger.exception("Import rolled back on an integrity error")
        return ImportResult(errors=[RowError(FILE_SHEET, None, "写入失败：数据与系统中的记录冲突，未导入任何内容。")])
    return result
