"""`/healthz` answers while the process is up; `/readyz` only when the database (and Redis) answer."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import django, json
django.setup()
from django.test import Client
response = Client().get("/readyz")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


def _readyz_in_process_with(**env) -> dict:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "haidian_governance.settings",
        "ALLOWED_HOSTS": "testserver",
        **env,
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_readyz_ok(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


def test_readyz_503_when_database_unreachable():
    result = _readyz_in_process_with(DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere", REDIS_URL="")
    assert result["status"] == 503
    assert result["body"]["status"] == "unavailable"
    assert result["body"]["checks"]["database"].startswith("数据库不可用")


def test_readyz_503_when_redis_unreachable(tmp_path):
    result = _readyz_in_process_with(
        DATABASE_URL=f"sqlite:///{tmp_path / 'probe.sqlite3'}", REDIS_URL="redis://127.0.0.1:1/0"
    )
    assert result["status"] == 503
    assert result["body"]["checks"]["database"] == "ok"
    assert result["body"]["checks"]["redis"].startswith("Redis 不可用")
