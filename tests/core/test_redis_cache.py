"""The Redis cache backend (core.faults.FailOpenRedisCache): one redis client per pool, reused across operations,
and an unreachable Redis read as an empty cache."""

from core.faults import FailOpenRedisCache
from tests.services import REDIS_URL as URL
from tests.services import needs_redis


@needs_redis
def test_one_client_serves_every_operation():
    cache = FailOpenRedisCache(URL, {"KEY_PREFIX": "test-redis-cache"})
    client = cache._cache.get_client(write=True)
    cache.set("k", {"值": 1})
    assert cache.get("k") == {"值": 1}
    assert cache._cache.get_client() is client
    cache.delete("k")
    assert cache.get("k", "缺") == "缺"


def test_unreachable_redis_is_an_empty_cache():
    cache = FailOpenRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})
    assert cache.get("k", "缺") == "缺"
    assert cache.set("k", 1) is None
    assert cache.add("k", 1) is False
