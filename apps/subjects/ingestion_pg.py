"""Set-based writes of a batch on PostgreSQL (DESIGN.md section 9): the rows of a chunk go into a
temporary staging table through `COPY`, then into the table with one `INSERT … SELECT` (new rows)
or one `UPDATE … FROM` (changed rows), and their history rows with one `INSERT … SELECT` from
what was written, filled as simple-history fills its own (history date, type "+" or "~", user,
change reason), so the history pages show them. No model instance is saved one by one and no
history row is built in Python.

`_write_chunk` (apps.subjects.ingestion) uses it on PostgreSQL when `enabled()`; elsewhere, and
with it switched off, the project's bulk helpers (apps.core.audit). Both give the same tables:
tests/subjects/test_ingestion_paths.py runs the same files through both.
"""

from __future__ import annotations

from django.db import connections, router, transaction
from django.utils import timezone

# Switched off by the equivalence test to run the other path on the same database.
SET_BASED = {"on": True}


def enabled(model) -> bool:
    return SET_BASED["on"] and connections[router.db_for_write(model)].vendor == "postgresql"


def _stage(cursor, connection, model, fields, suffix: str) -> str:
    """An empty temporary table with `fields`' columns of the model's table (dropped at commit)."""
    qn = connection.ops.quote_name
    stage = qn(f"stage_{model._meta.db_table}_{suffix}")
    columns = ", ".join(qn(f.column) for f in fields)
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DROP AS "  # noqa: S608 (names from the model)
        f"SELECT {columns} FROM {qn(model._meta.db_table)} WITH NO DATA"
    )
    cursor.execute(f"TRUNCATE {stage}")
    return stage


def _copy(cursor, connection, table: str, fields, objs, *, add: bool) -> None:
    qn = connection.ops.quote_name
    sql = f"COPY {table} ({', '.join(qn(f.column) for f in fields)}) FROM STDIN"
    with connection.wrap_database_errors, cursor.copy(sql) as copy:
        for obj in objs:
            copy.write_row([f.get_db_prep_save(f.pre_save(obj, add), connection) for f in fields])


def _history(cursor, connection, model, source: str, history_type: str, actor, reason: str) -> None:
    """One history row for each row of `source` (an SQL FROM clause whose alias `t` has the
    model's columns), in one INSERT … SELECT."""
    qn = connection.ops.quote_name
    historical = getattr(model, model._meta.simple_history_manager_attribute).model
    tracked = {f.attname: f for f in model._meta.concrete_fields}
    special = {
        "history_date": timezone.now(),
        "history_type": history_type,
        "history_user_id": actor.pk if actor is not None else None,
        "history_change_reason": reason,
    }
    fields = [f for f in historical._meta.concrete_fields if not f.primary_key]
    unknown = [f.attname for f in fields if f.attname not in tracked and f.attname not in special]
    if unknown:
        raise TypeError(f"{historical.__name__}: no value for {', '.join(unknown)}")
    values, params = [], []
    for f in fields:
        if f.attname in tracked:
            values.append(f"t.{qn(tracked[f.attname].column)}")
        else:
            values.append("%s")
            params.append(special[f.attname])
    cursor.execute(
        f"INSERT INTO {qn(historical._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM {source}",
        params,
    )


def create(objs: list, model, *, by, reason: str) -> list:
    """Insert new objects (ids taken from the table's sequence) and their "+" history rows."""
    if not objs:
        return objs
    connection = connections[router.db_for_write(model)]
    qn = connection.ops.quote_name
    actor = by if getattr(by, "is_authenticated", False) else None
    fields = model._meta.concrete_fields
    pk = model._meta.pk
    with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, pk.column, len(objs)],
        )
        for obj, (value,) in zip(objs, cursor.fetchall(), strict=True):
            setattr(obj, pk.attname, value)
        stage = _stage(cursor, connection, model, fields, "new")
        _copy(cursor, connection, stage, fields, objs, add=True)
        columns = ", ".join(qn(f.column) for f in fields)
        with connection.wrap_database_errors:
            cursor.execute(f"INSERT INTO {qn(model._meta.db_table)} ({columns}) SELECT {columns} FROM {stage}")  # noqa: S608
        _history(cursor, connection, model, f"{stage} t", "+", actor, reason)
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias
    return objs


def update(objs: list, model, field_names: list[str], *, by, reason: str) -> int:
    """Set `field_names` of existing objects in one UPDATE … FROM, and their "~" history rows."""
    if not objs:
        return 0
    connection = connections[router.db_for_write(model)]
    qn = connection.ops.quote_name
    actor = by if getattr(by, "is_authenticated", False) else None
    pk = model._meta.pk
    fields = [pk] + [model._meta.get_field(name) for name in field_names]
    table = qn(model._meta.db_table)
    with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as cursor:
        stage = _stage(cursor, connection, model, fields, "changed")
        _copy(cursor, connection, stage, fields, objs, add=False)
        assignments = ", ".join(f"{qn(f.column)} = s.{qn(f.column)}" for f in fields[1:])
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM {stage} s WHERE {table}.{qn(pk.column)} = s.{qn(pk.column)}"  # noqa: S608
        )
        _history(
            cursor,
            connection,
            model,
            f"{table} t JOIN {stage} s ON t.{qn(pk.column)} = s.{qn(pk.column)}",
            "~",
            actor,
            reason,
        )
    return len(objs)
