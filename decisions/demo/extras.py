"""The rest of the demo year: 中事 and 小事 decided without a meeting, an urgent repair pushed through a special
party meeting, and a vacancy that only existed because of a mistyped appointment."""

from datetime import date, timedelta
from decimal import Decimal

from core.history import note_history
from decisions.choices import ReviewConclusion, Tier
from meetings.choices import ItemResult, MatterCategory, PrincipalDecision
from schools.choices import PRINCIPAL_POSTS, SECRETARY_POSTS, MeetingBody, PartyOrgType
from schools.models import Appointment, School

from .base import Demo, Pair, month_start, workday, working_days_after
from .matters import Matter
from .sessions import Session
from .texts import CONSULT_MATTERS, EMERGENCY_DECISION, OPINIONS, SMALL_MATTERS, URGENT_REPAIR

CONSULT_MONTHS = (-10, -7, -4, -2)
SMALL_MONTHS = (-9, -6, -3, -1)
VACANCY_TYPO_CANDIDATES = ("HD018", "HD023", "HD025", "HD027", "HD033")
DUAL_POST_TYPO_CANDIDATES = ("HD012", "HD029", "HD031", "HD038", "HD009")
HALF_PRESENT = "（暑期临时会议）"


def minor_decisions(year) -> None:
    """中事 decided after consulting two members, 小事 decided by the responsible deputy; one or two tasks each."""
    demo, school, rng = year.demo, year.school, year.demo.rng
    for index, offset in enumerate(CONSULT_MONTHS):
        day = workday(month_start(demo.today, offset) + timedelta(days=rng.randint(18, 24)))
        if not demo.is_past(day + timedelta(days=2)):
            continue
        pair = demo.pair(school, day)
        members = year.staff(MeetingBody.PARTY_COMMITTEE, day, pair)
        title, description = CONSULT_MATTERS[(index + year.shift) % len(CONSULT_MATTERS)]
        matter = Matter(
            demo,
            school=school,
            title=title,
            category=MatterCategory.GENERAL,
            tier=Tier.CONSULT,
            by=pair.principal_user,
            at=demo.moment(day - timedelta(days=5), 10),
            description=description,
            leaders=[pair.principal],
        )
        for number, person in enumerate(members[:2]):
            matter.consulted(person, day - timedelta(days=3 - number), rng.choice(OPINIONS))
        matter.decide(demo.moment(day, 16))
        matter.assign(day + timedelta(days=1), members[:2], by=pair.principal_user)
    for index, offset in enumerate(SMALL_MONTHS):
        day = workday(month_start(demo.today, offset) + timedelta(days=rng.randint(8, 12)))
        if not demo.is_past(day + timedelta(days=1)):
            continue
        pair = demo.pair(school, day)
        deputy = year.staff(MeetingBody.PRINCIPAL_OFFICE, day, pair)[0]
        title, amount = SMALL_MATTERS[(index + year.shift) % len(SMALL_MATTERS)]
        matter = Matter(
            demo,
            school=school,
            title=f"{title}（约{amount:,}元）",
            category=MatterCategory.GENERAL,
            tier=Tier.AUTONOMOUS,
            by=pair.principal_user,
            at=demo.moment(day, 10),
            amount=Decimal(amount),
            leaders=[deputy],
        )
        matter.decide(demo.moment(day, 11), decided_by=deputy)
        matter.assign(day + timedelta(days=1), [deputy], by=pair.principal_user)


def urgent_repair(year, day: date) -> None:
    """A special party meeting decides an urgent repair without a prior talk or 校长办公会 proposal: the chair's
    written note, the missing talk and the missing 研究提出 stay as open findings."""
    demo, school = year.demo, year.school
    day = workday(day)
    pair = demo.pair(school, day)
    clerk = year.clerk(pair)
    matter = Matter(
        demo,
        school=school,
        title=URGENT_REPAIR.title,
        category=MatterCategory.LARGE_FUNDS,
        tier=Tier.COLLECTIVE,
        by=pair.principal_user,
        at=demo.moment(day - timedelta(days=1), 9),
        description=URGENT_REPAIR.description,
        amount=URGENT_REPAIR.amount,
        leaders=[pair.principal],
    )
    matter.reviewed(
        day - timedelta(days=1), "学校法律顾问", ReviewConclusion.LAWFUL_AFTER_CHANGES, "建议补充应急采购的比价记录。"
    )
    party = Session(
        demo,
        school=school,
        body=MeetingBody.PARTY_COMMITTEE,
        day=day,
        number=year.number(MeetingBody.PARTY_COMMITTEE, day),
        chair=pair.secretary,
        clerk=clerk,
        kind="（临时会议）",
    )
    item = party.add(
        URGENT_REPAIR.title,
        MatterCategory.LARGE_FUNDS,
        proposer=pair.principal,
        by=pair.secretary_user,
        override="连续降雨致教学楼渗漏，须当日决定抢修；书记校长已电话沟通，会后补录沟通记录。",
    )
    matter.on_agenda(item, demo.moment(day - timedelta(days=1), 16))
    party.finish(pair.secretary_user)
    matter.decide(demo.moment(day, 18), item=item)
    matter.assign(day + timedelta(days=1), year.staff(MeetingBody.PRINCIPAL_OFFICE, day, pair), by=pair.principal_user)


def mistyped_vacancy(demo: Demo, schools: dict[str, School]) -> None:
    """A principal's appointment got a 离任日期 by mistake; the check flags a vacancy, the district fixes it."""
    check_day = workday(month_start(demo.today, -4) + timedelta(days=9))
    typo = check_day - timedelta(days=40)
    for code in VACANCY_TYPO_CANDIDATES:
        holders = list(Appointment.objects.filter(school=schools[code], post__in=PRINCIPAL_POSTS))
        if len(holders) == 1 and holders[0].end is None and holders[0].start < typo:
            appointment = holders[0]
            break
    else:
        return

    def story() -> None:
        with demo.at(check_day - timedelta(days=2), 11):
            appointment.end = typo
            note_history(appointment, reason="人事信息维护时误填离任日期")
            appointment.save()
        demo.check(appointment.school, check_day, 1, "PAIR_VACANCY")
        with demo.at(check_day, 10):
            appointment.end = None
            note_history(appointment, reason="核对任免文件，撤销误填的离任日期")
            appointment.save()
        demo.check(appointment.school, check_day + timedelta(days=1), 1, "PAIR_VACANCY")

    demo.story(demo.moment(check_day - timedelta(days=2), 11), story)


def emergency_decision(year, day: date, pair: Pair) -> Matter | None:
    """A decision the principal took alone in an emergency (临机决定), to be reported at the next party meeting."""
    demo, school = year.demo, year.school
    day = workday(day)
    if not demo.is_past(day + timedelta(days=1)):
        return None
    matter = Matter(
        demo,
        school=school,
        title=EMERGENCY_DECISION.title,
        category=MatterCategory.MAJOR_DECISION,
        tier=Tier.COLLECTIVE,
        by=pair.principal_user,
        at=demo.moment(day, 7, 20),
        description=EMERGENCY_DECISION.description,
        leaders=[pair.principal],
    )
    matter.obj.is_emergency = True
    matter.decide(demo.moment(day, 7, 30))
    matter.obj.decided_by = pair.principal
    return matter


def half_present_meeting(year, offset: int) -> Session | None:
    """A lawful 校长办公会 held with exactly half of its members (半数以上 includes half): a summer-holiday
    meeting where the principal decides after hearing the views of those present; it raises no finding."""
    demo, school = year.demo, year.school
    day = workday(month_start(demo.today, offset) + timedelta(days=24))
    pair = demo.pair(school, day)
    members = demo.members(school, MeetingBody.PRINCIPAL_OFFICE, day) if pair else []
    if not demo.is_past(working_days_after(day, 2)) or len(members) % 2:
        return None
    deputies = year.staff(MeetingBody.PRINCIPAL_OFFICE, day, pair)
    present = {pair.principal.pk, *(p.pk for p in deputies[: len(members) // 2 - 1])}
    office = Session(
        demo,
        school=school,
        body=MeetingBody.PRINCIPAL_OFFICE,
        day=day,
        number=year.number(MeetingBody.PRINCIPAL_OFFICE, day),
        chair=pair.principal,
        clerk=year.clerk(pair),
        kind=HALF_PRESENT,
        away=[p for p in members if p.pk not in present],
    )
    title = "暑期校舍维修进度和开学准备工作安排"
    item = office.add(title, MatterCategory.GENERAL, proposer=deputies[0], lead=deputies[0])
    item.views_heard = "到会班子成员逐一发表意见，同意按维修进度倒排开学准备工作；请假成员会前已书面提出意见。"
    item.principal_decision, item.result = PrincipalDecision.AGREE, ItemResult.PASSED
    office.finish(pair.principal_user)
    return office


def mistyped_dual_post(demo: Demo, schools: dict[str, School]) -> None:
    """At a 党委 school the principal's appointment was entered under the secretary's name: one person in both
    posts (DUAL_POSTS); the district checks the appointment papers and corrects the person."""
    check_day = workday(month_start(demo.today, -6) + timedelta(days=15))
    for code in DUAL_POST_TYPO_CANDIDATES:
        school = schools[code]
        pair = demo.pair(school, check_day - timedelta(days=3))
        if school.party_org_type == PartyOrgType.COMMITTEE and pair is not None:
            principal = Appointment.objects.filter(
                school=school, post__in=PRINCIPAL_POSTS, person=pair.principal, end__isnull=True
            ).first()
            if principal is not None and demo.holder(school, SECRETARY_POSTS, demo.today) == pair.secretary:
                break
    else:
        return

    def story() -> None:
        with demo.at(check_day - timedelta(days=1), 16):
            principal.person = pair.secretary
            note_history(principal, reason="人事信息维护时误选任职人员")
            principal.save()
        demo.check(school, check_day, 1, "DUAL_POSTS")
        with demo.at(check_day, 10):
            principal.person = pair.principal
            note_history(principal, reason="核对任免文件，更正任职人员")
            principal.save()
        demo.check(school, check_day + timedelta(days=1), 1, "DUAL_POSTS")

    demo.story(demo.moment(check_day - timedelta(days=1), 16), story)
