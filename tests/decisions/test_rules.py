"""The compliance engine: each rule's fail and pass side, self-resolving findings, policy over time,
and a query count independent of the number of schools."""

import datetime
import io
import zoneinfo
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import NotAllowedError
from decisions.choices import DecisionStatus, MatterCategory, Outcome, Tier
from decisions.models import Finding, LegalReview
from decisions.rules import RULES, run_rules
from meetings import services as meeting_services
from meetings.choices import (
    AttendanceKind,
    AttendanceStatus,
    CommunicationCategory,
    CommunicationOutcome,
    CommunicationTiming,
    ItemResult,
    MeetingStatus,
)
from meetings.models import AgendaItem, Communication, Meeting, Recusal, Vote
from schools.choices import MeetingBody, PartyOrgType, Post
from schools.models import School
from tests.factories import (
    AgendaItemFactory,
    AppointmentFactory,
    AttendanceFactory,
    CommunicationFactory,
    DecisionFactory,
    DeliberationFactory,
    ImplementationReportFactory,
    MeetingFactory,
    PersonFactory,
    PolicyFactory,
    SchoolFactory,
    TaskFactory,
    UserFactory,
)

TODAY = datetime.date(2026, 11, 25)
D = datetime.date
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MEETING_DAY = D(2026, 10, 10)
PAIR_START = D(2024, 1, 1)


def at(year, month, day, hour):
    return datetime.datetime(year, month, day, hour, tzinfo=SHANGHAI)


def open_findings(code, school=None):
    findings = Finding.objects.filter(rule=code, resolved_at__isnull=True)
    return findings.filter(school=school) if school else findings


def check(code, school=None):
    run_rules(codes=[code], today=TODAY, school_ids=[school.pk] if school else None)
    return open_findings(code, school)


def meeting_with(school, *, expected, present, body=MeetingBody.PARTY_COMMITTEE, day=MEETING_DAY, **kwargs):
    meeting = MeetingFactory(school=school, body=body, date=day, status=MeetingStatus.HELD, **kwargs)
    people = PersonFactory.create_batch(expected)
    for index, person in enumerate(people):
        status = AttendanceStatus.PRESENT if index < present else AttendanceStatus.ABSENT
        AttendanceFactory(meeting=meeting, person=person, kind=AttendanceKind.MEMBER, status=status)
    meeting.people = people
    return meeting


@pytest.fixture
def school(db):
    return SchoolFactory()


# --- Meeting rules ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("present", "breached"), [(2, True), (3, False)])
def test_quorum_at_least_half(school, present, breached):
    """半数以上 includes half: 6 expected, 3 present (exactly half) is quorate; 2 is not."""
    meeting = meeting_with(school, expected=6, present=present)
    AgendaItemFactory(meeting=meeting, result=ItemResult.PASSED, votes_for=present)
    assert check("QUORUM").exists() is breached


@pytest.mark.parametrize(("present", "breached"), [(3, True), (4, False)])
def test_quorum_strict_policy_needs_more_than_half(school, present, breached):
    """A school whose rules say 超过半数: exactly half is no longer quorate."""
    PolicyFactory(school=school, effective_from=D(2026, 1, 1), quorum_strict=True)
    meeting = meeting_with(school, expected=6, present=present)
    AgendaItemFactory(meeting=meeting, result=ItemResult.PASSED, votes_for=present)
    assert check("QUORUM").exists() is breached


@pytest.mark.parametrize(("present", "breached"), [(3, True), (4, False)])
def test_quorum_personnel_at_exactly_two_thirds(school, present, breached):
    meeting = meeting_with(school, expected=6, present=present)
    AgendaItemFactory(meeting=meeting, result=ItemResult.PASSED, category=MatterCategory.PERSONNEL, votes_for=4)
    assert check("QUORUM_PERSONNEL").exists() is breached


@pytest.mark.parametrize(("votes_for", "breached"), [(3, True), (4, False)])
def test_majority_of_expected(school, votes_for, breached):
    meeting = meeting_with(school, expected=6, present=6)
    AgendaItemFactory(meeting=meeting, result=ItemResult.PASSED, votes_for=votes_for)
    assert check("MAJORITY").exists() is breached


def test_pre_communication_and_it_resolves_when_linked(school):
    meeting = meeting_with(school, expected=5, present=5)
    item = AgendaItemFactory(meeting=meeting, category=MatterCategory.MAJOR_PROJECT, result=ItemResult.PASSED)
    AgendaItemFactory(meeting=meeting, category=MatterCategory.GENERAL)

    finding = check("PRE_COMMUNICATION").get()
    assert finding.subject == item and "会前没有经确认的书记校长沟通记录" in finding.message

    confirmer = UserFactory()
    late = CommunicationFactory(
        school=school, occurred_at=at(2026, 10, 12, 9), confirmed_by=confirmer, confirmed_at=at(2026, 10, 12, 10)
    )
    item.pre_communications.add(late)
    assert check("PRE_COMMUNICATION").exists()  # a talk after the meeting does not count
    unconfirmed = CommunicationFactory(school=school, occurred_at=at(2026, 10, 8, 9))
    item.pre_communications.add(unconfirmed)
    assert check("PRE_COMMUNICATION").exists()  # nor one the other member has not confirmed
    Communication.objects.filter(pk=unconfirmed.pk).update(confirmed_by=confirmer, confirmed_at=at(2026, 10, 8, 12))
    assert not check("PRE_COMMUNICATION").exists()
    finding.refresh_from_db()
    assert finding.resolved_at is not None


def test_disagreement_forced(school):
    meeting = meeting_with(school, expected=5, present=5)
    item = AgendaItemFactory(meeting=meeting, result=ItemResult.PASSED)
    item.pre_communications.add(
        CommunicationFactory(
            school=school,
            outcome=CommunicationOutcome.DISAGREEMENT,
            occurred_at=at(2026, 10, 1, 9),
        )
    )
    assert check("DISAGREEMENT_FORCED").exists()
    item.pre_communications.add(CommunicationFactory(school=school, occurred_at=at(2026, 10, 5, 9)))
    assert not check("DISAGREEMENT_FORCED").exists()


def test_tabling_with_disagreement_is_the_breach_even_when_deferred(school):
    """Putting the item on the agenda is what the rule forbids: deferring it at the meeting does not undo that."""
    meeting = meeting_with(school, expected=5, present=5)
    item = AgendaItemFactory(meeting=meeting, result=ItemResult.DEFERRED, deferral_reason="分歧")
    item.pre_communications.add(CommunicationFactory(school=school, outcome=CommunicationOutcome.DISAGREEMENT))
    assert check("DISAGREEMENT_FORCED").get().subject == item


def test_disagreement_recorded_after_tabling_is_not_forced(school):
    meeting = meeting_with(school, expected=5, present=5)
    item = AgendaItemFactory(meeting=meeting, result=ItemResult.DEFERRED, deferral_reason="分歧")
    AgendaItem.objects.filter(pk=item.pk).update(created_at=at(2026, 10, 1, 9))
    item.pre_communications.add(
        CommunicationFactory(school=school, outcome=CommunicationOutcome.DISAGREEMENT, occurred_at=at(2026, 10, 2, 9))
    )
    assert not check("DISAGREEMENT_FORCED").exists()


@pytest.mark.parametrize(("spoke_last", "breached"), [(False, True), (True, False)])
def test_secretary_last(school, spoke_last, breached):
    meeting = meeting_with(school, expected=5, present=5)
    AgendaItemFactory(meeting=meeting, result=ItemResult.PASSED, votes_for=5, secretary_spoke_last=spoke_last)
    assert check("SECRETARY_LAST").exists() is breached


def test_recusal(school):
    meeting = meeting_with(school, expected=5, present=5)
    item = AgendaItemFactory(meeting=meeting, result=ItemResult.PASSED, votes_for=4)
    conflicted, other = meeting.people[0], meeting.people[1]
    Recusal.objects.create(item=item, person=conflicted, reason="近亲属")
    Vote.objects.create(item=item, person=other, choice="for")
    assert not check("RECUSAL").exists()
    Vote.objects.create(item=item, person=conflicted, choice="for")
    assert check("RECUSAL").get().subject == item


def test_staff_congress(school):
    meeting = meeting_with(school, expected=5, present=5)
    item = AgendaItemFactory(meeting=meeting, result=ItemResult.PASSED, votes_for=5, touches_staff_interests=True)
    assert check("STAFF_CONGRESS").exists()
    later = meeting_with(school, expected=9, present=8, body=MeetingBody.STAFF_CONGRESS, day=D(2026, 10, 20))
    decision = DecisionFactory(
        school=school, agenda_items=[item, AgendaItemFactory(meeting=later, result=ItemResult.PASSED, votes_for=8)]
    )
    assert check("STAFF_CONGRESS").exists()  # a 教代会 after the decision does not count
    congress = meeting_with(school, expected=9, present=8, body=MeetingBody.STAFF_CONGRESS, day=D(2026, 10, 10))
    decision.agenda_items.add(AgendaItemFactory(meeting=congress, result=ItemResult.PASSED, votes_for=8))
    assert not check("STAFF_CONGRESS").exists()  # on the day of the decision: counts


def minutes_meeting(school, day, signed_at=None):
    return MeetingFactory(
        school=school,
        date=day,
        status=MeetingStatus.FINALISED if signed_at else MeetingStatus.HELD,
        finalised_at=signed_at,
        finalised_by=UserFactory() if signed_at else None,
    )


@pytest.mark.parametrize(
    ("signed_at", "breached"),
    [
        (at(2026, 10, 9, 17), False),  # Friday 9 October: the 2nd working day after the 国庆 holiday
        (at(2026, 10, 10, 9), True),  # Saturday 10 October is a 调休 working day: the 3rd, late
        (None, True),  # unsigned, and today (25 November) is past the due date
    ],
)
def test_minutes_late_on_the_official_calendar(school, signed_at, breached):
    """Meeting on 30 September, the eve of 国庆 (1–7 October off): due on the 2nd working day, 9 October.
    Signing on Saturday 10 October is late only because that 调休 Saturday is a working day: a Monday-to-Friday
    count would find two working days (8 and 9 October) up to it and call it on time."""
    minutes_meeting(school, D(2026, 9, 30), signed_at)
    findings = check("MINUTES_LATE")
    assert findings.exists() is breached
    if breached:
        assert "2026-10-09（第 2 个工作日）" in findings.get().message


@pytest.mark.parametrize(("signed_on", "breached"), [(D(2026, 10, 12), False), (D(2026, 10, 13), True)])
def test_minutes_due_counts_the_tiaoxiu_saturday_as_a_working_day(school, signed_on, breached):
    """Meeting on Friday 9 October: Saturday 10 October (调休) is the 1st working day, Monday 12 October the 2nd.
    Without the 调休 day the due date would be Tuesday 13 October and signing then would pass."""
    minutes_meeting(school, D(2026, 10, 9), at(signed_on.year, signed_on.month, signed_on.day, 10))
    findings = check("MINUTES_LATE")
    assert findings.exists() is breached
    if breached:
        assert "应于2026-10-12" in findings.get().message


def test_minutes_unsigned_before_the_due_date_is_not_late(school):
    minutes_meeting(school, D(2026, 9, 30))
    run_rules(codes=["MINUTES_LATE"], today=D(2026, 10, 9))
    assert not open_findings("MINUTES_LATE").exists()
    run_rules(codes=["MINUTES_LATE"], today=D(2026, 10, 10))
    assert open_findings("MINUTES_LATE").exists()


def test_minutes_due_in_an_uncovered_year_is_reported_not_guessed(school):
    """Due dates in 2027 need the State Council's 2027 notice, which chinese-calendar 1.11 does not have yet."""
    minutes_meeting(school, D(2026, 12, 30), at(2027, 1, 6, 9))  # due on a day of 2027: not guessed
    covered = minutes_meeting(school, D(2026, 12, 28), at(2027, 1, 6, 9))  # due 30 December: checked, late
    summary = run_rules(codes=["MINUTES_LATE"], today=D(2027, 1, 8))
    assert summary.calendar_gaps == {2027}
    assert [f.object_id for f in open_findings("MINUTES_LATE")] == [covered.pk]


def test_check_compliance_prints_the_calendar_gap(school):
    minutes_meeting(school, D(2026, 12, 30), at(2027, 1, 6, 9))
    out, err = io.StringIO(), io.StringIO()
    call_command("check_compliance", "--rule", "MINUTES_LATE", stdout=out, stderr=err)
    assert "2027 年的国家法定节假日安排尚未收录" in err.getvalue()
    assert "合规检查完成" in out.getvalue()


def test_check_compliance_without_a_gap_prints_no_warning(school):
    minutes_meeting(school, D(2026, 9, 30), at(2026, 10, 10, 9))
    out, err = io.StringIO(), io.StringIO()
    call_command("check_compliance", "--rule", "MINUTES_LATE", stdout=out, stderr=err)
    assert "尚未收录" not in err.getvalue()
    assert open_findings("MINUTES_LATE").count() == 1


def test_minutes_are_still_signed_by_the_secretary_or_principal_not_a_clerk(school_a, clerk_a, secretary_a):
    """Signing is unchanged: a clerk may not sign; the secretary signs, and the signing day is what the rule reads."""
    meeting = MeetingFactory(
        school=school_a, date=timezone.localdate(), status=MeetingStatus.HELD, minutes="会议研究了学期工作。"
    )
    with pytest.raises(NotAllowedError):
        meeting_services.meeting_finalise(user=clerk_a, meeting=meeting)
    signed = meeting_services.meeting_finalise(user=secretary_a, meeting=meeting)
    assert signed.status == MeetingStatus.FINALISED and signed.finalised_by == secretary_a
    assert signed.finalised_at is not None
    run_rules(codes=["MINUTES_LATE"], school_ids=[school_a.pk])
    assert not open_findings("MINUTES_LATE").exists()


# --- Decision rules ---------------------------------------------------------------------------------
def decided(school, item=None, **kwargs):
    values = {"status": DecisionStatus.DECIDED, "outcome": Outcome.PASSED, "decided_on": D(2026, 10, 10)}
    values.update(kwargs)
    return DecisionFactory(school=school, deciding_item=item, **values)


def test_wrong_body(school):
    office = meeting_with(school, expected=5, present=5, body=MeetingBody.PRINCIPAL_OFFICE)
    party = meeting_with(school, expected=5, present=5)
    wrong = decided(school, AgendaItemFactory(meeting=office, result=ItemResult.PASSED, votes_for=5))
    right = decided(school, AgendaItemFactory(meeting=party, result=ItemResult.PASSED, votes_for=5))
    findings = check("WRONG_BODY")
    assert [f.subject for f in findings] == [wrong]
    assert right.pk != wrong.pk


def test_amount_tier_and_policy_change_over_time(school):
    """The threshold lowered from 100,000 to 50,000 in June applies to July records, not to May ones."""
    PolicyFactory(effective_from=D(2022, 1, 1), large_amount_threshold=Decimal("100000"))
    PolicyFactory(effective_from=D(2026, 6, 1), large_amount_threshold=Decimal("50000"))
    may = decided(
        school, amount=Decimal("60000"), category=MatterCategory.GENERAL, tier=Tier.CONSULT, decided_on=D(2026, 5, 20)
    )
    july = decided(
        school, amount=Decimal("60000"), category=MatterCategory.GENERAL, tier=Tier.CONSULT, decided_on=D(2026, 7, 20)
    )
    collective = decided(
        school, amount=Decimal("60000"), category=MatterCategory.LARGE_FUNDS, decided_on=D(2026, 7, 21)
    )

    subjects = {f.subject for f in check("AMOUNT_TIER")}

    assert subjects == {july}
    assert may not in subjects and collective not in subjects


def test_school_policy_overrides_district(school):
    PolicyFactory(effective_from=D(2022, 1, 1), large_amount_threshold=Decimal("100000"))
    PolicyFactory(school=school, effective_from=D(2025, 1, 1), large_amount_threshold=Decimal("30000"))
    decided(school, amount=Decimal("40000"), category=MatterCategory.GENERAL, tier=Tier.AUTONOMOUS)
    other = SchoolFactory()
    decided(other, amount=Decimal("40000"), category=MatterCategory.GENERAL, tier=Tier.AUTONOMOUS)
    assert [f.school for f in check("AMOUNT_TIER")] == [school]


def test_meeting_order(school):
    party = meeting_with(school, expected=5, present=5, day=D(2026, 10, 10))
    item = AgendaItemFactory(meeting=party, result=ItemResult.PASSED, votes_for=5)
    decision = decided(school, item, status=DecisionStatus.IMPLEMENTING)
    decision.agenda_items.add(item)
    assert "研究提出" in check("MEETING_ORDER").get().message

    prepare = meeting_with(school, expected=5, present=5, body=MeetingBody.PRINCIPAL_OFFICE, day=D(2026, 10, 3))
    decision.agenda_items.add(AgendaItemFactory(meeting=prepare, result=ItemResult.PASSED, votes_for=5))
    assert "部署落实" in check("MEETING_ORDER").get().message

    deploy = meeting_with(school, expected=5, present=5, body=MeetingBody.PRINCIPAL_OFFICE, day=D(2026, 10, 17))
    decision.agenda_items.add(AgendaItemFactory(meeting=deploy, result=ItemResult.PASSED, votes_for=5))
    assert not check("MEETING_ORDER").exists()


def test_legal_review_with_policy_exemption(school):
    decision = decided(school, category=MatterCategory.PERSONNEL)
    assert check("LEGAL_REVIEW").exists()
    PolicyFactory(effective_from=D(2026, 1, 1), legal_review_exempt_categories=[MatterCategory.PERSONNEL])
    assert not check("LEGAL_REVIEW").exists()
    other = decided(school, category=MatterCategory.MAJOR_PROJECT)
    assert [f.subject for f in check("LEGAL_REVIEW")] == [other]
    LegalReview.objects.create(decision=other, reviewer="法律顾问", reviewed_on=D(2026, 10, 9), conclusion="lawful")
    assert not check("LEGAL_REVIEW").exists()
    assert decision.pk


def test_task_overdue(school):
    overdue = TaskFactory(decision__school=school, due_on=D(2026, 11, 1))
    TaskFactory(decision__school=school, due_on=D(2026, 12, 1))
    TaskFactory(decision__school=school, due_on=D(2026, 11, 1), status="done", done_on=D(2026, 10, 30))
    finding = check("TASK_OVERDUE").get()
    assert finding.subject == overdue and "逾期 24 天" in finding.message


# --- Pair rules -------------------------------------------------------------------------------------
def pair(school, start=PAIR_START):
    AppointmentFactory(school=school, post=Post.SECRETARY, start=start)
    AppointmentFactory(school=school, post=Post.PRINCIPAL, start=start)


def talk(school, day, category=CommunicationCategory.REGULAR_TALK, hour=15):
    return CommunicationFactory(
        school=school,
        category=category,
        timing=CommunicationTiming.ROUTINE,
        occurred_at=at(day.year, day.month, day.day, hour),
    )


# TODAY is Wednesday 25 November 2026: the complete periods checked are the twelve months November 2025 to
# October 2026 and the twelve weeks from Monday 31 August to Sunday 22 November 2026.
THIS_MONDAY = TODAY - datetime.timedelta(days=TODAY.weekday())
WEEKS = [THIS_MONDAY - datetime.timedelta(weeks=back) for back in range(12, 0, -1)]
MONTHS = [D(2025, 11, 1), D(2025, 12, 1), *(D(2026, month, 1) for month in range(1, 11))]


def week_key(monday):
    iso = monday.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def talks_everywhere(school, *, skip_week=None, skip_month=None):
    """A 日常沟通 every Wednesday and a 一对一深度对话 on each month's 10th, but for the skipped period."""
    for monday in WEEKS:
        if monday != skip_week:
            talk(school, monday + datetime.timedelta(days=2), CommunicationCategory.DAILY_TALK)
    for first in MONTHS:
        if first != skip_month:
            talk(school, first.replace(day=10))


def regular_talk_keys(school=None):
    return set(check("REGULAR_TALK", school).values_list("key", flat=True))


def test_regular_talk_every_week_and_month_held(school):
    pair(school)
    talks_everywhere(school)
    assert regular_talk_keys() == set()


def test_regular_talk_a_week_without_daily_talk(school):
    pair(school)
    talks_everywhere(school, skip_week=WEEKS[6])
    assert regular_talk_keys() == {f"daily:{week_key(WEEKS[6])}"}


@pytest.mark.parametrize(("day", "breached"), [(6, False), (7, True)])
def test_regular_talk_week_edge_is_sunday(school, day, breached):
    """A talk on the week's Sunday evening counts for that week; on the Monday after it counts for the next."""
    pair(school)
    talks_everywhere(school, skip_week=WEEKS[6])
    talk(school, WEEKS[6] + datetime.timedelta(days=day), CommunicationCategory.DAILY_TALK, hour=23)
    assert (f"daily:{week_key(WEEKS[6])}" in regular_talk_keys()) is breached


def test_deep_talk_counts_as_the_weeks_daily_talk(school):
    pair(school)
    talks_everywhere(school, skip_week=WEEKS[6])
    talk(school, WEEKS[6] + datetime.timedelta(days=3), CommunicationCategory.REGULAR_TALK)
    assert regular_talk_keys() == set()


@pytest.mark.parametrize(("day", "breached"), [(D(2026, 7, 31), False), (D(2026, 8, 1), True)])
def test_regular_talk_month_without_deep_talk(school, day, breached):
    """July's only 一对一深度对话 on 31 July counts; on 1 August it does not (July is then missing)."""
    pair(school)
    talks_everywhere(school, skip_month=D(2026, 7, 1))
    talk(school, day)
    assert regular_talk_keys() == ({"deep:2026-07"} if breached else set())


def test_daily_talks_do_not_make_a_deep_talk(school):
    pair(school)
    talks_everywhere(school, skip_month=D(2026, 7, 1))
    for day in (3, 10, 17, 24):
        talk(school, D(2026, 7, day), CommunicationCategory.DAILY_TALK)
    assert regular_talk_keys() == {"deep:2026-07"}


def test_regular_talk_periods_follow_the_policy(school):
    """A school whose rules ask for a weekly deep talk: the week without one is missing both kinds;
    a monthly 日常沟通 policy stops the weekly check."""
    pair(school)
    PolicyFactory(school=school, effective_from=D(2020, 1, 1), regular_talk_period="week")
    for monday in WEEKS:
        if monday != WEEKS[10]:
            talk(school, monday + datetime.timedelta(days=2))
    for first in MONTHS:
        talk(school, first.replace(day=10))
    assert regular_talk_keys() == {f"deep:{week_key(WEEKS[10])}", f"daily:{week_key(WEEKS[10])}"}
    PolicyFactory(school=school, effective_from=D(2020, 6, 1), regular_talk_period="month", daily_talk_period="month")
    assert regular_talk_keys() == set()


def test_regular_talk_exempts_combined_posts_and_vacancies(school):
    combined = SchoolFactory()
    leader = PersonFactory()
    AppointmentFactory(school=combined, person=leader, post=Post.SECRETARY, start=D(2020, 1, 1))
    AppointmentFactory(school=combined, person=leader, post=Post.PRINCIPAL, start=D(2020, 1, 1))
    assert regular_talk_keys(combined) == set()

    vacant = SchoolFactory()
    AppointmentFactory(school=vacant, post=Post.SECRETARY, start=D(2020, 1, 1))
    assert regular_talk_keys(vacant) == set()

    # The principal arrives on 1 October 2026: October's month and the weeks from then on are checked.
    AppointmentFactory(school=vacant, post=Post.PRINCIPAL, start=D(2026, 10, 1))
    keys = regular_talk_keys(vacant)
    assert "deep:2026-10" in keys and "deep:2026-09" not in keys
    assert f"daily:{week_key(WEEKS[-1])}" in keys and f"daily:{week_key(WEEKS[0])}" not in keys


@pytest.mark.parametrize(
    ("delay", "breached"),
    [(datetime.timedelta(hours=24), False), (datetime.timedelta(hours=24, minutes=1), True)],
)
def test_emergency_late_edge_is_exactly_24_hours(school, delay, breached):
    event = at(2026, 10, 5, 8)
    CommunicationFactory(
        school=school,
        category=CommunicationCategory.EMERGENCY,
        timing=CommunicationTiming.URGENT,
        event_at=event,
        occurred_at=event + delay,
    )
    assert check("EMERGENCY_LATE").exists() is breached


def test_emergency_late_follows_the_policy_hours(school):
    PolicyFactory(school=school, effective_from=D(2026, 1, 1), emergency_log_hours=12)
    event = at(2026, 10, 5, 8)
    CommunicationFactory(
        school=school,
        category=CommunicationCategory.EMERGENCY,
        timing=CommunicationTiming.URGENT,
        event_at=event,
        occurred_at=event + datetime.timedelta(hours=13),
    )
    assert "超过 12 小时时限" in check("EMERGENCY_LATE").get().message


@pytest.mark.parametrize(("today", "breached"), [(D(2026, 11, 30), False), (D(2026, 12, 1), True)])
def test_pair_vacancy_day_30_vs_31(school, today, breached):
    """The principal's last day is 31 October: 30 November is the 30th vacant day, 1 December the 31st."""
    AppointmentFactory(school=school, post=Post.SECRETARY, start=D(2020, 1, 1))
    AppointmentFactory(school=school, post=Post.PRINCIPAL, start=D(2020, 1, 1), end=D(2026, 10, 31))
    run_rules(codes=["PAIR_VACANCY"], today=today)
    findings = open_findings("PAIR_VACANCY")
    assert findings.exists() is breached
    if breached:
        assert findings.get().key == "principal" and "第 31 天" in findings.get().message


def test_pair_vacancy_and_it_resolves_when_filled(school):
    AppointmentFactory(school=school, post=Post.SECRETARY, start=D(2020, 1, 1))
    AppointmentFactory(school=school, post=Post.PRINCIPAL, start=D(2020, 1, 1), end=D(2026, 10, 31))
    assert not check("PAIR_VACANCY").exists()  # vacant since 1 November: the 25th day
    finding = run_rules(codes=["PAIR_VACANCY"], today=D(2026, 12, 5)) and open_findings("PAIR_VACANCY").get()
    assert finding.key == "principal" and "第 35 天" in finding.message
    AppointmentFactory(school=school, post=Post.PRINCIPAL, start=D(2026, 12, 1))
    run_rules(codes=["PAIR_VACANCY"], today=D(2026, 12, 5))
    assert not open_findings("PAIR_VACANCY").exists()
    assert Finding.objects.get(pk=finding.pk).resolved_at is not None


@pytest.mark.parametrize(
    ("org_type", "same_person", "breached"),
    [
        (PartyOrgType.COMMITTEE, True, True),
        (PartyOrgType.GENERAL_BRANCH, True, True),
        (PartyOrgType.BRANCH, True, False),
        (PartyOrgType.COMMITTEE, False, False),
    ],
)
def test_dual_posts(db, org_type, same_person, breached):
    """党委 and 党总支 schools have a separate secretary and principal (双正职); 一肩挑 is for 党支部 schools."""
    school = SchoolFactory(party_org_type=org_type)
    secretary = PersonFactory()
    AppointmentFactory(school=school, person=secretary, post=Post.SECRETARY, start=D(2020, 1, 1))
    AppointmentFactory(
        school=school, person=secretary if same_person else PersonFactory(), post=Post.PRINCIPAL, start=D(2020, 1, 1)
    )
    assert check("DUAL_POSTS").exists() is breached


def test_dual_posts_resolves_when_a_principal_is_appointed(db):
    school = SchoolFactory(party_org_type=PartyOrgType.COMMITTEE)
    leader = PersonFactory()
    AppointmentFactory(school=school, person=leader, post=Post.SECRETARY, start=D(2020, 1, 1))
    held = AppointmentFactory(school=school, person=leader, post=Post.PRINCIPAL, start=D(2020, 1, 1))
    assert "同一人担任" in check("DUAL_POSTS").get().message
    held.end = D(2026, 9, 30)
    held.save()
    AppointmentFactory(school=school, post=Post.PRINCIPAL, start=D(2026, 10, 1))
    assert not check("DUAL_POSTS").exists()


# --- Meeting frequency ------------------------------------------------------------------------------
def registered(school, day):
    School.objects.filter(pk=school.pk).update(created_at=at(day.year, day.month, day.day, 9))


def meetings_every_month(school, *, skip=None):
    """A 党组织会议 and a 校长办公会 on each month's 15th, but for the skipped (body, month)."""
    for first in MONTHS:
        for body in (MeetingBody.PARTY_COMMITTEE, MeetingBody.PRINCIPAL_OFFICE):
            if (body, first) != skip:
                MeetingFactory(school=school, body=body, date=first.replace(day=15), status=MeetingStatus.HELD)


def frequency_keys(school=None):
    return set(check("MEETING_FREQUENCY", school).values_list("key", flat=True))


def test_meeting_frequency_every_month_held(school):
    registered(school, D(2025, 1, 1))
    meetings_every_month(school)
    assert frequency_keys() == set()


@pytest.mark.parametrize(("day", "breached"), [(D(2026, 7, 31), False), (D(2026, 8, 1), True)])
def test_meeting_frequency_month_edge(school, day, breached):
    """July's only 校长办公会 on 31 July counts for July; on 1 August July has none."""
    registered(school, D(2025, 1, 1))
    meetings_every_month(school, skip=(MeetingBody.PRINCIPAL_OFFICE, D(2026, 7, 1)))
    MeetingFactory(school=school, body=MeetingBody.PRINCIPAL_OFFICE, date=day, status=MeetingStatus.HELD)
    assert frequency_keys() == ({"principal_office:2026-07"} if breached else set())


def test_meeting_in_preparation_does_not_count(school):
    registered(school, D(2025, 1, 1))
    meetings_every_month(school, skip=(MeetingBody.PARTY_COMMITTEE, D(2026, 3, 1)))
    MeetingFactory(school=school, body=MeetingBody.PARTY_COMMITTEE, date=D(2026, 3, 20))  # 筹备
    assert frequency_keys() == {"party_committee:2026-03"}


def test_meeting_frequency_skips_months_before_registration(school):
    """A school registered on 2 March 2026: March (registered after its first day) and before are not checked."""
    registered(school, D(2026, 3, 2))
    meetings_every_month(school, skip=(MeetingBody.PARTY_COMMITTEE, D(2026, 4, 1)))
    for first in MONTHS[:5]:
        Meeting.objects.filter(school=school, date=first.replace(day=15)).delete()
    assert frequency_keys() == {"party_committee:2026-04"}


def test_meeting_frequency_weekly_policy(school):
    registered(school, D(2025, 1, 1))
    PolicyFactory(school=school, effective_from=D(2020, 1, 1), meeting_period="week")
    for monday in WEEKS:
        for body in (MeetingBody.PARTY_COMMITTEE, MeetingBody.PRINCIPAL_OFFICE):
            if (body, monday) != (MeetingBody.PARTY_COMMITTEE, WEEKS[3]):
                MeetingFactory(school=school, body=body, date=monday, status=MeetingStatus.HELD)
    assert frequency_keys() == {f"party_committee:{week_key(WEEKS[3])}"}


# --- Engine -----------------------------------------------------------------------------------------
def test_findings_are_not_duplicated_and_reopen_as_new(school):
    TaskFactory(decision__school=school, due_on=D(2026, 11, 1))
    check("TASK_OVERDUE")
    check("TASK_OVERDUE")
    assert Finding.objects.filter(rule="TASK_OVERDUE").count() == 1


def test_school_scoped_run_leaves_other_schools_alone(school):
    other = SchoolFactory()
    TaskFactory(decision__school=school, due_on=D(2026, 11, 1))
    TaskFactory(decision__school=other, due_on=D(2026, 11, 1))
    run_rules(codes=["TASK_OVERDUE"], today=TODAY)
    run_rules(codes=["TASK_OVERDUE"], today=TODAY, school_ids=[school.pk])
    assert open_findings("TASK_OVERDUE").count() == 2


CLOSED = {"closing_summary": "已全部落实。", "closed_on": D(2026, 11, 10)}


def _school_with_everything():
    """A school breaking (or touching) every rule: meetings, items, decisions, talks, emergencies, posts; and a
    second school whose one person is both secretary and principal under a 党委."""
    school = SchoolFactory(party_org_type=PartyOrgType.COMMITTEE)
    School.objects.filter(pk=school.pk).update(created_at=at(2025, 1, 1, 9))
    leader = PersonFactory()
    AppointmentFactory(school=school, person=leader, post=Post.SECRETARY, start=PAIR_START)
    AppointmentFactory(school=school, person=leader, post=Post.PRINCIPAL, start=PAIR_START, end=D(2026, 9, 30))
    AppointmentFactory(school=school, post=Post.PRINCIPAL, start=D(2026, 10, 1))
    combined = SchoolFactory(party_org_type=PartyOrgType.COMMITTEE)  # a 党委 school with 一肩挑: DUAL_POSTS
    AppointmentFactory(school=combined, person=leader, post=Post.SECRETARY, start=PAIR_START)
    AppointmentFactory(school=combined, person=leader, post=Post.PRINCIPAL, start=PAIR_START)
    meeting = meeting_with(school, expected=5, present=2, day=D(2026, 9, 30))
    item = AgendaItemFactory(meeting=meeting, result=ItemResult.PASSED, votes_for=2, category=MatterCategory.PERSONNEL)
    DeliberationFactory(item=item, held_on=D(2026, 9, 1))
    office = meeting_with(school, expected=5, present=5, body=MeetingBody.PRINCIPAL_OFFICE, day=D(2026, 10, 9))
    AgendaItemFactory(
        meeting=office, category=MatterCategory.MAJOR_PROJECT, touches_staff_interests=True, result=ItemResult.PASSED
    )
    talk(school, D(2026, 10, 14), CommunicationCategory.DAILY_TALK)
    talk(school, D(2026, 10, 20)).agenda_items.add(item)
    event = at(2026, 10, 5, 8)
    CommunicationFactory(
        school=school,
        category=CommunicationCategory.EMERGENCY,
        event_at=event,
        occurred_at=event + datetime.timedelta(days=2),
    )
    decided(school, item, amount=Decimal("200000"), category=MatterCategory.GENERAL, tier=Tier.CONSULT)
    closed = decided(school, category=MatterCategory.MAJOR_PROJECT, status=DecisionStatus.CLOSED, **CLOSED)
    ImplementationReportFactory(decision=closed, reported_on=D(2026, 11, 1))
    decided(school, category=MatterCategory.MAJOR_PROJECT, status=DecisionStatus.CLOSED, **CLOSED)
    TaskFactory(decision__school=school, due_on=D(2026, 11, 1))
    return school


def test_engine_query_count_is_the_same_for_1_and_50_schools(db):
    """Reading and checking costs the same queries for 1 and for 50 schools, every rule included (measured once
    the findings exist, so that inserting new findings, which is proportional to the findings, is not counted)."""
    _school_with_everything()
    run_rules(today=TODAY)
    with CaptureQueriesContext(connection) as one:
        run_rules(today=TODAY)
    for _ in range(49):
        _school_with_everything()
    run_rules(today=TODAY)
    with CaptureQueriesContext(connection) as fifty:
        summary = run_rules(today=TODAY)
    assert len(fifty) == len(one)
    assert set(summary.by_rule) == set(RULES)
    for code in (
        "TASK_OVERDUE",
        "QUORUM",
        "EMERGENCY_LATE",
        "DUAL_POSTS",
        "REPORT_BACK",
        "STAFF_CONGRESS",
    ):
        assert summary.by_rule[code] == 50, code
    assert summary.by_rule["MINUTES_LATE"] == 100  # both meetings unsigned
    assert summary.by_rule["PRE_COMMUNICATION"] == 100  # the talk came after the meeting; none for the other
    assert summary.by_rule["REGULAR_TALK"] >= 50 and summary.by_rule["MEETING_FREQUENCY"] >= 50


def test_findings_store_the_policy_in_force_and_follow_a_policy_change(school):
    """Meeting on Monday 12 October, signed Thursday 15 October: the 3rd working day."""
    district = PolicyFactory(effective_from=D(2022, 1, 1), minutes_due_working_days=2)
    minutes_meeting(school, D(2026, 10, 12), at(2026, 10, 15, 9))
    finding = check("MINUTES_LATE").get()
    assert finding.policy == district and "第 2 个工作日" in finding.message

    own = PolicyFactory(school=school, effective_from=D(2026, 9, 1), minutes_due_working_days=2)
    assert check("MINUTES_LATE").get().pk == finding.pk
    finding.refresh_from_db()
    assert finding.policy == own  # same finding, now computed under the school's own version

    PolicyFactory(school=school, effective_from=D(2026, 10, 1), minutes_due_working_days=5)
    assert not check("MINUTES_LATE").exists()
    finding.refresh_from_db()
    assert finding.resolved_at is not None


def test_policy_version_is_the_one_in_force_on_the_records_date(school):
    """A version that starts after the meeting does not apply to it."""
    PolicyFactory(effective_from=D(2022, 1, 1), minutes_due_working_days=2)
    PolicyFactory(effective_from=D(2026, 10, 13), minutes_due_working_days=5)
    minutes_meeting(school, D(2026, 10, 12), at(2026, 10, 15, 9))
    assert check("MINUTES_LATE").get().policy.minutes_due_working_days == 2


def test_every_design_rule_is_registered():
    design = {
        "QUORUM",
        "QUORUM_PERSONNEL",
        "MAJORITY",
        "WRONG_BODY",
        "PRE_COMMUNICATION",
        "DISAGREEMENT_FORCED",
        "SECRETARY_LAST",
        "RECUSAL",
        "STAFF_CONGRESS",
        "AMOUNT_TIER",
        "MINUTES_LATE",
        "TASK_OVERDUE",
        "REGULAR_TALK",
        "EMERGENCY_LATE",
        "PAIR_VACANCY",
        "MEETING_ORDER",
        "LEGAL_REVIEW",
        "GATE_OVERRIDE",
        "PERSONNEL_DELIBERATION",
        "AGENDA_NOTICE",
        "ABSENT_LEAD",
        "REPORT_BACK",
        "EMERGENCY_DECISION",
        "MEETING_FREQUENCY",
        "DUAL_POSTS",
    }
    assert design == set(RULES)
