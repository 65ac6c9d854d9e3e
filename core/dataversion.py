"""The "data version": one token in the cache that changes whenever project data changes, so that cached
scope-wide figures (dashboard aggregates, list counts) keyed by it are never served after a change.

- `current()` gives the token (a new random one when the cache has none: after a flush, an eviction, or with
  Redis down — then every key misses and figures are computed, never stale).
- `bump()` replaces it. Writers call `bump_on_commit()`: it bumps at once (the writing transaction's own
  later reads see a new version) and again when the transaction commits (a reader that cached the old rows
  under the new version between the two is invalidated).
- `connect()` (from `CoreConfig.ready`) wires post_save, post_delete and m2m_changed of every model of the
  data apps to `bump_on_commit()`. Paths that send no signal (`bulk_create`, `bulk_update`, queryset
  `update()`, COPY, raw SQL, loading a backup) call `bump()` / `bump_on_commit()` themselves.
- `cached(key_parts, compute)` reads through the cache under the current version, with a bounded TTL
  (settings.DASHBOARD_CACHE_SECONDS) as a safety net; 0 turns caching off, the default without Redis, since a
  process-local cache cannot see another process's bump.
- Within one web request the version is read from the cache once (a page asks for it for its figures and the
  layout); the request's own bumps update it. Outside requests (tasks, commands) every call reads it.
- `cached(..., local=True)` also keeps the value in the process, under the same versioned key, for small values
  that every page reads (the demo banner flag): as fresh as the shared copy, without a cache round trip.
"""

import hashlib
import secrets
import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

KEY = "dataversion"
PREFIX = "dv"
DATA_APPS = ("schools", "meetings", "decisions", "reports", "core")
# Models whose rows feed no cached figure: logs, accounts (a user's scope is part of every key, not data),
# tokens, sync tombstones (written with a delete, which bumps anyway), report-run progress.
UNTRACKED = frozenset({"core.auditevent", "core.user", "core.apitoken", "core.tombstone", "reports.reportrun"})
T = TypeVar("T")


def _new_token() -> str:
    return secrets.token_hex(8)


_request = threading.local()  # `in_request`, `version`: the version read in the current web request


def current() -> str:
    """The current data version (created when missing)."""
    in_request = getattr(_request, "in_request", False)
    if in_request and _request.version is not None:
        return _request.version
    version = cache.get(KEY)
    if version is None:
        # add(): two processes creating it at once agree on one token; with Redis down every read misses.
        cache.add(KEY, _new_token(), timeout=None)
        version = cache.get(KEY) or _new_token()
    if in_request:
        _request.version = str(version)
    return str(version)


def bump() -> None:
    """A new data version: every figure cached under the previous one is unreachable from now on."""
    token = _new_token()
    cache.set(KEY, token, timeout=None)
    if getattr(_request, "in_request", False):
        _request.version = token


def _request_started(**kwargs) -> None:
    _request.in_request, _request.version = True, None


def _request_finished(**kwargs) -> None:
    _request.in_request, _request.version = False, None


def _scheduled(connection) -> bool:
    return any(entry[1] is bump for entry in connection.run_on_commit)


def bump_on_commit(using: str | None = None) -> None:
    """Bump now and once more when the current transaction commits (at once when there is none)."""
    bump()
    connection = transaction.get_connection(using)
    if connection.in_atomic_block and not _scheduled(connection):
        transaction.on_commit(bump, using=using)


def cache_key(*parts: object) -> str:
    """A cache key for `parts` under the current data version."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"{PREFIX}:{current()}:{digest}"


LOCAL_MAX = 256  # values kept in the process; the keys of older versions are dropped all at once past it
_local: dict[str, object] = {}
_ABSENT = object()


def cached(parts: Iterable[object], compute: Callable[[], T], *, local: bool = False) -> T:
    """`compute()` read through the cache under the current data version and `parts` (scope, filters, day).
    `local`: keep a copy in this process too (small values only)."""
    if settings.DASHBOARD_CACHE_SECONDS <= 0:  # off: no shared cache (see settings)
        return compute()
    key = cache_key(*parts)
    if local:
        value = _local.get(key, _ABSENT)  # one lookup: another thread may clear the dict between two
        if value is not _ABSENT:
            return value
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=settings.DASHBOARD_CACHE_SECONDS)
    if local:
        if len(_local) >= LOCAL_MAX:
            _local.clear()
        _local[key] = value
    return value


# --- signals -----------------------------------------------------------------------------------------------
def _on_change(sender, using=None, **kwargs) -> None:
    if kwargs.get("raw"):  # fixtures loading (loaddata); the loader bumps once
        return
    bump_on_commit(using)


def _on_m2m(sender, action: str, using=None, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        bump_on_commit(using)


def tracked_models() -> list:
    """The models whose changes bump the version (auto-created m2m tables included, history tables not)."""
    models = []
    for label in DATA_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model._meta.label_lower in UNTRACKED or model.__name__.startswith("Historical"):
                continue
            models.append(model)
    return models


def _on_migrate(sender, **kwargs) -> None:
    bump()  # data migrations write without model signals


def connect() -> None:
    post_migrate.connect(_on_migrate, dispatch_uid="dataversion-migrate")
    request_started.connect(_request_started, dispatch_uid="dataversion-request-started")
    request_finished.connect(_request_finished, dispatch_uid="dataversion-request-finished")
    # Per model, not global receivers: a global post_delete receiver would stop Django's fast deletes of
    # every other model.
    for model in tracked_models():
        uid = f"dataversion-{model._meta.label_lower}"
        m2m_changed.connect(_on_m2m, sender=model, dispatch_uid=uid)
        if not model._meta.auto_created:
            post_save.connect(_on_change, sender=model, dispatch_uid=uid)
            post_delete.connect(_on_change, sender=model, dispatch_uid=uid)
