"""core.sessions (cached_db sessions read with the data version and the accounts version in one cache round trip),
the signed-in user kept in the process under the accounts version (core.backends), and the in-process copy of small
versioned values (`dataversion.cached(..., local=True)`)."""

import pytest
from django.contrib.sessions.backends import cached_db
from django.core.cache import cache
from django.urls import reverse

from core import dataversion
from core.backends import ACCOUNTS_KEY, user_cache_key
from core.models import User
from schools.models import School

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_reads(monkeypatch):
    """The round trips a Redis cache would make: ("get", key) and ("get_many", keys). (The test cache reads
    `get_many` key by key; those reads are one round trip on Redis, so they are not listed.)"""
    reads, inside = [], []
    get, get_many = cache.get, cache.get_many

    def recorded_get(key, *args, **kwargs):
        if not inside:
            reads.append(("get", key))
        return get(key, *args, **kwargs)

    def recorded_get_many(keys, *args, **kwargs):
        reads.append(("get_many", tuple(keys)))
        inside.append(1)
        try:
            return get_many(keys, *args, **kwargs)
        finally:
            inside.pop()

    monkeypatch.setattr(cache, "get", recorded_get)
    monkeypatch.setattr(cache, "get_many", recorded_get_many)
    return reads


@pytest.fixture
def session_client(settings, client, district_viewer):
    settings.SESSION_ENGINE = "core.sessions"
    client.force_login(district_viewer)
    return client


def test_the_session_and_the_data_version_come_in_one_read(session_client, cache_reads):
    url = reverse("school_list")
    session_client.get(url)
    session_key = cached_db.KEY_PREFIX + session_client.session.session_key
    cache_reads.clear()
    response = session_client.get(url)
    assert response.status_code == 200 and "viewer_u" in response.content.decode()
    assert ("get_many", (session_key, dataversion.KEY, ACCOUNTS_KEY)) in cache_reads
    assert ("get", dataversion.KEY) not in cache_reads and ("get", session_key) not in cache_reads
    assert not [key for kind, key in cache_reads if kind == "get" and key.startswith("auth-user:")]  # in process


def test_an_account_changed_by_another_process_applies_at_the_next_request(session_client, district_viewer):
    url = reverse("school_list")
    assert session_client.get(url).status_code == 200
    assert session_client.get(url).status_code == 200  # the user from this process's copy
    # Another process deactivates the account: its row, its shared cache entry and the accounts version change.
    User.objects.filter(pk=district_viewer.pk).update(is_active=False)
    cache.delete(user_cache_key(district_viewer.pk))
    cache.set(ACCOUNTS_KEY, "other-process-token", timeout=None)
    response = session_client.get(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_without_an_accounts_version_the_user_is_read_from_the_shared_cache(session_client, cache_reads):
    url = reverse("school_list")
    session_client.get(url)
    cache.delete(ACCOUNTS_KEY)  # flushed or evicted
    cache_reads.clear()
    assert session_client.get(url).status_code == 200
    assert [key for kind, key in cache_reads if kind == "get" and key.startswith("auth-user:")]


def test_each_request_gets_its_own_user_instance(district_viewer):
    from core.backends import CachedUserBackend, prime_accounts_version

    backend = CachedUserBackend()
    prime_accounts_version("some-token")  # as the session store does within a request
    try:
        first, second = backend.get_user(district_viewer.pk), backend.get_user(district_viewer.pk)
    finally:
        prime_accounts_version(None)
    assert first == second == district_viewer and first is not second
    first.role = "district_admin"  # a view changing its request.user does not change the next request's
    assert second.role == district_viewer.role


def test_a_version_changed_by_another_process_shows_at_the_next_request(session_client, school_a):
    url = reverse("school_list")
    session_client.get(url)
    School.objects.filter(pk=school_a.pk).update(name="改名后的学校")  # no signal: as another process would write
    assert "改名后的学校" not in session_client.get(url).content.decode()  # the cached body, same version
    cache.set(dataversion.KEY, "other-process-token", timeout=None)  # … whose bump the next request reads
    assert "改名后的学校" in session_client.get(url).content.decode()


def test_a_session_gone_from_the_cache_is_read_from_the_database(session_client):
    session_client.get(reverse("school_list"))
    cache.delete(cached_db.KEY_PREFIX + session_client.session.session_key)
    response = session_client.get(reverse("school_list"))
    assert response.status_code == 200 and "viewer_u" in response.content.decode()


def test_without_a_session_cookie_the_login_page_is_served(settings, client):
    settings.SESSION_ENGINE = "core.sessions"
    assert client.get(reverse("school_list")).status_code == 302
    assert client.get(reverse("login")).status_code == 200


def test_a_local_value_is_computed_once_per_version():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert dataversion.cached(("local-test",), compute, local=True) == 1
    cache.delete(dataversion.cache_key("local-test"))  # the shared copy gone: this process still has it
    assert dataversion.cached(("local-test",), compute, local=True) == 1
    dataversion.bump()
    assert dataversion.cached(("local-test",), compute, local=True) == 2
    assert len(calls) == 2


def test_the_demo_banner_follows_the_data(session_client):
    from core.models import DemoDataset

    url = reverse("school_list")
    assert "演示数据" not in session_client.get(url).content.decode()
    DemoDataset.objects.create()
    assert "演示数据" in session_client.get(url).content.decode()
    DemoDataset.objects.all().delete()
    assert "演示数据" not in session_client.get(url).content.decode()
