"""All policy versions (制度参数) loaded once: the parameters in force for any school on any date, no queries."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from .models import Policy


class PolicyBook:
    def __init__(self, policies: Iterable[Policy]):
        self._district: list[Policy] = []
        self._schools: dict[int, list[Policy]] = defaultdict(list)
        for policy in sorted(policies, key=lambda p: p.effective_from, reverse=True):
            (self._schools[policy.school_id] if policy.school_id else self._district).append(policy)
        self._default = Policy(effective_from=date.min)

    @classmethod
    def load(cls) -> "PolicyBook":
        return cls(Policy.objects.all())

    def all(self) -> list[Policy]:
        """Every version, the built-in defaults included."""
        return self._all()

    def _all(self) -> list[Policy]:
        return [*self._district, *(p for versions in self._schools.values() for p in versions), self._default]

    def least(self, parameter: str):
        """The smallest value of a parameter over every policy version (and the default)."""
        return min(getattr(policy, parameter) for policy in self._all())

    def most(self, parameter: str):
        """The largest value of a parameter over every policy version (and the default)."""
        return max(getattr(policy, parameter) for policy in self._all())

    def on(self, school_id: int, day: date) -> Policy:
        """The school's own version in force on `day`, else the district's, else the built-in defaults (pk None)."""
        for policy in self._schools.get(school_id, ()):
            if policy.effective_from <= day:
                return policy
        for policy in self._district:
            if policy.effective_from <= day:
                return policy
        return self._default
