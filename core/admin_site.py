from django.contrib.admin import AdminSite

from .scope import is_district_admin


class PortalAdminSite(AdminSite):
    """The Django admin, open to district admins only."""

    site_header = "海淀区中小学校领导体制治理台账 · 管理后台"
    site_title = "治理台账管理后台"
    index_title = "数据管理"

    def has_permission(self, request):
        return is_district_admin(request.user)
