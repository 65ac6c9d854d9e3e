"""Communications and meetings are read-only in the admin: district admins browse them and their history."""

import pytest
from django.urls import reverse

from meetings.choices import AttendanceStatus
from meetings.models import Meeting
from tests.factories import AgendaItemFactory, AttendanceFactory, CommunicationFactory, MeetingFactory


@pytest.fixture
def meeting(school_a):
    meeting = MeetingFactory(school=school_a, title="第3次党组织会议")
    AttendanceFactory(meeting=meeting, person__name="出席人甲", status=AttendanceStatus.PRESENT)
    AgendaItemFactory(meeting=meeting, title="审议校舍维修方案")
    CommunicationFactory(school=school_a, subject="校舍维修沟通")
    return meeting


@pytest.mark.parametrize("model", ["communication", "meeting"])
def test_district_admin_opens_each_changelist(model, meeting, district_admin, login):
    response = login(district_admin).get(reverse(f"admin:meetings_{model}_changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert not response.context["has_add_permission"]


def test_meeting_shows_attendance_and_agenda_read_only(meeting, district_admin, login):
    client = login(district_admin)

    response = client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk]))

    assert response.status_code == 200
    body = response.content.decode()
    assert "出席人甲" in body and "审议校舍维修方案" in body
    assert not response.context["has_change_permission"]
    assert client.post(reverse("admin:meetings_meeting_change", args=[meeting.pk]), {"title": "x"}).status_code == 403
    assert client.get(reverse("admin:meetings_meeting_add")).status_code == 403
    assert Meeting.objects.get().title == "第3次党组织会议"


def test_communication_history_opens(meeting, district_admin, login):
    communication = meeting.school.communications.get()

    response = login(district_admin).get(reverse("admin:meetings_communication_history", args=[communication.pk]))

    assert response.status_code == 200
