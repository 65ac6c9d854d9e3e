"""What backup and restore share: the models dumped, file checksums and the manifest."""

import datetime
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.python import Serializer as PythonSerializer
from django.db import models

from . import FORMAT, FORMAT_VERSION, MANIFEST_FILE

CHUNK = 1024 * 1024
Log = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that must not go on; the message says why, in Chinese."""


def dumped_models() -> list[type[models.Model]]:
    """Every table Django manages: concrete models, historical models and auto-created many-to-many tables."""
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if not model._meta.proxy and model._meta.managed and not model._meta.swapped
    ]


class RowSerializer(PythonSerializer):
    """Django's serializer without the many-to-many lists: their tables are dumped as rows of their own, with
    their primary keys, so that a restored database is identical table by table."""

    def handle_m2m_field(self, obj, field):
        return None


class ExactJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder keeps only milliseconds of times; a backup keeps every microsecond."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def copy_with_digest(source: Path, target: Path) -> tuple[str, int]:
    """Copy `source` to `target` (parents created) and return the SHA-256 and size of what was written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with source.open("rb") as reader, target.open("xb") as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            writer.write(chunk)
    return digest.hexdigest(), size


def read_manifest(directory: Path) -> dict:
    path = directory / MANIFEST_FILE
    if not path.is_file():
        raise BackupError(f"{directory} 不是备份目录：找不到 {MANIFEST_FILE}。")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise BackupError(f"{MANIFEST_FILE} 无法读取：{exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{MANIFEST_FILE} 不是本系统的备份清单。")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"备份格式版本 {manifest.get('format_version')} 不受支持（支持 {FORMAT_VERSION}）。")
    return manifest


def safe_relative(name: str) -> Path:
    """A manifest path as a relative path inside the backup; refuses absolute paths and `..`."""
    path = Path(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"备份清单中的文件路径不安全：{name}")
    return path
