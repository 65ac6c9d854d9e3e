from rest_framework.throttling import UserRateThrottle

from ..models import ApiToken


class TokenRateThrottle(UserRateThrottle):
    """Counts requests per API token (per user for browser sessions)."""

    scope = "token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            return self.cache_format % {"scope": self.scope, "ident": f"token-{request.auth.pk}"}
        return super().get_cache_key(request, view)
