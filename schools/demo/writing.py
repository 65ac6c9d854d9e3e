"""Writing the demo plan: one upsert per model keyed by codes; rows that already match are left alone."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.models import DemoDataset, Role, User
from decisions.demo import seed_records
from decisions.rules import run_rules

from ..choices import Post, TalkPeriod
from ..models import Appointment, CommitteeMembership, EducationGroup, Person, Policy, School, SchoolDistrict
from .data import (
    CAMPUSES,
    DEFAULT_PASSWORD,
    DISTRICTS,
    GROUP_CODE,
    GROUP_NAME,
    LEAD_SCHOOL,
    OTHER_SCHOOL,
    SCHOOLS,
    USER_NAMES,
    SchoolSpec,
)
from .planning import _Plan, build_plan

CHANGE_REASON = "seed_demo"


def _upsert(
    model: type[models.Model], key: tuple[str, ...], rows: Iterable[dict[str, Any]], existing: models.QuerySet
) -> tuple[dict[tuple, models.Model], int, int]:
    """Create missing rows and update changed ones (with history); unchanged rows are left alone."""
    now = timezone.now()
    by_key = {tuple(getattr(obj, f) for f in key): obj for obj in existing}
    to_create, to_update, changed_fields = [], [], set()
    for row in rows:
        row_key = tuple(row[f] for f in key)
        obj = by_key.get(row_key)
        if obj is None:
            to_create.append(model(**row))
            continue
        diff = [name for name, value in row.items() if getattr(obj, name) != value]
        if diff:
            for name in diff:
                setattr(obj, name, row[name])
            obj.updated_at = now
            changed_fields.update(diff)
            to_update.append(obj)
    if to_create:
        bulk_create_with_history(to_create, model, default_change_reason=CHANGE_REASON)
    if to_update:
        fields = sorted(changed_fields | {"updated_at"})
        bulk_update_with_history(to_update, model, fields, default_change_reason=CHANGE_REASON)
    if to_create:
        by_key = {tuple(getattr(obj, f) for f in key): obj for obj in existing.all()}
    return by_key, len(to_create), len(to_update)


def _save_if_changed(obj: models.Model, values: dict[str, Any]) -> bool:
    changed = obj.pk is None
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    if changed:
        obj.save()
    return changed


def _seed_users(
    *,
    password: str,
    plan: _Plan,
    districts: dict[str, SchoolDistrict],
    schools: dict[str, School],
    person_pk: dict[str, int],
) -> tuple[int, int, int]:
    """The seven demo accounts; the password is hashed once and only rewritten when it does not match."""
    people = {p["code"]: p for p in plan.people}

    def person_fields(post: str) -> dict[str, Any]:
        code = plan.current[(LEAD_SCHOOL, post)]
        name = people[code]["name"]
        return {"person_id": person_pk[code], "last_name": name[0], "first_name": name[1:]}

    lead, other = schools[LEAD_SCHOOL].pk, schools[OTHER_SCHOOL].pk
    accounts = {
        "district_admin": {"role": Role.DISTRICT_ADMIN, "is_staff": True, "is_superuser": True},
        "district_viewer": {"role": Role.DISTRICT_VIEWER},
        "xuequ_viewer": {"role": Role.XUEQU_VIEWER, "school_district_id": districts["XQ01"].pk},
        "secretary": {"role": Role.SECRETARY, "school_id": lead, **person_fields(Post.SECRETARY)},
        "principal": {"role": Role.PRINCIPAL, "school_id": lead, **person_fields(Post.PRINCIPAL)},
        "clerk": {"role": Role.CLERK, "school_id": lead},
        "clerk_b": {"role": Role.CLERK, "school_id": other},
    }
    encoded: str | None = None
    verified: dict[str, bool] = {}  # one password check per distinct stored hash
    created = updated = 0
    existing = {user.username: user for user in User.objects.filter(username__in=accounts)}
    for username, values in accounts.items():
        surname, given = USER_NAMES.get(username, ("", ""))
        values = {
            "last_name": surname,
            "first_name": given,
            "is_staff": False,
            "is_superuser": False,
            "is_active": True,
            "school_district_id": None,
            "school_id": None,
            "person_id": None,
            **values,
        }
        user = existing.get(username) or User(username=username)
        if user.pk is None or user.password not in verified:
            verified[user.password] = user.pk is not None and check_password(password, user.password)
        if not verified[user.password]:
            encoded = encoded or make_password(password)
            values["password"] = encoded
        is_new = user.pk is None
        if _save_if_changed(user, values):
            created += is_new
            updated += not is_new
    return len(accounts), created, updated


def seed_demo(*, password: str = DEFAULT_PASSWORD) -> dict[str, int]:
    """Create or refresh the demo district; returns row counts of the demo data and of rows written."""
    plan = build_plan()
    created = updated = 0

    def tally(result):
        nonlocal created, updated
        by_key, new, changed = result
        created += new
        updated += changed
        return by_key

    with transaction.atomic():
        districts = tally(
            _upsert(
                SchoolDistrict,
                ("code",),
                ({"code": code, "name": name, "office_name": f"{name}管理中心"} for code, name in DISTRICTS),
                SchoolDistrict.objects.filter(code__in=[code for code, _ in DISTRICTS]),
            )
        )
        districts = {key[0]: obj for key, obj in districts.items()}
        groups = tally(
            _upsert(
                EducationGroup,
                ("code",),
                [{"code": GROUP_CODE, "name": GROUP_NAME}],
                EducationGroup.objects.filter(code=GROUP_CODE),
            )
        )
        group = groups[(GROUP_CODE,)]

        def school_row(spec: SchoolSpec, parent: School | None) -> dict[str, Any]:
            in_group = spec.code == LEAD_SCHOOL or parent is not None
            return {
                "code": spec.code,
                "name": spec.name,
                "level": spec.level,
                "party_org_type": spec.party_org_type,
                "district_id": districts[spec.district].pk,
                "group_id": group.pk if in_group else None,
                "parent_id": parent.pk if parent else None,
                "is_active": True,
            }

        codes = [s.code for s in SCHOOLS]
        schools = tally(
            _upsert(
                School,
                ("code",),
                (school_row(spec, None) for spec in SCHOOLS),
                School.objects.filter(code__in=codes),
            )
        )
        schools = {key[0]: obj for key, obj in schools.items()}
        campus_codes = [s.code for s in CAMPUSES]
        campuses = tally(
            _upsert(
                School,
                ("code",),
                (school_row(spec, schools[LEAD_SCHOOL]) for spec in CAMPUSES),
                School.objects.filter(code__in=campus_codes),
            )
        )
        schools.update({key[0]: obj for key, obj in campuses.items()})

        people = tally(
            _upsert(
                Person,
                ("code",),
                plan.people,
                Person.objects.filter(code__in=[p["code"] for p in plan.people]),
            )
        )
        person_pk = {key[0]: obj.pk for key, obj in people.items()}
        school_pks = [school.pk for school in schools.values()]

        def linked(row: dict[str, Any]) -> dict[str, Any]:
            row = dict(row)
            row["person_id"] = person_pk[row.pop("person")]
            row["school_id"] = schools[row.pop("school")].pk
            return row

        tally(
            _upsert(
                Appointment,
                ("person_id", "school_id", "post", "start"),
                [linked(row) for row in plan.appointments],
                Appointment.objects.filter(school_id__in=school_pks, person_id__in=list(person_pk.values())),
            )
        )
        tally(
            _upsert(
                CommitteeMembership,
                ("person_id", "school_id", "body", "start"),
                [linked(row) for row in plan.seats.values()],
                CommitteeMembership.objects.filter(school_id__in=school_pks, person_id__in=list(person_pk.values())),
            )
        )

        policy = Policy.objects.filter(school__isnull=True, effective_from=date(2022, 1, 1)).first()
        policy_new = policy is None
        if _save_if_changed(
            policy or Policy(school=None, effective_from=date(2022, 1, 1)),
            {
                "large_amount_threshold": Decimal("100000.00"),
                "minutes_due_working_days": 2,
                "daily_talk_period": TalkPeriod.WEEK,
                "regular_talk_period": TalkPeriod.MONTH,
                "emergency_log_hours": 24,
                "vacancy_days": 30,
                "legal_review_exempt_categories": [],
                "note": "全区通用制度参数（演示）",
            },
        ):
            created += policy_new
            updated += not policy_new

        users, users_created, users_updated = _seed_users(
            password=password, plan=plan, districts=districts, schools=schools, person_pk=person_pk
        )
        created += users_created
        updated += users_updated

        DemoDataset.objects.get_or_create(note="seed_demo")
        seed_records(today=timezone.localdate())  # the demo year of records (once), then the compliance check
        run_rules()

    return {
        "districts": len(DISTRICTS),
        "groups": 1,
        "schools": len(SCHOOLS),
        "campuses": len(CAMPUSES),
        "people": len(plan.people),
        "appointments": len(plan.appointments),
        "memberships": len(plan.seats),
        "policies": 1,
        "users": users,
        "created": created,
        "updated": updated,
    }
