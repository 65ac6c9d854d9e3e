"""Authentication backends: the signed-in user read through the shared cache, and district admins' permissions."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from . import dataversion
from .scope import is_district_admin


def user_cache_key(user_id) -> str:
    # Under the data version: loading a backup (rows written without signals) bumps it.
    return f"auth-user:{dataversion.current()}:{user_id}"


class CachedUserBackend(ModelBackend):
    """Django's username/password backend. The user of each signed-in request (the session holds its id) is read
    through the shared cache for up to USER_CACHE_SECONDS instead of queried every time; every save or delete
    of the account (password, role, school, deactivation, last login) drops it at once. Off (0) without Redis:
    a per-process cache cannot see another process's change."""

    def get_user(self, user_id):
        seconds = settings.USER_CACHE_SECONDS
        if seconds <= 0:
            return super().get_user(user_id)
        key = user_cache_key(user_id)
        user = cache.get(key)
        if user is None:
            user = super().get_user(user_id)
            if user is None:
                return None
            cache.set(key, user, seconds)
        return user if self.user_can_authenticate(user) else None


def _forget_user(sender, instance, using=None, **kwargs) -> None:
    """Now, and again on commit: a request that read the account between the two must not keep the old row."""
    user_id = instance.pk
    cache.delete(user_cache_key(user_id))
    transaction.on_commit(lambda: cache.delete(user_cache_key(user_id)), using=using)


def _forget_user_m2m(sender, instance, action: str, **kwargs) -> None:
    if action.startswith("post_") and isinstance(instance, get_user_model()):
        _forget_user(sender, instance)


def connect() -> None:
    """Drop a cached user on every change of the account (from CoreConfig.ready)."""
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
