"""Tokens, the error shape, pagination, scope, ETags, tombstones and the OpenAPI schema."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import ApiToken
from core.tokens import api_token_revoke
from schools.choices import Post
from tests.factories import PASSWORD, AppointmentFactory, SchoolFactory

ROOT = Path(__file__).resolve().parents[2]


def test_token_obtain_and_use(clerk_a, school_a):
    client = APIClient()
    response = client.post(
        reverse("api-token-obtain"), {"username": "clerk_a", "password": PASSWORD, "name": "校内系统"}, format="json"
    )
    assert response.status_code == 201
    key = response.json()["token"]
    token = ApiToken.objects.get()
    assert token.key_hash != key and not token.can_write and token.prefix == key[:8]

    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert [s["code"] for s in client.get("/api/v1/schools/").json()["results"]] == ["A001"]


def test_wrong_password_gives_json_401_in_chinese(clerk_a):
    response = APIClient().post(reverse("api-token-obtain"), {"username": "clerk_a", "password": "x"}, format="json")
    assert response.status_code in (401, 403)
    body = response.json()
    assert body["code"] and "用户名或密码错误" in body["message"]


def test_missing_fields_give_field_errors(db):
    response = APIClient().post(reverse("api-token-obtain"), {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"username", "password"}


def test_revoked_and_bad_tokens_are_refused(clerk_a, api):
    client = api(clerk_a)
    assert client.get("/api/v1/schools/").status_code == 200
    api_token_revoke(user=clerk_a, token=ApiToken.objects.get())
    response = client.get("/api/v1/schools/")
    assert response.status_code == 401
    assert response.json()["message"] == "令牌无效或已吊销。"
    anonymous = APIClient().get("/api/v1/schools/")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("district_viewer", {"A001", "B001"}),
        ("xuequ_viewer", {"A001"}),
        ("secretary_a", {"A001"}),
        ("clerk_a", {"A001"}),
        ("clerk_b", {"B001"}),
    ],
)
def test_schools_are_scoped_and_out_of_scope_is_404(role, visible, request, api, school_a, school_b):
    client = api(request.getfixturevalue(role))
    assert {s["code"] for s in client.get("/api/v1/schools/").json()["results"]} == visible
    for school in (school_a, school_b):
        expected = 200 if school.code in visible else 404
        response = client.get(f"/api/v1/schools/{school.pk}/")
        assert response.status_code == expected
        if expected == 404:
            assert response.json() == {"code": "not_found", "message": "对象不存在或不在您的权限范围内。", "fields": {}}


def test_cursor_pagination_page_size_and_updated_since(district_viewer, api, db):
    SchoolFactory.create_batch(7)
    client = api(district_viewer)
    first = client.get("/api/v1/schools/", {"page_size": 5}).json()
    assert len(first["results"]) == 5 and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 2
    codes = [s["code"] for s in first["results"] + second["results"]]
    assert len(set(codes)) == 7
    newest = first["results"][0]["updated_at"]
    assert client.get("/api/v1/schools/", {"updated_since": newest}).json()["results"] == []
    bad = client.get("/api/v1/schools/", {"updated_since": "yesterday"})
    assert bad.status_code == 400 and "updated_since" in bad.json()["fields"]
    assert client.get("/api/v1/schools/", {"page_size": 100000}).status_code == 200


def test_etag_and_conditional_get(district_viewer, api, school_a):
    client = api(district_viewer)
    response = client.get(f"/api/v1/schools/{school_a.pk}/")
    tag = response["ETag"]
    assert client.get(f"/api/v1/schools/{school_a.pk}/", HTTP_IF_NONE_MATCH=tag).status_code == 304
    school_a.name = "海淀实验小学（改）"
    school_a.save()
    assert client.get(f"/api/v1/schools/{school_a.pk}/")["ETag"] != tag


def test_pairs_endpoint(district_viewer, api, school_a):
    AppointmentFactory(school=school_a, post=Post.SECRETARY)
    client = api(district_viewer)
    pair = client.get("/api/v1/pairs/", {"school": school_a.pk}).json()[0]
    assert pair["is_vacant"] and pair["vacancy_label"] == "校长空缺"
    assert client.get("/api/v1/pairs/", {"date": "2026-13-01"}).status_code == 400


def test_tombstones_record_deletions_in_scope(district_viewer, clerk_b, api, school_a):
    appointment = AppointmentFactory(school=school_a, post=Post.DEPUTY_PRINCIPAL)
    pk = appointment.pk
    appointment.delete()
    rows = api(district_viewer).get("/api/v1/tombstones/").json()["results"]
    assert [(r["model"], r["object_id"]) for r in rows] == [("schools.appointment", pk)]
    assert api(clerk_b).get("/api/v1/tombstones/").json()["results"] == []


def test_schema_is_valid_and_committed_copy_is_current(tmp_path):
    generated = tmp_path / "openapi.yaml"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", str(generated)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        # An empty data directory, as in a fresh clone: generating the schema must not need a database.
        env={"PATH": "/usr/bin:/bin", "DJANGO_DEBUG": "true", "DJANGO_VAR_DIR": str(tmp_path / "var")},
    )
    assert result.returncode == 0, result.stderr
    committed = ROOT / "docs" / "openapi.yaml"
    assert committed.read_text() == generated.read_text(), "docs/openapi.yaml is stale: run `make openapi`"


def test_swagger_ui_is_served_without_cdn(district_viewer, client):
    client.force_login(district_viewer)
    body = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in body and "cdn" not in body.lower()
