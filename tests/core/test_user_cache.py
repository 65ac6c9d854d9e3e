"""The signed-in user read through the cache (core.backends.CachedUserBackend) and the data version read once per
request (core.dataversion): no query for the user on a repeated request, and every change of the account —
deactivation, role, password, deletion — applies to the very next request."""

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import dataversion
from core.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["django.contrib.sessions.backends.db", "core.sessions"])
def session_engine(request, settings):
    """Every case with the database sessions and with core.sessions, which also keeps the user in the process."""
    settings.SESSION_ENGINE = request.param
    return request.param


def _user_queries(client, url) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return sum('FROM "core_user"' in q["sql"] for q in queries.captured_queries), response


def test_a_repeated_request_reads_the_user_from_the_cache(district_viewer, login):
    client = login(district_viewer)
    url = reverse("school_list")
    first, _ = _user_queries(client, url)
    second, response = _user_queries(client, url)
    assert (first, second) == (1, 0)
    assert response.status_code == 200 and "viewer_u" in response.content.decode()


def test_off_when_zero(district_viewer, login, settings):
    settings.USER_CACHE_SECONDS = 0
    client = login(district_viewer)
    _user_queries(client, reverse("school_list"))
    assert _user_queries(client, reverse("school_list"))[0] == 1


def test_deactivation_logs_out_at_the_next_request(district_viewer, login):
    client = login(district_viewer)
    url = reverse("school_list")
    client.get(url)
    district_viewer.is_active = False
    district_viewer.save()
    response = client.get(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_role_change_shows_at_the_next_request(district_viewer, school_a, login):
    client = login(district_viewer)
    url = reverse("school_list")
    header = client.get(url).content.decode().split("</header>")[0]
    assert district_viewer.get_role_display() in header and school_a.name not in header
    district_viewer.role, district_viewer.school = Role.CLERK, school_a
    district_viewer.save()
    header = client.get(url).content.decode().split("</header>")[0]
    assert Role.CLERK.label in header
    assert school_a.name in header  # the account's role and school as they are now


def test_a_password_change_ends_the_session(district_viewer, login):
    client = login(district_viewer)
    url = reverse("school_list")
    client.get(url)
    district_viewer.set_password("另一个新密码-2026")
    district_viewer.save()
    assert client.get(url).status_code == 302


def test_a_deleted_account_is_logged_out(district_viewer, login):
    client = login(district_viewer)
    url = reverse("school_list")
    client.get(url)
    district_viewer.delete()
    assert client.get(url).status_code == 302


def test_the_cached_row_is_dropped_again_on_commit(district_viewer, django_capture_on_commit_callbacks):
    """A request reading the account between the save and the commit would otherwise keep the old row."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        district_viewer.save()
        cache.set(dataversion_key := _key(district_viewer), "stale", 60)
    assert cache.get(dataversion_key) == "stale"
    for callback in callbacks:
        callback()
    assert cache.get(dataversion_key) is None


def _key(user):
    from core.backends import user_cache_key

    return user_cache_key(user.pk)


def test_the_data_version_is_read_once_per_request(monkeypatch):
    reads = []
    original = cache.get
    dataversion.current()  # created
    monkeypatch.setattr(cache, "get", lambda key, *a, **kw: reads.append(key) or original(key, *a, **kw))
    dataversion.current()
    dataversion.current()
    assert reads.count(dataversion.KEY) == 2  # outside a request (tasks, commands): every call reads
    reads.clear()
    request_started.send(sender=None)
    try:
        first = dataversion.current()
        assert dataversion.current() == first
        dataversion.bump()  # the request's own write
        bumped = dataversion.current()
        assert bumped != first and bumped == original(dataversion.KEY)
    finally:
        request_finished.send(sender=None)
    assert reads.count(dataversion.KEY) == 1
    reads.clear()
    dataversion.current()
    assert reads.count(dataversion.KEY) == 1
