"""四沟通 of the demo year: a monthly 一对一深度对话 per two-person pair, other talks, and emergencies told in
time, told late, or with a mistyped event time corrected before confirmation."""

from datetime import datetime, timedelta

from meetings.choices import REQUIRED_TIMING, CommunicationCategory, CommunicationOutcome, CommunicationTiming
from meetings.models import Communication
from meetings.services import communication_confirm, communication_create, communication_update
from schools.models import School

from .base import Demo, Pair, month_label, month_start, school_day, workday, workday_before
from .texts import DAILY_TOPICS, EMERGENCIES, OTHER_TALKS, TALK_TOPICS

Category = CommunicationCategory
TALK_MONTHS = 12  # the complete months the REGULAR_TALK rule checks; the current month is added
# (school, month offset) pairs without a talk: the open REGULAR_TALK findings.
TALK_GAPS = {("HD002", -5), ("HD011", -3), ("HD019", -8), ("HD030", -10)}
# Weeks (Monday offset from this week's Monday) without a 日常沟通: open REGULAR_TALK findings of the weekly kind.
DAILY_GAPS = {("HD011", -5)}
DAILY_DAYS = (1, 2, 3)  # the weekday (Tuesday to Thursday) the pair's weekly 日常沟通 usually falls on
# A talk held but logged only after the nightly check flagged the month (补录): a resolved finding.
LATE_LOGGED_TALK = ("HD013", -2)
EMERGENCY_SCHOOLS = ("HD001", "HD004", "HD009", "HD014", "HD024")
EMERGENCY_LATE = ("HD017", -6)  # told 28 hours after the event: open
EMERGENCY_TYPO = ("HD026", -3)  # event time mistyped a day early, corrected before confirmation: resolved


def plan_talk(
    demo: Demo,
    pair: Pair,
    when: datetime,
    category: str,
    subject: str,
    summary: str,
    *,
    outcome: str = CommunicationOutcome.CONSENSUS,
    event_at: datetime | None = None,
    by_secretary: bool = True,
    confirm: bool = True,
) -> Communication:
    """One pair member logs the talk an hour later; the other confirms it the next morning (if that is past)."""
    logger, confirmer = (
        (pair.secretary_user, pair.principal_user) if by_secretary else (pair.principal_user, pair.secretary_user)
    )
    confirmed_at = demo.moment(when.date() + timedelta(days=1), 8, 30)
    confirmed = confirm and demo.is_past(confirmed_at.date())
    talk = Communication(
        school=pair.school,
        occurred_at=when,
        category=category,
        timing=REQUIRED_TIMING.get(category, CommunicationTiming.BEFORE_DECISION),
        event_at=event_at,
        subject=subject,
        summary=summary,
        outcome=outcome,
        logged_by=logger,
        confirmed_by=confirmer if confirmed else None,
        confirmed_at=confirmed_at if confirmed else None,
    )
    demo.ledger.add(talk, when + timedelta(hours=1), logger)
    demo.ledger.link(talk, "participants", [pair.secretary, pair.principal])
    return talk


def plan_talks(demo: Demo, schools: list[School]) -> None:
    """The monthly talks of every two-person pair, two other talks per school, and the emergencies."""
    rng = demo.rng
    for school in schools:
        first_offset = -TALK_MONTHS - (1 if school.code == LATE_LOGGED_TALK[0] else 0)
        others = dict(zip(rng.sample(range(-11, -1), 2), rng.sample(OTHER_TALKS, 2), strict=True))
        for offset in range(first_offset, 1):
            start = month_start(demo.today, offset)
            day = workday(start + timedelta(days=rng.randint(3, 24)))
            pair = demo.pair(school, day)
            if pair is None or not demo.is_past(day):
                continue
            if (school.code, offset) not in TALK_GAPS | {LATE_LOGGED_TALK}:
                plan_talk(
                    demo,
                    pair,
                    demo.moment(day, rng.randint(15, 17), rng.choice((0, 30))),
                    Category.REGULAR_TALK,
                    f"{month_label(start)}书记校长一对一深度对话",
                    rng.choice(TALK_TOPICS),
                    by_secretary=rng.random() < 0.6,
                )
            if offset in others:
                category, subject, summary = others[offset]
                plan_talk(demo, pair, demo.moment(day, 10), category, subject, summary)
    by_code = {school.code: school for school in schools}
    _daily_talks(demo, schools)
    _late_logged_talk(demo, by_code[LATE_LOGGED_TALK[0]], LATE_LOGGED_TALK[1])
    _emergencies(demo, by_code)


def _daily_talks(demo: Demo, schools: list[School]) -> None:
    """The weekly 日常沟通 of every two-person pair (a short talk on the week's work, logged by either)."""
    rng, monday = demo.rng, demo.today - timedelta(days=demo.today.weekday())
    first = month_start(demo.today, -TALK_MONTHS)
    weeks = (first - monday).days // 7 - 1
    for school in schools:
        for back in range(weeks, 1):
            start = monday + timedelta(weeks=back)
            day = start + timedelta(days=rng.choice(DAILY_DAYS))
            if not school_day(day):
                day = next((d for d in (start + timedelta(days=n) for n in range(5)) if school_day(d)), None)
            if day is None or not demo.is_past(day) or (school.code, back) in DAILY_GAPS:
                continue
            pair = demo.pair(school, day)
            if pair is None:
                continue
            plan_talk(
                demo,
                pair,
                demo.moment(day, rng.choice((12, 13, 17)), rng.choice((0, 15, 30))),
                Category.DAILY_TALK,
                f"{start:%m月%d日}当周日常沟通",
                rng.choice(DAILY_TOPICS),
                by_secretary=rng.random() < 0.5,
            )


def _late_logged_talk(demo: Demo, school: School, offset: int) -> None:
    """The nightly check on the 3rd flags last month; the secretary then logs the talk that was held (补录)."""
    start, next_start = month_start(demo.today, offset), month_start(demo.today, offset + 1)
    held = demo.moment(workday_before(start + timedelta(days=25)), 16)
    pair, logged = demo.pair(school, held.date()), next_start + timedelta(days=4)

    def story() -> None:
        demo.check(school, next_start + timedelta(days=2), 1, "REGULAR_TALK")
        with demo.at(logged, 9):
            talk = communication_create(
                user=pair.secretary_user,
                school=school,
                occurred_at=held,
                category=Category.REGULAR_TALK,
                timing=CommunicationTiming.ROUTINE,
                subject=f"{month_label(start)}书记校长一对一深度对话（补录）",
                summary="当月对话按时进行，因书记外出学习未及时登记，现补录。" + demo.rng.choice(TALK_TOPICS),
                outcome=CommunicationOutcome.CONSENSUS,
                participants=[pair.secretary, pair.principal],
            )
        with demo.at(logged, 15):
            communication_confirm(user=pair.principal_user, communication=talk)
        demo.check(school, logged + timedelta(days=1), 1, "REGULAR_TALK")

    demo.story(demo.moment(next_start, 0), story)


def _emergencies(demo: Demo, by_code: dict[str, School]) -> None:
    for index, code in enumerate(EMERGENCY_SCHOOLS):
        day = workday_before(month_start(demo.today, -10 + 2 * index) + timedelta(days=9))
        event = demo.moment(day, 10, 5)
        subject, summary = EMERGENCIES[index % len(EMERGENCIES)]
        plan_talk(
            demo,
            demo.pair(by_code[code], day),
            event + timedelta(minutes=40),
            Category.EMERGENCY,
            subject,
            summary,
            event_at=event,
        )

    code, offset = EMERGENCY_LATE
    day = month_start(demo.today, offset) + timedelta(days=11)
    event = demo.moment(day, 19, 30)
    plan_talk(
        demo,
        demo.pair(by_code[code], day),
        event + timedelta(hours=28),
        Category.EMERGENCY,
        "暴雨导致教学楼漏水",
        "夜间暴雨致教学楼顶层漏水，值班人员次日才上报，书记校长当晚才沟通处置方案。",
        event_at=event,
    )

    code, offset = EMERGENCY_TYPO
    school = by_code[code]
    day = workday_before(month_start(demo.today, offset) + timedelta(days=14))
    pair, event = demo.pair(school, day), demo.moment(day, 8, 10)
    talk = plan_talk(
        demo,
        pair,
        demo.moment(day, 8, 50),
        Category.EMERGENCY,
        "学生在校突发疾病",
        "一名学生早读时突发疾病，校医处置后送医，书记校长当即沟通后续关爱和报告事宜。",
        event_at=event - timedelta(days=1),
        confirm=False,
    )  # mistyped one day early

    def story() -> None:
        demo.check(school, day, 12, "EMERGENCY_LATE")
        with demo.at(day, 14):
            corrected = communication_update(user=pair.secretary_user, communication=talk, event_at=event)
        with demo.at(day, 16):
            communication_confirm(user=pair.principal_user, communication=corrected)
        demo.check(school, day + timedelta(days=1), 1, "EMERGENCY_LATE")

    demo.story(demo.moment(day, 12), story)
