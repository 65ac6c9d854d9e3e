"""Mirroring the data through `/api/v1/`: a full pull in small cursor pages, then incremental pulls with
`updated_since` plus the tombstones of deleted rows give the same mirror as a fresh full pull; list query
counts do not depend on the page size; a stale If-Match never overwrites another client's write."""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from decisions.choices import FindingSeverity
from decisions.models import Evidence, Finding, TaskProgress
from meetings import services
from meetings.choices import (
    AttendanceKind,
    AttendanceStatus,
    CommunicationCategory,
    CommunicationOutcome,
    CommunicationTiming,
    MatterCategory,
)
from meetings.models import Attendance, Communication, Vote
from schools.choices import MeetingBody, Post
from tests.factories import (
    AgendaItemFactory,
    AppointmentFactory,
    AttendanceFactory,
    CommunicationFactory,
    DecisionFactory,
    MeetingFactory,
    PersonFactory,
    SchoolFactory,
    TaskFactory,
)
from tests.meetings.conftest import _body, _pair

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)
SYNCED = {
    "communications": "meetings.communication",
    "meetings": "meetings.meeting",
    "agenda-items": "meetings.agendaitem",
    "decisions": "decisions.decision",
    "tasks": "decisions.task",
}


# --- fixtures (as in tests/api/test_meetings_api.py) ------------------------------------------------------
@pytest.fixture
def pair_a(school_a, secretary_a, principal_a):
    secretary, principal = _pair(school_a, "张书记", "李校长")
    secretary_a.person, principal_a.person = secretary, principal
    secretary_a.save()
    principal_a.save()
    return SimpleNamespace(secretary=secretary, principal=principal)


@pytest.fixture
def committee_a(school_a, pair_a):
    """School A's 党组织会议 of 5 members, the pair first."""
    others = PersonFactory.create_batch(3)
    return SimpleNamespace(
        party=_body(school_a, MeetingBody.PARTY_COMMITTEE, [pair_a.secretary, pair_a.principal, *others])
    )


# --- helpers --------------------------------------------------------------------------------------------
def log_communication(user, school, pair, subject):
    return services.communication_create(
        user=user,
        school=school,
        occurred_at=timezone.now() - datetime.timedelta(days=2),
        category=CommunicationCategory.SANZHONG_YIDA,
        timing=CommunicationTiming.BEFORE_DECISION,
        subject=subject,
        summary="书记校长就方案交换意见。",
        outcome=CommunicationOutcome.CONSENSUS,
        participants=[pair.secretary, pair.principal],
    )


def held_meeting(user, school, members, observers=()):
    meeting = services.meeting_create(
        user=user, school=school, body=MeetingBody.PARTY_COMMITTEE, title="党组织会议", date=YESTERDAY
    )
    statuses = {p.pk: (AttendanceStatus.PRESENT, "") for p in members}
    services.meeting_record_attendance(user=user, meeting=meeting, statuses=statuses, observers=observers)
    return services.meeting_mark_held(user=user, meeting=meeting)


def pull(client, resource, **params) -> tuple[dict[int, dict], int]:
    """Every page of a list, following `next`; the rows by id and the number of pages."""
    url, params = f"/api/v1/{resource}/", {"page_size": 2, **params}
    rows, pages = {}, 0
    while url:
        response = client.get(url, params)
        assert response.status_code == 200, (resource, response.content)
        body = response.json()
        for row in body["results"]:
            assert row["id"] not in rows, f"{resource}: row {row['id']} on two pages"
            rows[row["id"]] = row
        url, params, pages = body["next"], None, pages + 1
    return rows, pages


def watermark(mirror: dict[str, dict[int, dict]]) -> str:
    """The newest `updated_at` in the mirror (ISO 8601 with microseconds, as the API wrote it)."""
    return max((row["updated_at"] for rows in mirror.values() for row in rows.values()), key=_parse)


def _parse(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))


def etag_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response["ETag"]


# --- 1. sync round trip -----------------------------------------------------------------------------------
@pytest.fixture
def world(clerk_a, school_a, school_b, pair_a, committee_a):
    """Communications, a held meeting with voted items and an observer, decisions and their tasks."""
    members = committee_a.party
    guest = PersonFactory(name="列席人")
    communications = [log_communication(clerk_a, school_a, pair_a, f"沟通{n}") for n in range(4)]
    CommunicationFactory.create_batch(2, school=school_b)
    meeting = held_meeting(clerk_a, school_a, members, observers=[guest])
    items = [
        services.agenda_item_create(user=clerk_a, meeting=meeting, title=f"议题{n}", category=MatterCategory.GENERAL)
        for n in range(3)
    ]
    for item in items:
        services.agenda_item_record_votes(
            user=clerk_a, item=item, votes={p.pk: "for" for p in members}, secretary_spoke_last=True
        )
    other_meeting = MeetingFactory(school=school_b)
    AgendaItemFactory.create_batch(2, meeting=other_meeting)
    MeetingFactory(school=school_b)
    decisions = DecisionFactory.create_batch(3, school=school_a)
    tasks = [TaskFactory(decision__school=school_a) for _ in range(3)]
    TaskFactory(decision__school=school_b)
    return SimpleNamespace(
        members=members,
        guest=guest,
        communications=communications,
        meeting=meeting,
        items=items,
        decisions=decisions,
        tasks=tasks,
    )


def test_incremental_sync_with_tombstones_matches_a_full_pull(district_viewer, clerk_a, api, pair_a, world):
    viewer = api(district_viewer)
    mirror = {}
    for resource in SYNCED:
        mirror[resource], pages = pull(viewer, resource)
        assert pages >= 2, resource  # page_size 2 really pages
    assert {r: len(rows) for r, rows in mirror.items()} == {
        "communications": 6,
        "meetings": 3,
        "agenda-items": 5,
        "decisions": 3 + 4,
        "tasks": 4,
    }
    since = watermark(mirror)
    tombstones_since = timezone.now().isoformat()

    # --- changes through the write API ------------------------------------------------------------------
    clerk = api(clerk_a, can_write=True)
    communication = world.communications[0]
    url = f"/api/v1/communications/{communication.pk}/"
    changed = clerk.patch(url, {"subject": "沟通0（修订）"}, format="json", HTTP_IF_MATCH=etag_of(clerk, url))
    assert changed.status_code == 200, changed.content

    item = world.items[0]
    url = f"/api/v1/agenda-items/{item.pk}/"
    old_votes = set(Vote.objects.filter(item=item).values_list("pk", flat=True))
    members = world.members
    votes = {str(p.pk): "for" for p in members[:4]} | {str(members[4].pk): "against"}
    revoted = clerk.post(
        f"{url}votes/",
        {"votes": votes, "secretary_spoke_last": True},
        format="json",
        HTTP_IF_MATCH=etag_of(clerk, url),
    )
    assert revoted.status_code == 200, revoted.content
    assert not Vote.objects.filter(pk__in=old_votes).exists()  # re-recording replaced the Vote rows

    url = f"/api/v1/meetings/{world.meeting.pk}/"
    observer = Attendance.objects.get(meeting=world.meeting, kind=AttendanceKind.OBSERVER)
    attendance = [{"person": p.pk, "status": "present"} for p in members]
    reattended = clerk.post(
        f"{url}attendance/",
        {"attendance": attendance, "observers": []},
        format="json",
        HTTP_IF_MATCH=etag_of(clerk, url),
    )
    assert reattended.status_code == 200, reattended.content
    assert not Attendance.objects.filter(pk=observer.pk).exists()

    created = clerk.post(
        "/api/v1/decisions/",
        {"school": world.meeting.school_id, "title": "校园绿化方案", "category": "general", "tier": "autonomous"},
        format="json",
    )
    assert created.status_code == 201, created.content

    task = world.tasks[0]
    url = f"/api/v1/tasks/{task.pk}/"
    completed = clerk.post(
        f"{url}complete/",
        {"done_on": timezone.localdate().isoformat()},
        format="json",
        HTTP_IF_MATCH=etag_of(clerk, url),
    )
    assert completed.status_code == 200, completed.content

    # --- deletions by an admin (ORM): an agenda item, a decision with its task ---------------------------
    deleted_item, deleted_task = world.items[2].pk, world.tasks[2].pk
    deleted_decisions = {world.tasks[2].decision_id, world.decisions[0].pk}
    world.items[2].delete()
    world.tasks[2].decision.delete()  # its task goes with it
    world.decisions[0].delete()

    # --- incremental pull ---------------------------------------------------------------------------------
    changed_rows = {}
    for resource in SYNCED:
        changed_rows[resource], _ = pull(viewer, resource, updated_since=since)
        mirror[resource].update(changed_rows[resource])
    assert set(changed_rows["communications"]) == {communication.pk}
    assert item.pk in changed_rows["agenda-items"]
    assert world.meeting.pk in changed_rows["meetings"]
    assert created.json()["id"] in changed_rows["decisions"]
    assert task.pk in changed_rows["tasks"]

    tombstones, _ = pull(viewer, "tombstones", updated_since=tombstones_since)
    by_model = {}
    for tombstone in tombstones.values():
        by_model.setdefault(tombstone["model"], set()).add(tombstone["object_id"])
    assert old_votes <= by_model["meetings.vote"]
    assert observer.pk in by_model["meetings.attendance"]
    assert deleted_item in by_model["meetings.agendaitem"]
    assert deleted_decisions <= by_model["decisions.decision"]
    assert deleted_task in by_model["decisions.task"]
    for resource, model in SYNCED.items():
        for pk in by_model.get(model, ()):
            mirror[resource].pop(pk, None)

    # --- the mirror is what a fresh full pull gives ----------------------------------------------------
    for resource in SYNCED:
        fresh, _ = pull(viewer, resource)
        assert {pk: row["updated_at"] for pk, row in mirror[resource].items()} == {
            pk: row["updated_at"] for pk, row in fresh.items()
        }, resource
        assert mirror[resource] == fresh, resource

    # A second incremental pull from the new watermark finds nothing new.
    since = watermark(mirror)
    for resource in SYNCED:
        assert pull(viewer, resource, updated_since=since)[0] == {}, resource


def test_meeting_row_follows_changes_of_its_embedded_items(district_viewer, clerk_a, api, world):
    viewer = api(district_viewer)
    url = f"/api/v1/meetings/{world.meeting.pk}/"
    tag = etag_of(viewer, url)
    mirror, _ = pull(viewer, "meetings")
    since = watermark({"meetings": mirror})

    services.agenda_item_record_votes(user=clerk_a, item=world.items[1], totals=(3, 2, 0), secretary_spoke_last=True)

    mirror.update(pull(viewer, "meetings", updated_since=since)[0])
    assert mirror == pull(viewer, "meetings")[0]
    assert viewer.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 200


# --- 2. query counts do not depend on the page size ------------------------------------------------------
LISTS = [
    "schools",
    "people",
    "appointments",
    "communications",
    "meetings",
    "agenda-items",
    "decisions",
    "tasks",
    "findings",
    "tombstones",
]


def _finding(task, school):
    Finding.objects.create(
        rule="TASK_OVERDUE",
        severity=FindingSeverity.VIOLATION,
        school=school,
        content_type=ContentType.objects.get_for_model(task),
        object_id=task.pk,
        message=f"“{task}”已逾期。",
        last_seen=timezone.now(),
    )


def _many_rows(school, pair, n=30):
    """At least `n` rows of every listed resource in `school`, with the related records each shape shows."""
    for _ in range(n):
        SchoolFactory(district=school.district, parent=school)
        AppointmentFactory(school=school, post=Post.DEPUTY_PRINCIPAL)
        AppointmentFactory(school=school, post=Post.DEPUTY_SECRETARY).delete()  # a tombstone
    communications = CommunicationFactory.create_batch(n, school=school, participants=[pair.secretary, pair.principal])
    for index in range(n):
        meeting = MeetingFactory(school=school)
        attendance = [AttendanceFactory(meeting=meeting) for _ in range(2)]
        item = AgendaItemFactory(meeting=meeting, category=MatterCategory.PERSONNEL, is_confidential=True)
        item.pre_communications.add(communications[index])
        Vote.objects.create(item=item, person=attendance[0].person, choice="for")
        AgendaItemFactory(meeting=meeting)
        decision = DecisionFactory(school=school, agenda_items=[item])
        decision.responsible_leaders.set([pair.principal])
        decision.communications.add(communications[index])
        task = TaskFactory(decision=decision)
        TaskProgress.objects.create(task=task, noted_on=timezone.localdate(), text="进展", author=decision.created_by)
        Evidence.objects.create(
            task=task,
            file="evidence/x.pdf",
            original_name="x.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
            uploaded_by=decision.created_by,
        )
        _finding(task, school)


@pytest.mark.parametrize("role", ["district_viewer", "clerk_a"])
def test_list_query_count_does_not_depend_on_page_size(role, request, api, school_a, pair_a):
    _many_rows(school_a, pair_a)
    client = api(request.getfixturevalue(role))
    client.get("/api/v1/schools/")  # the token's first use is recorded once, before measuring

    def measure(resource, page_size):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/api/v1/{resource}/", {"page_size": page_size})
        assert response.status_code == 200, (resource, response.content)
        return len(response.json()["results"]), len(captured)

    lists = LISTS if role == "district_viewer" else [r for r in LISTS if r != "schools"]  # a clerk sees one school
    small = {resource: measure(resource, 10) for resource in lists}
    large = {resource: measure(resource, 200) for resource in lists}
    assert {r: rows for r, (rows, _) in small.items()} == dict.fromkeys(lists, 10)
    assert all(rows >= 30 for rows, _ in large.values()), large
    assert {r: n for r, (_, n) in large.items()} == {r: n for r, (_, n) in small.items()}


# --- 3. stale writes --------------------------------------------------------------------------------------
def test_stale_if_match_is_412_and_keeps_the_first_write(clerk_a, api, school_a, pair_a):
    communication = log_communication(clerk_a, school_a, pair_a, "食堂改造项目")
    url = f"/api/v1/communications/{communication.pk}/"
    first, second = api(clerk_a, can_write=True), api(clerk_a, can_write=True)
    first_tag, second_tag = etag_of(first, url), etag_of(second, url)
    assert first_tag == second_tag

    written = first.patch(url, {"subject": "食堂改造（第一位）"}, format="json", HTTP_IF_MATCH=first_tag)
    assert written.status_code == 200, written.content
    assert written["ETag"] != first_tag

    stale = second.patch(
        url, {"subject": "食堂改造（第二位）", "summary": "覆盖"}, format="json", HTTP_IF_MATCH=second_tag
    )
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"

    stored = second.get(url)
    assert stored["ETag"] == written["ETag"]
    assert stored.json() == written.json()
    communication.refresh_from_db()
    assert communication.subject == "食堂改造（第一位）" and communication.summary == "书记校长就方案交换意见。"
    assert not Communication.objects.filter(subject__contains="第二位").exists()
