"""Fast row writers for the generated dataset: explicit primary keys, COPY on PostgreSQL, executemany on SQLite.

Rows bypass the ORM (and the services): every value is given explicitly, so the generator decides the ids and
the tables can be flushed in dependency order, one transaction per chunk of schools.
"""

from datetime import UTC, date, datetime, time

from django.db import connection
from django.db.models import Max, Model


class Table:
    """A buffer of rows for one table; `add(**values)` returns the row's new primary key."""

    def __init__(self, model: type[Model], fields: list[str], *, has_id: bool = True):
        self.model = model
        self.name = model._meta.db_table
        self.fields = fields
        self.has_id = has_id
        self.columns = (["id"] if has_id else []) + [model._meta.get_field(name).column for name in fields]
        self.rows: list[tuple] = []
        self.written = 0
        start = model.objects.aggregate(top=Max("pk"))["top"] if has_id else 0
        self.next_id = (start or 0) + 1

    def add(self, **values) -> int:
        pk = self.next_id
        self.next_id += 1
        self.rows.append((pk, *[values[name] for name in self.fields]))
        return pk

    def flush(self) -> int:
        rows, self.rows = self.rows, []
        if not rows:
            return 0
        columns = ", ".join(f'"{column}"' for column in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f'COPY "{self.name}" ({columns}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f'INSERT INTO "{self.name}" ({columns}) VALUES ({marks})', [_sqlite_row(row) for row in rows]
                )
        self.written += len(rows)
        return len(rows)

    def reset_sequence(self) -> None:
        if connection.vendor != "postgresql" or not self.has_id:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{self.name}\"', 'id'), "
                f'COALESCE((SELECT MAX(id) FROM "{self.name}"), 1))'
            )


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def _sqlite_row(row: tuple) -> tuple:
    return tuple(_sqlite_value(value) for value in row)
