"""Rules of the meetings services: pair validation, confirmation, roster, attendance, votes, gate,
finalising, immutability and amendments. Each rule has its pass and its fail side."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.errors import NotAllowedError, RecordFinalisedError
from core.models import Amendment
from meetings import services
from meetings.choices import (
    AttendanceKind,
    AttendanceStatus,
    CommunicationCategory,
    CommunicationOutcome,
    CommunicationTiming,
    ItemResult,
    MatterCategory,
    MeetingStatus,
    VoteChoice,
)
from meetings.models import AgendaItem, Attendance, Communication, Meeting
from schools.choices import MeetingBody, Post
from tests.factories import AppointmentFactory, CommitteeMembershipFactory, PersonFactory

NOW = timezone.now


def _communication(user, school, people, **overrides):
    data = {
        "user": user,
        "school": school,
        "occurred_at": NOW() - datetime.timedelta(days=2),
        "category": CommunicationCategory.SANZHONG_YIDA,
        "timing": CommunicationTiming.BEFORE_DECISION,
        "subject": "食堂改造项目",
        "summary": "书记校长就食堂改造方案交换意见。",
        "outcome": CommunicationOutcome.CONSENSUS,
        "participants": people,
    }
    data.update(overrides)
    return services.communication_create(**data)


# --- Communications ----------------------------------------------------------------------------------
class TestCommunication:
    def test_clerk_logs_a_pair_communication(self, clerk_a, school_a, pair_a):
        communication = _communication(clerk_a, school_a, [pair_a.secretary, pair_a.principal])

        assert set(communication.participants.all()) == {pair_a.secretary, pair_a.principal}
        assert communication.logged_by == clerk_a
        assert not communication.is_confirmed
        assert communication.history.first().history_user is None or communication.history.count() == 1

    def test_participant_outside_the_pair_is_refused(self, clerk_a, school_a, pair_a):
        deputy = AppointmentFactory(school=school_a, post=Post.DEPUTY_PRINCIPAL).person

        with pytest.raises(ValidationError) as error:
            _communication(clerk_a, school_a, [pair_a.secretary, deputy])

        assert "不是" in str(error.value) and deputy.name in str(error.value)
        assert not Communication.objects.exists()

    def test_former_principal_is_not_in_the_pair_on_a_later_date(self, clerk_a, school_a):
        secretary = AppointmentFactory(school=school_a, post=Post.SECRETARY, start=datetime.date(2020, 1, 1)).person
        old = AppointmentFactory(
            school=school_a, post=Post.PRINCIPAL, start=datetime.date(2020, 1, 1), end=datetime.date(2024, 8, 31)
        ).person
        AppointmentFactory(school=school_a, post=Post.PRINCIPAL, start=datetime.date(2024, 9, 1))

        with pytest.raises(ValidationError):
            _communication(clerk_a, school_a, [secretary, old])
        earlier = datetime.datetime(2024, 3, 1, 10, tzinfo=datetime.UTC)
        assert _communication(clerk_a, school_a, [secretary, old], occurred_at=earlier).pk

    def test_both_pair_members_are_required(self, clerk_a, school_a, pair_a):
        with pytest.raises(ValidationError, match="同时包括本校书记和校长"):
            _communication(clerk_a, school_a, [pair_a.secretary])

    def test_vacancy_refuses_with_reason(self, clerk_a, school_a):
        secretary = AppointmentFactory(school=school_a, post=Post.SECRETARY).person
        with pytest.raises(ValidationError, match="校长空缺"):
            _communication(clerk_a, school_a, [secretary])

    def test_combined_leader_talks_with_a_deputy(self, clerk_a, school_a):
        leader = PersonFactory()
        AppointmentFactory(school=school_a, person=leader, post=Post.SECRETARY)
        AppointmentFactory(school=school_a, person=leader, post=Post.PRINCIPAL)
        deputy = AppointmentFactory(school=school_a, post=Post.DEPUTY_SECRETARY).person

        with pytest.raises(ValidationError, match="一肩挑"):
            _communication(clerk_a, school_a, [leader])
        assert _communication(clerk_a, school_a, [leader, deputy]).pk

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"occurred_at": NOW() + datetime.timedelta(hours=2)}, "occurred_at"),
            ({"category": CommunicationCategory.EMERGENCY, "timing": CommunicationTiming.URGENT}, "event_at"),
            ({"timing": CommunicationTiming.ROUTINE}, "timing"),
            ({"category": CommunicationCategory.REGULAR_TALK, "timing": CommunicationTiming.URGENT}, "timing"),
            ({"event_at": NOW() - datetime.timedelta(days=3)}, "event_at"),
            ({"subject": ""}, "subject"),
            ({"outcome": "maybe"}, "outcome"),
        ],
    )
    def test_bad_input_is_refused_and_nothing_saved(self, clerk_a, school_a, pair_a, overrides, field):
        with pytest.raises(ValidationError) as error:
            _communication(clerk_a, school_a, [pair_a.secretary, pair_a.principal], **overrides)
        assert field in error.value.message_dict
        assert not Communication.objects.exists()

    def test_emergency_event_after_communication_is_refused(self, clerk_a, school_a, pair_a):
        occurred = NOW() - datetime.timedelta(hours=5)
        with pytest.raises(ValidationError, match="不能晚于沟通时间"):
            _communication(
                clerk_a,
                school_a,
                [pair_a.secretary, pair_a.principal],
                category=CommunicationCategory.EMERGENCY,
                timing=CommunicationTiming.URGENT,
                occurred_at=occurred,
                event_at=occurred + datetime.timedelta(hours=1),
            )

    def test_other_school_and_viewers_cannot_log(self, clerk_b, district_viewer, school_a, pair_a):
        for user in (clerk_b, district_viewer):
            with pytest.raises(NotAllowedError):
                _communication(user, school_a, [pair_a.secretary, pair_a.principal])

    def test_the_other_member_confirms(self, secretary_a, principal_a, school_a, pair_a):
        communication = _communication(secretary_a, school_a, [pair_a.secretary, pair_a.principal])

        with pytest.raises(NotAllowedError, match="登记人不能确认"):
            services.communication_confirm(user=secretary_a, communication=communication)
        confirmed = services.communication_confirm(user=principal_a, communication=communication)

        assert confirmed.confirmed_by == principal_a
        assert confirmed.confirmed_at is not None

    def test_clerk_cannot_confirm_and_either_member_confirms_a_clerk_record(
        self, clerk_a, secretary_a, school_a, pair_a
    ):
        communication = _communication(clerk_a, school_a, [pair_a.secretary, pair_a.principal])
        with pytest.raises(NotAllowedError):
            services.communication_confirm(user=clerk_a, communication=communication)
        assert services.communication_confirm(user=secretary_a, communication=communication).is_confirmed

    def test_confirmed_record_is_immutable_and_amended(self, clerk_a, principal_a, secretary_a, school_a, pair_a):
        communication = _communication(clerk_a, school_a, [pair_a.secretary, pair_a.principal])
        services.communication_confirm(user=principal_a, communication=communication)

        with pytest.raises(RecordFinalisedError):
            services.communication_update(user=clerk_a, communication=communication, subject="改写")
        with pytest.raises(NotAllowedError):
            services.communication_amend(user=clerk_a, communication=communication, correction="x", reason="y")
        amendment = services.communication_amend(
            user=secretary_a, communication=communication, correction="补充：预算已审。", reason="漏记"
        )

        communication.refresh_from_db()
        assert communication.subject == "食堂改造项目"
        assert amendment.target == communication
        assert amendment.created_by == secretary_a

    def test_unconfirmed_record_can_be_edited(self, clerk_a, school_a, pair_a):
        communication = _communication(clerk_a, school_a, [pair_a.secretary, pair_a.principal])
        services.communication_update(user=clerk_a, communication=communication, subject="食堂改造（修订）")
        communication.refresh_from_db()
        assert communication.subject == "食堂改造（修订）"
        latest = communication.history.first()
        assert latest.subject == "食堂改造（修订）"
        assert latest.prev_record.subject == "食堂改造项目"


# --- Meetings, attendance and votes ------------------------------------------------------------------
def _meeting(user, school, body=MeetingBody.PARTY_COMMITTEE, **overrides):
    data = {
        "user": user,
        "school": school,
        "body": body,
        "title": "党委会",
        "date": timezone.localdate() - datetime.timedelta(days=1),
    }
    data.update(overrides)
    return services.meeting_create(**data)


def _attend(user, meeting, people, present):
    statuses = {p.pk: (AttendanceStatus.PRESENT, "") for p in people[:present]}
    statuses.update({p.pk: (AttendanceStatus.LEAVE, "外出培训") for p in people[present:]})
    services.meeting_record_attendance(user=user, meeting=meeting, statuses=statuses)
    return services.meeting_mark_held(user=user, meeting=meeting)


@pytest.fixture
def held_meeting(clerk_a, school_a, committee_a):
    """A held 党组织会议 of school A: 5 expected, 4 present (the last member on leave)."""
    meeting = _meeting(clerk_a, school_a)
    return _attend(clerk_a, meeting, committee_a.party, present=4)


class TestMeeting:
    def test_roster_is_stored_and_not_rewritten_by_later_changes(self, clerk_a, school_a, committee_a):
        meeting = _meeting(clerk_a, school_a)
        CommitteeMembershipFactory(school=school_a, body=MeetingBody.PARTY_COMMITTEE)

        members = set(meeting.attendance.filter(kind=AttendanceKind.MEMBER).values_list("person", flat=True))
        assert members == {p.pk for p in committee_a.party}

    def test_roster_follows_memberships_on_the_meeting_date(self, clerk_a, school_a, committee_a):
        leaver = committee_a.party[-1].memberships.get()
        leaver.end = timezone.localdate() - datetime.timedelta(days=30)
        leaver.save()
        meeting = _meeting(clerk_a, school_a)
        assert meeting.attendance.count() == 4

    def test_chair_must_be_a_member(self, clerk_a, school_a, committee_a):
        with pytest.raises(ValidationError, match="主持人"):
            _meeting(clerk_a, school_a, chair=PersonFactory())
        assert not Meeting.objects.exists()

    def test_future_meeting_cannot_be_held_or_attended(self, clerk_a, school_a, committee_a):
        meeting = _meeting(clerk_a, school_a, date=timezone.localdate() + datetime.timedelta(days=3))
        with pytest.raises(ValidationError, match="尚未召开"):
            _attend(clerk_a, meeting, committee_a.party, present=5)
        with pytest.raises(ValidationError):
            services.meeting_mark_held(user=clerk_a, meeting=meeting)

    def test_held_needs_complete_attendance(self, clerk_a, school_a, committee_a):
        meeting = _meeting(clerk_a, school_a)
        services.meeting_record_attendance(
            user=clerk_a, meeting=meeting, statuses={committee_a.party[0].pk: (AttendanceStatus.PRESENT, "")}
        )
        with pytest.raises(ValidationError, match="全部应到成员"):
            services.meeting_mark_held(user=clerk_a, meeting=meeting)

    def test_leave_needs_a_reason_and_observers_are_not_members(self, clerk_a, school_a, committee_a):
        meeting = _meeting(clerk_a, school_a)
        with pytest.raises(ValidationError, match="请假须填写事由"):
            services.meeting_record_attendance(
                user=clerk_a, meeting=meeting, statuses={committee_a.party[0].pk: (AttendanceStatus.LEAVE, " ")}
            )
        with pytest.raises(ValidationError, match="列席"):
            services.meeting_record_attendance(
                user=clerk_a, meeting=meeting, statuses={}, observers=[committee_a.party[0]]
            )
        guest = PersonFactory()
        services.meeting_record_attendance(user=clerk_a, meeting=meeting, statuses={}, observers=[guest])
        assert meeting.attendance.get(person=guest).kind == AttendanceKind.OBSERVER


class TestVotes:
    def _item(self, user, meeting, category=MatterCategory.GENERAL):
        return services.agenda_item_create(user=user, meeting=meeting, title="校园绿化方案", category=category)

    def test_result_is_computed_from_votes(self, clerk_a, held_meeting, committee_a):
        item = self._item(clerk_a, held_meeting)
        people = committee_a.party
        votes = {people[0].pk: VoteChoice.FOR, people[1].pk: VoteChoice.FOR, people[2].pk: VoteChoice.FOR}
        votes[people[3].pk] = VoteChoice.AGAINST

        item = services.agenda_item_record_votes(user=clerk_a, item=item, votes=votes, secretary_spoke_last=True)

        assert item.result == ItemResult.PASSED
        assert (item.votes_for, item.votes_against, item.votes_abstain) == (3, 1, 0)
        assert item.votes.count() == 4

    def test_a_voter_cannot_be_marked_absent_until_the_votes_are_re_recorded(self, clerk_a, held_meeting, committee_a):
        item = self._item(clerk_a, held_meeting)
        voter, other = committee_a.party[0], committee_a.party[1]
        services.agenda_item_record_votes(
            user=clerk_a,
            item=item,
            votes={voter.pk: VoteChoice.FOR, other.pk: VoteChoice.FOR},
            secretary_spoke_last=True,
        )
        with pytest.raises(ValidationError, match=f"{voter.name}已参加议题“校园绿化方案”的表决"):
            services.meeting_record_attendance(
                user=clerk_a, meeting=held_meeting, statuses={voter.pk: (AttendanceStatus.ABSENT, "")}
            )
        assert held_meeting.attendance.get(person=voter).status == AttendanceStatus.PRESENT

        services.agenda_item_record_votes(
            user=clerk_a, item=item, votes={other.pk: VoteChoice.FOR}, secretary_spoke_last=True
        )
        services.meeting_record_attendance(
            user=clerk_a, meeting=held_meeting, statuses={voter.pk: (AttendanceStatus.ABSENT, "")}
        )
        assert held_meeting.attendance.get(person=voter).status == AttendanceStatus.ABSENT

    def test_majority_of_present_but_not_of_expected_fails(self, clerk_a, held_meeting, committee_a):
        item = self._item(clerk_a, held_meeting)
        item = services.agenda_item_record_votes(user=clerk_a, item=item, totals=(2, 1, 1), secretary_spoke_last=True)
        assert item.result == ItemResult.REJECTED

    def test_claiming_passed_for_a_failed_vote_is_refused(self, clerk_a, held_meeting):
        item = self._item(clerk_a, held_meeting)
        with pytest.raises(ValidationError, match="未通过"):
            services.agenda_item_record_votes(
                user=clerk_a, item=item, totals=(2, 2, 0), secretary_spoke_last=True, claimed_result=ItemResult.PASSED
            )
        item.refresh_from_db()
        assert item.result == ItemResult.PENDING

    def test_vote_from_absent_or_recused_member_is_refused(self, clerk_a, held_meeting, committee_a):
        item = self._item(clerk_a, held_meeting)
        on_leave, present = committee_a.party[4], committee_a.party[2]
        with pytest.raises(ValidationError, match="只有出席会议的应到成员可以表决"):
            services.agenda_item_record_votes(
                user=clerk_a, item=item, votes={on_leave.pk: VoteChoice.FOR}, secretary_spoke_last=True
            )
        with pytest.raises(ValidationError, match="已申请回避"):
            services.agenda_item_record_votes(
                user=clerk_a,
                item=item,
                votes={present.pk: VoteChoice.FOR},
                recusals={present.pk: "近亲属"},
                secretary_spoke_last=True,
            )
        assert not item.votes.exists()

    def test_more_votes_than_voters_is_refused(self, clerk_a, held_meeting, committee_a):
        item = self._item(clerk_a, held_meeting)
        with pytest.raises(ValidationError, match="超过可参加表决的人数"):
            services.agenda_item_record_votes(user=clerk_a, item=item, totals=(4, 1, 0), secretary_spoke_last=True)
        with pytest.raises(ValidationError, match="超过可参加表决的人数"):
            services.agenda_item_record_votes(
                user=clerk_a,
                item=item,
                totals=(3, 1, 0),
                recusals={committee_a.party[3].pk: "利益相关"},
                secretary_spoke_last=True,
            )

    @pytest.mark.parametrize(("present", "decides"), [(2, False), (3, True)])
    def test_quorum_edge_five_members(self, clerk_a, school_a, committee_a, present, decides):
        meeting = _attend(clerk_a, _meeting(clerk_a, school_a), committee_a.party, present=present)
        item = self._item(clerk_a, meeting)
        call = {"user": clerk_a, "item": item, "totals": (present, 0, 0), "secretary_spoke_last": True}
        if decides:
            assert services.agenda_item_record_votes(**call).result == ItemResult.PASSED
        else:
            with pytest.raises(ValidationError, match="未达到应到人数半数以上"):
                services.agenda_item_record_votes(**call)

    @pytest.mark.parametrize("present", [2, 3, 4])
    def test_exactly_half_and_two_thirds_with_six_members(self, clerk_a, school_a, committee_a, present):
        """校长办公会 of 6: 3 present is exactly half (半数以上: quorate) but below two thirds; 4 is exactly two
        thirds. The principal decides (no vote); 2 present is below half."""
        CommitteeMembershipFactory(school=school_a, body=MeetingBody.PRINCIPAL_OFFICE, start=datetime.date(2022, 1, 1))
        meeting = _meeting(clerk_a, school_a, body=MeetingBody.PRINCIPAL_OFFICE)
        people = [a.person for a in meeting.attendance.select_related("person")]
        assert len(people) == 6
        meeting = _attend(clerk_a, meeting, people, present=present)
        for category, needed in ((MatterCategory.GENERAL, 3), (MatterCategory.PERSONNEL, 4)):
            item = self._item(clerk_a, meeting, category=category)
            call = {"user": clerk_a, "item": item, "principal_decision": "agree", "views_heard": "均同意。"}
            if present >= needed:
                assert services.agenda_item_record_principal_decision(**call).result == ItemResult.PASSED
            else:
                with pytest.raises(ValidationError, match="未达到应到人数"):
                    services.agenda_item_record_principal_decision(**call)

    def test_personnel_needs_two_thirds_present(self, clerk_a, school_a, committee_a):
        """3 of 5 present is a quorum for ordinary items but below two thirds for 干部任免."""
        meeting = _attend(
            clerk_a, _meeting(clerk_a, school_a, body=MeetingBody.PRINCIPAL_OFFICE), committee_a.office, 3
        )
        general = self._item(clerk_a, meeting)
        personnel = self._item(clerk_a, meeting, category=MatterCategory.PERSONNEL)
        decide = {"user": clerk_a, "principal_decision": "agree", "views_heard": "均同意。"}

        assert services.agenda_item_record_principal_decision(item=general, **decide).result == "passed"
        with pytest.raises(ValidationError, match="三分之二以上"):
            services.agenda_item_record_principal_decision(item=personnel, **decide)
        assert personnel.is_confidential and not general.is_confidential

    def test_party_committee_records_secretary_last(self, clerk_a, held_meeting):
        item = self._item(clerk_a, held_meeting)
        with pytest.raises(ValidationError, match="末位表态"):
            services.agenda_item_record_votes(user=clerk_a, item=item, totals=(3, 0, 0))

    def test_votes_before_the_meeting_is_held_are_refused(self, clerk_a, school_a, committee_a):
        meeting = _meeting(clerk_a, school_a)
        item = self._item(clerk_a, meeting)
        with pytest.raises(ValidationError, match="会议召开"):
            services.agenda_item_record_votes(user=clerk_a, item=item, totals=(5, 0, 0), secretary_spoke_last=True)

    def test_defer_needs_reason(self, clerk_a, held_meeting):
        item = self._item(clerk_a, held_meeting)
        with pytest.raises(ValidationError):
            services.agenda_item_defer(user=clerk_a, item=item, reason="")
        assert services.agenda_item_defer(user=clerk_a, item=item, reason="书记校长尚有分歧").result == "deferred"


class TestGate:
    def test_sanzhong_yida_item_needs_confirmed_consensus(self, clerk_a, principal_a, school_a, pair_a, committee_a):
        meeting = _meeting(clerk_a, school_a)
        communication = _communication(clerk_a, school_a, [pair_a.secretary, pair_a.principal])
        create = {"user": clerk_a, "meeting": meeting, "title": "食堂改造", "category": MatterCategory.MAJOR_PROJECT}

        with pytest.raises(ValidationError, match="会前沟通"):
            services.agenda_item_create(**create)
        with pytest.raises(ValidationError, match="会前沟通"):
            services.agenda_item_create(**create, pre_communications=[communication])  # not confirmed yet
        services.communication_confirm(user=principal_a, communication=communication)
        item = services.agenda_item_create(**create, pre_communications=[communication])
        assert list(item.pre_communications.all()) == [communication]

    def test_disagreement_blocks_and_only_the_chair_overrides(
        self, clerk_a, secretary_a, principal_a, school_a, pair_a, committee_a
    ):
        meeting = _meeting(clerk_a, school_a, chair=pair_a.secretary)
        communication = _communication(
            clerk_a, school_a, [pair_a.secretary, pair_a.principal], outcome=CommunicationOutcome.DISAGREEMENT
        )
        services.communication_confirm(user=principal_a, communication=communication)
        create = {
            "meeting": meeting,
            "title": "大额采购",
            "category": MatterCategory.LARGE_FUNDS,
            "pre_communications": [communication],
        }
        with pytest.raises(ValidationError):
            services.agenda_item_create(user=clerk_a, **create)
        with pytest.raises(ValidationError, match="只有会议主持人"):
            services.agenda_item_create(user=clerk_a, **create, gate_override_reason="时间紧迫")
        item = services.agenda_item_create(user=secretary_a, **create, gate_override_reason="上级要求本周内决定")
        assert item.gate_override_reason == "上级要求本周内决定"
        # Someone else may edit the item later without re-asserting the chair's override.
        services.agenda_item_update(user=clerk_a, item=item, title="大额采购（教学设备）")

    def test_office_meeting_has_no_gate_and_other_school_communication_refused(
        self, clerk_a, school_a, committee_a, committee_b, clerk_b, school_b, pair_b
    ):
        office = _meeting(clerk_a, school_a, body=MeetingBody.PRINCIPAL_OFFICE)
        assert services.agenda_item_create(
            user=clerk_a, meeting=office, title="研究提出食堂改造方案", category=MatterCategory.MAJOR_PROJECT
        ).pk
        foreign = _communication(clerk_b, school_b, [pair_b.secretary, pair_b.principal])
        with pytest.raises(ValidationError, match="本校"):
            services.agenda_item_create(
                user=clerk_a,
                meeting=office,
                title="x",
                category=MatterCategory.GENERAL,
                pre_communications=[foreign],
            )


class TestFinalise:
    def _ready(self, clerk_a, held_meeting):
        item = services.agenda_item_create(
            user=clerk_a, meeting=held_meeting, title="学期工作计划", category=MatterCategory.GENERAL
        )
        services.agenda_item_record_votes(user=clerk_a, item=item, totals=(4, 0, 0), secretary_spoke_last=True)
        services.meeting_set_minutes(
            user=clerk_a,
            meeting=held_meeting,
            minutes="会议审议通过学期工作计划。",
            item_minutes={item.pk: "一致同意。"},
        )
        return item

    def test_clerk_cannot_finalise_principal_can(self, clerk_a, principal_a, held_meeting):
        self._ready(clerk_a, held_meeting)
        with pytest.raises(NotAllowedError):
            services.meeting_finalise(user=clerk_a, meeting=held_meeting)
        meeting = services.meeting_finalise(user=principal_a, meeting=held_meeting)
        assert meeting.status == MeetingStatus.FINALISED
        assert meeting.finalised_by == principal_a

    def test_finalise_needs_minutes_and_decided_items(self, clerk_a, principal_a, held_meeting):
        services.agenda_item_create(user=clerk_a, meeting=held_meeting, title="待议", category=MatterCategory.GENERAL)
        with pytest.raises(ValidationError) as error:
            services.meeting_finalise(user=principal_a, meeting=held_meeting)
        assert "会议纪要" in str(error.value) and "待议" in str(error.value)

    def test_finalised_meeting_is_immutable(self, clerk_a, principal_a, secretary_a, held_meeting, committee_a):
        item = self._ready(clerk_a, held_meeting)
        services.meeting_finalise(user=principal_a, meeting=held_meeting)
        attempts = [
            lambda: services.meeting_update(user=clerk_a, meeting=held_meeting, title="改"),
            lambda: services.meeting_set_minutes(user=secretary_a, meeting=held_meeting, minutes="改", item_minutes={}),
            lambda: services.agenda_item_create(
                user=clerk_a, meeting=held_meeting, title="新", category=MatterCategory.GENERAL
            ),
            lambda: services.agenda_item_record_votes(
                user=clerk_a, item=item, totals=(0, 4, 0), secretary_spoke_last=True
            ),
            lambda: services.agenda_item_defer(user=clerk_a, item=item, reason="改"),
            lambda: services.meeting_record_attendance(user=clerk_a, meeting=held_meeting, statuses={}),
        ]
        for attempt in attempts:
            with pytest.raises(RecordFinalisedError):
                attempt()
        item.refresh_from_db()
        assert item.result == ItemResult.PASSED
        assert AgendaItem.objects.filter(meeting=held_meeting).count() == 1

    def test_amendment_keeps_the_original(self, clerk_a, principal_a, secretary_a, held_meeting):
        item = self._ready(clerk_a, held_meeting)
        with pytest.raises(ValidationError, match="尚未定稿"):
            services.meeting_amend(user=secretary_a, meeting=held_meeting, correction="x", reason="y")
        services.meeting_finalise(user=principal_a, meeting=held_meeting)

        amendment = services.meeting_amend(
            user=secretary_a, meeting=held_meeting, item=item, correction="一致同意（7 票）。", reason="票数笔误"
        )

        held_meeting.refresh_from_db()
        assert held_meeting.minutes == "会议审议通过学期工作计划。"
        assert Amendment.objects.get() == amendment
        assert amendment.target == item
        with pytest.raises(ValidationError):
            services.meeting_amend(user=secretary_a, meeting=held_meeting, correction="", reason="")


def test_every_write_keeps_history_with_its_author(clerk_a, school_a, committee_a):
    meeting = _meeting(clerk_a, school_a)
    services.meeting_update(user=clerk_a, meeting=meeting, place="第一会议室")
    _attend(clerk_a, meeting, committee_a.party, present=4)

    assert [h.history_type for h in meeting.history.all()[:2]] == ["~", "~"]
    assert meeting.history.earliest().history_type == "+"
    roster_history = Attendance.history.filter(meeting_id=meeting.pk)
    assert roster_history.filter(history_type="+").count() == 5
    assert roster_history.filter(history_type="~", status=AttendanceStatus.LEAVE, history_user=clerk_a).count() == 1
