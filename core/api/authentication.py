"""Personal API tokens: `Authorization: Token <key>` (or `Bearer <key>`)."""

from django.utils import timezone
from rest_framework import authentication, exceptions

from ..models import ApiToken
from ..tokens import hash_key


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("令牌格式错误：应为“Token <令牌>”。")
        try:
            token = ApiToken.objects.select_related("user").get(key_hash=hash_key(header[1]), revoked_at__isnull=True)
        except ApiToken.DoesNotExist as exc:
            raise exceptions.AuthenticationFailed("令牌无效或已吊销。") from exc
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("该令牌所属账号已停用。")
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return "Token"
