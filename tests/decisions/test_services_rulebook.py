"""The decisions services and pages under the rulebook v2: deciding after the latest lawful review, emergency
decisions, split amounts summed when classifying, implementation reports before closing, and the 教代会 step on
the decision page."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.errors import NotAllowedError, RecordFinalisedError
from decisions import services
from decisions.choices import DecisionStatus, MatterCategory, Outcome, ReviewConclusion, Tier
from decisions.models import ImplementationReport
from meetings.choices import AttendanceKind, AttendanceStatus, ItemResult, MeetingStatus
from schools.choices import MeetingBody, Post
from tests.factories import (
    AgendaItemFactory,
    AppointmentFactory,
    AttendanceFactory,
    DecisionFactory,
    ImplementationReportFactory,
    LegalReviewFactory,
    MeetingFactory,
    PersonFactory,
    PolicyFactory,
)

S = DecisionStatus
TODAY = timezone.localdate


def days_ago(n):
    return TODAY() - datetime.timedelta(days=n)


@pytest.fixture
def leaders(school_a):
    secretary, principal = PersonFactory(name="张书记"), PersonFactory(name="李校长")
    AppointmentFactory(school=school_a, person=secretary, post=Post.SECRETARY, start=datetime.date(2020, 1, 1))
    AppointmentFactory(school=school_a, person=principal, post=Post.PRINCIPAL, start=datetime.date(2020, 1, 1))
    return secretary, principal


def on_agenda(school, *, meeting_day=None):
    """A 三重一大 decision linked to a passed 党组织会议 item held `meeting_day` (two days ago)."""
    meeting = MeetingFactory(school=school, date=meeting_day or days_ago(2), status=MeetingStatus.HELD)
    item = AgendaItemFactory(meeting=meeting, result=ItemResult.PASSED, votes_for=5)
    return DecisionFactory(school=school, status=S.ON_AGENDA, agenda_items=[item]), item


# --- LEGAL_REVIEW at decision time -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("conclusions", "refused"),
    [
        ([], "须经合法性审查"),
        ([ReviewConclusion.LAWFUL, ReviewConclusion.UNLAWFUL], "最近一次合法性审查的结论为不合法"),
        ([ReviewConclusion.UNLAWFUL, ReviewConclusion.LAWFUL_AFTER_CHANGES], None),
        ([ReviewConclusion.LAWFUL], None),
    ],
)
def test_deciding_checks_the_latest_review(clerk_a, school_a, conclusions, refused):
    decision, item = on_agenda(school_a)
    for offset, conclusion in enumerate(conclusions):
        LegalReviewFactory(decision=decision, reviewed_on=days_ago(5 - offset), conclusion=conclusion)
    if refused:
        with pytest.raises(ValidationError, match=refused):
            services.decision_decide(user=clerk_a, decision=decision, item=item)
        decision.refresh_from_db()
        assert decision.status == S.ON_AGENDA
    else:
        decided = services.decision_decide(user=clerk_a, decision=decision, item=item)
        assert (decided.status, decided.outcome) == (S.DECIDED, Outcome.PASSED)


def test_a_review_dated_after_the_meeting_does_not_count(clerk_a, school_a):
    decision, item = on_agenda(school_a, meeting_day=days_ago(3))
    LegalReviewFactory(decision=decision, reviewed_on=days_ago(1))
    with pytest.raises(ValidationError, match="须经合法性审查"):
        services.decision_decide(user=clerk_a, decision=decision, item=item)
    LegalReviewFactory(decision=decision, reviewed_on=days_ago(3))
    assert services.decision_decide(user=clerk_a, decision=decision, item=item).status == S.DECIDED


def test_policy_exempt_category_is_decided_without_review(clerk_a, school_a):
    PolicyFactory(effective_from=datetime.date(2020, 1, 1), legal_review_exempt_categories=["major_project"])
    decision, item = on_agenda(school_a)
    assert services.decision_decide(user=clerk_a, decision=decision, item=item).status == S.DECIDED


# --- EMERGENCY_DECISION ------------------------------------------------------------------------------
def test_emergency_decision_by_the_principal_alone(clerk_a, school_a, leaders):
    _secretary, principal = leaders
    decision = DecisionFactory(school=school_a, status=S.COMMUNICATING)  # collective, no item, no review
    decided = services.decision_decide(
        user=clerk_a,
        decision=decision,
        is_emergency=True,
        decided_by=principal,
        decided_on=days_ago(1),
        emergency_reason="暴雨致校舍漏水，须立即抢修",
    )
    assert (decided.status, decided.outcome, decided.is_emergency) == (S.DECIDED, Outcome.PASSED, True)
    assert (decided.decided_by, decided.deciding_item, decided.decided_on) == (principal, None, days_ago(1))
    assert "暴雨致校舍漏水" in decided.transitions.last().note and "李校长" in decided.transitions.last().note


@pytest.mark.parametrize(
    ("who", "reason", "field"),
    [("principal", "", "emergency_reason"), ("other", "须立即抢修", "decided_by"), (None, "须立即抢修", "decided_by")],
)
def test_emergency_decision_refusals(clerk_a, school_a, leaders, who, reason, field):
    people = {"principal": leaders[1], "other": PersonFactory(), None: None}
    decision = DecisionFactory(school=school_a, status=S.COMMUNICATING)
    with pytest.raises(ValidationError) as error:
        services.decision_decide(
            user=clerk_a,
            decision=decision,
            is_emergency=True,
            decided_by=people[who],
            decided_on=days_ago(1),
            emergency_reason=reason,
        )
    assert field in error.value.message_dict
    decision.refresh_from_db()
    assert decision.status == S.COMMUNICATING and not decision.is_emergency


def test_emergency_decision_through_the_decide_page(secretary_a, school_a, leaders, login):
    secretary, _principal = leaders
    decision = DecisionFactory(school=school_a, status=S.ON_AGENDA)
    client = login(secretary_a)
    url = reverse("decision_decide", args=[decision.pk])
    page = client.get(reverse("decision_detail", args=[decision.pk])).content.decode()
    assert "紧急情况临机决定" in page
    base = {"decided_by": secretary.pk, "decided_on": days_ago(1), "is_emergency": "on"}
    bad = client.post(url, base)
    good = client.post(url, {**base, "emergency_reason": "疫情停课"})
    assert bad.status_code == 400 and "请填写紧急情况及临机决定的理由。" in bad.content.decode()
    assert good.status_code == 302
    decision.refresh_from_db()
    assert decision.is_emergency and decision.decided_by == secretary


# --- AMOUNT_TIER when classifying --------------------------------------------------------------------
@pytest.mark.parametrize(("amount", "forced"), [(Decimal("40000"), True), (Decimal("39999.99"), False)])
def test_a_part_of_a_split_matter_is_classified_on_the_total(clerk_a, school_a, amount, forced):
    small = {"category": MatterCategory.GENERAL, "tier": Tier.CONSULT}
    root = services.decision_create(
        user=clerk_a, school=school_a, title="购置课桌椅（一）", amount=Decimal(60000), **small
    )
    assert (root.category, root.tier) == (MatterCategory.GENERAL, Tier.CONSULT)
    part = services.decision_create(
        user=clerk_a, school=school_a, title="购置课桌椅（二）", amount=amount, same_matter_as=root, **small
    )
    expected = (MatterCategory.LARGE_FUNDS, Tier.COLLECTIVE) if forced else (MatterCategory.GENERAL, Tier.CONSULT)
    assert (part.category, part.tier) == expected
    assert part.same_matter_as == root


def test_parts_older_than_the_window_are_not_summed(clerk_a, school_a):
    root = DecisionFactory(
        school=school_a, amount=Decimal(60000), category="general", tier="consult", status=S.DECIDED,
        outcome=Outcome.PASSED, decided_on=days_ago(91),
    )  # fmt: skip
    part = services.decision_create(
        user=clerk_a, school=school_a, title="二期", category="general", tier="consult", amount=Decimal(40000),
        same_matter_as=root,
    )  # fmt: skip
    assert part.tier == Tier.CONSULT


def test_same_matter_target_must_be_a_root_of_the_same_school_and_not_itself(clerk_a, school_a, school_b):
    root = DecisionFactory(school=school_a)
    part = DecisionFactory(school=school_a, same_matter_as=root)
    other = DecisionFactory(school=school_b)
    for target, message in ((other, "只能选择本校"), (part, "首次决策的记录")):
        with pytest.raises(ValidationError, match=message):
            services.decision_create(
                user=clerk_a, school=school_a, title="x", category="general", tier="consult", same_matter_as=target
            )
    with pytest.raises(ValidationError, match="不能选择事项本身"):
        services.decision_update(user=clerk_a, decision=root, same_matter_as=root)
    with pytest.raises(ValidationError, match="已有其他事项作为本事项的分次决策"):
        services.decision_update(user=clerk_a, decision=root, same_matter_as=DecisionFactory(school=school_a))


def test_decision_form_offers_roots_of_the_school_only(clerk_a, school_a, school_b, login):
    root = DecisionFactory(school=school_a, title="一期工程")
    DecisionFactory(school=school_a, title="二期工程", same_matter_as=root)
    DecisionFactory(school=school_b, title="外校工程")
    client = login(clerk_a)
    page = client.get(reverse("decision_create")).content.decode()
    assert "一期工程" in page and "二期工程" not in page and "外校工程" not in page
    response = client.post(
        reverse("decision_create"),
        {"title": "三期", "category": "general", "tier": "consult", "amount": "50000", "same_matter_as": root.pk},
    )
    assert response.status_code == 302


# --- REPORT_BACK -------------------------------------------------------------------------------------
def _implementing(school, **kwargs):
    return DecisionFactory(
        school=school, status=S.IMPLEMENTING, outcome=Outcome.PASSED, decided_on=days_ago(10), **kwargs
    )


def test_implementation_report_is_recorded(clerk_a, school_a):
    decision = _implementing(school_a)
    party_item = AgendaItemFactory(meeting=MeetingFactory(school=school_a, date=days_ago(1)))
    reporter = PersonFactory()
    report = services.implementation_report_add(
        user=clerk_a, decision=decision, reported_on=days_ago(1), reporter=reporter, summary=" 已完工 ", item=party_item
    )
    assert (report.summary, report.item, report.reporter) == ("已完工", party_item, reporter)
    assert report.history.count() == 1


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("future", "reported_on"),
        ("before_decision", "reported_on"),
        ("office_item", "item"),
        ("other_school_item", "item"),
        ("blank", "summary"),
    ],
)
def test_implementation_report_refusals(clerk_a, school_a, school_b, case, field):
    decision = _implementing(school_a)
    data = {"reported_on": days_ago(1), "reporter": PersonFactory(), "summary": "已完工", "item": None}
    if case == "future":
        data["reported_on"] = TODAY() + datetime.timedelta(days=1)
    elif case == "before_decision":
        data["reported_on"] = days_ago(11)
    elif case == "office_item":
        data["item"] = AgendaItemFactory(meeting=MeetingFactory(school=school_a, body=MeetingBody.PRINCIPAL_OFFICE))
    elif case == "other_school_item":
        data["item"] = AgendaItemFactory(meeting=MeetingFactory(school=school_b))
    else:
        data["summary"] = "  "
    with pytest.raises(ValidationError) as error:
        services.implementation_report_add(user=clerk_a, decision=decision, **data)
    assert field in error.value.message_dict
    assert not ImplementationReport.objects.exists()


def test_implementation_report_needs_a_decided_open_decision_and_the_right(clerk_a, clerk_b, school_a):
    data = {"reported_on": TODAY(), "reporter": PersonFactory(), "summary": "已完工"}
    with pytest.raises(ValidationError, match="只有已决策或落实中的事项"):
        services.implementation_report_add(user=clerk_a, decision=DecisionFactory(school=school_a), **data)
    closed = DecisionFactory(
        school=school_a, status=S.CLOSED, outcome=Outcome.PASSED, decided_on=days_ago(9), closing_summary="完",
        closed_on=days_ago(1),
    )  # fmt: skip
    with pytest.raises(RecordFinalisedError):
        services.implementation_report_add(user=clerk_a, decision=closed, **data)
    with pytest.raises(NotAllowedError):
        services.implementation_report_add(user=clerk_b, decision=_implementing(school_a), **data)


def test_closing_a_non_sanzhong_decision_needs_no_report(clerk_a, school_a):
    decision = _implementing(school_a, category="general", tier="consult")
    closed = services.decision_close(user=clerk_a, decision=decision, closing_summary="已完成。", closed_on=TODAY())
    assert closed.status == S.CLOSED


def test_report_form_on_the_decision_page(clerk_a, school_a, login):
    decision = _implementing(school_a)
    ImplementationReportFactory(decision=decision, summary="第一次报告：进展顺利")
    client = login(clerk_a)
    page = client.get(reverse("decision_detail", args=[decision.pk])).content.decode()
    assert "向党组织报告执行情况" in page and "第一次报告：进展顺利" in page
    office = AgendaItemFactory(meeting=MeetingFactory(school=school_a, body=MeetingBody.PRINCIPAL_OFFICE))
    bad = client.post(
        reverse("implementation_report_add", args=[decision.pk]),
        {"reported_on": TODAY(), "reporter": PersonFactory().pk, "summary": "x", "item": office.pk},
    )
    assert bad.status_code == 400 and "请选择本校党组织会议的议题。" in bad.content.decode()


# --- the 教代会 step on the decision page -------------------------------------------------------------
def _congress(school, *, present, votes_for, day):
    meeting = MeetingFactory(school=school, body=MeetingBody.STAFF_CONGRESS, date=day, status=MeetingStatus.HELD)
    for index, person in enumerate(PersonFactory.create_batch(30)):
        status = AttendanceStatus.PRESENT if index < present else AttendanceStatus.ABSENT
        AttendanceFactory(meeting=meeting, person=person, kind=AttendanceKind.MEMBER, status=status)
    return AgendaItemFactory(meeting=meeting, result=ItemResult.PASSED, votes_for=votes_for)


@pytest.mark.parametrize(("votes_for", "satisfied"), [(16, True), (15, False)])
def test_decision_page_shows_whether_the_congress_step_is_satisfied(clerk_a, school_a, login, votes_for, satisfied):
    party = MeetingFactory(school=school_a, date=days_ago(1), status=MeetingStatus.HELD)
    staff = AgendaItemFactory(meeting=party, result=ItemResult.PASSED, touches_staff_interests=True)
    decision = DecisionFactory(
        school=school_a, agenda_items=[staff, _congress(school_a, present=20, votes_for=votes_for, day=days_ago(5))]
    )
    page = login(clerk_a).get(reverse("decision_detail", args=[decision.pk])).content.decode()
    assert "教代会审议" in page
    assert ("已满足" in page) is satisfied and ("未满足" in page) is not satisfied


def test_decision_page_queries_do_not_grow_with_reports(clerk_a, school_a, login):
    decision = _implementing(school_a)
    client = login(clerk_a)
    url = reverse("decision_detail", args=[decision.pk])
    ImplementationReportFactory(decision=decision)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    ImplementationReportFactory.create_batch(5, decision=decision, item=AgendaItemFactory(meeting__school=school_a))
    client.get(url)  # the caches the new rows invalidated (user, data version) are filled again
    with CaptureQueriesContext(connection) as six:
        client.get(url)
    assert len(six) == len(one)


def test_other_school_is_not_found(clerk_b, school_a, login):
    decision = _implementing(school_a)
    response = login(clerk_b).post(
        reverse("implementation_report_add", args=[decision.pk]),
        {"reported_on": TODAY(), "reporter": PersonFactory().pk, "summary": "x"},
    )
    assert response.status_code == 404
