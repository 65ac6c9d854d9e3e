"""Reachability checks of the database and Redis for `/readyz`."""

import redis
from django.db import DatabaseError


def check_database(connection) -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return f"数据库不可用：{exc.__class__.__name__}"
    return "ok"


def check_redis(url: str) -> str:
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
    except redis.RedisError as exc:
        return f"Redis 不可用：{exc.__class__.__name__}"
    return "ok"
