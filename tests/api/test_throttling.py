"""API rate limits (core.api.throttling): counted per token, per user and per view scope in fixed windows; over
the limit a 429 in the API's JSON error shape with `Retry-After`; the next window starts afresh; the count is one
atomic increment (on Redis too), and an unreachable Redis does not block the API."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from core.api.throttling import WindowRateThrottle, window_hit
from core.faults import FailOpenRedisCache
from tests.factories import PASSWORD
from tests.services import REDIS_URL, needs_redis

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(monkeypatch):
    """Small limits (the classes read DRF's rate settings once, into this shared dict)."""
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "token", "3/minute")
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "token_obtain", "2/hour")


@pytest.fixture
def clock(monkeypatch):
    now = [1_800_000_020.0]  # 20 s into a minute
    monkeypatch.setattr(WindowRateThrottle, "timer", lambda self: now[0])
    return now


def test_over_the_limit_is_a_429_in_chinese_with_retry_after(rates, clock, api, clerk_a, clerk_b):
    client = api(clerk_a)
    assert [client.get("/api/v1/schools/").status_code for _ in range(3)] == [200, 200, 200]
    response = client.get("/api/v1/schools/")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "throttled" and "请求过于频繁" in body["message"]
    assert response["Retry-After"] == "40"  # what is left of the minute
    assert api(clerk_b).get("/api/v1/schools/").status_code == 200  # another client has its own count


def test_each_token_of_a_user_has_its_own_count(rates, clock, api, clerk_a):
    first, second = api(clerk_a), api(clerk_a)
    for _ in range(3):
        first.get("/api/v1/schools/")
    assert first.get("/api/v1/schools/").status_code == 429
    assert second.get("/api/v1/schools/").status_code == 200


def test_the_next_window_starts_afresh(rates, clock, api, clerk_a):
    client = api(clerk_a)
    for _ in range(4):
        client.get("/api/v1/schools/")
    assert client.get("/api/v1/schools/").status_code == 429
    clock[0] += 40  # the next minute
    assert client.get("/api/v1/schools/").status_code == 200


def test_session_users_are_counted_per_user(rates, clock, clerk_a, client):
    client.force_login(clerk_a)
    assert [client.get("/api/v1/schools/").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_token_obtain_has_its_own_scope(rates, clock, clerk_a):
    client = APIClient()
    url = reverse("api-token-obtain")
    codes = [
        client.post(url, {"username": "clerk_a", "password": PASSWORD, "name": "校内系统"}, format="json").status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]


def test_the_count_is_one_stored_integer(settings):
    assert [window_hit(cache, "throttle-test", 60) for _ in range(3)] == [1, 2, 3]
    assert cache.get("throttle-test") == 3


@needs_redis
def test_on_redis_the_count_keeps_the_windows_timeout():
    redis_cache = FailOpenRedisCache(REDIS_URL, {"KEY_PREFIX": "test-throttle"})
    redis_cache.delete("hits")
    client = redis_cache._cache.get_client(write=True)
    assert [window_hit(redis_cache, "hits", 60) for _ in range(3)] == [1, 2, 3]
    assert redis_cache.get("hits") == 3
    assert 0 < client.ttl(redis_cache.make_and_validate_key("hits")) <= 60
    redis_cache.delete("hits")


@needs_redis
def test_the_api_counts_on_redis(rates, clock, api, clerk_a, settings):
    settings.CACHES = {
        "default": {"BACKEND": "core.faults.FailOpenRedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "test-throttle"}
    }
    cache.clear()
    client = api(clerk_a)
    assert [client.get("/api/v1/schools/").status_code for _ in range(4)] == [200, 200, 200, 429]
    cache.clear()


def test_an_unreachable_redis_does_not_block_the_api():
    down = FailOpenRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})
    assert [window_hit(down, "hits", 60) for _ in range(5)] == [1, 1, 1, 1, 1]
