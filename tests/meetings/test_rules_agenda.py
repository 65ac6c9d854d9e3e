"""How an item reaches the agenda (DESIGN §3): PRE_COMMUNICATION, DISAGREEMENT_FORCED / GATE_OVERRIDE,
PERSONNEL_DELIBERATION, AGENDA_NOTICE (notice and 临时动议) and ABSENT_LEAD, each on both sides of its edge,
through the services, the pages and `run_rules`."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.errors import NotAllowedError, RecordFinalisedError
from decisions.models import Finding
from decisions.rules.engine import run_rules
from meetings import services
from meetings.choices import (
    AttendanceStatus,
    CommunicationCategory,
    CommunicationOutcome,
    CommunicationTiming,
    ItemResult,
    MatterCategory,
)
from meetings.models import AgendaItem, Deliberation, Meeting
from schools.choices import MeetingBody
from schools.models import CommitteeMembership
from tests.factories import DeliberationFactory, PersonFactory
from tests.meetings.test_views_meetings import page_values

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)
AGENDA_CODES = ["PRE_COMMUNICATION", "DISAGREEMENT_FORCED", "GATE_OVERRIDE", "PERSONNEL_DELIBERATION", "AGENDA_NOTICE"]


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def open_findings(code: str, obj) -> int:
    """Open findings of `code` on `obj` after checking every agenda rule and ABSENT_LEAD."""
    run_rules(codes=[*AGENDA_CODES, "ABSENT_LEAD"])
    return Finding.objects.filter(rule=code, object_id=obj.pk, resolved_at__isnull=True).count()


def talk(user, school, pair, *, occurred_at, confirm_by=None, outcome=CommunicationOutcome.CONSENSUS):
    communication = services.communication_create(
        user=user,
        school=school,
        occurred_at=occurred_at,
        category=CommunicationCategory.SANZHONG_YIDA,
        timing=CommunicationTiming.BEFORE_DECISION,
        subject="食堂改造项目",
        summary="书记校长就食堂改造方案交换意见。",
        outcome=outcome,
        participants=[pair.secretary, pair.principal],
    )
    if confirm_by is not None:
        communication = services.communication_confirm(user=confirm_by, communication=communication)
    return communication


def meeting(user, school, *, body=MeetingBody.PARTY_COMMITTEE, **extra) -> Meeting:
    data = {"title": "党组织会议", "date": YESTERDAY, "start_time": datetime.time(9, 0)}
    data["notice_sent_at"] = at(YESTERDAY - datetime.timedelta(days=1), 17)
    data.update(extra)
    return services.meeting_create(user=user, school=school, body=body, **data)


def hold(user, meeting: Meeting, members, present=None) -> Meeting:
    present = len(members) if present is None else present
    statuses = {p.pk: (AttendanceStatus.PRESENT, "") for p in members[:present]}
    statuses.update({p.pk: (AttendanceStatus.LEAVE, "外出培训") for p in members[present:]})
    services.meeting_record_attendance(user=user, meeting=meeting, statuses=statuses)
    return services.meeting_mark_held(user=user, meeting=meeting)


def item(user, meeting, category=MatterCategory.GENERAL, **extra) -> AgendaItem:
    return services.agenda_item_create(user=user, meeting=meeting, title="议题", category=category, **extra)


# --- PRE_COMMUNICATION ----------------------------------------------------------------------------------
class TestPreCommunication:
    def test_talk_at_830_before_a_9_oclock_meeting_counts_and_10_does_not(
        self, clerk_a, principal_a, school_a, pair_a, committee_a
    ):
        party = meeting(clerk_a, school_a)
        early = talk(clerk_a, school_a, pair_a, occurred_at=at(YESTERDAY, 8, 30), confirm_by=principal_a)
        late = talk(clerk_a, school_a, pair_a, occurred_at=at(YESTERDAY, 10), confirm_by=principal_a)
        with pytest.raises(ValidationError, match="不在会议开始之前"):
            item(clerk_a, party, MatterCategory.MAJOR_PROJECT, pre_communications=[late])
        project = item(clerk_a, party, MatterCategory.MAJOR_PROJECT, pre_communications=[early])
        hold(clerk_a, party, committee_a.party)
        assert open_findings("PRE_COMMUNICATION", project) == 0

        # The meeting's recorded start moves to 8:00: the 8:30 talk is no longer before it.
        services.meeting_update(user=clerk_a, meeting=party, start_time=datetime.time(8, 0))
        assert open_findings("PRE_COMMUNICATION", project) == 1

    def test_without_a_start_time_a_talk_on_the_meeting_day_does_not_count(
        self, clerk_a, principal_a, school_a, pair_a, committee_a
    ):
        office = meeting(clerk_a, school_a, body=MeetingBody.PRINCIPAL_OFFICE, start_time=None)
        same_day = talk(clerk_a, school_a, pair_a, occurred_at=at(YESTERDAY, 7), confirm_by=principal_a)
        with pytest.raises(ValidationError, match="会议未登记开始时间"):
            item(clerk_a, office, MatterCategory.IMPORTANT, pre_communications=[same_day])
        day_before = talk(clerk_a, school_a, pair_a, occurred_at=at(YESTERDAY, 7) - datetime.timedelta(days=1))
        services.communication_confirm(user=principal_a, communication=day_before)
        important = item(clerk_a, office, MatterCategory.IMPORTANT, pre_communications=[day_before])
        hold(clerk_a, office, committee_a.office)
        assert open_findings("PRE_COMMUNICATION", important) == 0

    def test_unconfirmed_talk_does_not_count_until_confirmed(self, clerk_a, principal_a, school_a, pair_a, committee_a):
        office = meeting(clerk_a, school_a, body=MeetingBody.PRINCIPAL_OFFICE)
        pending = talk(clerk_a, school_a, pair_a, occurred_at=at(YESTERDAY, 8))
        project = item(clerk_a, office, MatterCategory.MAJOR_PROJECT, pre_communications=[pending])
        hold(clerk_a, office, committee_a.office)
        assert open_findings("PRE_COMMUNICATION", project) == 1
        services.communication_confirm(user=principal_a, communication=pending)
        assert open_findings("PRE_COMMUNICATION", project) == 0

    def test_important_item_without_talk_is_flagged_and_a_general_one_is_not(self, clerk_a, school_a, committee_a):
        office = meeting(clerk_a, school_a, body=MeetingBody.PRINCIPAL_OFFICE)
        important = item(clerk_a, office, MatterCategory.IMPORTANT)
        general = item(clerk_a, office, MatterCategory.GENERAL)
        hold(clerk_a, office, committee_a.office)
        assert open_findings("PRE_COMMUNICATION", important) == 1
        assert open_findings("PRE_COMMUNICATION", general) == 0

    def test_party_committee_gate_covers_important_items(self, clerk_a, principal_a, school_a, pair_a, committee_a):
        party = meeting(clerk_a, school_a)
        with pytest.raises(ValidationError, match="三重一大和重要事项"):
            item(clerk_a, party, MatterCategory.IMPORTANT)
        consensus = talk(clerk_a, school_a, pair_a, occurred_at=at(YESTERDAY, 8), confirm_by=principal_a)
        assert item(clerk_a, party, MatterCategory.IMPORTANT, pre_communications=[consensus]).pk


# --- DISAGREEMENT_FORCED / GATE_OVERRIDE ----------------------------------------------------------------
class TestDisagreement:
    def test_tabled_during_disagreement_then_deferred_is_still_flagged(
        self, clerk_a, principal_a, school_a, pair_a, committee_a
    ):
        office = meeting(clerk_a, school_a, body=MeetingBody.PRINCIPAL_OFFICE)
        pending = talk(clerk_a, school_a, pair_a, occurred_at=at(YESTERDAY, 8))
        tabled = item(clerk_a, office, MatterCategory.MAJOR_PROJECT, pre_communications=[pending])
        assert open_findings("DISAGREEMENT_FORCED", tabled) == 0  # consensus when tabled
        # The talk's record is corrected (still unconfirmed): it recorded disagreement when the item was tabled.
        services.communication_update(
            user=clerk_a,
            communication=pending,
            school=school_a,
            occurred_at=pending.occurred_at,
            category=pending.category,
            timing=pending.timing,
            subject=pending.subject,
            summary=pending.summary,
            outcome=CommunicationOutcome.DISAGREEMENT,
            participants=[pair_a.secretary, pair_a.principal],
        )
        assert open_findings("DISAGREEMENT_FORCED", tabled) == 1
        hold(clerk_a, office, committee_a.office)
        deferred = services.agenda_item_defer(user=clerk_a, item=tabled, reason="书记校长尚存分歧")
        assert deferred.result == ItemResult.DEFERRED
        assert open_findings("DISAGREEMENT_FORCED", tabled) == 1
        assert open_findings("GATE_OVERRIDE", tabled) == 0

    def test_service_refuses_disagreement_and_chair_override_is_gate_override_only(
        self, clerk_a, secretary_a, principal_a, school_a, pair_a, committee_a
    ):
        party = meeting(clerk_a, school_a, chair=pair_a.secretary)
        split = talk(
            clerk_a,
            school_a,
            pair_a,
            occurred_at=at(YESTERDAY, 8),
            confirm_by=principal_a,
            outcome=CommunicationOutcome.DISAGREEMENT,
        )
        create = {
            "meeting": party,
            "title": "大额采购",
            "category": MatterCategory.GENERAL,
            "pre_communications": [split],
        }
        with pytest.raises(ValidationError, match="存在分歧"):
            services.agenda_item_create(user=clerk_a, **create)
        overridden = services.agenda_item_create(user=secretary_a, **create, gate_override_reason="上级要求本周决定")
        assert open_findings("GATE_OVERRIDE", overridden) == 1
        assert open_findings("DISAGREEMENT_FORCED", overridden) == 0


# --- PERSONNEL_DELIBERATION -----------------------------------------------------------------------------
@pytest.fixture
def personnel(clerk_a, principal_a, school_a, pair_a, committee_a):
    """A held 党组织会议 of school A (yesterday) with a 干部任免 item that passed the gate."""
    party = meeting(clerk_a, school_a)
    consensus = talk(clerk_a, school_a, pair_a, occurred_at=at(YESTERDAY, 8), confirm_by=principal_a)
    appointment = item(clerk_a, party, MatterCategory.PERSONNEL, pre_communications=[consensus])
    hold(clerk_a, party, committee_a.party)
    return appointment


class TestPersonnelDeliberation:
    def test_none_is_flagged_and_one_on_the_meeting_day_is_enough(self, clerk_a, pair_a, personnel):
        assert open_findings("PERSONNEL_DELIBERATION", personnel) == 1
        deliberation = services.deliberation_add(
            user=clerk_a,
            item=personnel,
            held_on=YESTERDAY,
            circle="党组织班子成员",
            participants=[pair_a.secretary, pair_a.principal],
        )
        assert set(deliberation.participants.all()) == {pair_a.secretary, pair_a.principal}
        assert deliberation.history.exists()
        assert open_findings("PERSONNEL_DELIBERATION", personnel) == 0

    def test_deliberation_after_the_meeting_does_not_count(self, school_a, pair_a, personnel):
        # Recorded as stored (the service refuses it): a 酝酿 dated after the meeting.
        DeliberationFactory(item=personnel, held_on=personnel.meeting.date + datetime.timedelta(days=1))
        assert open_findings("PERSONNEL_DELIBERATION", personnel) == 1

    @pytest.mark.parametrize(
        ("days", "message"), [(1, "不能晚于会议日期"), (2, "不能晚于会议日期")], ids=["today", "tomorrow"]
    )
    def test_refused_after_the_meeting_day(self, clerk_a, pair_a, personnel, days, message):
        with pytest.raises(ValidationError, match=message):
            services.deliberation_add(
                user=clerk_a,
                item=personnel,
                held_on=YESTERDAY + datetime.timedelta(days=days),
                circle="班子成员",
                participants=[pair_a.secretary],
            )

    def test_refused_in_the_future_for_a_future_meeting(self, clerk_a, principal_a, school_a, pair_a, committee_a):
        future = meeting(clerk_a, school_a, date=timezone.localdate() + datetime.timedelta(days=7), notice_sent_at=None)
        consensus = talk(clerk_a, school_a, pair_a, occurred_at=at(YESTERDAY, 8), confirm_by=principal_a)
        appointment = item(clerk_a, future, MatterCategory.PERSONNEL, pre_communications=[consensus])
        with pytest.raises(ValidationError, match="不能晚于今天"):
            services.deliberation_add(
                user=clerk_a,
                item=appointment,
                held_on=timezone.localdate() + datetime.timedelta(days=1),
                circle="班子成员",
                participants=[pair_a.secretary],
            )

    def test_refusals_leave_nothing_written(self, clerk_a, clerk_b, pair_a, pair_b, school_a, committee_a, personnel):
        call = {"user": clerk_a, "item": personnel, "held_on": YESTERDAY, "circle": "班子成员"}
        with pytest.raises(ValidationError, match="本校人员"):
            services.deliberation_add(**call, participants=[pair_a.secretary, pair_b.principal])
        with pytest.raises(ValidationError, match="参加酝酿的人员"):
            services.deliberation_add(**call, participants=[])
        with pytest.raises(ValidationError, match="酝酿范围"):
            services.deliberation_add(**{**call, "circle": "  "}, participants=[pair_a.secretary])
        with pytest.raises(NotAllowedError):
            services.deliberation_add(**{**call, "user": clerk_b}, participants=[pair_a.secretary])
        general = item(clerk_a, personnel.meeting, MatterCategory.GENERAL)
        with pytest.raises(ValidationError, match="只有干部任免议题"):
            services.deliberation_add(**{**call, "item": general}, participants=[pair_a.secretary])
        assert not Deliberation.objects.exists()

    def test_finalised_meeting_refuses_a_deliberation(self, clerk_a, principal_a, pair_a, personnel):
        services.agenda_item_defer(user=clerk_a, item=personnel, reason="待酝酿")
        services.meeting_set_minutes(user=clerk_a, meeting=personnel.meeting, minutes="议题暂缓。", item_minutes={})
        services.meeting_finalise(user=principal_a, meeting=personnel.meeting)
        with pytest.raises(RecordFinalisedError):
            services.deliberation_add(
                user=clerk_a, item=personnel, held_on=YESTERDAY, circle="班子成员", participants=[pair_a.secretary]
            )

    def test_meeting_page_lists_and_adds_a_deliberation(self, clerk_a, pair_a, personnel, login):
        client = login(clerk_a)
        page = client.get(reverse("meeting_detail", args=[personnel.meeting_id]))
        assert page.status_code == 200
        assert "会前酝酿" in page.content.decode() and "登记酝酿" in page.content.decode()
        url = reverse("item_deliberation", args=[personnel.meeting_id, personnel.pk])
        prefix = f"deliberation-{personnel.pk}"
        refused = client.post(
            url,
            {
                f"{prefix}-held_on": YESTERDAY + datetime.timedelta(days=1),
                f"{prefix}-circle": "班子成员",
                f"{prefix}-participants": [pair_a.secretary.pk],
            },
        )
        assert refused.status_code == 400
        assert "不能晚于会议日期" in refused.content.decode()
        assert not Deliberation.objects.exists()
        done = client.post(
            url,
            {
                f"{prefix}-held_on": YESTERDAY,
                f"{prefix}-circle": "书记校长和分管副校长",
                f"{prefix}-participants": [pair_a.secretary.pk, pair_a.principal.pk],
            },
        )
        assert done.status_code == 302
        page = client.get(reverse("meeting_detail", args=[personnel.meeting_id])).content.decode()
        assert "书记校长和分管副校长" in page and "张书记、李校长" in page

    def test_other_school_cannot_see_the_deliberation_page(self, clerk_b, personnel, login):
        url = reverse("item_deliberation", args=[personnel.meeting_id, personnel.pk])
        assert login(clerk_b).get(url).status_code == 404

    def test_detail_query_count_does_not_grow_with_personnel_items(
        self, clerk_a, principal_a, school_a, pair_a, personnel, login
    ):
        client = login(clerk_a)
        url = reverse("meeting_detail", args=[personnel.meeting_id])
        client.get(url)

        def count():
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            return len(queries)

        services.deliberation_add(
            user=clerk_a, item=personnel, held_on=YESTERDAY, circle="班子成员", participants=[pair_a.secretary]
        )
        few = count()
        consensus = talk(clerk_a, school_a, pair_a, occurred_at=at(YESTERDAY, 8), confirm_by=principal_a)
        for _ in range(3):
            more = item(clerk_a, personnel.meeting, MatterCategory.PERSONNEL, pre_communications=[consensus])
            services.deliberation_add(
                user=clerk_a, item=more, held_on=YESTERDAY, circle="班子成员", participants=[pair_a.principal]
            )
        assert count() == few


# --- AGENDA_NOTICE: notice and 临时动议 --------------------------------------------------------------------
class TestAgendaNotice:
    def test_day_before_is_in_time_meeting_day_and_unrecorded_are_not(self, clerk_a, school_a, committee_a):
        party = hold(clerk_a, meeting(clerk_a, school_a), committee_a.party)
        assert open_findings("AGENDA_NOTICE", party) == 0
        services.meeting_update(user=clerk_a, meeting=party, notice_sent_at=at(YESTERDAY, 8))
        assert open_findings("AGENDA_NOTICE", party) == 1
        services.meeting_update(user=clerk_a, meeting=party, notice_sent_at=None)
        assert open_findings("AGENDA_NOTICE", party) == 1
        services.meeting_update(
            user=clerk_a, meeting=party, notice_sent_at=at(YESTERDAY, 23, 59) - datetime.timedelta(days=1)
        )
        assert open_findings("AGENDA_NOTICE", party) == 0

    def test_notice_after_the_start_or_in_the_future_is_refused(self, clerk_a, school_a, committee_a):
        with pytest.raises(ValidationError, match="不能晚于会议开始时间"):
            meeting(clerk_a, school_a, notice_sent_at=at(YESTERDAY, 9, 1))
        assert meeting(clerk_a, school_a, notice_sent_at=at(YESTERDAY, 9)).pk  # exactly at the start: recorded
        with pytest.raises(ValidationError, match="不能晚于会议日期"):
            meeting(clerk_a, school_a, start_time=None, notice_sent_at=at(timezone.localdate(), 0, 0))
        with pytest.raises(ValidationError, match="不能晚于现在"):
            meeting(
                clerk_a,
                school_a,
                date=timezone.localdate() + datetime.timedelta(days=3),
                notice_sent_at=timezone.now() + datetime.timedelta(hours=1),
            )

    def test_impromptu_sanzhong_yida_is_refused(self, clerk_a, principal_a, school_a, pair_a, committee_a):
        party = meeting(clerk_a, school_a)
        consensus = talk(clerk_a, school_a, pair_a, occurred_at=at(YESTERDAY, 8), confirm_by=principal_a)
        with pytest.raises(ValidationError, match="三重一大事项不得作为临时动议"):
            item(
                clerk_a,
                party,
                MatterCategory.MAJOR_PROJECT,
                pre_communications=[consensus],
                added_at_meeting=True,
                chair_consented=True,
            )

    def test_impromptu_needs_the_chairs_consent(self, clerk_a, school_a, committee_a):
        office = meeting(clerk_a, school_a, body=MeetingBody.PRINCIPAL_OFFICE)
        with pytest.raises(ValidationError, match="须经会议主持人同意"):
            item(clerk_a, office, added_at_meeting=True)
        impromptu = item(clerk_a, office, added_at_meeting=True, chair_consented=True)
        hold(clerk_a, office, committee_a.office)
        assert open_findings("AGENDA_NOTICE", impromptu) == 0
        with pytest.raises(ValidationError, match="须经会议主持人同意"):
            services.agenda_item_update(user=clerk_a, item=impromptu, chair_consented=False)
        with pytest.raises(ValidationError, match="三重一大事项不得"):
            services.agenda_item_update(user=clerk_a, item=impromptu, category=MatterCategory.LARGE_FUNDS)
        regular = services.agenda_item_update(user=clerk_a, item=impromptu, added_at_meeting=False)
        assert regular.chair_consented is False  # consent is kept for 临时动议 only

    def test_edit_page_saves_notice_lead_and_impromptu(self, clerk_a, school_a, committee_a, login):
        office = meeting(clerk_a, school_a, body=MeetingBody.PRINCIPAL_OFFICE, notice_sent_at=None)
        client = login(clerk_a)
        url = reverse("meeting_edit", args=[office.pk])
        data = page_values(client.get(url).context["page"])
        lead = committee_a.office[2]
        data.update(
            {
                "meeting-notice_sent_at": f"{YESTERDAY - datetime.timedelta(days=1):%Y-%m-%d}T16:30",
                "items-0-title": "校园开放日安排",
                "items-0-category": MatterCategory.GENERAL,
                "items-0-lead_member": str(lead.pk),
                "items-0-added_at_meeting": "on",
            }
        )
        refused = client.post(url, data)
        assert refused.status_code == 400
        assert "须经会议主持人同意" in refused.content.decode()
        assert not office.items.exists() and Meeting.objects.get(pk=office.pk).notice_sent_at is None
        saved = client.post(url, {**data, "items-0-chair_consented": "on"})
        assert saved.status_code == 302
        office = Meeting.objects.get(pk=office.pk)
        assert office.notice_sent_at == at(YESTERDAY - datetime.timedelta(days=1), 16, 30)
        (added,) = office.items.all()
        assert (added.lead_member, added.added_at_meeting, added.chair_consented) == (lead, True, True)


# --- ABSENT_LEAD ------------------------------------------------------------------------------------------
class TestAbsentLead:
    @pytest.mark.parametrize(("lead_index", "warnings"), [(4, 1), (1, 0)], ids=["absent", "present"])
    def test_lead_absent_warns_and_present_does_not(self, clerk_a, school_a, committee_a, lead_index, warnings):
        party = meeting(clerk_a, school_a)
        lead = committee_a.party[lead_index]
        decided = item(clerk_a, party, lead_member=lead)
        hold(clerk_a, party, committee_a.party, present=4)  # the fifth member is on leave
        services.agenda_item_record_votes(user=clerk_a, item=decided, totals=(4, 0, 0), secretary_spoke_last=True)
        assert open_findings("ABSENT_LEAD", decided) == warnings

    def test_lead_must_be_an_expected_member(self, clerk_a, school_a, committee_a):
        party = meeting(clerk_a, school_a)
        with pytest.raises(ValidationError, match="分管领导须为本次会议的应到成员"):
            item(clerk_a, party, lead_member=PersonFactory())
        listed = item(clerk_a, party, lead_member=committee_a.party[2])
        with pytest.raises(ValidationError, match="分管领导须为本次会议的应到成员"):
            services.agenda_item_update(user=clerk_a, item=listed, lead_member=committee_a.office[3])

    def test_picker_lists_expected_members_with_their_portfolio(self, clerk_a, school_a, committee_a, login):
        CommitteeMembership.objects.filter(person=committee_a.party[2], body=MeetingBody.PARTY_COMMITTEE).update(
            portfolio="德育"
        )
        party = meeting(clerk_a, school_a)
        page = login(clerk_a).get(reverse("meeting_edit", args=[party.pk])).content.decode()
        assert f"{committee_a.party[2].name}（分管：德育）" in page
        assert (
            f'value="{committee_a.office[3].pk}"'
            not in page.split('name="items-0-lead_member"')[1].split("</select>")[0]
        )
