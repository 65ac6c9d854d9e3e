"""If-Match is compared with the record as locked inside the write's transaction, so no update is ever lost.

Before, the ETag was compared before the service took its row lock: two clients holding the same ETag could both
pass the check, and the second write silently overwrote the first. Now the view locks the row the service locks,
re-reads the record, compares, then writes — all in one transaction.
"""

import threading
import time

import pytest
from django.db import connection, connections
from django.utils import timezone
from rest_framework.test import APIClient

from core.tokens import api_token_create
from decisions import services as decision_services
from decisions.api.views import DecisionViewSet
from decisions.models import Decision
from meetings.api.views import AgendaItemViewSet
from meetings.models import AgendaItem
from tests.factories import AgendaItemFactory, MeetingFactory

ON_POSTGRES = connection.vendor == "postgresql"


def _writer(user=None, *, key: str = "") -> APIClient:
    if not key:
        _token, key = api_token_create(user=user, name="并发测试", can_write=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.key = key
    return client


def _draft_decision(client, school) -> tuple[str, str]:
    created = client.post(
        "/api/v1/decisions/",
        {"school": school.pk, "title": "教学楼维修", "category": "general", "tier": "consult"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    return f"/api/v1/decisions/{created.json()['id']}/", created["ETag"]


# --- both backends ----------------------------------------------------------------------------------------
def test_stale_patch_is_412_and_leaves_the_record_unchanged(clerk_a, school_a):
    client = _writer(clerk_a)
    url, etag = _draft_decision(client, school_a)
    first = client.patch(url, {"title": "教学楼维修（一期）", "amount": "2000"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    decision = Decision.objects.get()
    stamp, history = decision.updated_at, decision.history.count()

    stale = client.patch(url, {"title": "被覆盖", "amount": "9"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"
    decision.refresh_from_db()
    assert (decision.title, str(decision.amount)) == ("教学楼维修（一期）", "2000.00")
    assert decision.updated_at == stamp and decision.history.count() == history
    assert client.get(url)["ETag"] == first["ETag"]


def test_stale_action_is_412_and_leaves_the_record_unchanged(clerk_a, school_a):
    client = _writer(clerk_a)
    url, etag = _draft_decision(client, school_a)
    assert client.patch(url, {"title": "改名"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    stale = client.post(f"{url}transition/", {"to_status": "communicating"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    decision = Decision.objects.get()
    assert decision.status == "draft" and decision.transitions.count() == 1


def test_a_change_made_before_the_lock_is_taken_is_compared_not_overwritten(clerk_a, school_a, monkeypatch):
    """The record changes between the view's first read and its row lock (another client's write committing in
    that instant, played here inside the lock hook): the comparison must see the change and answer 412."""
    client = _writer(clerk_a)
    url, etag = _draft_decision(client, school_a)
    original = DecisionViewSet.lock_object

    def lock_after_a_concurrent_write(self, instance):
        Decision.objects.filter(pk=instance.pk).update(title="另一客户端的修改", updated_at=timezone.now())
        return original(self, instance)

    monkeypatch.setattr(DecisionViewSet, "lock_object", lock_after_a_concurrent_write, raising=False)
    response = client.patch(url, {"title": "覆盖"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    # The 412 rolls back the request's transaction, the played concurrent write included; "覆盖" never landed.
    assert Decision.objects.get().title == "教学楼维修"


def test_agenda_item_writes_lock_the_meeting_row(secretary_a, school_a, monkeypatch):
    """Item writes are serialised by the services through the meeting's row: the view locks that row first."""
    item = AgendaItemFactory(meeting=MeetingFactory(school=school_a))
    locked = []
    original = AgendaItemViewSet.lock_object

    def spy(self, instance):
        locked.append(instance)
        return original(self, instance)

    monkeypatch.setattr(AgendaItemViewSet, "lock_object", spy)
    client = _writer(secretary_a)
    url = f"/api/v1/agenda-items/{item.pk}/"
    stale = client.patch(url, {"title": "新标题"}, format="json", HTTP_IF_MATCH='"stale"')
    assert stale.status_code == 412 and AgendaItem.objects.get().title == item.title
    assert locked == [item]


# --- PostgreSQL: two connections racing ---------------------------------------------------------------------
def _lock_waits(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", [pid])
        return cursor.fetchone()[0] > 0


@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL: row locks held across two connections")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_patches_with_the_same_etag_one_wins_one_is_412(clerk_a, school_a, monkeypatch):
    client = _writer(clerk_a)
    url, etag = _draft_decision(client, school_a)
    real_update = decision_services.decision_update
    first_inside = threading.Event()
    second_done = threading.Event()
    second_pid: list[int] = []
    calls: list[str] = []

    def held_update(**kwargs):
        """The first writer pauses inside its write (after its If-Match check) until the second writer is either
        blocked on a row lock or finished, so both requests overlap deterministically."""
        calls.append(threading.current_thread().name)
        if len(calls) == 1:
            first_inside.set()
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and not second_done.is_set():
                if second_pid and _lock_waits(second_pid[0]):
                    break
                time.sleep(0.02)
        return real_update(**kwargs)

    monkeypatch.setattr(decision_services, "decision_update", held_update)
    results: dict[str, object] = {}

    def patch(name: str, title: str) -> None:
        try:
            if name == "second":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    second_pid.append(cursor.fetchone()[0])
            own = _writer(key=client.key)  # one test client per thread
            results[name] = own.patch(url, {"title": title}, format="json", HTTP_IF_MATCH=etag)
        except Exception as exc:  # noqa: BLE001  (reported by the assertions below)
            results[name] = exc
        finally:
            if name == "second":
                second_done.set()
            connections.close_all()

    first = threading.Thread(target=patch, args=("first", "第一位的修改"), name="first")
    second = threading.Thread(target=patch, args=("second", "第二位的修改"), name="second")
    first.start()
    assert first_inside.wait(15), results
    second.start()
    first.join(30)
    second.join(30)
    assert not first.is_alive() and not second.is_alive()

    codes = {name: getattr(response, "status_code", response) for name, response in results.items()}
    assert codes == {"first": 200, "second": 412}, codes
    assert results["second"].json()["code"] == "precondition_failed"
    decision = Decision.objects.get()
    assert decision.title == "第一位的修改"
    assert calls == ["first"]  # the stale writer never reached the service
