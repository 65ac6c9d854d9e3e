from rest_framework import permissions

from ..models import ApiToken


class TokenWriteAccess(permissions.BasePermission):
    """Reads for any signed-in client; writes only by a session or a token created with write access.
    What the user's role may change is decided by the services."""

    message = "该令牌为只读令牌，不能写入；请在个人页面创建带写入权限的令牌。"

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        token = request.auth
        return not isinstance(token, ApiToken) or token.can_write
