"""The main pages of the portal, with demo-data ids looked up in the test database."""

from decisions.choices import SANZHONG_YIDA_CATEGORIES
from decisions.models import Decision
from meetings.choices import MeetingStatus
from meetings.models import Communication, Meeting
from schools.demo.data import LEAD_SCHOOL, OTHER_SCHOOL
from schools.models import School


def lead_school() -> School:
    return School.objects.get(code=LEAD_SCHOOL)


def other_school() -> School:
    return School.objects.get(code=OTHER_SCHOOL)


def signed_meeting(school: School) -> Meeting:
    """A signed meeting with agenda items and votes: the longest page of minutes."""
    return Meeting.objects.filter(school=school, status=MeetingStatus.FINALISED).order_by("-date").first()


def decided_decision(school: School) -> Decision:
    """A decided 三重一大 matter with its pre-communication, meeting and tasks: the richest detail page."""
    rich = Decision.objects.filter(
        school=school,
        category__in=SANZHONG_YIDA_CATEGORIES,
        deciding_item__isnull=False,
        communications__isnull=False,
        tasks__isnull=False,
    )
    return rich.order_by("-decided_on", "-pk").first() or Decision.objects.filter(school=school).first()


def main_pages(*, district: bool) -> dict[str, str]:
    """Name → path of the main pages a user sees; district users get the district dashboard too."""
    school = lead_school()
    meeting = signed_meeting(school)
    decision = decided_decision(school)
    communication = Communication.objects.filter(school=school).order_by("-occurred_at").first()
    pages = {
        "school-dashboard": f"/school/{school.pk}/dashboard/",
        "school-list": "/schools/",
        "school-detail": f"/schools/{school.pk}/",
        "calendar": f"/schools/{school.pk}/calendar/",
        "communication-list": "/communications/",
        "communication-detail": f"/communications/{communication.pk}/",
        "meeting-list": "/meetings/",
        "meeting-detail": f"/meetings/{meeting.pk}/",
        "decision-list": "/decisions/",
        "decision-detail": f"/decisions/{decision.pk}/",
        "task-board": f"/schools/{school.pk}/tasks/",
        "findings": "/findings/",
        "school-findings": f"/schools/{school.pk}/findings/",
        "handover": f"/schools/{school.pk}/handover/",
        "reports": "/reports/",
        "profile": "/accounts/profile/",
    }
    if district:
        pages = {"district-dashboard": "/dashboard/", **pages}
    else:
        pages.update(
            {
                "communication-form": "/communications/new/",
                "meeting-form": f"/meetings/new/?school={school.pk}",
                "decision-form": "/decisions/new/",
            }
        )
    return pages
