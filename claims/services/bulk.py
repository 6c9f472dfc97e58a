"""rows_insert: many rows into one table, in the caller's transaction, fast.

PostgreSQL: COPY FROM STDIN from an in-memory buffer, a batch of rows per
statement. Other backends (SQLite for `make run`): bulk_create. Rows are plain
tuples, not model instances: model instances through bulk_create cost ~100 µs a
row on the development machine (docs/BENCHMARKS.md), tuples through COPY about a
tenth of that, most of it PostgreSQL's own work (indexes, constraints).

Nothing here runs model logic: no save(), no signals, no auto_now. The caller
passes every column the table needs (timestamps included); the database's
constraints still check every row.
"""

import io
import re
from collections.abc import Callable, Iterable, Sequence

from django.db import connection, models

BATCH_SIZE = 5000  # rows per bulk_create (SQLite and other backends)
COPY_BATCH_SIZE = 50_000  # rows per COPY statement: bounds the buffer's size
COPY_READ_SIZE = 1 << 20  # bytes psycopg2 reads from the buffer at a time

Progress = Callable[[str, int, int], None]  # (stage, done, total)

# COPY's text format escapes backslash, tab, newline and carriage return; \N is NULL.
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _copy_text(value: object) -> str:
    """One value of a text or nullable column in COPY's text format."""
    if isinstance(value, str):
        if _COPY_SPECIAL.search(value) is None:
            return value
        return _COPY_SPECIAL.sub(lambda m: _COPY_ESCAPES[m.group()], value)
    if value is None:
        return "\\N"
    return str(value)


def _line_maker(model: type[models.Model], columns: Sequence[str]) -> Callable[[tuple], str]:
    """A function writing one row as a line of COPY text.

    str() (here "%s") is right as it is for numbers (the shortest repr that reads
    back as the same double, numpy's float64 included), integers, dates and
    booleans; only text columns (which may need escaping) and nullable ones (None
    is \\N) go through _copy_text. A few microseconds a row, mostly float repr.
    """
    fields = [model._meta.get_field(name) for name in columns]
    if any(isinstance(field, models.JSONField | models.BinaryField) for field in fields):
        raise TypeError("rows_insert writes text, numbers, dates and booleans only")
    text_types = (models.CharField, models.TextField)
    special = tuple(
        i for i, field in enumerate(fields) if field.null or isinstance(field, text_types)
    )

    template = "\t".join(["%s"] * len(fields))  # one formatting call per row

    def line(row: tuple) -> str:
        # _copy_text inlined: a score row has five such columns, and a call, an
        # isinstance and a regex search each cost more than the `in` tests below.
        values = list(row)
        for i in special:
            value = values[i]
            if value is None:
                values[i] = "\\N"
            elif value.__class__ is str:
                if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
                    values[i] = _copy_text(value)
            elif isinstance(value, str):  # a subclass: escaped like any text
                values[i] = _copy_text(value)
            # Anything else (numbers, dates) is written by "%s" as str() would.
        return template % tuple(values)

    return line


def rows_insert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[tuple],
    *,
    total: int | None = None,
    stage: str | None = None,
    progress: Progress | None = None,
) -> int:
    """Insert `rows` (tuples of values for the fields named by `columns`) into `model`.

    `columns` are field attnames (`map_id`, not `map`). Returns the number of rows.
    `progress(stage, done, total)` is called after each batch. Raises the database's
    IntegrityError/DataError like a save would, leaving the transaction to roll back.
    """
    postgres = connection.vendor == "postgresql"
    batch_size = COPY_BATCH_SIZE if postgres else BATCH_SIZE
    if postgres:
        quote = connection.ops.quote_name
        opts = model._meta
        names = ", ".join(quote(opts.get_field(c).column) for c in columns)
        sql = f"COPY {quote(opts.db_table)} ({names}) FROM STDIN"
        line = _line_maker(model, columns)
    done = 0
    batch: list[tuple] = []

    def flush() -> None:
        nonlocal done
        if postgres:
            text = "\n".join([line(row) for row in batch]) + "\n"
            buffer = io.BytesIO(text.encode("utf-8"))
            del text
            with connection.wrap_database_errors, connection.cursor() as cursor:
                cursor.copy_expert(sql, buffer, COPY_READ_SIZE)
        else:
            model._default_manager.bulk_create(
                [model(**dict(zip(columns, row, strict=True))) for row in batch]
            )
        done += len(batch)
        batch.clear()
        if progress is not None and stage is not None:
            progress(stage, done, total if total is not None else done)

    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    return done
