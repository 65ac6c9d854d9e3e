"""Login and logout in Chinese, lock-out after repeated failures (per username and address)."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD


def _login(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_page_is_chinese(client, db):
    body = client.get(reverse("login")).content.decode()
    assert "用户名" in body and "密码" in body and 'lang="zh-Hans"' in body


def test_login_and_logout(client, clerk_a):
    response = _login(client, "clerk_a", PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("school_list")).status_code == 200

    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("school_list")).status_code == 302


def test_wrong_password_shows_chinese_error(client, clerk_a):
    response = _login(client, "clerk_a", "wrong-password")
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_lockout_after_repeated_failures(client, clerk_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "clerk_a", "wrong-password")

    response = _login(client, "clerk_a", PASSWORD)

    assert response.status_code == 429
    assert "账号已暂时锁定" in response.content.decode()
    assert client.get(reverse("school_list")).status_code == 302


def test_lockout_is_per_username_and_address(client, clerk_a, clerk_b, settings):
    """A colleague behind the same school address, or the same user elsewhere, is not locked out."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "clerk_a", "wrong-password", ip="10.0.0.1")

    assert _login(client, "clerk_b", PASSWORD, ip="10.0.0.1").status_code == 302
    client.post(reverse("logout"))
    assert _login(client, "clerk_a", PASSWORD, ip="10.9.9.9").status_code == 302


@pytest.mark.parametrize("role", ["district_viewer", "xuequ_viewer", "secretary_a", "clerk_a"])
def test_admin_site_is_for_district_admins_only(role, request, login):
    response = login(request.getfixturevalue(role)).get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_district_admin_without_superuser_flag_can_manage_schools(district_admin, login, school_a):
    client = login(district_admin)
    assert client.get("/admin/").status_code == 200
    assert client.get(f"/admin/schools/school/{school_a.pk}/change/").status_code == 200
    assert "学校" in client.get("/admin/schools/school/").content.decode()
