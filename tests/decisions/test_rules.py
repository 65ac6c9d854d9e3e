"""The compliance engine: each rule's fail and pass side, self-resolving findings, policy over time,
and a query count independent of the number of schools."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from decisions.choices import DecisionStatus, MatterCategory, Outcome, Tier
from decisions.models import Finding, LegalReview
from decisions.rules import RULES, run_rules
from meetings.choices import (
    AttendanceKind,
    AttendanceStatus,
    CommunicationCategory,
    CommunicationOutcome,
    CommunicationTiming,
    ItemResult,
    MeetingStatus,
)
from meetings.models import Recusal, Vote
from schools.choices import MeetingBody, Post
from tests.factories import (
    AgendaItemFactory,
    AppointmentFactory,
    AttendanceFactory,
    CommunicationFactory,
    DecisionFactory,
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
def test_quorum(school, present, breached):
    """6 expected: 3 present is exactly half, which is 半数以上 (quorate, Rulebook v2); 2 is below half."""
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
    assert finding.subject == item and "上会前没有经确认的书记校长沟通记录" in finding.message

    confirmed = {"confirmed_by": UserFactory(), "confirmed_at": at(2026, 10, 12, 18)}
    late = CommunicationFactory(school=school, occurred_at=at(2026, 10, 12, 9), **confirmed)
    item.pre_communications.add(late)
    assert check("PRE_COMMUNICATION").exists()  # a talk after the meeting does not count
    unconfirmed = CommunicationFactory(school=school, occurred_at=at(2026, 10, 8, 9))
    item.pre_communications.add(unconfirmed)
    assert check("PRE_COMMUNICATION").exists()  # nor one the other member has not confirmed
    item.pre_communications.add(CommunicationFactory(school=school, occurred_at=at(2026, 10, 8, 9), **confirmed))
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


def test_deferred_item_tabled_during_disagreement_is_still_flagged(school):
    """Putting the item on the agenda is the breach (DESIGN §3), whatever the meeting then did with it."""
    meeting = meeting_with(school, expected=5, present=5)
    item = AgendaItemFactory(meeting=meeting, result=ItemResult.DEFERRED, deferral_reason="分歧")
    item.pre_communications.add(CommunicationFactory(school=school, outcome=CommunicationOutcome.DISAGREEMENT))
    assert check("DISAGREEMENT_FORCED").exists()


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
    late = meeting_with(school, expected=9, present=8, body=MeetingBody.STAFF_CONGRESS, day=D(2026, 10, 20))
    decision = DecisionFactory(
        school=school, agenda_items=[item, AgendaItemFactory(meeting=late, result="passed", votes_for=8)]
    )
    assert check("STAFF_CONGRESS").exists()  # a 教代会 after the decision does not count
    congress = meeting_with(school, expected=9, present=8, body=MeetingBody.STAFF_CONGRESS, day=D(2026, 10, 5))
    decision.agenda_items.add(AgendaItemFactory(meeting=congress, result=ItemResult.PASSED, votes_for=8))
    assert not check("STAFF_CONGRESS").exists()


@pytest.mark.parametrize(
    ("finalised_at", "breached"),
    [(None, True), (at(2026, 10, 20, 9), True), (at(2026, 10, 17, 9), False)],
)
def test_minutes_late(school, finalised_at, breached):
    """Meeting on 10 October, minutes due within 7 days: by 17 October."""
    MeetingFactory(
        school=school,
        date=D(2026, 10, 10),
        status=MeetingStatus.FINALISED if finalised_at else MeetingStatus.HELD,
        finalised_at=finalised_at,
        finalised_by=UserFactory() if finalised_at else None,
    )
    assert check("MINUTES_LATE").exists() is breached


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


def talk(school, day):
    return CommunicationFactory(
        school=school,
        category=CommunicationCategory.REGULAR_TALK,
        timing=CommunicationTiming.ROUTINE,
        occurred_at=at(day.year, day.month, day.day, 15),
    )


def test_regular_talk_monthly(school):
    pair(school)
    for month in range(1, 11):
        if month != 7:
            talk(school, D(2026, month, 10))
    talk(school, D(2025, 12, 3))
    talk(school, D(2025, 11, 28))
    assert set(check("REGULAR_TALK").values_list("key", flat=True)) == {"2026-07"}


def test_regular_talk_weekly_policy_and_combined_pair_exempt(school):
    pair(school)
    PolicyFactory(school=school, effective_from=D(2020, 1, 1), regular_talk_period="week")
    this_monday = TODAY - datetime.timedelta(days=TODAY.weekday())
    for weeks_back in range(1, 13):
        if weeks_back != 2:
            talk(school, this_monday - datetime.timedelta(weeks=weeks_back, days=-2))
    missing = this_monday - datetime.timedelta(weeks=2)
    iso = missing.isocalendar()
    assert list(check("REGULAR_TALK").values_list("key", flat=True)) == [f"{iso.year}-W{iso.week:02d}"]

    combined = SchoolFactory()
    leader = PersonFactory()
    AppointmentFactory(school=combined, person=leader, post=Post.SECRETARY, start=D(2020, 1, 1))
    AppointmentFactory(school=combined, person=leader, post=Post.PRINCIPAL, start=D(2020, 1, 1))
    assert not check("REGULAR_TALK", combined).exists()


@pytest.mark.parametrize(("hours", "breached"), [(30, True), (20, False)])
def test_emergency_late(school, hours, breached):
    event = at(2026, 10, 5, 8)
    CommunicationFactory(
        school=school,
        category=CommunicationCategory.EMERGENCY,
        timing=CommunicationTiming.URGENT,
        event_at=event,
        occurred_at=event + datetime.timedelta(hours=hours),
    )
    assert check("EMERGENCY_LATE").exists() is breached


def test_pair_vacancy_and_it_resolves_when_filled(school):
    AppointmentFactory(school=school, post=Post.SECRETARY, start=D(2020, 1, 1))
    AppointmentFactory(school=school, post=Post.PRINCIPAL, start=D(2020, 1, 1), end=D(2026, 10, 31))
    assert not check("PAIR_VACANCY").exists()  # vacant since 1 November: 24 days
    finding = run_rules(codes=["PAIR_VACANCY"], today=D(2026, 12, 5)) and open_findings("PAIR_VACANCY").get()
    assert finding.key == "principal" and "34 天" in finding.message
    AppointmentFactory(school=school, post=Post.PRINCIPAL, start=D(2026, 12, 1))
    run_rules(codes=["PAIR_VACANCY"], today=D(2026, 12, 5))
    assert not open_findings("PAIR_VACANCY").exists()
    assert Finding.objects.get(pk=finding.pk).resolved_at is not None


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


def _school_with_everything():
    school = SchoolFactory()
    pair(school)
    meeting = meeting_with(school, expected=5, present=2)
    item = AgendaItemFactory(meeting=meeting, result=ItemResult.PASSED, votes_for=2, category=MatterCategory.PERSONNEL)
    decided(school, item, amount=Decimal("200000"), category=MatterCategory.GENERAL, tier=Tier.CONSULT)
    TaskFactory(decision__school=school, due_on=D(2026, 11, 1))
    return school


def test_engine_query_count_is_the_same_for_1_and_50_schools(db):
    """Reading and checking costs the same queries for 1 and for 50 schools (measured once the findings
    exist, so that inserting new findings, which is proportional to the findings, is not counted)."""
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
    assert summary.by_rule["TASK_OVERDUE"] == 50
    assert summary.by_rule["QUORUM"] == 50


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
    }
    assert design <= set(RULES)
