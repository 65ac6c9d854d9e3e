"""The real Redis the tests that need one talk to (database 14 of the local server), and their skip marker."""

import pytest
import redis

REDIS_URL = "redis://127.0.0.1:6379/14"


def _reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(not _reachable(), reason="no Redis on 127.0.0.1:6379")
