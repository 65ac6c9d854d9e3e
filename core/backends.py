from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend, ModelBackend

from .scope import is_district_admin


class UserModelBackend(ModelBackend):
    """Django's username/password backend; the signed-in user of each request is loaded with the school and 学区
    the page header shows (one query instead of three)."""

    def get_user(self, user_id):
        try:
            user = get_user_model()._default_manager.select_related("school", "school_district").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class DistrictAdminPermissionBackend(BaseBackend):
    """Grants every model permission to district admins: the role, not per-user permission rows, decides."""

    def has_perm(self, user_obj, perm, obj=None):
        return is_district_admin(user_obj)

    def has_module_perms(self, user_obj, app_label):
        return is_district_admin(user_obj)
