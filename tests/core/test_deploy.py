"""`manage.py check --deploy` is clean with production variables, and production refuses to start without a
secret key."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108
        "DJANGO_VAR_DIR": tempfile.mkdtemp(prefix="deploy-check-"),  # no database, as on a fresh machine
        **env,
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108
        "DJANGO_VAR_DIR": tempfile.mkdtemp(prefix="deploy-settings-"),
        "DJANGO_SETTINGS_MODULE": "haidian_governance.settings",
        **env,
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_variables():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="kP3v-production-secret-that-is-long-and-random-9f8e7d6c5b4a3210zyx",
        ALLOWED_HOSTS="portal.example.cn",
        DJANGO_DEBUG="false",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


PRODUCTION = {
    "SECRET_KEY": "kP3v-production-secret-that-is-long-and-random-9f8e7d6c5b4a3210zyx",
    "ALLOWED_HOSTS": "portal.example.cn",
    "CSRF_TRUSTED_ORIGINS": "https://portal.example.cn",
    "DJANGO_BEHIND_PROXY": "true",
    "DATABASE_URL": "postgres://haidian:secret@db.internal:5432/haidian",
    "REDIS_URL": "redis://redis.internal:6379/0",
}


def test_check_deploy_is_clean_with_the_docker_compose_variables():
    """The variables of docker-compose.yml / docs/operations.md (PostgreSQL, Redis, behind a proxy)."""
    result = _manage("check", "--deploy", "--fail-level", "WARNING", DJANGO_DEBUG="false", **PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_settings_are_secure_by_default():
    """Without any security variable, production (DJANGO_DEBUG off) gets HTTPS-only cookies, HSTS, the strict
    CSP, JSON logs and sessions that end with the browser or after 8 hours."""
    names = [
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_PROXY_SSL_HEADER",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "SESSION_COOKIE_AGE",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "X_FRAME_OPTIONS",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY",
        "CONTENT_SECURITY_POLICY",
        "LOG_FORMAT",
        "TRUSTED_PROXY_COUNT",
        "AXES_LOCKOUT_PARAMETERS",
    ]
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {names!r}}}))"
    )
    result = _python(code, DJANGO_DEBUG="false", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values == values | {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_AGE": 8 * 3600,
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "LOG_FORMAT": "json",
        "TRUSTED_PROXY_COUNT": 1,
        "AXES_LOCKOUT_PARAMETERS": [["username", "ip_address"]],
    }
    directives = values["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert not any("unsafe" in source for sources in directives.values() for source in sources)


def test_production_without_secret_key_refuses_to_start():
    result = _manage("check", DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_bad_boolean_fails_loudly():
    result = _manage("check", DJANGO_DEBUG="perhaps")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be a boolean" in result.stderr


# --- .ci/pip-audit: tells "vulnerable" from "service unreachable" ------------------------------------------
def _fake_pip_audit(tmp_path: Path, stdout: str, stderr: str = "", code: int = 0) -> Path:
    """A stand-in for the pip-audit executable answering as pip-audit 2.10 does (the real one needs internet
    access, which the test machine lacks): prints `stdout` (its JSON report) and `stderr`, exits `code`."""
    script = tmp_path / "pip-audit"
    body = f"import sys\nsys.stdout.write({stdout!r})\nsys.stderr.write({stderr!r})\nsys.exit({code})\n"
    script.write_text(f"#!{sys.executable}\n{body}")
    script.chmod(0o755)
    return script


def _audit(executable: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [str(ROOT / ".ci" / "pip-audit")],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "PIP_AUDIT": str(executable), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _report(*dependencies: dict) -> str:
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


EDITABLE = {"name": "haidian-governance", "skip_reason": "distribution marked as editable"}


def test_pip_audit_fails_on_a_known_vulnerability(tmp_path):
    vulnerable = {
        "name": "django",
        "version": "5.2.1",
        "vulns": [{"id": "PYSEC-2025-1", "fix_versions": ["5.2.2"], "aliases": [], "description": ""}],
    }
    report = _report({"name": "celery", "version": "5.7.0", "vulns": []}, vulnerable, EDITABLE)
    result = _audit(_fake_pip_audit(tmp_path, report, "Found 1 known vulnerability in 1 package\n", 1))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "django 5.2.1: PYSEC-2025-1 (fixed in: 5.2.2)" in result.stdout


def test_pip_audit_passes_when_everything_was_audited(tmp_path):
    report = _report({"name": "django", "version": "5.2.19", "vulns": []}, EDITABLE)
    result = _audit(_fake_pip_audit(tmp_path, report))
    assert result.returncode == 0
    assert "OK: no known vulnerability in the 1 audited packages." in result.stdout


def test_pip_audit_warns_when_nothing_could_be_audited(tmp_path):
    skipped = {"name": "amqp", "skip_reason": "Dependency not found on PyPI and could not be audited: amqp (5.4.2)"}
    fake = _fake_pip_audit(tmp_path, _report(skipped, EDITABLE), "No known vulnerabilities found\n")
    result = _audit(fake)
    assert result.returncode == 0
    assert "WARNING: the vulnerability service could not be reached, so NOTHING was audited." in result.stdout
    assert _audit(fake, PIP_AUDIT_STRICT="1").returncode == 3


def test_pip_audit_warns_when_the_service_does_not_resolve(tmp_path):
    error = "requests.exceptions.ConnectionError: Max retries exceeded (Name or service not known)\n"
    result = _audit(_fake_pip_audit(tmp_path, "", error, 1))
    assert result.returncode == 0
    assert "could not connect" in result.stdout and "NOTHING was audited" in result.stdout


def test_pip_audit_reports_its_own_failure(tmp_path):
    result = _audit(_fake_pip_audit(tmp_path, "", "usage: pip-audit: error: unrecognized arguments\n", 2))
    assert result.returncode == 2
    assert "pip-audit failed" in result.stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, {"server_side_binding": True, "prepare_threshold": 1}),
        ("false", {"server_side_binding": None, "prepare_threshold": None}),
    ],
)
def test_postgresql_connections_prepare_statements_unless_turned_off(value, expected):
    env = {"SECRET_KEY": "x" * 50, "DATABASE_URL": "postgres://haidian@db.internal:5432/haidian"}
    if value is not None:
        env["DB_PREPARED_STATEMENTS"] = value
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "o = settings.DATABASES['default']['OPTIONS']; "
        "print(json.dumps({k: o.get(k) for k in ('server_side_binding', 'prepare_threshold')}))"
    )
    result = _python(code, **env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == expected
