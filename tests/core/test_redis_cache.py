"""The Redis cache backend (core.faults.FailOpenRedisCache): an unreachable Redis read as an empty cache."""

from core.faults import FailOpenRedisCache


def test_unreachable_redis_is_an_empty_cache():
    cache = FailOpenRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})
    assert cache.get("k", "缺") == "缺"
    assert cache.set("k", 1) is None
    assert cache.add("k", 1) is False
