"""The generator's shared state: random streams per (seed, …), the tables being written, names in use."""

import random
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from itertools import chain

from reports.aggregates.scope import add_months, month_start
from schools.models import EducationGroup, School, SchoolDistrict

from . import names
from .plans import CODE_PREFIX, at_local
from .tables import Tables


class GeneratorBase:
    """State and helpers shared by the parts of the generator (`Generator` composes them; a part may call another's
    methods through `self`)."""

    def __init__(self, *, schools: int, years: int, seed: int, today: date, progress: Callable[[str], None]):
        self.n_schools, self.years, self.seed, self.today = schools, years, seed, today
        self.progress = progress
        self.first_month = add_months(month_start(today), -(years * 12 - 1))
        self.t = Tables.create()
        self.districts: list[int] = []
        self.groups: list[int] = []
        self.used_names: set[str] = set()
        for model in (SchoolDistrict, EducationGroup, School):
            self.used_names.update(model.objects.values_list("name", flat=True))
        self._names: dict[int, str] = {}

    # --- helpers ------------------------------------------------------------------------------------
    def rng(self, *parts) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))

    def _stamps(self, moment: datetime, updated: datetime | None = None) -> dict:
        return {"created_at": moment, "updated_at": updated or moment}

    def _person(self, rng: random.Random, note: str = "") -> int:
        gender = rng.choice("FM")
        given = rng.choice(names.GIVEN_FEMALE if gender == "F" else names.GIVEN_MALE)
        pk = self.t.person.next_id
        registered = at_local(self.first_month - timedelta(days=60), 9)
        return self.t.person.add(
            code=f"{CODE_PREFIX}P{pk:07d}",
            name=rng.choice(names.SURNAMES) + given,
            gender=gender,
            note=note,
            **self._stamps(registered),
        )

    def _unique_name(self, base: str, alternatives: Iterable[str] = ()) -> str:
        """`base`, else the first unused of `alternatives` (names a school could really have), else a numbered one."""
        for name in chain((base,), alternatives):
            if name not in self.used_names:
                break
        else:
            name, n = base, 1
            while name in self.used_names:
                n += 1
                name = f"{base}（{n}）" if not base.endswith("学区") else f"{base[:-2]}第{n}学区"
        self.used_names.add(name)
        return name
