"""Restore a backup directory into an empty database (see `core.backup`).

Order: check every file's size and SHA-256 against the manifest → refuse a database that holds data or a
backup from migrations this code does not have → copy the media files (never over a different file) →
migrate to the backup's migration state → in one transaction replace the content types and permissions that
`migrate` created by the backup's own (same primary keys), insert every row with its primary key, check the
foreign keys and compare the row count of every table with the manifest → migrate to the current code.
"""

import json
from collections import defaultdict
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.python import Deserializer as PythonDeserializer
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.executor import MigrationExecutor

from core import dataversion

from . import DATABASE_FILE, MEDIA_DIR
from .common import BackupError, Log, copy_with_digest, dumped_models, read_manifest, safe_relative, sha256_of

BATCH = 2000
# Rows that `migrate` itself creates; the backup brings its own.
MIGRATE_CREATED = ("contenttypes.contenttype", "auth.permission")


# --- checks before anything is written -----------------------------------------------------------------
def verify_files(directory: Path, manifest: dict) -> None:
    """Every file of the manifest is there with its size and SHA-256; otherwise nothing is restored."""
    problems = []
    files = manifest.get("files") or {}
    if DATABASE_FILE not in files:
        problems.append(f"清单中没有 {DATABASE_FILE}")
    for name, expected in files.items():
        path = directory / safe_relative(name)
        if not path.is_file():
            problems.append(f"缺少文件 {name}")
        elif path.stat().st_size != expected.get("size") or sha256_of(path) != expected.get("sha256"):
            problems.append(f"文件 {name} 与清单的大小或 SHA-256 不一致（已被修改或损坏）")
    if problems:
        raise BackupError("备份校验失败，未做任何恢复：\n  " + "\n  ".join(problems))


def _migration_targets(manifest: dict, executor: MigrationExecutor) -> list[tuple[str, str | None]]:
    """The last applied migration of each app in the backup; refuses migrations this code does not know."""
    graph = executor.loader.graph
    applied = {(app, name) for app, names in (manifest.get("migrations") or {}).items() for name in names}
    unknown = sorted(f"{app}.{name}" for app, name in applied if (app, name) not in graph.nodes)
    if unknown:
        raise BackupError("备份来自更新版本的程序，本程序没有这些迁移：" + "、".join(unknown[:10]))
    targets: list[tuple[str, str | None]] = []
    for node in sorted(applied):
        children = {child.key for child in graph.node_map[node].children}
        if not any(child in applied and child[0] == node[0] for child in children):
            targets.append(node)
    backed_up_apps = {app for app, _name in applied}
    targets += [(app, None) for app in sorted(executor.loader.migrated_apps) if app not in backed_up_apps]
    return targets


def non_empty_tables(using: str) -> list[str]:
    """Tables of this code that already hold rows (those `migrate` fills itself excepted)."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    busy = []
    for model in dumped_models():
        if model._meta.label_lower in MIGRATE_CREATED or model._meta.db_table not in existing:
            continue
        if model._base_manager.using(using).exists():
            busy.append(model._meta.db_table)
    return busy


def _media_plan(directory: Path, manifest: dict) -> list[tuple[Path, Path, str]]:
    """(source, target, sha256) of each media file to copy; refuses to overwrite a different file."""
    root = Path(settings.MEDIA_ROOT)
    plan, clashes = [], []
    for name, expected in (manifest.get("files") or {}).items():
        relative = safe_relative(name)
        if relative.parts[0] != MEDIA_DIR:
            continue
        target = root.joinpath(*relative.parts[1:])
        if target.exists():
            if not target.is_file() or sha256_of(target) != expected["sha256"]:
                clashes.append(str(target))
            continue  # the same file is already there
        plan.append((directory / relative, target, expected["sha256"]))
    if clashes:
        raise BackupError("MEDIA_ROOT 中已有同名但内容不同的文件，未做任何恢复：\n  " + "\n  ".join(clashes[:20]))
    return plan


# --- writing ----------------------------------------------------------------------------------------------
def _copy_media(plan: list[tuple[Path, Path, str]], log: Log) -> None:
    for source, target, sha256 in plan:
        partial = target.with_name(f".{target.name}.restoring")
        partial.unlink(missing_ok=True)
        written, _size = copy_with_digest(source, partial)
        if written != sha256:
            partial.unlink()
            raise BackupError(f"复制 {source} 时校验失败。")
        partial.replace(target)
    log(f"文件：已复制 {len(plan)} 个到 MEDIA_ROOT {settings.MEDIA_ROOT}")


def _objects(path: Path) -> Iterator[dict]:
    """The rows of `database.json`, one object per line as `backup` writes them."""
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            line = line.strip().rstrip(",")
            if line and line not in ("[", "]"):
                yield json.loads(line)


def _insert(model: type[models.Model], objs: list[models.Model], using: str) -> None:
    """Insert rows as they are (no auto_now, no signals): each column's value as the field prepares it for saving."""
    connection = connections[using]
    fields = list(model._meta.local_concrete_fields)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608 - quoted names from the model
    rows = [[field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields] for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _load_rows(path: Path, using: str, log: Log) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    rows = _objects(path)
    while batch := list(islice(rows, BATCH)):
        by_model: dict[type[models.Model], list[models.Model]] = defaultdict(list)
        for deserialized in PythonDeserializer(batch, using=using):
            by_model[type(deserialized.object)].append(deserialized.object)
        for model, objs in by_model.items():
            _insert(model, objs, using)
            counts[model._meta.label_lower] += len(objs)
    return counts


def _check_counts(manifest: dict, using: str) -> None:
    expected = manifest.get("row_counts") or {}
    wrong = []
    for label, count in expected.items():
        model = apps.get_model(label)
        actual = model._base_manager.using(using).count()
        if actual != count:
            wrong.append(f"{label}：清单 {count} 行，恢复后 {actual} 行")
    if wrong:
        raise BackupError("恢复后的行数与清单不一致，已全部撤销：\n  " + "\n  ".join(wrong))


def _load_database(directory: Path, manifest: dict, using: str, log: Log) -> None:
    connection = connections[using]
    tables = [model._meta.db_table for model in dumped_models()]
    with transaction.atomic(using=using):
        Permission.objects.using(using).all().delete()
        ContentType.objects.using(using).all().delete()
        with connection.constraint_checks_disabled():
            counts = _load_rows(directory / DATABASE_FILE, using, log)
        connection.check_constraints(table_names=tables)
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), dumped_models()):
                cursor.execute(statement)
        _check_counts(manifest, using)
    ContentType.objects.clear_cache()
    dataversion.bump()  # rows loaded in bulk send no signal
    log(f"数据库：已载入 {sum(counts.values())} 行（{len(counts)} 张表），各表行数与清单一致")


def restore(directory: Path, *, using: str = DEFAULT_DB_ALIAS, log: Log = print) -> dict:
    """Restore the backup in `directory` into the empty database `using`; returns the manifest."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    log(f"校验备份 {directory}（{manifest.get('created_at')}，{len(manifest.get('files') or {})} 个文件）")
    verify_files(directory, manifest)
    connection = connections[using]
    executor = MigrationExecutor(connection)
    targets = _migration_targets(manifest, executor)
    busy = non_empty_tables(using)
    if busy:
        raise BackupError("目标数据库不是空库，拒绝恢复（已有数据的表：" + "、".join(busy[:10]) + "）。")
    plan = _media_plan(directory, manifest)
    log("校验通过")
    _copy_media(plan, log)  # first: a failed load leaves only identical files, which a retry accepts
    log("迁移数据库到备份时的结构")
    executor.migrate(targets, plan=executor.migration_plan(targets))
    _load_database(directory, manifest, using, log)
    call_command("migrate", database=using, interactive=False, verbosity=0)
    log("恢复完成")
    return manifest
