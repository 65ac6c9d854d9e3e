"""The API's JSON over the demo district, compared with stored output (`tests/api/golden/`).

Whatever changes inside the read path (serializers, selectors, prefetching), what clients get must stay the same
byte for byte: every list endpoint's first page and a few records, as a district admin, as a 学区 viewer (who sees
confidential agenda items redacted) and as the secretary of the lead school. The demo is seeded, and the API read,
with the demo's own clock (`decisions.demo.base.clock`) set to one fixed moment, and with the id sequences reset, so
two runs (SQLite or PostgreSQL) give the same output. `UPDATE_GOLDEN=1 pytest tests/api/test_golden_output.py`
rewrites the stored files.
"""

import datetime
import json
import os
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from rest_framework.test import APIClient

from core.models import User
from core.tokens import api_token_create
from decisions.demo.base import clock

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
NOW = datetime.datetime(2026, 11, 25, 22, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PAGE = "?page_size=40"

LISTS = [
    "school-districts",
    "groups",
    "schools",
    "people",
    "appointments",
    "memberships",
    "pairs",
    "communications",
    "meetings",
    "agenda-items",
    "decisions",
    "consultations",
    "tasks",
    "findings",
    "matter-types",
    "rules",
    "report-runs",
]
DETAILS = ["meetings", "decisions", "tasks", "communications", "agenda-items", "schools"]
ACTORS = ["district_admin", "xuequ_viewer", "secretary"]


def _reset_sequences() -> None:
    """Ids start where an empty database starts them, whatever ran before in this test database."""
    models = list(apps.get_models(include_auto_created=True))
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            statements = connection.ops.sequence_reset_by_name_sql(no_style(), connection.introspection.sequence_list())
        else:
            statements = connection.ops.sequence_reset_sql(no_style(), models)
        for sql in statements:
            cursor.execute(sql)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo district, seeded once for the module at NOW and rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        _reset_sequences()
        with clock(NOW):
            call_command("seed_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def _client(username: str) -> APIClient:
    client = APIClient()
    _token, key = api_token_create(user=User.objects.get(username=username), name="golden", can_write=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _get(client: APIClient, url: str):
    with clock(NOW):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return response.json()


def _compare(name: str, data) -> None:
    path = GOLDEN / f"{name}.json"
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run with UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8"), f"the API output of {name} changed"


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("resource", LISTS)
def test_list_first_page(demo, db, actor, resource):
    _compare(f"{actor}--{resource}", _get(_client(actor), f"/api/v1/{resource}/{PAGE}"))


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("resource", DETAILS)
def test_details(demo, db, actor, resource):
    """The first and the last record of the first page, read one by one."""
    client = _client(actor)
    page = _get(client, f"/api/v1/{resource}/{PAGE}")["results"]
    assert page, f"{actor} sees no {resource}"
    records = {str(row["id"]): _get(client, f"/api/v1/{resource}/{row['id']}/") for row in (page[0], page[-1])}
    _compare(f"{actor}--{resource}--detail", records)
