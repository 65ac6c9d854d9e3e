"""The demo year loaded by `seed_demo`: every compliance rule has open and resolved findings, the lead school's
minutes are signed, the pairs talk monthly, and a second run writes nothing."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from core.models import DemoDataset, Role
from decisions.demo import MARKER, seed_records
from decisions.models import Decision, Finding, Task
from decisions.rules import RULES
from meetings.choices import CommunicationCategory, MeetingStatus
from meetings.models import AgendaItem, Communication, Meeting
from schools.choices import MeetingBody
from schools.models import School
from schools.selectors import pairs_on

COUNTED = (Communication, Meeting, AgendaItem, Decision, Task, Finding)


def seed() -> None:
    call_command("seed_demo", stdout=StringIO())


@pytest.fixture
def seeded(db):
    seed()


def test_every_rule_has_open_and_resolved_findings(seeded):
    for code in RULES:
        findings = Finding.objects.filter(rule=code)
        assert findings.filter(resolved_at__isnull=True).exists(), f"{code} 没有未整改的合规提示"
        assert findings.filter(resolved_at__isnull=False).exists(), f"{code} 没有已整改的合规提示"

    # A resolved finding was opened by an earlier check and resolved by a later one, after a real fix.
    seeded_at = timezone.now()
    for finding in Finding.objects.filter(resolved_at__isnull=False):
        assert finding.first_seen < finding.resolved_at < seeded_at, finding


def test_seeding_twice_writes_nothing_more(seeded):
    before = {model: model.objects.count() for model in COUNTED}
    assert all(before.values())
    seed()
    assert {model: model.objects.count() for model in COUNTED} == before
    assert DemoDataset.objects.filter(note=MARKER).count() == 1
    assert seed_records(today=timezone.localdate()) is False


def test_the_lead_school_has_signed_minutes(seeded):
    lead = School.objects.get(name="海淀实验小学")
    meetings = Meeting.objects.filter(school=lead, status=MeetingStatus.FINALISED)
    for body in (MeetingBody.PARTY_COMMITTEE, MeetingBody.PRINCIPAL_OFFICE, MeetingBody.STAFF_CONGRESS):
        assert meetings.filter(body=body).exists(), body
    assert meetings.count() >= 20
    for meeting in meetings.select_related("finalised_by"):
        assert meeting.minutes and meeting.items.exists()
        assert meeting.finalised_by.school_id == lead.pk
        assert meeting.finalised_by.role in (Role.SECRETARY, Role.PRINCIPAL)
        assert meeting.attendance.exists()
        assert meeting.items.exclude(result="pending").count() == meeting.items.count()
    signed_in_time = [m for m in meetings if (timezone.localdate(m.finalised_at) - m.date).days <= 7]
    assert len(signed_in_time) == meetings.count()
    assert {m.finalised_by.username for m in meetings} >= {"secretary", "principal"}


def test_records_span_the_last_year_and_pairs_talk_monthly(seeded):
    today = timezone.localdate()
    year_ago = today - timedelta(days=366)
    assert not Meeting.objects.filter(date__gte=today).exists()
    assert not Communication.objects.filter(occurred_at__gte=timezone.now()).exists()
    assert not Meeting.objects.filter(date__lt=year_ago).exists()
    assert Meeting.objects.values("school").distinct().count() >= 5
    months = Meeting.objects.filter(school__code="HD001").dates("date", "month")
    assert len(months) >= 11

    talks = (
        Communication.objects.filter(category=CommunicationCategory.REGULAR_TALK, occurred_at__date__gte=year_ago)
        .values("school")
        .annotate(n=Count("pk"))
    )
    per_school = {row["school"]: row["n"] for row in talks}
    schools = School.objects.filter(is_active=True)
    pairs = pairs_on(schools=schools, on=today - timedelta(days=30))
    with_pairs = [pk for pk, pair in pairs.items() if not pair.is_vacant and not pair.is_combined]
    assert len(with_pairs) >= 30
    assert all(per_school.get(pk, 0) >= 9 for pk in with_pairs)
    assert Communication.objects.filter(confirmed_at__isnull=False).count() > 0.9 * Communication.objects.count()
