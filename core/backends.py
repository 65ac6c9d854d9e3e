"""Authentication backends besides Django's `ModelBackend`: district admins' permissions."""

from django.contrib.auth.backends import BaseBackend

from .scope import is_district_admin


class DistrictAdminPermissionBackend(BaseBackend):
    """Grants every model permission to district admins: the role, not per-user permission rows, decides."""

    def has_perm(self, user_obj, perm, obj=None):
        return is_district_admin(user_obj)

    def has_module_perms(self, user_obj, app_label):
        return is_district_admin(user_obj)
