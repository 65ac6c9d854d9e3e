"""A believable, deterministic benchmark dataset: 学区, 集团, schools with their leadership over the years, the
pair's communications, meetings with attendance, agenda items and votes, 三重一大 decisions with their chain
(沟通 → 校长办公会研究提出 → 党组织会议讨论决定 → 校长办公会部署落实), legal reviews, tasks, and a small share of
deliberate breaches so that every rule has something to find.

Rows are written with explicit ids through `writer.Table` (COPY on PostgreSQL), bypassing the services but
respecting every model constraint. Each school draws from its own random stream seeded by (seed, index), so a
seed and an end date always give the same rows whatever the chunk size.
"""

from collections.abc import Callable
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from core import dataversion
from core.models import DemoDataset
from schools.models import School

from .decision_records import DecisionRecords
from .meeting_records import MeetingRecords
from .organisation import Organisation
from .plans import CODE_PREFIX, SC, SchoolPlan

MARKER_PREFIX = "generate_dataset"


def marker_note(*, schools: int, years: int, seed: int, today: date) -> str:
    return f"{MARKER_PREFIX} schools={schools} years={years} seed={seed} today={today:%Y-%m-%d}"


class Generator(Organisation, MeetingRecords, DecisionRecords):
    """The whole generator: organisation and leadership, meetings and communications, decisions."""

    def records(self, plan: SchoolPlan) -> None:
        rng = self.rng("records", plan.index)
        meetings = self._meetings(plan, rng)
        self._communications(plan, rng)
        self._decisions(plan, rng, meetings)
        for meeting in meetings:
            for _ in range(rng.choice((0, 1, 1, 2)) if meeting.body != SC else 1):
                self._general_item(plan, rng, meeting)


def generate(
    *,
    schools: int,
    years: int,
    seed: int = 1,
    today: date | None = None,
    chunk: int = 50,
    check_rules: bool = True,
    progress: Callable[[str], None] = print,
) -> dict[str, int]:
    """Generate the dataset into the default database and return the number of rows per table."""
    today = today or timezone.localdate()
    if School.objects.filter(code__startswith=f"{CODE_PREFIX}0").exists():
        raise ValueError("数据库中已有生成的数据集；请使用空数据库。")
    gen = Generator(schools=schools, years=years, seed=seed, today=today, progress=progress)
    with transaction.atomic():
        gen.organisation()
        gen.t.flush()
    plans: list[SchoolPlan] = []
    started = timezone.now()
    for first in range(0, schools, chunk):
        with transaction.atomic():
            for index in range(first, min(first + chunk, schools)):
                plan = gen.plan_school(index, plans)
                plans.append(plan)
                gen.records(plan)
            gen.t.flush()
        done = min(first + chunk, schools)
        rows = sum(table.written for table in gen.t.all())
        elapsed = (timezone.now() - started).total_seconds()
        progress(f"学校 {done}/{schools}，已写入 {rows:,} 行，用时 {elapsed:.0f} 秒")
    for table in gen.t.all():
        table.reset_sequence()
    if connection.vendor == "postgresql":
        # After a bulk load: statistics for the planner, and (outside a transaction) the visibility map, without
        # which an index-only scan still reads every row from the table until autovacuum has passed.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for table in gen.t.all():
                cursor.execute(f'{command} "{table.name}"')
    counts = {table.name: table.written for table in gen.t.all()}
    if check_rules:
        from decisions.rules.engine import run_rules

        progress("运行合规规则……")
        summary = run_rules(today=today)
        counts["decisions_finding"] = summary.open_total
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute('ANALYZE "decisions_finding"')
    DemoDataset.objects.create(note=marker_note(schools=schools, years=years, seed=seed, today=today))
    dataversion.bump()  # rows written by COPY send no signal
    return counts
