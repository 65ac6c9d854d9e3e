"""`/api/v1/report-runs/`: scope for each role (out of scope is 404, lists exclude it), requesting a report
through the service (write tokens only, own scope only), the PDF download, filters and a constant query count."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from haidian_governance.celery import app as celery_app
from reports import services
from reports.models import ReportRun, ReportScope, ReportStatus
from tests.reports.test_reports import last_month

RUNS = "/api/v1/report-runs/"
NOT_FOUND = {"code": "not_found", "message": "对象不存在或不在您的权限范围内。", "fields": {}}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def eager_celery():
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


@pytest.fixture
def period():
    return last_month()


@pytest.fixture
def runs(school_a, school_b, district_a, period):
    """A queued run of each school, of 学区 A and of the district."""
    return {
        "a": ReportRun.objects.create(scope=ReportScope.SCHOOL, school=school_a, period=period),
        "b": ReportRun.objects.create(scope=ReportScope.SCHOOL, school=school_b, period=period),
        "xuequ_a": ReportRun.objects.create(scope=ReportScope.XUEQU, school_district=district_a, period=period),
        "district": ReportRun.objects.create(scope=ReportScope.DISTRICT, period=period),
    }


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("district_viewer", {"a", "b", "xuequ_a", "district"}),
        ("xuequ_viewer", {"a", "xuequ_a"}),
        ("clerk_a", {"a"}),
        ("clerk_b", {"b"}),
    ],
)
def test_list_and_retrieve_are_scoped(role, visible, request, api, runs):
    client = api(request.getfixturevalue(role))
    assert ids(client.get(RUNS)) == {runs[key].pk for key in visible}
    for key, run in runs.items():
        response = client.get(f"{RUNS}{run.pk}/")
        if key in visible:
            assert response.status_code == 200 and response.json()["id"] == run.pk
        else:
            assert response.status_code == 404 and response.json() == NOT_FOUND


def test_clerk_b_gets_404_for_school_a_and_cannot_request_it(clerk_b, api, runs, school_a, period):
    client = api(clerk_b, can_write=True)
    assert client.get(f"{RUNS}{runs['a'].pk}/").json() == NOT_FOUND
    assert client.get(f"{RUNS}{runs['a'].pk}/download/").status_code == 404
    assert runs["a"].pk not in ids(client.get(RUNS))
    before = ReportRun.objects.count()
    response = client.post(RUNS, {"scope": "school", "school": school_a.pk, "month": f"{period:%Y-%m}"})
    assert response.status_code == 400 and "school" in response.json()["fields"]
    response = client.post(RUNS, {"scope": "district", "month": f"{period:%Y-%m}"}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["scope"] == [services.REQUEST_DENIED]
    assert ReportRun.objects.count() == before


def test_read_only_token_cannot_request(clerk_a, api, school_a, period):
    response = api(clerk_a).post(RUNS, {"scope": "school", "school": school_a.pk, "month": f"{period:%Y-%m}"})
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert not ReportRun.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"scope": "school", "month": "2026-10"}, "school"),
        ({"scope": "school", "month": "十月"}, "month"),
        ({"scope": "school", "month": "2999-01"}, "month"),
        ({"scope": "galaxy", "month": "2026-10"}, "scope"),
    ],
)
def test_bad_request_input_is_400_with_fields(clerk_a, api, school_a, payload, field):
    if payload["scope"] == "school" and field != "school":
        payload = {**payload, "school": school_a.pk}
    response = api(clerk_a, can_write=True).post(RUNS, payload, format="json")
    assert response.status_code == 400 and field in response.json()["fields"], response.json()
    assert not ReportRun.objects.exists()


def test_request_renders_and_downloads_the_pdf(
    clerk_a, district_viewer, clerk_b, api, school_a, period, django_capture_on_commit_callbacks
):
    client = api(clerk_a, can_write=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RUNS, {"scope": "school", "school": school_a.pk, "month": f"{period:%Y-%m}"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["scope"] == "school" and body["school"] == school_a.pk and body["period"] == f"{period:%Y-%m}-01"
    assert body["target_label"] == "海淀实验小学" and body["scope_label"] == "学校"
    run = ReportRun.objects.get(pk=body["id"])
    assert run.requested_by == clerk_a and run.status == ReportStatus.DONE  # eager Celery rendered it on commit

    detail = client.get(f"{RUNS}{run.pk}/").json()
    assert detail["status"] == "done" and detail["progress"] == 100 and detail["sha256"] == run.sha256
    assert detail["download_url"].endswith(f"{RUNS}{run.pk}/download/")
    for user in (clerk_a, district_viewer):
        response = api(user).get(f"{RUNS}{run.pk}/download/", HTTP_ACCEPT="application/pdf")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        data = b"".join(response.streaming_content)
        assert data.startswith(b"%PDF") and len(data) == run.size
        assert "attachment" in response["Content-Disposition"]
    assert api(clerk_b).get(f"{RUNS}{run.pk}/download/").status_code == 404


def test_download_of_a_pending_run_is_404(clerk_a, api, runs):
    response = api(clerk_a).get(f"{RUNS}{runs['a'].pk}/download/")
    assert response.status_code == 404 and response.json() == NOT_FOUND
    assert api(clerk_a).get(f"{RUNS}{runs['a'].pk}/").json()["download_url"] is None


def test_filters(district_viewer, api, runs, school_a, district_a, period):
    client = api(district_viewer)
    assert ids(client.get(RUNS, {"scope": "school"})) == {runs["a"].pk, runs["b"].pk}
    assert ids(client.get(RUNS, {"school": school_a.pk})) == {runs["a"].pk}
    assert ids(client.get(RUNS, {"school_district": district_a.pk})) == {runs["xuequ_a"].pk}
    ReportRun.objects.filter(pk=runs["district"].pk).update(status=ReportStatus.FAILED)
    assert ids(client.get(RUNS, {"status": "failed"})) == {runs["district"].pk}
    assert len(ids(client.get(RUNS, {"period": f"{period:%Y-%m-%d}"}))) == 4
    assert ids(client.get(RUNS, {"period_before": f"{period - datetime.timedelta(days=1):%Y-%m-%d}"})) == set()
    newest = client.get(RUNS).json()["results"][0]["updated_at"]
    assert ids(client.get(RUNS, {"updated_since": newest})) == set()
    run = runs["b"]
    run.is_current = False
    run.save()
    assert ids(client.get(RUNS, {"updated_since": newest})) == {run.pk}
    assert run.pk not in ids(client.get(RUNS, {"is_current": "true"}))


def _runs(count, school_a, district_a, period):
    for index in range(count):
        month = datetime.date(period.year - 1 - index // 12, index % 12 + 1, 1)
        if index % 3 == 0:
            ReportRun.objects.create(scope=ReportScope.SCHOOL, school=school_a, period=month)
        elif index % 3 == 1:
            ReportRun.objects.create(scope=ReportScope.XUEQU, school_district=district_a, period=month)
        else:
            ReportRun.objects.create(scope=ReportScope.DISTRICT, period=month)


def test_list_query_count_is_constant(district_viewer, api, school_a, district_a, period):
    client = api(district_viewer)
    client.get(RUNS)  # warm up (token lookup caches, content types)
    counts = []
    for total in (3, 10):
        ReportRun.objects.all().delete()
        _runs(total, school_a, district_a, period)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(RUNS)
        assert len(response.json()["results"]) == total
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
