"""Evidence files whose upload transaction rolled back are removed by `manage.py sweep_evidence` (and the nightly
task), once older than the grace period; files of committed uploads are never touched."""

import io
import os
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction

from decisions import services
from decisions.choices import DecisionStatus
from decisions.models import Evidence
from decisions.tasks import sweep_evidence_files
from tests.decisions.test_services import _decision
from tests.factories import TaskFactory

PDF = b"%PDF-1.7\n%test\n"


class Boom(Exception):
    pass


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def task(school_a):
    return TaskFactory(decision=_decision(school_a, DecisionStatus.IMPLEMENTING))


def _age(path: Path, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def _orphan(clerk, task) -> Path:
    """An upload whose transaction rolls back after the file was stored."""
    with pytest.raises(Boom), transaction.atomic():
        evidence = services.evidence_upload(user=clerk, task=task, upload=SimpleUploadedFile("orphan.pdf", PDF))
        path = Path(evidence.file.path)
        raise Boom
    assert path.exists() and not Evidence.objects.filter(pk=evidence.pk).exists()
    return path


def test_the_sweep_removes_old_orphans_only(clerk_a, task, media):
    kept = Path(services.evidence_upload(user=clerk_a, task=task, upload=SimpleUploadedFile("a.pdf", PDF)).file.path)
    old_orphan, new_orphan = _orphan(clerk_a, task), _orphan(clerk_a, task)
    for path in (kept, old_orphan):
        _age(path, 24)

    out = io.StringIO()
    call_command("sweep_evidence", "--dry-run", stdout=out)
    assert old_orphan.exists() and "将删除 1 个" in out.getvalue()

    out = io.StringIO()
    call_command("sweep_evidence", stdout=out)

    assert not old_orphan.exists()
    assert kept.exists() and new_orphan.exists()  # committed, and an upload that may still be in flight
    assert "检查 3 个文件，已删除 1 个" in out.getvalue()
    assert old_orphan.name in out.getvalue()

    call_command("sweep_evidence", "--grace-hours", "0", stdout=io.StringIO())
    assert not new_orphan.exists() and kept.exists()


def test_the_nightly_task_sweeps(clerk_a, task, media):
    orphan = _orphan(clerk_a, task)
    _age(orphan, 24)
    assert sweep_evidence_files.apply().get() == {"checked": 1, "removed": 1}
    assert not orphan.exists()


def test_nothing_uploaded_yet(media):
    out = io.StringIO()
    call_command("sweep_evidence", stdout=out)
    assert "检查 0 个文件" in out.getvalue()
