"""Creating, hashing and revoking personal API tokens."""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.utils import timezone

from .models import ApiToken, User

KEY_BYTES = 32


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, user: User, name: str, can_write: bool = False) -> tuple[ApiToken, str]:
    """Create a token and return it with its key, which is never stored and cannot be shown again."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "请填写令牌用途。"})
    key = secrets.token_urlsafe(KEY_BYTES)
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=key[:8], key_hash=hash_key(key), can_write=can_write
    )
    return token, key


def api_token_revoke(*, user: User, token: ApiToken) -> ApiToken:
    if token.user_id != user.pk:
        raise ValidationError("只能吊销自己的令牌。")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
