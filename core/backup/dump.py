"""Write a backup directory: the database as JSON, the media files and the manifest (see `core.backup`)."""

import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import django
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from . import DATABASE_FILE, FORMAT, FORMAT_VERSION, MANIFEST_FILE, MEDIA_DIR
from .common import BackupError, ExactJSONEncoder, Log, RowSerializer, copy_with_digest, dumped_models, sha256_of

BATCH = 2000


def _rows(model: type[models.Model], using: str) -> Iterator[dict]:
    """The rows of one table in primary-key order, as dumpdata's dictionaries."""
    queryset = model._base_manager.using(using).order_by(model._meta.pk.attname)
    iterator = queryset.iterator(chunk_size=BATCH)
    serializer = RowSerializer()
    while batch := list(islice(iterator, BATCH)):
        yield from serializer.serialize(batch)


def _write_database(path: Path, using: str, log: Log) -> dict[str, int]:
    """`database.json`: a JSON array with one object per line, table after table. Returns rows per table."""
    counts: dict[str, int] = {}
    first = True
    with path.open("x", encoding="utf-8") as stream:
        stream.write("[\n")
        for model in dumped_models():
            label = model._meta.label_lower
            counts[label] = 0
            for row in _rows(model, using):
                stream.write(("" if first else ",\n") + json.dumps(row, cls=ExactJSONEncoder, ensure_ascii=False))
                first = False
                counts[label] += 1
            if counts[label]:
                log(f"  {label}: {counts[label]} 行")
        stream.write("\n]\n")
    return counts


def _referenced_files(using: str) -> set[str]:
    """The names stored in every FileField (evidence uploads, report PDFs)."""
    names: set[str] = set()
    for model in dumped_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                values = model._base_manager.using(using).exclude(**{field.attname: ""}).values_list(field.attname)
                names.update(name for (name,) in values.iterator() if name)
    return names


def _copy_media(out: Path, log: Log) -> dict[str, dict]:
    """Copy every regular file under MEDIA_ROOT to `out/media/`, with its checksum as written."""
    files: dict[str, dict] = {}
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return files
    for source in sorted(root.rglob("*")):
        if source.is_symlink() or not source.is_file():
            continue
        relative = source.relative_to(root).as_posix()
        sha256, size = copy_with_digest(source, out / MEDIA_DIR / relative)
        files[f"{MEDIA_DIR}/{relative}"] = {"sha256": sha256, "size": size}
    log(f"文件：{len(files)} 个（MEDIA_ROOT {root}）")
    return files


def _applied_migrations(using: str) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app_label, name in sorted(MigrationRecorder(connections[using]).applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return applied


def backup(out: Path, *, using: str = DEFAULT_DB_ALIAS, log: Log = print) -> dict:
    """Write a complete backup into the new or empty directory `out`; returns the manifest."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(f"{out} 已存在且不是空目录；请指定新的备份目录。")
    out.mkdir(parents=True, exist_ok=True)
    connection = connections[using]
    started = timezone.now()
    log(f"备份数据库（{connection.vendor}）到 {out / DATABASE_FILE}")
    # One snapshot: all tables as of the same moment (SQLite's write lock, PostgreSQL's repeatable read).
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        migrations = _applied_migrations(using)
        counts = _write_database(out / DATABASE_FILE, using, log)
        referenced = _referenced_files(using)
        files = _copy_media(out, log)
    database = out / DATABASE_FILE
    files = {DATABASE_FILE: {"sha256": sha256_of(database), "size": database.stat().st_size}, **files}
    missing = sorted(name for name in referenced if f"{MEDIA_DIR}/{name}" not in files)
    for name in missing:
        log(f"警告：数据库引用的文件不存在：{name}")
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": started.isoformat(),
        "django_version": django.get_version(),
        "database_vendor": connection.vendor,
        "migrations": migrations,
        "row_counts": counts,
        "tables": {model._meta.label_lower: model._meta.db_table for model in dumped_models()},
        "files": files,
        "missing_files": missing,
    }
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    log(f"完成：{sum(counts.values())} 行、{len(files) - 1} 个文件，清单 {out / MANIFEST_FILE}")
    return manifest
