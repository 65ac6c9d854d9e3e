"""Rules of the decisions services: classification (amount threshold by policy date, 事项清单 suggestion),
the lifecycle (every illegal step refused, the legal path end to end, each step recorded with who and when),
amendments after the decision, and evidence uploads (type, content, size, storage)."""

import datetime
import hashlib
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.errors import NotAllowedError, RecordFinalisedError
from core.models import Amendment
from decisions import services
from decisions.choices import DecisionStatus, MatterCategory, Outcome, ReviewConclusion, TaskStatus, Tier
from decisions.classification import classify
from decisions.models import Decision, DecisionTransition, Evidence, MatterType, Task
from decisions.services.tasks import MAX_EVIDENCE_BYTES
from meetings import services as meeting_services
from meetings.choices import AttendanceStatus, CommunicationCategory, CommunicationOutcome, CommunicationTiming
from schools.choices import MeetingBody
from tests.factories import DecisionFactory, PersonFactory, PolicyFactory, TaskFactory
from tests.meetings.conftest import _body, _pair

S = DecisionStatus
TODAY = timezone.localdate
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def days_ago(n: int) -> datetime.date:
    return TODAY() - datetime.timedelta(days=n)


def _create(user, school, **overrides):
    data = {"user": user, "school": school, "title": "新建实验楼", "category": MatterCategory.MAJOR_PROJECT}
    data["tier"] = Tier.COLLECTIVE
    data.update(overrides)
    return services.decision_create(**data)


def _decision(school, status=S.DRAFT, **overrides):
    """A decision row in a given state, as stored (for the refusal cases)."""
    if status in (S.DECIDED, S.IMPLEMENTING, S.CLOSED):
        overrides.setdefault("outcome", Outcome.PASSED)
        overrides.setdefault("decided_on", days_ago(5))
    if status == S.CLOSED:
        overrides.setdefault("closing_summary", "已落实。")
        overrides.setdefault("closed_on", days_ago(1))
    return DecisionFactory(school=school, status=status, **overrides)


@pytest.fixture
def pair_a(school_a, secretary_a, principal_a):
    """School A's pair, linked to the secretary_a / principal_a accounts (as in tests/meetings)."""
    secretary, principal = _pair(school_a, "张书记", "李校长")
    for user, person in ((secretary_a, secretary), (principal_a, principal)):
        user.person = person
        user.save()
    return SimpleNamespace(secretary=secretary, principal=principal)


@pytest.fixture
def committee_a(school_a, pair_a):
    """School A's 党组织会议 and 校长办公会, five members each."""
    party = _body(
        school_a, MeetingBody.PARTY_COMMITTEE, [pair_a.secretary, pair_a.principal, *PersonFactory.create_batch(3)]
    )
    office = _body(
        school_a, MeetingBody.PRINCIPAL_OFFICE, [pair_a.principal, pair_a.secretary, *PersonFactory.create_batch(3)]
    )
    return SimpleNamespace(party=party, office=office)


# --- meetings built through their services -----------------------------------------------------------
def _meeting(user, school, people, body, on, present=None):
    meeting = meeting_services.meeting_create(user=user, school=school, body=body, title=f"{on}会议", date=on)
    present = len(people) if present is None else present
    statuses = {p.pk: (AttendanceStatus.PRESENT, "") for p in people[:present]}
    statuses.update({p.pk: (AttendanceStatus.LEAVE, "外出培训") for p in people[present:]})
    meeting_services.meeting_record_attendance(user=user, meeting=meeting, statuses=statuses)
    return meeting_services.meeting_mark_held(user=user, meeting=meeting)


def _item(user, meeting, category=MatterCategory.MAJOR_PROJECT, communications=()):
    return meeting_services.agenda_item_create(
        user=user, meeting=meeting, title="新建实验楼方案", category=category, pre_communications=communications
    )


def _vote(user, item, totals, body=MeetingBody.PARTY_COMMITTEE):
    spoke_last = True if body == MeetingBody.PARTY_COMMITTEE else None
    return meeting_services.agenda_item_record_votes(
        user=user, item=item, totals=totals, secretary_spoke_last=spoke_last
    )


def _agreed_communication(secretary_a, principal_a, school, pair):
    communication = meeting_services.communication_create(
        user=secretary_a,
        school=school,
        occurred_at=timezone.now() - datetime.timedelta(days=6),
        category=CommunicationCategory.SANZHONG_YIDA,
        timing=CommunicationTiming.BEFORE_DECISION,
        subject="新建实验楼方案",
        summary="书记校长就方案充分交换意见，达成共识。",
        outcome=CommunicationOutcome.CONSENSUS,
        participants=[pair.secretary, pair.principal],
    )
    return meeting_services.communication_confirm(user=principal_a, communication=communication)


@pytest.fixture
def party_item(clerk_a, school_a, committee_a, secretary_a, principal_a, pair_a):
    """A 三重一大 item of a held 党组织会议 (yesterday), passed 4:0 with 4 of 5 present."""
    communication = _agreed_communication(secretary_a, principal_a, school_a, pair_a)
    meeting = _meeting(clerk_a, school_a, committee_a.party, MeetingBody.PARTY_COMMITTEE, days_ago(1), present=4)
    return _vote(clerk_a, _item(clerk_a, meeting, communications=[communication]), (4, 0, 0))


@pytest.fixture
def office_item(clerk_a, school_a, committee_a):
    """The 校长办公会 item that prepared the matter (研究提出), three days ago, agreed by the principal."""
    meeting = _meeting(clerk_a, school_a, committee_a.office, MeetingBody.PRINCIPAL_OFFICE, days_ago(3))
    # A 校长办公会 does not vote: the principal decides after hearing the members' views (Rulebook v2).
    return meeting_services.agenda_item_record_principal_decision(
        user=clerk_a, item=_item(clerk_a, meeting), principal_decision="agree", views_heard="班子成员一致赞成。"
    )


# --- classification ----------------------------------------------------------------------------------
class TestClassification:
    def test_matter_type_suggests_category_and_tier(self, clerk_a, school_a):
        matter = MatterType.objects.create(
            name="校园安全制度修订", category=MatterCategory.MAJOR_DECISION, tier=Tier.COLLECTIVE
        )

        decision = _create(clerk_a, school_a, category=None, tier=None, matter_type=matter)

        assert (decision.category, decision.tier) == (MatterCategory.MAJOR_DECISION, Tier.COLLECTIVE)
        assert decision.matter_type == matter

    def test_explicit_choice_beats_the_suggestion(self, clerk_a, school_a):
        matter = MatterType.objects.create(name="教研活动安排", category=MatterCategory.GENERAL, tier=Tier.CONSULT)

        decision = _create(clerk_a, school_a, category=None, tier=Tier.AUTONOMOUS, matter_type=matter)

        assert (decision.category, decision.tier) == (MatterCategory.GENERAL, Tier.AUTONOMOUS)

    def test_without_category_or_matter_type_is_refused(self, clerk_a, school_a):
        with pytest.raises(ValidationError, match="请选择事项类别和决策层级"):
            _create(clerk_a, school_a, category=None, tier=None)
        assert not Decision.objects.exists()

    def test_sanzhong_yida_outside_the_collective_tier_is_refused(self, clerk_a, school_a):
        with pytest.raises(ValidationError) as error:
            _create(clerk_a, school_a, category=MatterCategory.PERSONNEL, tier=Tier.AUTONOMOUS)
        assert "必须由集体讨论决定" in str(error.value.message_dict["tier"])
        assert not Decision.objects.exists()

    @pytest.mark.parametrize(
        ("amount", "forced"), [(Decimal("99999.99"), False), (Decimal("100000"), True), (Decimal("250000"), True)]
    )
    def test_amount_at_or_above_the_threshold_forces_large_funds(self, clerk_a, school_a, amount, forced):
        decision = _create(clerk_a, school_a, category=MatterCategory.GENERAL, tier=Tier.AUTONOMOUS, amount=amount)

        expected = (
            (MatterCategory.LARGE_FUNDS, Tier.COLLECTIVE) if forced else (MatterCategory.GENERAL, Tier.AUTONOMOUS)
        )
        assert (decision.category, decision.tier) == expected

    def test_a_lowered_threshold_applies_only_from_its_date(self, school_a):
        PolicyFactory(effective_from=datetime.date(2022, 1, 1))
        PolicyFactory(effective_from=datetime.date(2024, 3, 1), large_amount_threshold=Decimal("50000"))
        call = {"school": school_a, "category": MatterCategory.GENERAL, "tier": Tier.CONSULT}

        before = classify(on=datetime.date(2024, 2, 29), amount=Decimal("60000"), **call)
        on_the_day = classify(on=datetime.date(2024, 3, 1), amount=Decimal("60000"), **call)
        after = classify(on=datetime.date(2024, 9, 1), amount=Decimal("49999"), **call)

        assert before == (MatterCategory.GENERAL, Tier.CONSULT)
        assert on_the_day == (MatterCategory.LARGE_FUNDS, Tier.COLLECTIVE)
        assert after == (MatterCategory.GENERAL, Tier.CONSULT)

    def test_a_future_policy_does_not_apply_today(self, clerk_a, school_a):
        PolicyFactory(effective_from=TODAY() + datetime.timedelta(days=10), large_amount_threshold=Decimal("50000"))
        data = {"category": MatterCategory.GENERAL, "tier": Tier.CONSULT, "amount": Decimal("60000")}

        assert _create(clerk_a, school_a, **data).category == MatterCategory.GENERAL
        PolicyFactory(effective_from=TODAY(), large_amount_threshold=Decimal("50000"))
        assert _create(clerk_a, school_a, **data).category == MatterCategory.LARGE_FUNDS

    def test_a_schools_own_policy_comes_first(self, clerk_a, school_a, school_b, clerk_b):
        PolicyFactory(
            school=school_a, effective_from=datetime.date(2022, 1, 1), large_amount_threshold=Decimal("30000")
        )
        data = {"category": MatterCategory.GENERAL, "tier": Tier.CONSULT, "amount": Decimal("40000")}

        assert _create(clerk_a, school_a, **data).category == MatterCategory.LARGE_FUNDS
        assert _create(clerk_b, school_b, **data).category == MatterCategory.GENERAL

    def test_update_reclassifies_the_amount(self, clerk_a, school_a):
        decision = _create(clerk_a, school_a, category=MatterCategory.GENERAL, tier=Tier.CONSULT)

        decision = services.decision_update(user=clerk_a, decision=decision, amount=Decimal("120000"))

        assert (decision.category, decision.tier) == (MatterCategory.LARGE_FUNDS, Tier.COLLECTIVE)

    @pytest.mark.parametrize("role", ["district_viewer", "xuequ_viewer", "clerk_b"])
    def test_users_who_may_not_edit_the_school_cannot_create(self, role, request, school_a):
        with pytest.raises(NotAllowedError):
            _create(request.getfixturevalue(role), school_a)
        assert not Decision.objects.exists()


# --- illegal steps -----------------------------------------------------------------------------------
class TestRefusals:
    @pytest.mark.parametrize("target", [S.DECIDED, S.IMPLEMENTING, S.CLOSED, S.ON_AGENDA, "bogus"])
    def test_draft_cannot_jump(self, clerk_a, school_a, target):
        decision = _create(clerk_a, school_a)

        with pytest.raises(ValidationError, match="不能从“拟议”直接变更为"):
            services.decision_transition(user=clerk_a, decision=decision, to_status=target)
        decision.refresh_from_db()
        assert decision.status == S.DRAFT

    def test_collective_draft_cannot_be_decided_without_an_item(self, clerk_a, school_a):
        decision = _create(clerk_a, school_a)

        with pytest.raises(ValidationError) as error:
            services.decision_decide(user=clerk_a, decision=decision, decided_on=days_ago(1))
        assert "集体讨论的事项须根据已关联的会议议题作出决定" in str(error.value)
        assert Decision.objects.get().status == S.DRAFT

    def test_on_agenda_needs_a_linked_item(self, clerk_a, school_a):
        decision = _create(clerk_a, school_a)
        services.decision_transition(user=clerk_a, decision=decision, to_status=S.COMMUNICATING)

        with pytest.raises(ValidationError, match="请先将事项关联到会议议题"):
            services.decision_transition(user=clerk_a, decision=decision, to_status=S.ON_AGENDA)

    @pytest.mark.parametrize("target", list(S.values))
    def test_closed_allows_no_transition(self, clerk_a, school_a, target):
        decision = _decision(school_a, S.CLOSED)

        with pytest.raises(ValidationError):
            services.decision_transition(user=clerk_a, decision=decision, to_status=target)
        decision.refresh_from_db()
        assert decision.status == S.CLOSED

    def test_closed_refuses_every_other_write(self, clerk_a, school_a, pair_a):
        decision = _decision(school_a, S.CLOSED)
        task = TaskFactory(decision=decision, status=TaskStatus.DONE, done_on=days_ago(2))

        with pytest.raises(RecordFinalisedError):
            services.decision_decide(user=clerk_a, decision=decision, decided_on=days_ago(1))
        with pytest.raises(RecordFinalisedError):
            services.decision_update(user=clerk_a, decision=decision, title="改名")
        with pytest.raises(RecordFinalisedError):
            services.legal_review_add(
                user=clerk_a, decision=decision, reviewer="法律顾问", reviewed_on=days_ago(1), conclusion="lawful"
            )
        with pytest.raises(RecordFinalisedError):
            services.consultation_add(
                user=clerk_a, decision=decision, person=pair_a.principal, consulted_on=days_ago(1), opinion="同意"
            )
        with pytest.raises(ValidationError, match="只有已通过的决策事项"):
            services.task_create(user=clerk_a, decision=decision, title="再办", owner=pair_a.principal, due_on=TODAY())
        with pytest.raises(RecordFinalisedError):
            services.task_add_progress(user=clerk_a, task=task, noted_on=TODAY(), text="补记")
        with pytest.raises(ValidationError, match="只有落实中的事项可以办结"):
            services.decision_close(user=clerk_a, decision=decision, closing_summary="再次办结", closed_on=TODAY())
        decision.refresh_from_db()
        assert decision.title != "改名" and not decision.tasks.exclude(pk=task.pk).exists()

    @pytest.mark.parametrize("outcome", [Outcome.REJECTED, Outcome.DEFERRED])
    def test_a_decision_that_did_not_pass_gets_no_tasks(self, clerk_a, school_a, pair_a, outcome):
        decision = _decision(school_a, S.DECIDED, outcome=outcome)

        with pytest.raises(ValidationError, match="只有已通过的决策事项可以分解督办任务"):
            services.task_create(user=clerk_a, decision=decision, title="落实", owner=pair_a.principal, due_on=TODAY())
        assert not Task.objects.exists()

    def test_only_a_deferred_decision_goes_back_to_communication(self, clerk_a, school_a):
        passed = _decision(school_a, S.DECIDED)
        deferred = _decision(school_a, S.DECIDED, outcome=Outcome.DEFERRED)

        with pytest.raises(ValidationError, match="只有暂缓的事项可以重新沟通"):
            services.decision_transition(user=clerk_a, decision=passed, to_status=S.COMMUNICATING)
        deferred = services.decision_transition(user=clerk_a, decision=deferred, to_status=S.COMMUNICATING)

        assert (deferred.status, deferred.outcome, deferred.decided_on) == (S.COMMUNICATING, "", None)

    def test_implementing_cannot_be_set_by_hand(self, clerk_a, school_a):
        decision = _decision(school_a, S.DECIDED)

        with pytest.raises(ValidationError, match="不能从“已决策”直接变更为“落实中”"):
            services.decision_transition(user=clerk_a, decision=decision, to_status=S.IMPLEMENTING)

    def test_sanzhong_yida_cannot_be_decided_by_the_principals_office(self, clerk_a, school_a, office_item):
        decision = _create(clerk_a, school_a)
        services.decision_link_agenda_item(user=clerk_a, decision=decision, item=office_item)
        services.legal_review_add(
            user=clerk_a, decision=decision, reviewer="法律顾问", reviewed_on=days_ago(5), conclusion="lawful"
        )

        with pytest.raises(ValidationError) as error:
            services.decision_decide(user=clerk_a, decision=decision, item=office_item)
        assert "三重一大事项须由党组织会议讨论决定" in str(error.value)
        assert Decision.objects.get().status == S.DRAFT

    def test_an_item_not_linked_to_the_decision_cannot_decide_it(self, clerk_a, school_a, party_item):
        decision = _create(clerk_a, school_a)

        with pytest.raises(ValidationError, match="已关联的会议议题"):
            services.decision_decide(user=clerk_a, decision=decision, item=party_item)

    def test_an_item_not_yet_voted_cannot_decide(self, clerk_a, school_a, committee_a):
        meeting = _meeting(clerk_a, school_a, committee_a.office, MeetingBody.PRINCIPAL_OFFICE, days_ago(1))
        item = _item(clerk_a, meeting, category=MatterCategory.GENERAL)
        decision = _create(clerk_a, school_a, category=MatterCategory.GENERAL)
        services.decision_link_agenda_item(user=clerk_a, decision=decision, item=item)

        with pytest.raises(ValidationError, match="该议题尚未表决"):
            services.decision_decide(user=clerk_a, decision=decision, item=item)

    def test_sanzhong_yida_needs_a_legal_review_before_the_decision(self, clerk_a, school_a, party_item):
        decision = _create(clerk_a, school_a)
        services.decision_link_agenda_item(user=clerk_a, decision=decision, item=party_item)

        with pytest.raises(ValidationError, match="须经合法性审查"):
            services.decision_decide(user=clerk_a, decision=decision, item=party_item)
        services.legal_review_add(
            user=clerk_a, decision=decision, reviewer="法律顾问", reviewed_on=TODAY(), conclusion="lawful"
        )
        with pytest.raises(ValidationError, match="须经合法性审查"):  # reviewed after the meeting: too late
            services.decision_decide(user=clerk_a, decision=decision, item=party_item)
        assert Decision.objects.get().status == S.ON_AGENDA

    def test_an_unlawful_review_blocks_the_decision(self, clerk_a, school_a, party_item):
        decision = _create(clerk_a, school_a)
        services.decision_link_agenda_item(user=clerk_a, decision=decision, item=party_item)
        services.legal_review_add(
            user=clerk_a,
            decision=decision,
            reviewer="法律顾问",
            reviewed_on=days_ago(2),
            conclusion=ReviewConclusion.UNLAWFUL,
        )

        with pytest.raises(ValidationError, match="不得作出决策"):
            services.decision_decide(user=clerk_a, decision=decision, item=party_item)

    def test_policy_may_exempt_a_category_from_legal_review(self, clerk_a, school_a, party_item):
        PolicyFactory(effective_from=datetime.date(2022, 1, 1), legal_review_exempt_categories=["major_project"])
        decision = _create(clerk_a, school_a)
        services.decision_link_agenda_item(user=clerk_a, decision=decision, item=party_item)

        assert services.decision_decide(user=clerk_a, decision=decision, item=party_item).status == S.DECIDED

    def test_consult_tier_needs_a_consultation_first(self, clerk_a, school_a, pair_a):
        decision = _create(clerk_a, school_a, category=MatterCategory.GENERAL, tier=Tier.CONSULT)

        with pytest.raises(ValidationError, match="中事须先征询意见"):
            services.decision_decide(user=clerk_a, decision=decision, decided_on=days_ago(1))
        services.consultation_add(
            user=clerk_a, decision=decision, person=pair_a.secretary, consulted_on=days_ago(3), opinion="同意。"
        )
        decision = services.decision_decide(user=clerk_a, decision=decision, decided_on=days_ago(1))

        assert (decision.status, decision.outcome, decision.decided_on) == (S.DECIDED, Outcome.PASSED, days_ago(1))
        assert decision.deciding_item is None

    def test_consultation_needs_an_opinion_and_a_past_date(self, clerk_a, school_a, pair_a):
        decision = _create(clerk_a, school_a, category=MatterCategory.GENERAL, tier=Tier.CONSULT)
        call = {"user": clerk_a, "decision": decision, "person": pair_a.secretary}

        with pytest.raises(ValidationError, match="请填写征询到的意见"):
            services.consultation_add(**call, consulted_on=days_ago(1), opinion="  ")
        with pytest.raises(ValidationError, match="征询日期不能晚于今天"):
            services.consultation_add(**call, consulted_on=TODAY() + datetime.timedelta(days=1), opinion="同意")

    def test_autonomous_tier_needs_who_decided(self, clerk_a, school_a, pair_a):
        decision = _create(clerk_a, school_a, category=MatterCategory.GENERAL, tier=Tier.AUTONOMOUS)

        with pytest.raises(ValidationError) as error:
            services.decision_decide(user=clerk_a, decision=decision, decided_on=days_ago(1))
        assert "decided_by" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            services.decision_decide(
                user=clerk_a, decision=decision, decided_by=pair_a.principal, decided_on=TODAY() + datetime.timedelta(1)
            )
        assert "decided_on" in error.value.message_dict
        decision = services.decision_decide(
            user=clerk_a, decision=decision, decided_by=pair_a.principal, decided_on=days_ago(1)
        )
        assert (decision.status, decision.decided_by) == (S.DECIDED, pair_a.principal)

    def test_deciding_twice_is_refused(self, clerk_a, school_a, pair_a):
        decision = _create(clerk_a, school_a, category=MatterCategory.GENERAL, tier=Tier.AUTONOMOUS)
        services.decision_decide(user=clerk_a, decision=decision, decided_by=pair_a.principal, decided_on=days_ago(1))

        with pytest.raises(RecordFinalisedError):
            services.decision_decide(user=clerk_a, decision=decision, decided_by=pair_a.secretary, decided_on=TODAY())

    def test_closing_needs_every_task_done_and_a_summary(self, clerk_a, school_a):
        decision = _decision(school_a, S.IMPLEMENTING)
        done = TaskFactory(decision=decision, title="采购设备", status=TaskStatus.DONE, done_on=days_ago(1))
        open_task = TaskFactory(decision=decision, title="组织验收")

        with pytest.raises(ValidationError, match="以下任务尚未完成：组织验收"):
            services.decision_close(user=clerk_a, decision=decision, closing_summary="已完成。", closed_on=TODAY())
        services.task_complete(user=clerk_a, task=open_task, done_on=TODAY())
        with pytest.raises(ValidationError, match="须先登记校长向党组织报告决议执行情况"):
            services.decision_close(user=clerk_a, decision=decision, closing_summary="已完成。", closed_on=TODAY())
        services.implementation_report_add(
            user=clerk_a, decision=decision, reported_on=TODAY(), reporter=PersonFactory(), summary="已落实。"
        )
        with pytest.raises(ValidationError) as error:
            services.decision_close(user=clerk_a, decision=decision, closing_summary="  ", closed_on=TODAY())
        assert "closing_summary" in error.value.message_dict
        decision.refresh_from_db()
        assert decision.status == S.IMPLEMENTING and done.pk

    def test_completing_a_task_twice_or_in_the_future_is_refused(self, clerk_a, school_a):
        task = TaskFactory(decision=_decision(school_a, S.IMPLEMENTING))

        with pytest.raises(ValidationError, match="完成日期不能晚于今天"):
            services.task_complete(user=clerk_a, task=task, done_on=TODAY() + datetime.timedelta(days=1))
        services.task_complete(user=clerk_a, task=task, done_on=TODAY())
        with pytest.raises(ValidationError, match="任务已完成"):
            services.task_complete(user=clerk_a, task=task, done_on=TODAY())

    def test_another_school_cannot_write(self, clerk_b, school_a, pair_a):
        decision = _decision(school_a, S.IMPLEMENTING)
        task = TaskFactory(decision=decision)

        with pytest.raises(NotAllowedError):
            services.decision_transition(user=clerk_b, decision=_create_draft(school_a), to_status=S.COMMUNICATING)
        with pytest.raises(NotAllowedError):
            services.task_create(user=clerk_b, decision=decision, title="x", owner=pair_a.principal, due_on=TODAY())
        with pytest.raises(NotAllowedError):
            services.task_add_progress(user=clerk_b, task=task, noted_on=TODAY(), text="x")
        with pytest.raises(NotAllowedError):
            services.evidence_upload(user=clerk_b, task=task, upload=SimpleUploadedFile("a.pdf", PDF))


def _create_draft(school):
    return _decision(school, S.DRAFT)


# --- the legal path ----------------------------------------------------------------------------------
def test_the_whole_lifecycle_of_a_sanzhong_yida_matter(
    clerk_a, school_a, pair_a, secretary_a, principal_a, office_item, party_item
):
    communication = party_item.pre_communications.get()
    decision = _create(clerk_a, school_a, responsible_leaders=[pair_a.principal])
    assert decision.status == S.DRAFT

    decision = services.decision_transition(user=clerk_a, decision=decision, to_status=S.COMMUNICATING)
    decision = services.decision_update(user=clerk_a, decision=decision, communications=[communication])
    decision = services.decision_link_agenda_item(user=clerk_a, decision=decision, item=office_item)
    assert decision.status == S.COMMUNICATING  # 研究提出 by the 校长办公会 does not put it on the agenda
    decision = services.decision_link_agenda_item(user=clerk_a, decision=decision, item=party_item)
    assert decision.status == S.ON_AGENDA
    services.legal_review_add(
        user=clerk_a, decision=decision, reviewer="区教委法律顾问", reviewed_on=days_ago(2), conclusion="lawful"
    )

    decision = services.decision_decide(user=secretary_a, decision=decision, item=party_item)
    assert (decision.status, decision.outcome) == (S.DECIDED, Outcome.PASSED)
    assert (decision.deciding_item, decision.decided_on) == (party_item, party_item.meeting.date)

    task = services.task_create(
        user=clerk_a, decision=decision, title="完成施工招标", owner=pair_a.principal, due_on=TODAY()
    )
    assert Decision.objects.get().status == S.IMPLEMENTING
    services.task_add_progress(user=clerk_a, task=task, noted_on=TODAY(), text="招标公告已发布。")
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    services.task_complete(user=principal_a, task=task, done_on=TODAY())
    services.implementation_report_add(
        user=principal_a, decision=decision, reported_on=TODAY(), reporter=pair_a.principal, summary="招标完成。"
    )

    decision = services.decision_close(
        user=principal_a, decision=decision, closing_summary="校长向党委会报告：招标完成，已开工。", closed_on=TODAY()
    )

    assert (decision.status, decision.closed_on) == (S.CLOSED, TODAY())
    steps = list(DecisionTransition.objects.filter(decision=decision).values_list("from_status", "to_status", "by"))
    assert steps == [
        ("", S.DRAFT, clerk_a.pk),
        (S.DRAFT, S.COMMUNICATING, clerk_a.pk),
        (S.COMMUNICATING, S.ON_AGENDA, clerk_a.pk),
        (S.ON_AGENDA, S.DECIDED, secretary_a.pk),
        (S.DECIDED, S.IMPLEMENTING, clerk_a.pk),
        (S.IMPLEMENTING, S.CLOSED, principal_a.pk),
    ]
    assert all(t.at is not None for t in DecisionTransition.objects.all())
    assert set(decision.agenda_items.all()) == {office_item, party_item}
    assert decision.history.count() >= 6


def test_a_rejected_vote_makes_a_rejected_decision(clerk_a, school_a, committee_a, secretary_a, principal_a, pair_a):
    communication = _agreed_communication(secretary_a, principal_a, school_a, pair_a)
    meeting = _meeting(clerk_a, school_a, committee_a.party, MeetingBody.PARTY_COMMITTEE, days_ago(1))
    item = _vote(clerk_a, _item(clerk_a, meeting, communications=[communication]), (2, 3, 0))
    decision = _create(clerk_a, school_a)
    services.decision_link_agenda_item(user=clerk_a, decision=decision, item=item)
    services.legal_review_add(
        user=clerk_a, decision=decision, reviewer="法律顾问", reviewed_on=days_ago(2), conclusion="lawful"
    )

    decision = services.decision_decide(user=clerk_a, decision=decision, item=item)

    assert (decision.status, decision.outcome) == (S.DECIDED, Outcome.REJECTED)


# --- amendments --------------------------------------------------------------------------------------
class TestAmendments:
    def test_a_decided_decision_is_corrected_by_an_amendment(self, secretary_a, school_a):
        decision = _decision(school_a, S.DECIDED, title="原事项名称")

        amendment = services.decision_amend(
            user=secretary_a, decision=decision, correction="金额应为 12 万元。", reason="登记笔误。"
        )

        assert amendment.target == decision
        assert (amendment.created_by, amendment.school) == (secretary_a, school_a)
        with pytest.raises(RecordFinalisedError):
            services.decision_update(user=secretary_a, decision=decision, title="改过的名称")
        decision.refresh_from_db()
        assert decision.title == "原事项名称"

    def test_a_draft_is_edited_not_amended(self, secretary_a, school_a):
        with pytest.raises(ValidationError, match="尚未定稿"):
            services.decision_amend(user=secretary_a, decision=_decision(school_a), correction="x", reason="y")
        assert not Amendment.objects.exists()

    def test_a_clerk_cannot_amend(self, clerk_a, school_a):
        with pytest.raises(NotAllowedError):
            services.decision_amend(user=clerk_a, decision=_decision(school_a, S.DECIDED), correction="x", reason="y")

    def test_an_amendment_needs_a_reason(self, principal_a, school_a):
        with pytest.raises(ValidationError) as error:
            services.decision_amend(
                user=principal_a, decision=_decision(school_a, S.CLOSED), correction="补充", reason=" "
            )
        assert "reason" in error.value.message_dict


# --- evidence ----------------------------------------------------------------------------------------
class TestEvidence:
    @pytest.fixture
    def task(self, school_a):
        return TaskFactory(decision=_decision(school_a, S.IMPLEMENTING))

    @pytest.fixture(autouse=True)
    def media(self, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        return tmp_path

    @pytest.mark.parametrize(
        ("name", "content", "message"),
        [
            ("setup.exe", b"MZ\x90\x00", "只能上传"),
            ("noextension", PDF, "只能上传"),
            ("page.html", b"<html></html>", "只能上传"),
            ("report.pdf", b"PK\x03\x04fake zip", "文件内容与扩展名不符"),
            ("photo.png", b"\xff\xd8\xff\xe0jpeg", "文件内容与扩展名不符"),
            ("big.pdf", PDF + b"0" * MAX_EVIDENCE_BYTES, "不能超过 10 MB"),
        ],
    )
    def test_bad_files_are_refused(self, clerk_a, task, media, name, content, message):
        with pytest.raises(ValidationError) as error:
            services.evidence_upload(user=clerk_a, task=task, upload=SimpleUploadedFile(name, content))

        assert message in str(error.value.message_dict["file"])
        assert not Evidence.objects.exists()
        assert not any(Path(media).rglob("*.*"))

    def test_exactly_ten_megabytes_is_accepted(self, clerk_a, task):
        content = PDF + b"0" * (MAX_EVIDENCE_BYTES - len(PDF))

        evidence = services.evidence_upload(user=clerk_a, task=task, upload=SimpleUploadedFile("a.pdf", content))

        assert evidence.size == MAX_EVIDENCE_BYTES

    def test_a_good_pdf_is_stored_under_media_root(self, clerk_a, task, media):
        evidence = services.evidence_upload(
            user=clerk_a, task=task, upload=SimpleUploadedFile("验收报告.PDF", PDF, content_type="text/html")
        )

        stored = Path(evidence.file.path)
        assert stored.is_relative_to(media)
        assert stored.read_bytes() == PDF
        assert evidence.original_name == "验收报告.PDF"
        assert evidence.content_type == "application/pdf"  # from the checked signature, not the browser's claim
        assert (evidence.size, evidence.sha256) == (len(PDF), hashlib.sha256(PDF).hexdigest())
        assert evidence.uploaded_by == clerk_a

    def test_no_upload_once_the_decision_is_closed(self, clerk_a, school_a):
        task = TaskFactory(decision=_decision(school_a, S.CLOSED), status=TaskStatus.DONE, done_on=days_ago(2))

        with pytest.raises(RecordFinalisedError):
            services.evidence_upload(user=clerk_a, task=task, upload=SimpleUploadedFile("a.pdf", PDF))

    def test_progress_needs_text_and_a_past_date(self, clerk_a, task):
        with pytest.raises(ValidationError, match="请填写进展情况"):
            services.task_add_progress(user=clerk_a, task=task, noted_on=TODAY(), text=" ")
        with pytest.raises(ValidationError, match="进展日期不能晚于今天"):
            services.task_add_progress(
                user=clerk_a, task=task, noted_on=TODAY() + datetime.timedelta(days=1), text="提前写"
            )


def test_tasks_of_a_person_of_the_school(clerk_a, school_a):
    owner = PersonFactory()
    decision = _decision(school_a, S.DECIDED)

    task = services.task_create(user=clerk_a, decision=decision, title="  落实  ", owner=owner, due_on=TODAY())

    assert (task.title, task.status) == ("落实", TaskStatus.OPEN)
