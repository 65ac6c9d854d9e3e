import pytest
from rest_framework.test import APIClient

from core.tokens import api_token_create


@pytest.fixture
def api():
    """An API client authenticated with a personal token of the given user."""

    def _client(user, *, can_write=False):
        client = APIClient()
        _token, key = api_token_create(user=user, name="测试", can_write=can_write)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return _client
