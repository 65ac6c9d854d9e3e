"""The demo district loaded by `manage.py seed_demo`: real Haidian 学区 and school names, fictional people.

Everything is planned in memory first from a fixed random seed, then written with one upsert per model
keyed by codes (学区、集团、学校、人员), by (person, school, post, start) for appointments and by
(person, school, body, start) for memberships. A row that already holds the planned values is not
written again, so a second run changes nothing, not even the history tables.

The constant data (学区, schools, name parts…) is in `data`, the in-memory plan in `planning` and the
upserts in `writing`.
"""

from .data import DEFAULT_PASSWORD
from .planning import build_plan
from .writing import seed_demo

__all__ = ["DEFAULT_PASSWORD", "build_plan", "seed_demo"]
