"""What the generator plans before writing rows: constants, a school's leadership (`Holder`), its meetings and
its shape (`SchoolPlan`)."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from reports.aggregates.scope import LOCAL_TZ

CODE_PREFIX = "G"
PASSWORD = "!generated-dataset-no-login"  # an unusable password: generated accounts cannot log in

PC, PO, SC, JOINT = "party_committee", "principal_office", "staff_congress", "joint"
BODY_LABEL = {PC: "党组织会议", PO: "校长办公会", SC: "教代会", JOINT: "党政联席会"}
LEVELS = (("primary", 0.55), ("junior", 0.15), ("nine_year", 0.1), ("complete_secondary", 0.12), ("senior", 0.08))


def at_local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)


def working_day(day: date) -> date:
    """Move a weekend day to the following Monday."""
    return day + timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


@dataclass
class Holder:
    """One appointment: who holds which post from when to when (end inclusive, None = in office)."""

    person: int
    post: str
    start: date
    end: date | None
    bodies: tuple[str, ...]

    def on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or self.end >= day)


@dataclass
class MeetingPlan:
    pk: int
    body: str
    day: date
    present: list[int]
    expected: int
    finalised: bool
    items: int = 0
    stamp: datetime | None = None


@dataclass
class SchoolPlan:
    index: int
    pk: int
    code: str
    district: int
    group: int | None
    parent: int | None
    committee: bool
    combined: bool
    holders: list[Holder] = field(default_factory=list)
    clerk: int = 0
    secretary_user: int = 0
    principal_user: int = 0
    weekly_talks: bool = False  # the school's rules ask for a weekly 一对一深度对话
    daily_talks_logged: bool = True  # the pair logs its weekly 日常沟通 (REGULAR_TALK)
