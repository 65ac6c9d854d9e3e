"""The decision rules of the rulebook v2 through the engine (`run_rules`), each on both sides of its edge:
LEGAL_REVIEW (the latest review decides), STAFF_CONGRESS (passed, quorate, by more than half, on or before the
decision day, linked to the same decision), AMOUNT_TIER (split amounts summed within the policy's window),
MEETING_ORDER, REPORT_BACK and EMERGENCY_DECISION."""

import datetime
from decimal import Decimal

import pytest

from decisions.choices import DecisionStatus, MatterCategory, Outcome, ReviewConclusion, Tier
from decisions.models import Finding
from decisions.rules import run_rules
from meetings.choices import AttendanceKind, AttendanceStatus, ItemResult, MeetingStatus
from schools.choices import MeetingBody
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    DecisionFactory,
    ImplementationReportFactory,
    LegalReviewFactory,
    MeetingFactory,
    PersonFactory,
    PolicyFactory,
    SchoolFactory,
)

D = datetime.date
TODAY = D(2026, 11, 25)
DAY = D(2026, 10, 10)


def check(code, school=None):
    run_rules(codes=[code], today=TODAY, school_ids=[school.pk] if school else None)
    findings = Finding.objects.filter(rule=code, resolved_at__isnull=True)
    return findings.filter(school=school) if school else findings


def meeting_with(school, *, expected, present, body=MeetingBody.PARTY_COMMITTEE, day=DAY, **kwargs):
    kwargs.setdefault("status", MeetingStatus.HELD)
    meeting = MeetingFactory(school=school, body=body, date=day, **kwargs)
    for index, person in enumerate(PersonFactory.create_batch(expected)):
        status = AttendanceStatus.PRESENT if index < present else AttendanceStatus.ABSENT
        AttendanceFactory(meeting=meeting, person=person, kind=AttendanceKind.MEMBER, status=status)
    return meeting


def decided(school, item=None, **kwargs):
    values = {"status": DecisionStatus.DECIDED, "outcome": Outcome.PASSED, "decided_on": DAY}
    values.update(kwargs)
    return DecisionFactory(school=school, deciding_item=item, **values)


@pytest.fixture
def school(db):
    return SchoolFactory()


# --- LEGAL_REVIEW ------------------------------------------------------------------------------------
def test_imported_decided_record_with_only_an_unlawful_review_is_flagged(school):
    decision = decided(school)
    LegalReviewFactory(decision=decision, reviewed_on=D(2026, 10, 1), conclusion=ReviewConclusion.UNLAWFUL)
    finding = check("LEGAL_REVIEW").get()
    assert finding.subject == decision and "不合法" in finding.message


@pytest.mark.parametrize(
    ("conclusions", "breached"),
    [
        ([ReviewConclusion.LAWFUL, ReviewConclusion.UNLAWFUL], True),  # the latest is 不合法
        ([ReviewConclusion.UNLAWFUL, ReviewConclusion.LAWFUL_AFTER_CHANGES], False),  # fixed, then lawful
        ([], True),
    ],
)
def test_legal_review_latest_on_or_before_the_decision_day_counts(school, conclusions, breached):
    decision = decided(school)
    for offset, conclusion in enumerate(conclusions):
        LegalReviewFactory(decision=decision, reviewed_on=D(2026, 10, 1 + offset), conclusion=conclusion)
    assert check("LEGAL_REVIEW").exists() is breached


def test_legal_review_after_the_decision_day_does_not_count_on_the_day_does(school):
    decision = decided(school)
    review = LegalReviewFactory(decision=decision, reviewed_on=D(2026, 10, 11))
    assert check("LEGAL_REVIEW").exists()
    review.reviewed_on = DAY
    review.save()
    assert not check("LEGAL_REVIEW").exists()


def test_legal_review_exempts_emergencies_and_policy_categories(school):
    decided(school, is_emergency=True)
    decided(school, category=MatterCategory.MAJOR_DECISION)
    assert check("LEGAL_REVIEW").count() == 1
    PolicyFactory(effective_from=D(2026, 1, 1), legal_review_exempt_categories=[MatterCategory.MAJOR_DECISION])
    assert not check("LEGAL_REVIEW").exists()


# --- STAFF_CONGRESS ----------------------------------------------------------------------------------
CONGRESS_DAY = D(2026, 10, 5)


def staff_matter(school, *, present=20, votes_for=16, day=CONGRESS_DAY, result=ItemResult.PASSED, link=True):
    """A staff-interest item decided by the 党组织会议 on DAY, and a 教代会 of 30 代表 on `day`."""
    party = meeting_with(school, expected=5, present=5)
    item = AgendaItemFactory(meeting=party, result=ItemResult.PASSED, votes_for=5, touches_staff_interests=True)
    congress = meeting_with(school, expected=30, present=present, body=MeetingBody.STAFF_CONGRESS, day=day)
    reviewed = AgendaItemFactory(meeting=congress, result=result, votes_for=votes_for)
    decision = decided(school, item, agenda_items=[item, reviewed] if link else [item])
    if not link:
        DecisionFactory(school=school, agenda_items=[reviewed])
    return decision, item


@pytest.mark.parametrize(
    ("overrides", "breached"),
    [
        ({}, False),  # 20 of 30 present (exactly two thirds), 16 for (more than half of 30)
        ({"present": 19}, True),  # below two thirds
        ({"votes_for": 15}, True),  # exactly half of all 代表 is not more than half
        ({"result": ItemResult.REJECTED}, True),  # the 教代会 did not pass it
        ({"day": DAY}, False),  # on the day of the decision
        ({"day": DAY + datetime.timedelta(days=1)}, True),  # after the decision
        ({"link": False}, True),  # a 教代会 item of another decision
    ],
)
def test_staff_congress_edges(school, overrides, breached):
    _decision, item = staff_matter(school, **overrides)
    findings = check("STAFF_CONGRESS")
    assert findings.exists() is breached
    if breached:
        assert findings.get().subject == item


@pytest.mark.parametrize(("votes_for", "breached"), [(10, True), (11, False)])
def test_staff_congress_counted_on_those_present_by_policy(school, votes_for, breached):
    """Policy off: 赞成 more than half of the 20 present (11), not of all 30 代表 (16)."""
    PolicyFactory(effective_from=D(2026, 1, 1), staff_congress_pass_of_all=False)
    staff_matter(school, votes_for=votes_for)
    assert check("STAFF_CONGRESS").exists() is breached


@pytest.mark.parametrize(("days_after_the_meeting", "breached"), [(0, False), (1, True)])
def test_staff_congress_of_a_matter_not_decided_yet_counts_up_to_the_items_meeting(
    school, days_after_the_meeting, breached
):
    """Not decided yet: the 教代会 counts on or before the day of the meeting that passed the item."""
    party = meeting_with(school, expected=5, present=5)
    item = AgendaItemFactory(meeting=party, result=ItemResult.PASSED, votes_for=5, touches_staff_interests=True)
    day = DAY + datetime.timedelta(days=days_after_the_meeting)
    congress = meeting_with(school, expected=30, present=20, body=MeetingBody.STAFF_CONGRESS, day=day)
    reviewed = AgendaItemFactory(meeting=congress, result=ItemResult.PASSED, votes_for=16)
    DecisionFactory(school=school, status=DecisionStatus.ON_AGENDA, agenda_items=[item, reviewed])

    assert check("STAFF_CONGRESS").exists() is breached


def test_staff_congress_the_link_and_the_day_are_of_one_decision(school):
    """The item belongs to two decisions: one decided after the 教代会 but not linked to it, one linked to it but
    decided before it. Neither decision had its 教代会 in time: flagged."""
    party = meeting_with(school, expected=5, present=5)
    item = AgendaItemFactory(meeting=party, result=ItemResult.PASSED, votes_for=5, touches_staff_interests=True)
    congress = meeting_with(school, expected=30, present=20, body=MeetingBody.STAFF_CONGRESS, day=CONGRESS_DAY)
    reviewed = AgendaItemFactory(meeting=congress, result=ItemResult.PASSED, votes_for=16)
    decided(school, item, agenda_items=[item])  # decided on DAY, after the 教代会
    decided(school, decided_on=CONGRESS_DAY - datetime.timedelta(days=1), agenda_items=[item, reviewed])

    assert check("STAFF_CONGRESS").get().subject == item


def test_staff_congress_item_not_touching_staff_interests_is_not_checked(school):
    party = meeting_with(school, expected=5, present=5)
    decided(school, AgendaItemFactory(meeting=party, result=ItemResult.PASSED, votes_for=5))
    assert not check("STAFF_CONGRESS").exists()


# --- AMOUNT_TIER (split amounts) ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("amount", "days_later", "breached"),
    [
        (Decimal("40000"), 30, True),  # 60,000 + 40,000 = 100,000: at the threshold
        (Decimal("39999.99"), 30, False),  # 99,999.99: below
        (Decimal("40000"), 90, True),  # the 90th day is inside the window
        (Decimal("40000"), 91, False),  # the 91st is outside
    ],
)
def test_amount_tier_sums_the_parts_of_one_matter(school, amount, days_later, breached):
    small = {"category": MatterCategory.GENERAL, "tier": Tier.CONSULT}
    root = decided(school, amount=Decimal("60000"), decided_on=D(2026, 6, 1), **small)
    part = decided(
        school,
        amount=amount,
        decided_on=D(2026, 6, 1) + datetime.timedelta(days=days_later),
        same_matter_as=root,
        **small,
    )
    findings = check("AMOUNT_TIER")
    assert [f.subject for f in findings] == ([part] if breached else [])
    if breached:
        assert "合计 100,000.00 元" in findings.get().message


def test_amount_tier_does_not_sum_unrelated_decisions(school):
    small = {"category": MatterCategory.GENERAL, "tier": Tier.CONSULT}
    decided(school, amount=Decimal("60000"), decided_on=D(2026, 6, 1), **small)
    decided(school, amount=Decimal("40000"), decided_on=D(2026, 6, 2), **small)
    assert not check("AMOUNT_TIER").exists()


# --- MEETING_ORDER -----------------------------------------------------------------------------------
def chain(school, category=MatterCategory.MAJOR_PROJECT, office_days=()):
    party = meeting_with(school, expected=5, present=5)
    item = AgendaItemFactory(meeting=party, result=ItemResult.PASSED, votes_for=5, category=category)
    decision = decided(school, item, status=DecisionStatus.IMPLEMENTING, category=category, agenda_items=[item])
    for day in office_days:
        office = meeting_with(school, expected=5, present=5, body=MeetingBody.PRINCIPAL_OFFICE, day=day)
        decision.agenda_items.add(AgendaItemFactory(meeting=office, result=ItemResult.PASSED))
    return decision


def test_meeting_order_one_office_meeting_for_both_steps_is_a_warning(school):
    decision = chain(school)
    office = meeting_with(school, expected=5, present=5, body=MeetingBody.PRINCIPAL_OFFICE, day=DAY)
    decision.agenda_items.add(AgendaItemFactory(meeting=office, result=ItemResult.PASSED))
    decision.agenda_items.add(AgendaItemFactory(meeting=office, result=ItemResult.PASSED))
    finding = check("MEETING_ORDER").get()
    assert finding.severity == "warning" and "部署落实" in finding.message


def test_meeting_order_two_different_office_meetings_is_fine(school):
    chain(school, office_days=[D(2026, 10, 3), D(2026, 10, 17)])
    assert not check("MEETING_ORDER").exists()


@pytest.mark.parametrize(
    ("category", "breached"),
    [
        (MatterCategory.PERSONNEL, False),
        (MatterCategory.PARTY_BUILDING, False),
        (MatterCategory.MAJOR_PROJECT, True),
    ],
)
def test_meeting_order_personnel_and_party_building_need_no_proposal(school, category, breached):
    """Only a 部署落实 meeting after the decision: exempt categories need no 研究提出."""
    chain(school, category=category, office_days=[D(2026, 10, 17)])
    findings = check("MEETING_ORDER")
    assert findings.exists() is breached
    if breached:
        assert "研究提出" in findings.get().message


# --- REPORT_BACK -------------------------------------------------------------------------------------
def closed(school, **kwargs):
    return decided(school, status=DecisionStatus.CLOSED, closing_summary="已落实。", closed_on=D(2026, 11, 1), **kwargs)


def test_report_back_flags_an_imported_closed_sanzhong_decision_without_a_report(school):
    decision = closed(school)
    closed(school, category=MatterCategory.GENERAL, tier=Tier.CONSULT)  # not 三重一大: no report needed
    assert check("REPORT_BACK").get().subject == decision
    ImplementationReportFactory(decision=decision, reported_on=D(2026, 10, 30))
    assert not check("REPORT_BACK").exists()


# --- EMERGENCY_DECISION ------------------------------------------------------------------------------
def test_emergency_decision_reported_at_the_next_party_meeting(school):
    decision = decided(school, is_emergency=True, category=MatterCategory.MAJOR_PROJECT)
    assert not check("EMERGENCY_DECISION").exists()  # no 党组织会议 held since
    meeting_with(school, expected=5, present=5, day=DAY + datetime.timedelta(days=5), status=MeetingStatus.PREPARING)
    assert not check("EMERGENCY_DECISION").exists()  # only in preparation
    nxt = meeting_with(school, expected=5, present=5, day=DAY + datetime.timedelta(days=3))
    assert check("EMERGENCY_DECISION").get().subject == decision
    decision.agenda_items.add(AgendaItemFactory(meeting=nxt, title="通报临机决定"))
    assert not check("EMERGENCY_DECISION").exists()


def test_emergency_decision_reported_only_at_a_later_meeting_is_flagged(school):
    decision = decided(school, is_emergency=True)
    meeting_with(school, expected=5, present=5, day=DAY + datetime.timedelta(days=3))
    later = meeting_with(school, expected=5, present=5, day=DAY + datetime.timedelta(days=20))
    decision.agenda_items.add(AgendaItemFactory(meeting=later))
    assert check("EMERGENCY_DECISION").exists()
