"""The profile page: personal API tokens are created (shown once), listed and revoked by their owner."""

from django.urls import reverse
from rest_framework.test import APIClient

from core.models import ApiToken


def test_create_list_and_revoke_a_token(clerk_a, login, school_a):
    client = login(clerk_a)
    response = client.post(reverse("profile"), {"name": "校内排课系统", "can_write": "on"})
    assert response.status_code == 200
    key = response.context["new_key"]
    token = ApiToken.objects.get()
    assert token.can_write and token.name == "校内排课系统" and key not in token.key_hash

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/schools/").status_code == 200

    page = client.get(reverse("profile")).content.decode()
    assert "校内排课系统" in page and key not in page  # the key is never shown again

    assert client.post(reverse("token_revoke", args=[token.pk])).status_code == 302
    assert api.get("/api/v1/schools/").status_code == 401


def test_token_needs_a_name(clerk_a, login):
    response = login(clerk_a).post(reverse("profile"), {"name": " "})
    assert response.status_code == 400
    assert "请填写令牌用途" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_cannot_revoke_someone_elses_token(clerk_a, clerk_b, login):
    client = login(clerk_b)
    client.post(reverse("profile"), {"name": "b 的令牌"})
    token = ApiToken.objects.get()
    assert login(clerk_a).post(reverse("token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_profile_needs_login(client, db):
    assert client.get(reverse("profile")).status_code == 302
