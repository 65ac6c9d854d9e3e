"""gunicorn settings for the portal: `gunicorn --config gunicorn.conf.py haidian_governance.wsgi:application`.

Every value can be overridden with a GUNICORN_* environment variable (see docs/operations.md). Log lines are
JSON objects, like the application's own (DJANGO_LOG_FORMAT, default json unless DJANGO_DEBUG is on): the
access log carries the request id the application returned in `X-Request-ID`, so a request can be followed from
the proxy through gunicorn to the application's lines.
"""

import json
import multiprocessing
import os
from datetime import UTC, datetime

from gunicorn import glogging


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


_DEBUG = os.environ.get("DJANGO_DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "plain" if _DEBUG else "json")

# --- sockets and processes --------------------------------------------------------------------------------
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = _env_int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
threads = _env_int("GUNICORN_THREADS", 2)  # more than 1: the gthread worker
timeout = _env_int("GUNICORN_TIMEOUT", 60)  # a worker silent this long is killed and replaced
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)  # time to finish requests on restart / stop
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 2000)  # recycle workers so that memory cannot creep
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# Heartbeat files on tmpfs when there is one (containers: /tmp may be a slow overlay).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# Addresses of the reverse proxies whose X-Forwarded-Proto / X-Forwarded-For gunicorn may trust.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Refuse absurd request lines and headers early (defaults of gunicorn, stated).
limit_request_line = 4094
limit_request_fields = 100

# --- logs -------------------------------------------------------------------------------------------------
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")  # stdout; "" turns the access log off
errorlog = "-"  # stderr
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# Used when LOG_FORMAT is "plain": the combined format plus the request id and the duration (µs).
access_log_format = '%(h)s - %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-request-id}o)s %(D)s'


class JsonLogger(glogging.Logger):
    """gunicorn's access and error lines as one JSON object per line (when LOG_FORMAT is "json")."""

    def setup(self, cfg):
        super().setup(cfg)
        if LOG_FORMAT == "json":
            from pythonjsonlogger.json import JsonFormatter

            formatter = JsonFormatter(
                ["levelname", "name", "message"],
                rename_fields={"levelname": "level", "name": "logger"},
                timestamp="time",
            )
            for handler in self.error_log.handlers:
                handler.setFormatter(formatter)

    def access(self, resp, req, environ, request_time):
        # Text lines in development, or when the command line asks for its own --access-logformat.
        if LOG_FORMAT != "json" or self.cfg.access_log_format != access_log_format:
            return super().access(resp, req, environ, request_time)
        if not self.cfg.accesslog:
            return None
        atoms = self.atoms(resp, req, environ, request_time)
        line = {
            "time": datetime.now(UTC).isoformat(),
            "level": "INFO",
            "logger": "gunicorn.access",
            "request_id": atoms.get("{x-request-id}o") or None,
            "remote_addr": atoms["h"],
            "forwarded_for": atoms.get("{x-forwarded-for}i") or None,
            "method": atoms["m"],
            "path": atoms["U"],
            "query": atoms["q"] or None,
            "status": int(atoms["s"]) if str(atoms["s"]).isdigit() else atoms["s"],
            "bytes": atoms["B"],
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "user_agent": atoms["a"] if atoms["a"] != "-" else None,
            "referer": atoms["f"] if atoms["f"] != "-" else None,
        }
        try:
            self.access_log.info(json.dumps(line, ensure_ascii=False))
        except Exception:  # noqa: BLE001 — a log line must never break a request
            self.exception("access log line failed")
        return None


logger_class = JsonLogger
