"""Behaviour when a backing service is down: PostgreSQL or Redis unavailable.

- PostgreSQL down: `DatabaseUnavailableMiddleware` answers every page with the Chinese `503.html` (rendered
  without touching the database: no context processors, no session or user) and every API request with the
  API's JSON error shape, status 503 and `Retry-After`; the error is logged once, without a traceback.
- Redis down: the cache fails open (`FailOpenRedisCache`: a miss, nothing stored; API throttling is then
  not enforced until Redis returns) and `publish_task` sends a Celery message with a short, bounded retry so a
  request never hangs; it returns False instead of raising, and the caller decides what waits (reports are
  stored as 等待队列 and sent by `reports.services.dispatch_waiting_runs` once the broker answers).
"""

import logging
import time
from functools import wraps

import redis
from django.core.cache.backends.redis import RedisCache
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import get_template
from kombu.exceptions import KombuError

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
UNAVAILABLE_MESSAGE = "数据库暂时无法连接，系统正在恢复，请稍后重试。"
RETRY_AFTER_SECONDS = 30
# A request waits under two seconds for the broker: one retry 0.2 s after the first attempt, each attempt bounded
# by these socket timeouts (refused connections fail at once; a silent host or a hung Redis takes the timeouts).
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0.2, "interval_step": 0.2, "interval_max": 0.2}
PUBLISH_TRANSPORT_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
BROKER_ERRORS = (KombuError, redis.RedisError, OSError)
LOG_INTERVAL_SECONDS = 60


class _Throttle:
    """Log one line per kind of fault per minute, not one per request."""

    def __init__(self) -> None:
        self._last: dict[str, float] = {}

    def ready(self, key: str) -> bool:
        now = time.monotonic()
        if now - self._last.get(key, -LOG_INTERVAL_SECONDS) < LOG_INTERVAL_SECONDS:
            return False
        self._last[key] = now
        return True


_log_throttle = _Throttle()


# --- PostgreSQL down ------------------------------------------------------------------------------
def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def database_unavailable_response(request) -> HttpResponse:
    """503 without a database: JSON for the API, `503.html` rendered with a bare context for pages."""
    if _is_api(request):
        response = JsonResponse(
            {"code": "service_unavailable", "message": UNAVAILABLE_MESSAGE, "fields": {}},
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        # `Template.render` of the backend without a request: no context processor (no DemoDataset query,
        # no session, no user) can reach the database.
        html = get_template("503.html").render({"message": UNAVAILABLE_MESSAGE})
        response = HttpResponse(html, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turns a lost database connection into a 503 page (or JSON), wherever in the request it surfaces.

    `process_exception` catches what views, template rendering and DRF (authentication included) raise.
    The session and the user are loaded lazily inside the view (`login_required`, the login page), so that
    path is covered too. `__call__` catches what escapes the middleware below it (it sits first in
    `MIDDLEWARE`), e.g. a session saved in `SessionMiddleware.process_response`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        except DATABASE_ERRORS as exc:
            return self._unavailable(request, exc)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            return self._unavailable(request, exception)
        return None

    def _unavailable(self, request, exc) -> HttpResponse:
        summary = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        if _log_throttle.ready(f"db:{type(exc).__name__}"):
            logger.error("database unavailable (%s: %s); answering 503", type(exc).__name__, summary)
        else:
            logger.debug("database unavailable: %s %s", request.method, request.path)
        return database_unavailable_response(request)


# --- Redis down -----------------------------------------------------------------------------------
def _fail_open(default):
    def decorate(method):
        @wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except redis.RedisError as exc:
                if _log_throttle.ready("cache"):
                    logger.warning("cache unavailable (%s: %s); continuing without it", type(exc).__name__, exc)
                return default(*args, **kwargs)

        return wrapper

    return decorate


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache that treats an unreachable Redis as an empty cache instead of an error.

    Nothing in the portal keeps state only in the cache: sessions (cached, written through) and lock-outs (axes)
    live in the database; API throttling counts in the cache and is not enforced while Redis is down.
    """

    add = _fail_open(lambda *args, **kwargs: False)(RedisCache.add)
    get = _fail_open(lambda key, default=None, version=None: default)(RedisCache.get)
    set = _fail_open(lambda *args, **kwargs: None)(RedisCache.set)
    touch = _fail_open(lambda *args, **kwargs: False)(RedisCache.touch)
    delete = _fail_open(lambda *args, **kwargs: False)(RedisCache.delete)
    get_many = _fail_open(lambda *args, **kwargs: {})(RedisCache.get_many)
    has_key = _fail_open(lambda *args, **kwargs: False)(RedisCache.has_key)
    incr = _fail_open(lambda key, delta=1, version=None: delta)(RedisCache.incr)
    set_many = _fail_open(lambda *args, **kwargs: [])(RedisCache.set_many)
    delete_many = _fail_open(lambda *args, **kwargs: None)(RedisCache.delete_many)
    clear = _fail_open(lambda *args, **kwargs: False)(RedisCache.clear)


def _eager(task) -> bool:
    return bool(task.app.conf.task_always_eager)


def publish_connection(app):
    """A broker connection for sending from a request: short timeouts instead of the worker's."""
    return app.connection_for_write(transport_options=PUBLISH_TRANSPORT_OPTIONS)


def publish_task(task, *, args=(), kwargs=None, connection=None) -> bool:
    """Send `task` to the broker with a bounded retry; False (logged) when the broker cannot be reached.

    In eager mode (no broker configured) the task runs here, and its own errors propagate as before.
    `connection` lets a caller send several messages over one broker connection.
    """
    if _eager(task):
        task.apply_async(args=args, kwargs=kwargs)
        return True
    try:
        if connection is not None:
            task.apply_async(
                args=args, kwargs=kwargs, connection=connection, retry=True, retry_policy=PUBLISH_RETRY_POLICY
            )
        else:
            with publish_connection(task.app) as own:
                task.apply_async(
                    args=args, kwargs=kwargs, connection=own, retry=True, retry_policy=PUBLISH_RETRY_POLICY
                )
    except BROKER_ERRORS as exc:
        if _log_throttle.ready(f"broker:{task.name}"):
            logger.warning("broker unavailable, %s not sent (%s: %s)", task.name, type(exc).__name__, exc)
        return False
    return True
