"""The one place that decides which schools a user may see and change.

Every selector passes its queryset through `restrict()`; views fetch single objects with
`get_in_scope_or_404()`, so an object outside the user's scope is a 404, never a 403.
"""

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from .errors import NotAllowedError
from .models import Role, User

_FINALISING_ROLES = frozenset({Role.SECRETARY, Role.PRINCIPAL})


def school_filter(user: User, school_field: str = "school") -> Q | None:
    """A `Q` limiting rows to the user's schools through `school_field`, None for all, Q(pk__in=[]) for none.

    `school_field` is the lookup path from the queried model to `School` ("" when querying School itself).
    """
    prefix = f"{school_field}__" if school_field else ""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_district:
        return None
    if user.role == Role.XUEQU_VIEWER:
        return Q(**{f"{prefix}district_id": user.school_district_id})
    if user.role in _FINALISING_ROLES:
        # The pair leads the school and its campuses.
        own = Q(id=user.school_id) | Q(parent_id=user.school_id)
        if not school_field:
            return own
        # As `school IN (subquery)`, not an OR across the join: PostgreSQL then reads the school's rows through
        # the school_id index instead of scanning the whole table (a school's meeting list: 85 ms → 1 ms).
        from schools.models import School

        return Q(**{f"{school_field}__in": School.objects.filter(own).values("id")})
    if user.role == Role.CLERK:
        return Q(**{f"{prefix}id": user.school_id})
    return Q(pk__in=[])


def scope_key(user: User) -> tuple:
    """Everything `school_filter` decides by, as a value: two users with the same key see the same rows (part of the
    key of every figure cached per scope, `core.dataversion`)."""
    if not user.is_authenticated or not user.is_active:
        return ("none",)
    return (user.role, user.is_superuser, user.school_id, user.school_district_id)


def restrict(queryset: QuerySet, user: User, school_field: str = "school") -> QuerySet:
    """Return only the rows of `queryset` that `user` may see."""
    condition = school_filter(user, school_field)
    if condition is None:
        return queryset
    return queryset.filter(condition)


def get_in_scope_or_404(queryset: QuerySet, user: User, school_field: str = "school", **lookup) -> Model:
    try:
        return restrict(queryset, user, school_field).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


def _school_in_scope(user: User, school) -> bool:
    from schools.models import School

    return restrict(School.objects.filter(pk=school.pk), user, "").exists()


def can_edit_school_records(user: User, school) -> bool:
    """Create and edit drafts (communications, meetings, decisions) of `school`."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.role == Role.DISTRICT_ADMIN:
        return True
    return user.role in {Role.SECRETARY, Role.PRINCIPAL, Role.CLERK} and _school_in_scope(user, school)


def require_edit(user: User, school, *, records: str = "本校记录") -> None:
    """The services' check before a create or edit: NotAllowedError unless `user` may edit `school`'s records
    (`records` names them in the message)."""
    if not can_edit_school_records(user, school):
        raise NotAllowedError(f"您没有登记或修改{records}的权限。")


def can_finalise_school_records(user: User, school) -> bool:
    """Confirm, sign and finalise: only the school's secretary or principal."""
    return user.is_authenticated and user.role in _FINALISING_ROLES and _school_in_scope(user, school)


def is_district_admin(user: User) -> bool:
    return user.is_authenticated and user.is_active and (user.is_superuser or user.role == Role.DISTRICT_ADMIN)


def editable_schools(user: User):
    """The schools in which the user may create records: all for a district admin, the own school (and its
    campuses for the pair) for school staff, none for viewers."""
    from schools.models import School

    if is_district_admin(user):
        return School.objects.all()
    if user.is_authenticated and user.is_active and user.role in (Role.SECRETARY, Role.PRINCIPAL, Role.CLERK):
        return restrict(School.objects.all(), user, "")
    return School.objects.none()
