"""Regressions for what schemathesis found (`.ci/api-fuzz`): each answer is checked against the committed schema
(docs/openapi.yaml, kept current by test_core_api) the way schemathesis checks it — the status code is documented,
the content type is documented for it and the body matches its schema."""

import base64
import datetime
from pathlib import Path

import pytest
import requests
import schemathesis
import yaml
from django.utils import timezone
from schemathesis.core.transport import Response

from decisions.models import Consultation
from reports.models import ReportRun, ReportScope
from tests.factories import DecisionFactory, MeetingFactory, PersonFactory, TaskFactory

ROOT = Path(__file__).resolve().parents[2]
ERROR_CODES = {"400", "401", "403", "404", "409", "412", "415", "428", "429"}


@pytest.fixture(scope="module")
def schema():
    return schemathesis.openapi.from_dict(yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text()))


def conforms(schema, method: str, template: str, response) -> None:
    """What schemathesis's status_code / content_type / response_schema conformance checks demand."""
    operation = schema[template][method.upper()]
    documented = operation.definition.raw["responses"]
    status = str(response.status_code)
    assert status in documented, f"{method} {template}: {status} is not documented ({sorted(documented)})"
    media_types = documented[status].get("content", {})
    if response.content:
        content_type = response["Content-Type"].split(";")[0].strip()
        assert content_type in media_types, f"{method} {template} {status}: {content_type} not in {list(media_types)}"
    prepared = requests.Request(method.upper(), f"http://testserver{response.request['PATH_INFO']}").prepare()
    operation.validate_response(
        Response(
            status_code=response.status_code,
            headers={key.lower(): [value] for key, value in response.headers.items()},
            content=response.content,
            request=prepared,
            elapsed=0.0,
            verify=False,
        )
    )


# --- 500: PUT / PATCH routes that had no update behind them -----------------------------------------------------
@pytest.mark.parametrize("resource", ["tasks", "consultations", "report-runs"])
def test_records_without_update_have_no_put_or_patch(resource, secretary_a, school_a, api, schema):
    """ServiceWriteMixin gave every create-only viewset update routes; with a valid If-Match they called a missing
    `update_object` (AttributeError, 500). They are now 405 and absent from the schema."""
    task = TaskFactory(decision__school=school_a)
    record = {
        "tasks": task,
        "consultations": Consultation.objects.create(
            decision=task.decision, person=PersonFactory(), consulted_on=timezone.localdate(), opinion="同意。"
        ),
        "report-runs": ReportRun.objects.create(
            scope=ReportScope.SCHOOL, school=school_a, period=timezone.localdate().replace(day=1)
        ),
    }[resource]
    client = api(secretary_a, can_write=True)
    url = f"/api/v1/{resource}/{record.pk}/"
    etag = client.get(url)["ETag"]
    for method in ("put", "patch"):
        response = getattr(client, method)(url, {}, format="json", HTTP_IF_MATCH=etag)
        assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"
        assert method not in schema.raw_schema["paths"][f"/api/v1/{resource}/{{id}}/"]


# --- undocumented status codes ------------------------------------------------------------------------------
def test_error_answers_are_documented_with_the_error_shape(district_viewer, secretary_a, school_a, api, schema):
    reader = api(district_viewer)
    conforms(schema, "get", "/api/v1/schools/", reader.get("/api/v1/schools/", {"district": 999999}))  # 400
    conforms(schema, "get", "/api/v1/schools/{id}/", reader.get("/api/v1/schools/999999/"))  # 404
    conforms(schema, "get", "/api/v1/pairs/", reader.get("/api/v1/pairs/", {"school": "x"}))  # 400
    decision = DecisionFactory(school=school_a)
    url = f"/api/v1/decisions/{decision.pk}/"
    conforms(schema, "patch", "/api/v1/decisions/{id}/", reader.patch(url, {}, format="json"))  # 403 read-only
    writer = api(secretary_a, can_write=True)
    conforms(schema, "patch", "/api/v1/decisions/{id}/", writer.patch(url, {}, format="json"))  # 428
    stale = writer.patch(url, {}, format="json", HTTP_IF_MATCH='"stale"')
    assert stale.status_code == 412
    conforms(schema, "patch", "/api/v1/decisions/{id}/", stale)
    task = TaskFactory(decision__school=school_a)
    progress = writer.post(f"/api/v1/tasks/{task.pk}/progress/", {}, format="json", HTTP_IF_MATCH='"x"')
    assert progress.status_code == 412
    conforms(schema, "post", "/api/v1/tasks/{id}/progress/", progress)
    anonymous = writer.__class__().get("/api/v1/schools/")
    assert anonymous.status_code == 401
    conforms(schema, "get", "/api/v1/schools/", anonymous)


def test_every_operation_documents_its_error_codes(schema):
    raw = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())
    for path, operations in raw["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            if path != "/api/v1/auth/token/":
                assert {"401", "403", "429"} <= codes, (method, path)
            if "{id}" in path:
                assert "404" in codes, (method, path)
            headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            if "If-Match" in headers:
                assert "412" in codes, (method, path)
            for code in codes & ERROR_CODES:
                assert operation["responses"][code]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"
                }, (method, path, code)


def test_updates_document_their_if_match_header(schema):
    raw = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())
    for path, operations in raw["paths"].items():
        for method in ("put", "patch"):
            if method in operations:
                headers = {p["name"]: p for p in operations[method].get("parameters", []) if p["in"] == "header"}
                assert headers["If-Match"]["required"], (method, path)
                assert {"412", "428"} <= set(operations[method]["responses"]), (method, path)


def test_token_refusals_are_documented(db, schema):
    from rest_framework.test import APIClient

    client = APIClient()
    conforms(schema, "post", "/api/v1/auth/token/", client.post("/api/v1/auth/token/", {}, format="json"))  # 400
    wrong = client.post("/api/v1/auth/token/", {"username": "nobody", "password": "x"}, format="json")
    assert wrong.status_code == 403
    conforms(schema, "post", "/api/v1/auth/token/", wrong)


# --- responses that did not match their schema ---------------------------------------------------------------
def test_decision_with_its_creation_transition_matches_the_schema(clerk_a, school_a, api, schema):
    """The creation transition has `from_status: ""`, which the enum of the schema did not allow."""
    client = api(clerk_a, can_write=True)
    created = client.post(
        "/api/v1/decisions/",
        {"school": school_a.pk, "title": "教学楼维修", "category": "general", "tier": "consult"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["transitions"][0]["from_status"] == ""
    conforms(schema, "post", "/api/v1/decisions/", created)
    conforms(schema, "get", "/api/v1/decisions/{id}/", client.get(f"/api/v1/decisions/{created.json()['id']}/"))
    conforms(schema, "get", "/api/v1/decisions/", client.get("/api/v1/decisions/"))


def test_meeting_start_time_matches_the_schema(secretary_a, school_a, api, schema):
    """Times of day are local without an offset ("14:00:00"); the schema said RFC 3339 `time`, which needs one."""
    meeting = MeetingFactory(school=school_a, start_time=datetime.time(14, 0))
    client = api(secretary_a)
    response = client.get(f"/api/v1/meetings/{meeting.pk}/")
    assert response.json()["start_time"] == "14:00:00"
    conforms(schema, "get", "/api/v1/meetings/{id}/", response)
    conforms(schema, "get", "/api/v1/meetings/", client.get("/api/v1/meetings/"))


# --- wrong status or content type ----------------------------------------------------------------------------
def test_a_cursor_the_api_did_not_issue_is_a_400(district_viewer, api, schema, school_a):
    client = api(district_viewer)
    for cursor in ("è", "not-base64!", base64.b64encode(b"o=-1").decode()):
        response = client.get("/api/v1/schools/", {"cursor": cursor})
        assert response.status_code == 400 and "cursor" in response.json()["fields"], cursor
        conforms(schema, "get", "/api/v1/schools/", response)
    assert client.get("/api/v1/findings/", {"cursor": "è"}).status_code == 400
    assert client.get("/api/v1/tombstones/", {"cursor": "è"}).status_code == 400


@pytest.mark.parametrize("path", ["/api/v1/schools/0.5/", "/api/v1/meetings/1/held/x/", "/api/v1/no-such-thing/"])
def test_unknown_api_paths_answer_the_json_404(path, secretary_a, api):
    client = api(secretary_a, can_write=True)
    for response in (client.get(path), client.post(path, {}, format="json")):
        assert response.status_code == 404 and response["Content-Type"] == "application/json"
        assert response.json() == {"code": "not_found", "message": "对象不存在或不在您的权限范围内。", "fields": {}}
    assert client.get("/api/v1/schools")["Location"] == "/api/v1/schools/"  # APPEND_SLASH still redirects


def test_pdf_download_errors_are_json_not_labelled_pdf(secretary_a, school_a, api, schema):
    run = ReportRun.objects.create(scope=ReportScope.SCHOOL, school=school_a, period=datetime.date(2026, 10, 1))
    client = api(secretary_a)
    for url in (f"/api/v1/report-runs/{run.pk}/download/", "/api/v1/report-runs/999999/download/"):
        for extra in ({"format": "pdf"}, {}):
            response = client.get(url, extra, HTTP_ACCEPT="application/pdf")
            assert response.status_code == 404 and response["Content-Type"] == "application/json"
            conforms(schema, "get", "/api/v1/report-runs/{id}/download/", response)


# --- 500: `updated_since` instants the database cannot compare with ----------------------------------------------
def _sync_lists(schema) -> list[str]:
    return sorted(
        path
        for path, item in schema.raw_schema["paths"].items()
        if "get" in item and any(p["name"] == "updated_since" for p in item["get"].get("parameters", []))
    )


@pytest.mark.parametrize(
    "instant",
    [
        "9843-12-14T22:00:02-20:14",  # offset beyond ±14:00 (PostgreSQL refuses beyond ±15:59)
        "0018-10-23T18:48:22.27+20:20",
        "0001-01-01T00:00:00+05:00",  # before year 1 in UTC
        "9999-12-31T23:59:59-05:00",  # after year 9999 in UTC
        "2026-13-01T00:00:00Z",
    ],
)
def test_updated_since_out_of_range_is_a_400_on_every_list(instant, district_viewer, api, schema, school_a):
    client = api(district_viewer)
    paths = _sync_lists(schema)
    assert len(paths) >= 10, paths
    for path in paths:
        response = client.get(path, {"updated_since": instant})
        assert response.status_code == 400, (path, response.status_code)
        assert "updated_since" in response.json()["fields"], path
        conforms(schema, "get", path, response)


def test_updated_since_keeps_real_offsets(district_viewer, api, school_a):
    client = api(district_viewer)
    school_a.save()  # updated now
    changed = timezone.now()
    before = (changed - datetime.timedelta(minutes=1)).astimezone(datetime.timezone(datetime.timedelta(hours=-12)))
    after = (changed + datetime.timedelta(minutes=1)).astimezone(datetime.timezone(datetime.timedelta(hours=14)))

    def codes(since):
        rows = client.get("/api/v1/schools/", {"updated_since": since.isoformat()}).json()["results"]
        return [row["code"] for row in rows]

    assert school_a.code in codes(before)
    assert codes(after) == []
