"""Structured logging: JSON lines carrying the request id that the response returns in `X-Request-ID`, in the
application (Django's LOGGING) and in gunicorn's access and error logs (gunicorn.conf.py)."""

import json
import logging
import logging.config
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from haidian_governance.logging_config import build_logging

ROOT = Path(__file__).resolve().parents[2]
MISSING = "/no-such-page-for-the-log-test/"


@pytest.fixture
def log_stream():
    """The application's logging as configured in production (JSON), writing into a buffer."""
    stream = StringIO()
    config = build_logging(fmt="json")
    config["handlers"]["console"]["stream"] = stream
    logging.config.dictConfig(config)
    yield stream
    logging.config.dictConfig(settings.LOGGING)


def _lines(stream: StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def _not_found_lines(stream: StringIO) -> list[dict]:
    return [line for line in _lines(stream) if line["logger"] == "django.request" and MISSING in line["message"]]


def test_request_log_line_is_json_with_the_request_id_given_by_the_client(client, db, log_stream):
    given = str(uuid.uuid4())

    response = client.get(MISSING, headers={"X-Request-ID": given})

    assert response.status_code == 404
    assert response["X-Request-ID"] == given
    [line] = _not_found_lines(log_stream)
    assert line["request_id"] == given
    assert line["level"] == "WARNING" and line["status_code"] == 404
    assert line["message"] == f"Not Found: {MISSING}"
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", line["time"])


def test_request_without_an_id_gets_a_new_one(client, db, log_stream):
    first = client.get(MISSING)
    second = client.get(MISSING)

    ids = [first["X-Request-ID"], second["X-Request-ID"]]
    assert all(uuid.UUID(value) for value in ids) and ids[0] != ids[1]
    assert [line["request_id"] for line in _not_found_lines(log_stream)] == ids


@pytest.mark.parametrize("given", ["not-a-uuid", "x" * 300, "1 OR 1=1", '"}{"injected": true'])
def test_an_id_that_is_not_a_uuid_is_replaced(given, client, db, log_stream):
    response = client.get(MISSING, headers={"X-Request-ID": given})

    returned = response["X-Request-ID"]
    assert returned != given and uuid.UUID(returned)
    assert [line["request_id"] for line in _not_found_lines(log_stream)] == [returned]
    assert all("injected" not in line for line in _lines(log_stream))


def test_lines_outside_a_request_have_no_id(log_stream):
    logging.getLogger("haidian.test").warning("批处理：%s", "完成")

    [line] = _lines(log_stream)
    assert line == {"level": "WARNING", "logger": "haidian.test", "request_id": None, "message": "批处理：完成"} | {
        "time": line["time"]
    }


def test_plain_format_for_development(client, db):
    stream = StringIO()
    config = build_logging(fmt="plain")
    config["handlers"]["console"]["stream"] = stream
    logging.config.dictConfig(config)
    try:
        response = client.get(MISSING)
    finally:
        logging.config.dictConfig(settings.LOGGING)
    assert f"WARNING [{response['X-Request-ID']}] django.request Not Found: {MISSING}" in stream.getvalue()


def test_unknown_format_fails_loudly():
    with pytest.raises(ImproperlyConfigured, match="DJANGO_LOG_FORMAT"):
        build_logging(fmt="xml")


def _settings_value(expression: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108
        "DJANGO_VAR_DIR": tempfile.mkdtemp(prefix="log-format-"),
        "DJANGO_SETTINGS_MODULE": "haidian_governance.settings",
        **env,
    }
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_text_is_the_default_in_development():
    """(JSON, the production default, is checked with the other production settings in test_deploy.py.)"""
    development = _settings_value("settings.LOG_FORMAT", DJANGO_DEBUG="true")
    assert development.stdout.strip() == "plain", development.stderr


# --- gunicorn ----------------------------------------------------------------------------------------------
@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn started with the project's gunicorn.conf.py on a free port, in production mode (no database
    needed for the requests below); stopped at teardown."""
    out, err = (tmp_path / "access.log").open("w"), (tmp_path / "error.log").open("w")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108
        "SECRET_KEY": "gunicorn-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "GUNICORN_BIND": "127.0.0.1:0",
        "GUNICORN_WORKERS": "1",
        "PYTHONWARNINGS": "ignore",
    }
    process = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).with_name("gunicorn")), "--config", "gunicorn.conf.py", "haidian_governance.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=err,
    )
    error_log = tmp_path / "error.log"
    deadline = time.monotonic() + 60
    port = None
    while time.monotonic() < deadline and port is None and process.poll() is None:
        found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+) \(", error_log.read_text())  # whole line written
        port = found and int(found.group(1))
        time.sleep(0.1)
    assert port, error_log.read_text()

    class Server:
        base = f"http://127.0.0.1:{port}"
        access_log = tmp_path / "access.log"

        def stop(self) -> None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
            out.close()
            err.close()

        def error_lines(self) -> list[dict]:
            return [json.loads(line) for line in error_log.read_text().splitlines() if line.startswith("{")]

    server = Server()
    yield server
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)


def _get(url: str, **headers: str):
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 — a local test server
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


def test_gunicorn_logs_json_lines_with_the_request_id(gunicorn):
    given = str(uuid.uuid4())
    status, headers = _get(gunicorn.base + "/healthz", **{"X-Request-ID": given, "User-Agent": 'probe/1.0 "quoted"'})
    assert status == 200 and headers["X-Request-ID"] == given
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    # A 405 is logged by the application (django.request) without touching the database.
    refused, refused_headers = _get(gunicorn.base + "/api/v1/auth/token/?x=1")
    assert refused == 405
    gunicorn.stop()

    access = [json.loads(line) for line in gunicorn.access_log.read_text().splitlines()]
    assert [(line["path"], line["status"], line["request_id"]) for line in access] == [
        ("/healthz", 200, given),
        ("/api/v1/auth/token/", 405, refused_headers["X-Request-ID"]),
    ]
    assert (
        access[0]["method"] == "GET"
        and access[0]["user_agent"] == 'probe/1.0 "quoted"'
        and access[0]["duration_ms"] >= 0
    )
    assert access[1]["query"] == "x=1"

    errors = gunicorn.error_lines()
    assert any(line["logger"] == "gunicorn.error" and "Listening at" in line["message"] for line in errors)
    [app_line] = [line for line in errors if line["logger"] == "django.request"]
    assert app_line["request_id"] == refused_headers["X-Request-ID"]
    assert app_line["message"] == "Method Not Allowed: /api/v1/auth/token/"
