from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """Installs `PortalAdminSite` as the default admin site."""

    default_site = "core.admin_site.PortalAdminSite"
