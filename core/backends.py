"""Authentication backends: the signed-in user read through the shared cache (and a copy in the process), and
district admins' permissions."""

import pickle  # noqa: S403 - only what this process pickled itself
import secrets
import threading
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from . import dataversion
from .scope import is_district_admin

# The "accounts version": a token in the cache replaced on every change of any account. The session store reads it
# in the same round trip as the session (core.sessions) and primes it here for the request.
ACCOUNTS_KEY = "accounts-version"
LOCAL_MAX = 1024  # users kept in the process; all dropped at once past it
_local: dict[tuple, tuple[float, bytes]] = {}
_request = threading.local()  # `accounts`: the accounts version read in the current web request, or None


def user_cache_key(user_id) -> str:
    # Under the data version: loading a backup (rows written without signals) bumps it.
    return f"auth-user:{dataversion.current()}:{user_id}"


def prime_accounts_version(version: object) -> None:
    """The accounts version read with the session of this request. None (no token: Redis flushed or down, or no
    account changed since) means unknown: the user is then read from the shared cache or the database. The token is
    (re)created by the next change of any account, a sign-in included (it saves `last_login`)."""
    _request.accounts = None if version is None else str(version)


class CachedUserBackend(ModelBackend):
    """Django's username/password backend. The user of each signed-in request (the session holds its id) is read
    through the shared cache for up to USER_CACHE_SECONDS instead of queried every time; every save or delete
    of the account (password, role, school, deactivation, last login) drops it at once. Off (0) without Redis:
    a per-process cache cannot see another process's change.

    Each process also keeps a pickled copy, under the accounts version read with the session: any change of any
    account replaces that version, so the next request of every process reads the account again — no round trip
    for the user otherwise. Each request gets its own instance (unpickled), as from the shared cache."""

    def get_user(self, user_id):
        seconds = settings.USER_CACHE_SECONDS
        if seconds <= 0:
            return super().get_user(user_id)
        accounts = getattr(_request, "accounts", None)
        local_key = None if accounts is None else (accounts, dataversion.current(), user_id)
        entry = _local.get(local_key) if local_key is not None else None
        if entry is not None and entry[0] > time.monotonic():
            user = pickle.loads(entry[1])  # noqa: S301 - pickled by this process below
        else:
            key = user_cache_key(user_id)
            user = cache.get(key)
            if user is None:
                user = super().get_user(user_id)
                if user is None:
                    return None
                cache.set(key, user, seconds)
            if local_key is not None:
                if len(_local) >= LOCAL_MAX:
                    _local.clear()
                _local[local_key] = (time.monotonic() + seconds, pickle.dumps(user))
        return user if self.user_can_authenticate(user) else None


def _forget(user_id) -> None:
    cache.delete(user_cache_key(user_id))
    cache.set(ACCOUNTS_KEY, secrets.token_hex(8), timeout=None)  # every process's copies of accounts are old


def _forget_user(sender, instance, using=None, **kwargs) -> None:
    """Now, and again on commit: a request that read the account between the two must not keep the old row."""
    user_id = instance.pk
    _forget(user_id)
    transaction.on_commit(lambda: _forget(user_id), using=using)


def _forget_user_m2m(sender, instance, action: str, **kwargs) -> None:
    if action.startswith("post_") and isinstance(instance, get_user_model()):
        _forget_user(sender, instance)


def _request_boundary(**kwargs) -> None:
    _request.accounts = None  # known only once this request's session store has read it


def connect() -> None:
    """Drop a cached user on every change of the account (from CoreConfig.ready)."""
    request_started.connect(_request_boundary, dispatch_uid="accounts-version-request-started")
    request_finished.connect(_request_boundary, dispatch_uid="accounts-version-request-finished")
    user_model = get_user_model()
    post_save.connect(_forget_user, sender=user_model, dispatch_uid="user-cache-save")
    post_delete.connect(_forget_user, sender=user_model, dispatch_uid="user-cache-delete")
    for field in ("groups", "user_permissions"):
        through = user_model._meta.get_field(field).remote_field.through
        m2m_changed.connect(_forget_user_m2m, sender=through, dispatch_uid=f"user-cache-{field}")


class DistrictAdminPermissionBackend(BaseBackend):
    """Grants every model permission to district admins: the role, not per-user permission rows, decides."""

    def has_perm(self, user_obj, perm, obj=None):
        return is_district_admin(user_obj)

    def has_module_perms(self, user_obj, app_label):
        return is_district_admin(user_obj)
