"""备份与恢复: `backup` of the demo data with an evidence upload and a report PDF, `restore` in a separate
process (as an operator runs it) into a second, empty database, and every table compared row by row; a
tampered file or a database that holds data is refused."""

import hashlib
import json
import os
import subprocess
import sys
import uuid
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from core.backup import DATABASE_FILE, MANIFEST_FILE
from core.backup.common import dumped_models
from core.models import User
from decisions.choices import DecisionStatus, TaskStatus
from decisions.models import Evidence, Task
from decisions.services import evidence_upload
from reports.models import ReportRun, ReportScope, ReportStatus
from tests.factories import SchoolFactory, TaskFactory

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ROOT = Path(settings.BASE_DIR)


def table_rows() -> dict[str, list]:
    """Every table of the default database read in primary-key order (also used in the restored process)."""
    tables = {}
    with connection.cursor() as cursor:
        for model in dumped_models():
            meta = model._meta
            columns = ", ".join(connection.ops.quote_name(field.column) for field in meta.concrete_fields)
            table, pk = connection.ops.quote_name(meta.db_table), connection.ops.quote_name(meta.pk.column)
            cursor.execute(f"SELECT {columns} FROM {table} ORDER BY {pk}")  # noqa: S608 - names from the models
            tables[meta.db_table] = [list(row) for row in cursor.fetchall()]
    tables["django_migrations"] = sorted(MigrationRecorder(connection).applied_migrations())
    return json.loads(json.dumps(tables, default=str))


DUMP_SCRIPT = (
    "import json, sys, django; django.setup(); "
    "from tests.core.test_backup import table_rows; sys.stdout.write(json.dumps(table_rows(), default=str))"
)


# --- a second database for the restore, as an operator would point DATABASE_URL at it --------------------
class Target:
    def __init__(self, tmp_path: Path):
        self.media = tmp_path / "restored-media"
        self.var = tmp_path / "restored-var"
        self.pg_name = None
        if connection.vendor == "postgresql":
            self.pg_name = f"h_audit_restore_{uuid.uuid4().hex[:10]}"
            self._admin(f'CREATE DATABASE "{self.pg_name}"')
            params = connection.settings_dict
            auth = params["USER"] + (f":{params['PASSWORD']}" if params.get("PASSWORD") else "")
            self.url = f"postgres://{auth}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{self.pg_name}"
        else:
            self.url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"

    def _admin(self, sql: str) -> None:
        import psycopg

        params = connection.settings_dict
        with psycopg.connect(
            host=params["HOST"] or "127.0.0.1",
            port=params["PORT"] or 5432,
            user=params["USER"],
            password=params.get("PASSWORD") or None,
            dbname="postgres",
            autocommit=True,
        ) as admin:
            admin.execute(sql)

    def drop(self) -> None:
        if self.pg_name:
            self._admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')

    def run(self, *args: str) -> subprocess.CompletedProcess:
        env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "DJANGO_VAR_DIR": str(self.var),
            "MEDIA_ROOT": str(self.media),
            "DJANGO_SETTINGS_MODULE": "haidian_governance.settings",
        }
        env.pop("REDIS_URL", None)
        env.pop("CELERY_BROKER_URL", None)
        return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False
        )

    def restore(self, directory: Path) -> subprocess.CompletedProcess:
        return self.run("manage.py", "restore", str(directory))

    def rows(self) -> dict[str, list]:
        result = self.run("-c", DUMP_SCRIPT)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)


@pytest.fixture
def target(tmp_path):
    target = Target(tmp_path)
    yield target
    target.drop()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _report_file(school) -> ReportRun:
    """A rendered school report as `reports.services` stores it: the PDF under MEDIA_ROOT/reports/."""
    run = ReportRun.objects.create(scope=ReportScope.SCHOOL, school=school, period=date(2026, 10, 1))
    run.file.name = default_storage.save(f"reports/{school.code}-2026-10.pdf", ContentFile(PDF))
    run.size, run.sha256, run.status, run.page_count = len(PDF), hashlib.sha256(PDF).hexdigest(), ReportStatus.DONE, 1
    run.save()
    return run


def _evidence(user, task) -> Evidence:
    return evidence_upload(user=user, task=task, upload=SimpleUploadedFile("验收照片.pdf", PDF + b"evidence"))


def _backup(out: Path) -> str:
    stdout = StringIO()
    call_command("backup", out=out, stdout=stdout)
    return stdout.getvalue()


def _media_files(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()}


# --- the round trip -----------------------------------------------------------------------------------
def test_seeded_database_round_trips_table_by_table(db, media, target, tmp_path):
    call_command("seed_demo", stdout=StringIO())
    clerk = User.objects.get(username="clerk")
    task = (
        Task.objects.filter(decision__school=clerk.school)
        .exclude(status=TaskStatus.DONE)
        .exclude(decision__status=DecisionStatus.CLOSED)
        .first()
    )
    evidence = _evidence(clerk, task)
    run = _report_file(clerk.school)
    out = tmp_path / "backup"

    printed = _backup(out)

    manifest = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["format_version"] == 1
    assert {f"media/{evidence.file.name}", f"media/{run.file.name}", DATABASE_FILE} <= set(manifest["files"])
    assert manifest["row_counts"]["decisions.evidence"] == Evidence.objects.count()
    assert manifest["row_counts"]["meetings.communication_participants"] > 0  # many-to-many tables too
    assert manifest["row_counts"]["meetings.historicalcommunication_participants"] > 0
    assert "core" in manifest["migrations"] and manifest["missing_files"] == []
    assert "完成：" in printed

    restored = target.restore(out)

    assert restored.returncode == 0, restored.stderr
    assert "各表行数与清单一致" in restored.stdout
    source, copy = table_rows(), target.rows()
    assert set(copy) == set(source)
    for table, rows in source.items():
        assert copy[table] == rows, f"{table} differs after restore"
    assert sum(len(rows) for rows in source.values()) > 10000
    assert _media_files(target.media) == _media_files(media)

    again = target.restore(out)
    assert again.returncode != 0
    assert "目标数据库不是空库，拒绝恢复" in again.stderr


# --- refusals ------------------------------------------------------------------------------------------
@pytest.fixture
def small_backup(db, media, tmp_path, clerk_a, school_a):
    task = TaskFactory(decision__school=school_a)
    _evidence(clerk_a, task)
    _report_file(SchoolFactory(code="Z001", name="测试学校"))
    out = tmp_path / "small"
    _backup(out)
    return out


def test_tampered_file_is_refused_before_anything_is_restored(small_backup, target):
    [pdf] = (small_backup / "media" / "evidence").rglob("*.pdf")
    pdf.write_bytes(pdf.read_bytes().replace(b"evidence", b"evidenc3"))  # same size, other content

    result = target.restore(small_backup)

    assert result.returncode != 0
    assert "备份校验失败，未做任何恢复" in result.stderr
    assert "与清单的大小或 SHA-256 不一致" in result.stderr
    assert not target.media.exists()
    assert target.run("manage.py", "showmigrations", "core", "--plan").stdout.count("[X]") == 0


def test_missing_file_and_unsafe_manifest_are_refused(small_backup, target):
    manifest = json.loads((small_backup / MANIFEST_FILE).read_text(encoding="utf-8"))
    [report] = (small_backup / "media" / "reports").iterdir()
    report.unlink()
    assert "缺少文件 media/reports/" in target.restore(small_backup).stderr

    manifest["files"]["../outside.txt"] = {"sha256": "0" * 64, "size": 1}
    (small_backup / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
    assert "文件路径不安全" in target.restore(small_backup).stderr


def test_backup_refuses_a_directory_that_holds_files(db, media, tmp_path):
    out = tmp_path / "used"
    out.mkdir()
    (out / "old.txt").write_text("x")
    with pytest.raises(CommandError, match="不是空目录"):
        _backup(out)
