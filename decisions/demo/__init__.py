"""A believable year of governance records for the demo district, loaded by `seed_demo` after the schools.

Every school with a two-person pair holds its weekly 日常沟通 and monthly 一对一深度对话 (a few are missing);
five schools hold their 校长办公会 and 党组织会议 every month, with the notice sent the day before, attendance,
agenda items with their 分管领导, 酝酿 of 干部任免 items, votes (the principal's decision at a 校长办公会),
minutes signed within two working days, and carry their 三重一大 matters from the pair's talk to the principal's
report on implementation and closing; 中事 and 小事 are decided after consultation or by one
leader; tasks are supervised until done. Dates are relative to `today`, over the last twelve months.

Routine rows are planned in memory and written in bulk with their history (`ledger`); the steps that make a
compliance story (a breach the nightly check caught, then fixed) are replayed through the services with the
clock set to when they happened (`stories`). Every rule of `decisions.rules.RULES` ends with open findings and
resolved ones; records the services refuse stand for data imported from paper ledgers (`imported`).

Idempotency: the whole year is written in one transaction that ends with a `DemoDataset` row whose note is
`MARKER`. When that row exists the year is already there and nothing is written again (the compliance check
`seed_demo` runs afterwards then changes nothing either). A changed demo year needs a new marker and a fresh
database.
"""

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from core.models import DemoDataset, User
from schools.models import School

from .base import SEED, Demo, clock, month_start
from .congress import seat_staff_congress
from .cycle import SchoolYear
from .extras import half_present_meeting, minor_decisions, mistyped_dual_post, mistyped_vacancy
from .imported import IMPORT_OFFSET, import_ledger
from .talks import TALK_MONTHS, plan_talks

MARKER = "seed_demo：治理记录（演示年度）v2"
LEAD_SCHOOL = "HD001"  # 海淀实验小学
MEETING_SCHOOLS = (LEAD_SCHOOL, "HD002", "HD005", "HD008", "HD016")
IMPORTED = {"HD008": True, "HD016": False}  # school -> whether its import errors get corrected
HALF_PRESENT_SCHOOL = "HD002"  # a 校长办公会 of six held with three present in the summer holidays

__all__ = ["MARKER", "seed_records"]


def seed_records(*, today: date) -> bool:
    """Write the demo year unless it is already there; True when it was written now."""
    if DemoDataset.objects.filter(note=MARKER).exists():
        return False
    # The services re-check a school after every write (a queued task when a broker is configured); here the
    # stories run the checks themselves where they need one, and `seed_demo` runs the full check afterwards.
    with override_settings(COMPLIANCE_CHECK_ON_WRITE=False), transaction.atomic():
        schools = list(School.objects.filter(is_active=True).order_by("code"))
        by_code = {school.code: school for school in schools}
        first = month_start(today, -TALK_MONTHS - 1)
        # The meeting schools registered in the portal when their first recorded month began: MEETING_FREQUENCY
        # checks their months from then on (the other schools keep the day of seeding).
        registered = timezone.make_aware(datetime.combine(month_start(today, IMPORT_OFFSET), time(8)))
        School.objects.filter(code__in=MEETING_SCHOOLS).update(created_at=registered)
        with clock(timezone.make_aware(datetime.combine(first, time(9)))):
            seat_staff_congress(by_code[LEAD_SCHOOL], random.Random(SEED))  # noqa: S311 - demo data
        demo = Demo(today=today, admin=User.objects.get(username="district_admin"))
        demo.open_accounts(schools, [first + timedelta(days=days) for days in range(0, (today - first).days, 14)])
        plan_talks(demo, schools)
        for code in MEETING_SCHOOLS:
            year = SchoolYear(demo, by_code[code])
            if code in IMPORTED:
                import_ledger(demo, year, corrected=IMPORTED[code])
            for offset in range(IMPORT_OFFSET + (code in IMPORTED), 1):
                year.month(offset)
            minor_decisions(year)
            if code == HALF_PRESENT_SCHOOL:
                half_present_meeting(year, -((today.month - 7) % 12 or 12))
        mistyped_vacancy(demo, by_code)
        mistyped_dual_post(demo, by_code)
        demo.replay()
        demo.retire_departed_accounts()
        DemoDataset.objects.create(note=MARKER)
    return True
