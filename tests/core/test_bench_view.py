"""The benchmark's minimal view (`bench/bench_pages.py` baseline) exists only when BENCH_MINIMAL_VIEW is on."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import django, json
django.setup()
from django.test import Client
from django.urls import reverse
response = Client().get(reverse("bench_minimal"))
print(json.dumps({"url": reverse("bench_minimal"), "status": response.status_code, "body": response.content.decode()}))
"""


def test_absent_by_default(client, db):
    assert "BENCH_MINIMAL_VIEW" not in os.environ
    with pytest.raises(NoReverseMatch):
        reverse("bench_minimal")
    assert client.get("/bench/minimal/").status_code == 404


def test_served_when_the_flag_is_on():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "haidian_governance.settings",
        "ALLOWED_HOSTS": "testserver",
        "BENCH_MINIMAL_VIEW": "true",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer == {"url": "/bench/minimal/", "status": 200, "body": "<!doctype html><title>ok</title><p>ok</p>"}
