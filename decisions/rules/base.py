"""What a rule produces, the registry of rules, and the policy book every rule reads its thresholds from."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

from schools.models import Policy, School

from ..choices import FindingSeverity


@dataclass(frozen=True)
class Breach:
    """One record breaking one rule; `key` separates several breaches of one record (e.g. months)."""

    rule: str
    severity: str
    school_id: int
    content_type_id: int
    object_id: int
    message: str
    key: str = ""

    @property
    def identity(self) -> tuple[str, int, int, str]:
        return (self.rule, self.content_type_id, self.object_id, self.key)


@dataclass(frozen=True)
class Context:
    """What every rule receives: the schools to check (None = all), today, and the policies."""

    school_ids: list[int] | None
    today: date
    policies: "PolicyBook"

    def scope(self, queryset: QuerySet, school_field: str = "school") -> QuerySet:
        if self.school_ids is None:
            return queryset
        return queryset.filter(**{f"{school_field}__in": self.school_ids})

    def schools(self) -> QuerySet[School]:
        return self.scope(School.objects.filter(is_active=True), "pk")


RuleFunction = Callable[[Context], Iterable[Breach]]


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    severity: str
    check: RuleFunction


RULES: dict[str, Rule] = {}


def rule(code: str, title: str, severity: str = FindingSeverity.VIOLATION):
    """Register a rule function under its stable code."""

    def register(function: RuleFunction) -> RuleFunction:
        RULES[code] = Rule(code=code, title=title, severity=severity, check=function)
        return function

    return register


def breach(code: str, obj_model: type[Model], object_id: int, school_id: int, message: str, key: str = "") -> Breach:
    return Breach(
        rule=code,
        severity=RULES[code].severity,
        school_id=school_id,
        content_type_id=ContentType.objects.get_for_model(obj_model).pk,
        object_id=object_id,
        message=message,
        key=key,
    )


class PolicyBook:
    """All policy versions loaded once; the parameters in force for any school on any date, without queries."""

    def __init__(self, policies: Iterable[Policy]):
        self._district: list[Policy] = []
        self._schools: dict[int, list[Policy]] = defaultdict(list)
        for policy in sorted(policies, key=lambda p: p.effective_from, reverse=True):
            (self._schools[policy.school_id] if policy.school_id else self._district).append(policy)
        self._default = Policy(effective_from=date.min)

    @classmethod
    def load(cls) -> "PolicyBook":
        return cls(Policy.objects.all())

    def least(self, parameter: str):
        """The smallest value of a parameter over every policy version (and the default)."""
        policies = [*self._district, *(p for versions in self._schools.values() for p in versions), self._default]
        return min(getattr(policy, parameter) for policy in policies)

    def on(self, school_id: int, day: date) -> Policy:
        for policy in self._schools.get(school_id, ()):
            if policy.effective_from <= day:
                return policy
        for policy in self._district:
            if policy.effective_from <= day:
                return policy
        return self._default
