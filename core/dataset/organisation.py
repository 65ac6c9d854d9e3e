"""学区, 集团 and schools, with the leadership of each school over the years."""

import json
import random
from datetime import date, timedelta
from decimal import Decimal

from schools.models import Policy

from . import names
from .base import GeneratorBase
from .plans import CODE_PREFIX, JOINT, LEVELS, PASSWORD, PC, PO, SC, Holder, SchoolPlan, at_local


def policy_values(**overrides) -> dict:
    """A policy version's row: every parameter at the model's default (the rulebook's defaults), then `overrides`."""
    values = {}
    for field in Policy._meta.concrete_fields:
        if field.primary_key or field.name in ("created_at", "updated_at") or not field.has_default():
            continue
        default = field.get_default()
        if field.get_internal_type() == "JSONField":
            default = _json(default)
        elif isinstance(default, str):
            default = str(default)  # a TextChoices member as its plain value (COPY writes str())
        values[field.name] = default
    values.update(overrides)
    return values


def _json(value):
    """JSONField value as the database driver expects it (a JSON string for raw COPY / INSERT)."""
    return json.dumps(value)


class Organisation(GeneratorBase):
    # --- organisation --------------------------------------------------------------------------------
    def organisation(self) -> None:
        rng = self.rng("org")
        registered = at_local(self.first_month - timedelta(days=90), 9)
        for i in range(max(1, self.n_schools // 20)):
            name = self._unique_name(f"{names.PLACES[i % len(names.PLACES)]}学区")
            pk = self.t.district.add(
                code=f"{CODE_PREFIX}XQ{i + 1:03d}",
                name=name,
                office_name=f"{name}管理中心",
                **self._stamps(registered),
            )
            self.districts.append(pk)
        for i in range(max(1, self.n_schools // 15)):
            place = names.PLACES[(i * 7 + 3) % len(names.PLACES)]
            name = self._unique_name(f"{place}{rng.choice(('实验', '第一', '育才', '附属'))}教育集团")
            self.groups.append(
                self.t.group.add(code=f"{CODE_PREFIX}JT{i + 1:03d}", name=name, **self._stamps(registered))
            )
        start = self.first_month - timedelta(days=365)
        if not Policy.objects.filter(school__isnull=True, effective_from=start).exists():
            self.t.policy.add(
                **policy_values(
                    school=None,
                    effective_from=start,
                    large_amount_threshold=Decimal("100000"),
                    minutes_due_working_days=2,
                    daily_talk_period="week",
                    regular_talk_period="month",
                    note="生成数据：全区通用参数",
                ),
                **self._stamps(registered),
            )

    def plan_school(self, index: int, previous: list[SchoolPlan]) -> SchoolPlan:
        rng = self.rng("school", index)
        level = rng.choices([lv for lv, _ in LEVELS], [w for _, w in LEVELS])[0]
        district = self.districts[index * len(self.districts) // self.n_schools]
        campus_of = None
        same_district = [p for p in previous[-15:] if p.district == district and p.parent is None]
        if same_district and rng.random() < 0.08:
            campus_of = rng.choice(same_district)
        group = campus_of.group if campus_of else (rng.choice(self.groups) if rng.random() < 0.4 else None)
        committee = level != "primary" and rng.random() < 0.7 and campus_of is None
        party_org_type = "committee" if committee else rng.choice(("general_branch", "branch"))
        if campus_of:
            parent = self._school_name(campus_of)
            base = f"{parent}{rng.choice(names.PLACES)}校区"
            alternatives = (f"{parent}{place}校区" for place in names.PLACES)
        else:
            place = rng.choice(names.PLACES)
            base = f"北京市{place}{rng.choice(names.LEVEL_SUFFIX[level])}"
            kind = names.LEVEL_KIND[level]
            alternatives = (f"北京市{place}{ordinal}{kind}" for ordinal in names.ORDINALS)
        name = self._unique_name(base, alternatives)
        pk = self.t.school.add(
            code=f"{CODE_PREFIX}{index + 1:06d}",
            name=name,
            level=level,
            party_org_type=party_org_type,
            district=district,
            group=group,
            parent=campus_of.pk if campus_of else None,
            address=f"北京市{rng.choice(names.PLACES)}路{rng.randint(1, 300)}号",
            is_active=True,
            # Registered when its records start: MEETING_FREQUENCY checks months from registration on.
            **self._stamps(at_local(self.first_month, 8)),
        )
        self._names[pk] = name
        plan = SchoolPlan(
            index=index,
            pk=pk,
            code=f"{CODE_PREFIX}{index + 1:06d}",
            district=district,
            group=group,
            parent=campus_of.pk if campus_of else None,
            committee=committee,
            # 一肩挑 is for 党支部 schools; a few 党总支 schools have it too (DUAL_POSTS finds them)
            combined=rng.random() < {"branch": 0.2, "general_branch": 0.03}.get(party_org_type, 0),
        )
        self._leadership(plan, rng)
        return plan

    def _school_name(self, plan: SchoolPlan) -> str:
        return self._names[plan.pk]

    def _leadership(self, plan: SchoolPlan, rng: random.Random) -> None:
        first, today = self.first_month, self.today
        span = (today - first).days

        def appoint(post: str, bodies: tuple[str, ...], start: date, end: date | None = None, person=None) -> Holder:
            holder = Holder(person or self._person(rng), post, start, end, bodies)
            plan.holders.append(holder)
            return holder

        def initial_start() -> date:
            return first - timedelta(days=rng.randint(60, 2000))

        pair_bodies = (PC, PO, JOINT, SC)
        secretary = appoint("secretary", pair_bodies, initial_start())
        if plan.combined:
            appoint("principal", (), secretary.start, person=secretary.person)
        else:
            principal = appoint("principal", pair_bodies, initial_start())
            roll = rng.random()
            if roll < 0.02:  # the principal left recently and nobody was appointed yet: a vacancy
                principal.end = today - timedelta(days=rng.randint(35, 120))
            elif roll < 0.22:  # a new principal during the period
                change = first + timedelta(days=rng.randint(90, max(91, span - 60)))
                principal.end = change - timedelta(days=1)
                appoint("principal", pair_bodies, change)
        if rng.random() < 0.1 and not plan.combined:  # a new secretary during the period
            change = first + timedelta(days=rng.randint(90, max(91, span - 60)))
            secretary.end = change - timedelta(days=1)
            appoint("secretary", pair_bodies, change)
        if plan.committee:
            appoint("deputy_secretary", (PC, JOINT), initial_start())
        for _ in range(2 if plan.committee else 1):
            appoint("deputy_principal", (PO, JOINT, SC), initial_start())
        for _ in range(rng.randint(1, 2)):
            appoint("committee_member", (PC, JOINT), initial_start())
        appoint("discipline_secretary", (PC, JOINT), initial_start())
        appoint("union_chair", (SC, JOINT), initial_start())
        if rng.random() < 0.01:
            plan.weekly_talks = True
        plan.daily_talks_logged = rng.random() < 0.9

        stamp = at_local(first - timedelta(days=30), 10)
        for holder in plan.holders:
            self.t.appointment.add(
                person=holder.person,
                school=plan.pk,
                post=holder.post,
                start=holder.start,
                end=holder.end,
                note="",
                **self._stamps(stamp),
            )
            for body in holder.bodies:
                self.t.membership.add(
                    person=holder.person,
                    school=plan.pk,
                    body=body,
                    start=holder.start,
                    end=holder.end,
                    portfolio=names.PORTFOLIOS.get(holder.post, ""),
                    **self._stamps(stamp),
                )
        joined = at_local(first - timedelta(days=30), 9)
        user = lambda role, person, username: self.t.user.add(  # noqa: E731
            password=PASSWORD,
            last_login=None,
            is_superuser=False,
            username=username,
            first_name="",
            last_name=f"{plan.code}{role}",
            email="",
            is_staff=False,
            is_active=True,
            date_joined=joined,
            role=role,
            school_district=None,
            school=plan.pk,
            person=person,
        )
        plan.clerk = user("clerk", None, f"{plan.code.lower()}_clerk")
        current_secretary = self._holder(plan, "secretary", today)
        current_principal = self._holder(plan, "principal", today)
        plan.secretary_user = user("secretary", current_secretary, f"{plan.code.lower()}_secretary")
        if plan.combined or current_principal is None:
            plan.principal_user = plan.secretary_user
        else:
            plan.principal_user = user("principal", current_principal, f"{plan.code.lower()}_principal")
        if plan.weekly_talks:
            self.t.policy.add(
                **policy_values(
                    school=plan.pk,
                    effective_from=first - timedelta(days=365),
                    regular_talk_period="week",
                    note="生成数据：本校要求每周一对一深度对话",
                ),
                **self._stamps(at_local(first - timedelta(days=30), 9)),
            )

    @staticmethod
    def _holder(plan: SchoolPlan, post: str, day: date) -> int | None:
        for holder in plan.holders:
            if holder.post == post and holder.on(day):
                return holder.person
        return None

    def _members(self, plan: SchoolPlan, body: str, day: date) -> list[int]:
        return sorted({h.person for h in plan.holders if body in h.bodies and h.on(day)})
