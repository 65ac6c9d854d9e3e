"""Logging configuration: JSON lines in production, readable text in development, the request id on both.

`build_logging()` returns the `LOGGING` dict of the settings. Every line written while a request is handled
carries that request's id (django-guid: taken from a valid UUID in the `X-Request-ID` header or generated, and
returned in the response's `X-Request-ID` header), so one request can be followed through the web, the proxy
and gunicorn's access log. Celery tasks carry the id of the request that sent them into the worker's log lines
(haidian_governance/celery.py); other lines outside a request (management commands) have `request_id` null.
"""

import logging

from django.core.exceptions import ImproperlyConfigured
from django_guid.context import guid
from pythonjsonlogger.core import RESERVED_ATTRS

LOG_FORMATS = ("json", "plain")


class RequestIdFilter(logging.Filter):
    """Sets `record.request_id` to the id of the request being handled (or `placeholder` outside one)."""

    def __init__(self, placeholder: str | None = None) -> None:
        super().__init__()
        self.placeholder = placeholder

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = guid.get() or self.placeholder
        return True


def build_logging(*, fmt: str, level: str = "INFO", weasyprint_level: str = "WARNING") -> dict:
    """The `LOGGING` setting for `fmt` "json" (one JSON object per line) or "plain" (text)."""
    if fmt not in LOG_FORMATS:
        raise ImproperlyConfigured(f"DJANGO_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, got {fmt!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {
                "()": "haidian_governance.logging_config.RequestIdFilter",
                "placeholder": None if fmt == "json" else "-",
            }
        },
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"},
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": ["levelname", "name", "request_id", "message"],
                "rename_fields": {"levelname": "level", "name": "logger"},
                "timestamp": "time",  # ISO 8601, UTC
                # `request` (django.request, django.security) is an object: its path is already in the message.
                "reserved_attrs": [*RESERVED_ATTRS, "request"],
            },
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": fmt, "filters": ["request_id"]},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "axes": {"level": "WARNING"},
            # django-guid logs every generated id at INFO; its warnings (an invalid X-Request-ID) are kept.
            "django_guid": {"level": "WARNING"},
            # WeasyPrint logs each layout step at INFO; WEASYPRINT_LOG_LEVEL=INFO shows them (the worker test does).
            "weasyprint": {"level": weasyprint_level},
            "weasyprint.progress": {"level": weasyprint_level},
            "fontTools": {"level": "WARNING"},
        },
    }
