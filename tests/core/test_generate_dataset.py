"""`generate_dataset`: a small dataset on the test database (SQLite by default, PostgreSQL with DATABASE_URL)
is deterministic, valid per model constraints, referentially sane, and gives the rules something to find."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from core.dataset import generate
from core.models import DemoDataset, User
from decisions.models import Decision, DecisionTransition, Finding, LegalReview, Task
from meetings.models import AgendaItem, Attendance, Communication, Meeting, Vote
from reports.selectors import DashboardScope, default_period, district_dashboard
from schools.models import Appointment, CommitteeMembership, Person, School, SchoolDistrict
from schools.selectors import pairs_on

TODAY = date(2026, 6, 15)
QUIET = {"progress": lambda line: None}


def snapshot() -> dict[str, list[tuple]]:
    """Every generated row of the main tables, ids included — except findings: the rules engine numbers them from a
    sequence, which PostgreSQL does not roll back between runs."""
    tables = {
        School: ("code", "name", "level", "district_id", "group_id", "parent_id"),
        Person: ("code", "name", "gender"),
        Appointment: ("person_id", "school_id", "post", "start", "end"),
        Communication: ("school_id", "occurred_at", "category", "outcome", "event_at", "confirmed_at"),
        Meeting: ("school_id", "body", "date", "status", "finalised_at", "chair_id"),
        Attendance: ("meeting_id", "person_id", "status"),
        AgendaItem: ("meeting_id", "order", "category", "result", "votes_for"),
        Vote: ("item_id", "person_id", "choice"),
        Decision: ("school_id", "category", "status", "outcome", "amount", "decided_on", "deciding_item_id"),
        Task: ("decision_id", "due_on", "status", "done_on"),
        Finding: ("rule", "object_id", "key", "message"),
    }
    rows = {
        model.__name__: list(model.objects.order_by("pk").values_list("pk", *fields))
        for model, fields in tables.items()
    }
    rows["Finding"] = sorted(row[1:] for row in rows["Finding"])
    return rows


class Rollback(Exception):
    pass


@pytest.fixture
def dataset(db):
    counts = generate(schools=8, years=1, seed=7, today=TODAY, chunk=3, **QUIET)
    return counts


def test_counts_are_sensible(dataset):
    assert School.objects.count() == 8
    assert SchoolDistrict.objects.count() >= 1
    per_school = {
        "communications": Communication.objects.count() / 8,
        "meetings": Meeting.objects.count() / 8,
        "decisions": Decision.objects.count() / 8,
    }
    # A year of a school: weekly 日常沟通 (most pairs log them), a monthly 一对一深度对话 and more, two to four
    # meetings a month, a decision a month or so.
    assert 15 <= per_school["communications"] <= 90
    assert 25 <= per_school["meetings"] <= 60
    assert 6 <= per_school["decisions"] <= 40
    assert Attendance.objects.count() > 3 * Meeting.objects.count()
    assert AgendaItem.objects.count() > Meeting.objects.count() // 2
    assert Task.objects.exists() and LegalReview.objects.exists() and DecisionTransition.objects.exists()
    assert dataset["schools_school"] == 8
    assert dataset["meetings_meeting"] == Meeting.objects.count()
    assert DemoDataset.objects.filter(note__startswith="generate_dataset schools=8 years=1 seed=7").exists()


def test_records_are_valid_and_consistent(dataset):
    for model in (School, Person, Appointment, CommitteeMembership, Communication, Meeting, AgendaItem, Decision):
        for record in model.objects.order_by("pk")[:25]:
            record.full_clean(validate_unique=False)
    # Attendance lists exactly the members of the body on the meeting date, all of the meeting's school.
    for meeting in Meeting.objects.order_by("pk")[:40]:
        members = set(
            CommitteeMembership.objects.filter(school=meeting.school_id, body=meeting.body, start__lte=meeting.date)
            .exclude(end__lt=meeting.date)
            .values_list("person_id", flat=True)
        )
        assert set(meeting.attendance.values_list("person_id", flat=True)) == members
    # Communications are between people of the school; decisions rest on the school's own items.
    for communication in Communication.objects.prefetch_related("participants")[:40]:
        people = {p.pk for p in communication.participants.all()}
        assert len(people) == 2
        assert people <= set(
            Appointment.objects.filter(school=communication.school_id).values_list("person_id", flat=True)
        )
    for decision in Decision.objects.exclude(deciding_item=None).select_related("deciding_item__meeting")[:40]:
        assert decision.deciding_item.meeting.school_id == decision.school_id
        assert decision.decided_on == decision.deciding_item.meeting.date
    # Every generated account belongs to its school; none can log in with a password.
    for user in User.objects.filter(username__startswith="g0"):
        assert user.school_id is not None and not user.has_usable_password()
    # Each school has a pair on the last day (a few vacancies are generated on purpose, not everywhere).
    pairs = pairs_on(schools=School.objects.all(), on=TODAY)
    assert sum(not pair.is_vacant for pair in pairs.values()) >= 6


def test_rules_find_some_breaches_but_not_everywhere(dataset):
    findings = Finding.objects.filter(resolved_at__isnull=True)
    assert findings.exists()
    assert findings.count() < AgendaItem.objects.count() // 4
    assert {"MINUTES_LATE", "REGULAR_TALK"} & set(findings.values_list("rule", flat=True))


def test_rulebook_v2_records_are_generated(dataset):
    """The records the v2 rules read: notices, 校长决定 at the 校长办公会, 酝酿, weekly 日常沟通, portfolios,
    implementation reports, and policies in working days."""
    from decisions.models import ImplementationReport
    from meetings.models import Deliberation
    from schools.models import Policy

    meetings = Meeting.objects.all()
    notified_the_day_before = sum(
        1 for m in meetings if m.notice_sent_at and timezone.localdate(m.notice_sent_at) < m.date
    )
    assert 0.9 * meetings.count() <= notified_the_day_before < meetings.count()
    office_items = AgendaItem.objects.filter(meeting__body="principal_office")
    assert office_items.exists()
    assert not office_items.exclude(principal_decision="").filter(votes_for__isnull=False).exists()
    assert not office_items.filter(principal_decision="").exists()
    assert not AgendaItem.objects.filter(meeting__body="party_committee").exclude(principal_decision="").exists()
    assert Deliberation.objects.filter(item__category="personnel").exists()
    assert (
        Communication.objects.filter(category="daily_talk").count()
        > Communication.objects.filter(category="regular_talk").count()
    )
    assert CommitteeMembership.objects.exclude(portfolio="").exists()
    assert ImplementationReport.objects.filter(decision__status="closed").exists()
    assert set(Policy.objects.values_list("minutes_due_working_days", flat=True)) == {2}


def test_dashboard_runs_on_the_dataset(dataset):
    admin = User.objects.create(username="bench_admin", role="district_admin")
    first, last = default_period(TODAY)
    dashboard = district_dashboard(user=admin, scope=DashboardScope(first, last), today=TODAY)
    assert dashboard.total.schools == 8
    assert dashboard.total.meetings_total > 100
    assert dashboard.total.open_findings == Finding.objects.filter(resolved_at__isnull=True).count()


def test_same_seed_gives_the_same_rows_and_another_seed_does_not(db):
    def run(seed: int) -> dict:
        try:
            with transaction.atomic():
                generate(schools=4, years=1, seed=seed, today=TODAY, chunk=2, **QUIET)
                rows = snapshot()
                raise Rollback
        except Rollback:
            return rows

    first, again, other = run(11), run(11), run(12)
    assert first["Meeting"] and first["Finding"] is not None
    assert first == again
    assert first != other


def test_command_reports_progress_and_refuses_a_second_dataset(db):
    out = StringIO()
    call_command(
        "generate_dataset", "--schools", "3", "--years", "1", "--no-rules", "--today", "2026-03-31", stdout=out
    )
    assert "学校 3/3" in out.getvalue()
    assert "共 " in out.getvalue()
    with pytest.raises(CommandError):
        call_command("generate_dataset", "--schools", "3", "--years", "1", stdout=StringIO())


def test_pair_people_on_agrees_with_pairs_on(dataset):
    """The dashboards' and rules' fast path gives the same pairs as the full selector, vacancies included."""
    from schools.selectors import pair_people_on

    schools = list(School.objects.all())
    for day in (date(2025, 8, 1), date(2026, 1, 31), TODAY):
        full = pairs_on(schools=schools, on=day)
        fast = pair_people_on(school_ids=[s.pk for s in schools], on=day)
        for school in schools:
            pair = full[school.pk]
            expected = (pair.secretary.pk if pair.secretary else None, pair.principal.pk if pair.principal else None)
            assert fast[school.pk] == expected


@pytest.mark.django_db
def test_names_that_would_repeat_take_an_ordinal_a_school_could_really_have():
    from core.dataset import names
    from core.dataset.generator import Generator

    gen = Generator(schools=1, years=1, seed=1, today=TODAY, progress=QUIET["progress"])
    alternatives = [f"北京市海淀{ordinal}小学" for ordinal in names.ORDINALS]
    picked = [gen._unique_name("北京市海淀中心小学", iter(alternatives)) for _ in range(4)]
    assert picked == ["北京市海淀中心小学", "北京市海淀第三小学", "北京市海淀第四小学", "北京市海淀第五小学"]
    assert gen._unique_name("北京市海淀中心小学") == "北京市海淀中心小学（2）"  # only when nothing else is left
    assert names.ORDINALS[8] == "第十一" and names.ORDINALS[-1] == "第九十九"
