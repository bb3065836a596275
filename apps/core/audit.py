"""Audit plumbing: the history helper, the audited base model, and append-only tables.

Every business model inherits `AuditedModel` and declares `history = history()`. Writes go
through `audited_save(obj, by=..., reason=...)` (or a service that calls it) so that every
history row carries the acting user and a change reason.

History tables and the query log are append-only: `install_append_only_triggers()` puts
database triggers on them that refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL). It runs
after every `migrate` (see `CoreConfig.ready`), so a new app's history tables are covered
without any call in its migrations.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalChanges, HistoricalRecords

NO_SILENT_UPDATE = (
    "{model}: QuerySet.update() and bulk_update() write no history. Save each object through a "
    "service (audited_save) or use the project's bulk path that writes history itself."
)
REASON_REQUIRED = "A change reason is required for every change to an audited record."


def history(**kwargs) -> HistoricalRecords:
    """History for an audited model, with 64-bit history ids (DESIGN.md section 9)."""
    kwargs.setdefault("history_id_field", models.BigAutoField(primary_key=True))
    kwargs.setdefault("no_db_index", ["created_by", "updated_by"])
    return HistoricalRecords(**kwargs)


class AuditedQuerySet(models.QuerySet):
    """A queryset whose silent bulk writes raise instead of bypassing history."""

    def update(self, **kwargs):
        raise TypeError(NO_SILENT_UPDATE.format(model=self.model.__name__))

    def bulk_update(self, objs, fields, batch_size=None):
        raise TypeError(NO_SILENT_UPDATE.format(model=self.model.__name__))


def bulk_create_audited(objs: list, model, *, by, reason: str, batch_size: int = 1000) -> list:
    """Insert many new objects with one history row each, carrying the user and the reason.

    On PostgreSQL the rows and their history rows go in through `COPY` (DESIGN.md section 9:
    Django's INSERT compilation is most of the cost of a large batch); elsewhere through
    simple-history's `bulk_create_with_history`. Either way the objects come back with their ids.
    """
    from django.db import connections, router, transaction
    from simple_history.utils import bulk_create_with_history

    reason = _require_reason(reason)
    if not objs:
        return objs
    actor = by if getattr(by, "is_authenticated", False) else None
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        return bulk_create_with_history(
            objs, model, batch_size=batch_size, default_user=actor, default_change_reason=reason
        )
    with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as cursor:
        _allocate_ids(cursor, model, [obj for obj in objs if obj.pk is None])
        fields = model._meta.concrete_fields
        _copy(cursor, connection, model._meta.db_table, fields, ([f.pre_save(o, True) for f in fields] for o in objs))
        for obj in objs:
            obj._state.adding, obj._state.db = False, connection.alias
        _copy_history(cursor, connection, objs, model, "+", actor, reason)
    return objs


def bulk_update_audited(objs: list, model, fields: list[str], *, by, reason: str, batch_size: int = 1000) -> int:
    """Update `fields` of many objects, with one history row per object carrying the user and
    the reason.

    One prepared UPDATE … WHERE id = %s run for every object (executemany), not Django's
    bulk_update: that builds a CASE per field over the batch in Python, which measured 175
    rows/s against thousands for this (bench/RESULTS.md). History rows as in `bulk_create_audited`.
    """
    from django.db import connections, router, transaction

    reason = _require_reason(reason)
    if not objs:
        return 0
    actor = by if getattr(by, "is_authenticated", False) else None
    connection = connections[router.db_for_write(model)]
    qn = connection.ops.quote_name
    columns = [model._meta.get_field(name) for name in fields]
    pk = model._meta.pk
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        qn(model._meta.db_table), ", ".join(f"{qn(f.column)} = %s" for f in columns), qn(pk.column)
    )
    rows = [[f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns] + [obj.pk] for obj in objs]
    with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        if connection.vendor == "postgresql":
            _copy_history(cursor, connection, objs, model, "~", actor, reason)
        else:
            manager = getattr(model, model._meta.simple_history_manager_attribute)
            manager.bulk_history_create(
                objs, batch_size=batch_size, update=True, default_user=actor, default_change_reason=reason
            )
    return len(objs)


def _require_reason(reason) -> str:
    if not reason or not str(reason).strip():
        raise ValueError(REASON_REQUIRED)
    return str(reason).strip()


def _allocate_ids(cursor, model, objs: list) -> None:
    """Take ids for `objs` from the table's own sequence, so that rows inserted by COPY and rows
    inserted one by one never collide."""
    if not objs:
        return
    pk = model._meta.pk
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [model._meta.db_table, pk.column, len(objs)],
    )
    for obj, (value,) in zip(objs, cursor.fetchall(), strict=True):
        setattr(obj, pk.attname, value)


def _copy(cursor, connection, table: str, fields, rows) -> None:
    """COPY `rows` (model values, one list per row in the order of `fields`) into `table`."""
    qn = connection.ops.quote_name
    sql = "COPY {} ({}) FROM STDIN".format(qn(table), ", ".join(qn(f.column) for f in fields))
    # Errors from COPY (a unique violation from a concurrent batch) come out as Django's
    # IntegrityError & co., like those of execute(), so callers' handlers still apply.
    with connection.wrap_database_errors, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([f.get_db_prep_save(value, connection) for f, value in zip(fields, row, strict=True)])


def _copy_history(cursor, connection, objs: list, model, history_type: str, actor, reason: str) -> None:
    """One history row per object through COPY, filled as simple-history fills its own rows
    (history date, type, user and change reason), so the history pages show them."""
    historical = getattr(model, model._meta.simple_history_manager_attribute).model
    tracked = {f.attname: f for f in model._meta.concrete_fields}
    now = timezone.now()
    special = {
        "history_date": now,
        "history_type": history_type,
        "history_user_id": actor.pk if actor is not None else None,
        "history_change_reason": reason,
    }
    fields = [f for f in historical._meta.concrete_fields if not f.primary_key]
    unknown = [f.attname for f in fields if f.attname not in tracked and f.attname not in special]
    if unknown:
        raise TypeError(f"{historical.__name__}: no value for {', '.join(unknown)}")
    # Values are prepared by the tracked model's own fields (JSON, dates) and by the historical
    # fields for the history columns.
    prep = [tracked.get(f.attname, f) for f in fields]
    _copy(
        cursor,
        connection,
        historical._meta.db_table,
        prep,
        ([getattr(obj, f.attname) if f.attname in tracked else special[f.attname] for f in fields] for obj in objs),
    )


class AuditFields(models.Model):
    """Who created and last changed a row, and when."""

    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        abstract = True


class AuditedModel(AuditFields):
    objects = AuditedQuerySet.as_manager()

    class Meta:
        abstract = True


def audited_save(obj: models.Model, *, by, reason: str, update_fields=None) -> models.Model:
    """Save `obj` with the acting user and a change reason in its history row."""
    reason = _require_reason(reason)
    now = timezone.now()
    actor = by if getattr(by, "is_authenticated", False) else None
    if obj._state.adding:
        obj.created_at = now
        obj.created_by = actor
    obj.updated_at = now
    obj.updated_by = actor
    obj._change_reason = reason
    obj._history_user = actor
    if update_fields is not None:
        update_fields = set(update_fields) | {"updated_at", "updated_by"}
    obj.save(update_fields=update_fields)
    return obj


# --- append-only tables -------------------------------------------------------------------


def append_only_tables() -> dict[str, tuple[str, ...]]:
    """Every table that must never change: {table: columns that may be set once}.

    History tables of every model with simple-history, and every model that declares
    `append_only = True` (optionally with `write_once_fields`, columns that may go from NULL
    to a value exactly once — the query log's chain seal).
    """
    tables: dict[str, tuple[str, ...]] = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        if issubclass(model, HistoricalChanges):
            tables[model._meta.db_table] = ()
        elif getattr(model, "append_only", False):
            columns = tuple(model._meta.get_field(name).column for name in getattr(model, "write_once_fields", ()))
            tables[model._meta.db_table] = columns
    return tables


PG_FUNCTION = """
CREATE OR REPLACE FUNCTION credit_portal_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    o jsonb;
    n jsonb;
    i integer;
BEGIN
    IF TG_OP = 'UPDATE' AND TG_NARGS > 0 THEN
        -- Write-once columns may go from NULL to a value; nothing else may change.
        o := to_jsonb(OLD);
        n := to_jsonb(NEW);
        FOR i IN 0 .. TG_NARGS - 1 LOOP
            IF (o -> TG_ARGV[i]) <> 'null'::jsonb
               AND (o -> TG_ARGV[i]) IS DISTINCT FROM (n -> TG_ARGV[i]) THEN
                RAISE EXCEPTION 'append-only table %: column % is already set', TG_TABLE_NAME, TG_ARGV[i];
            END IF;
        END LOOP;
        IF (o - TG_ARGV) IS DISTINCT FROM (n - TG_ARGV) THEN
            RAISE EXCEPTION 'append-only table %: rows cannot be changed', TG_TABLE_NAME;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'append-only table %: % is not allowed', TG_TABLE_NAME, TG_OP;
END;
$$;
"""


def _trigger_names(table: str) -> tuple[str, str, str]:
    # PostgreSQL identifiers are cut at 63 bytes; keep names short and unique per table.
    return (f"{table[:40]}_ao_upd", f"{table[:40]}_ao_del", f"{table[:40]}_ao_trunc")


def install_append_only_triggers(connection) -> int:
    """Install (or refresh) the triggers; idempotent. Returns how many tables are covered."""
    existing = set(connection.introspection.table_names())
    tables = {t: cols for t, cols in append_only_tables().items() if t in existing}
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_FUNCTION)
            for table, columns in tables.items():
                upd, dele, trunc = _trigger_names(table)
                args = ", ".join(f"'{c}'" for c in columns)
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {qn(upd)} BEFORE UPDATE ON {qn(table)} "
                    f"FOR EACH ROW EXECUTE FUNCTION credit_portal_append_only({args})"
                )
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {qn(dele)} BEFORE DELETE ON {qn(table)} "
                    f"FOR EACH ROW EXECUTE FUNCTION credit_portal_append_only()"
                )
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {qn(trunc)} BEFORE TRUNCATE ON {qn(table)} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION credit_portal_append_only()"
                )
        elif connection.vendor == "sqlite":
            for table, write_once in tables.items():
                upd, dele, _trunc = _trigger_names(table)
                all_columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
                conditions = [f"NEW.{qn(c)} IS NOT OLD.{qn(c)}" for c in all_columns if c not in write_once]
                conditions += [f"(OLD.{qn(c)} IS NOT NULL AND NEW.{qn(c)} IS NOT OLD.{qn(c)})" for c in write_once]
                when = " OR ".join(conditions) or "1"
                # Columns change with migrations: always recreate.
                cursor.execute(f"DROP TRIGGER IF EXISTS {qn(upd)}")
                cursor.execute(
                    f"CREATE TRIGGER {qn(upd)} BEFORE UPDATE ON {qn(table)} FOR EACH ROW WHEN {when} "
                    f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: rows cannot be changed'); END"
                )
                cursor.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {qn(dele)} BEFORE DELETE ON {qn(table)} FOR EACH ROW "
                    f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: DELETE is not allowed'); END"
                )
        else:  # pragma: no cover - the project supports PostgreSQL and SQLite only
            raise NotImplementedError(f"append-only triggers for {connection.vendor}")
    return len(tables)


def drop_append_only_triggers(connection) -> None:
    """Remove the triggers: the test suite, to empty tables between tests, and `migrate` on
    SQLite, which reinstalls them when it ends (see `apps.core.apps`)."""
    existing = set(connection.introspection.table_names())
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in append_only_tables():
            if table not in existing:
                continue
            for name in _trigger_names(table):
                if connection.vendor == "postgresql":
                    cursor.execute(f"DROP TRIGGER IF EXISTS {qn(name)} ON {qn(table)}")
                else:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {qn(name)}")


def append_only_trigger_count(connection, table: str) -> int:
    """How many append-only triggers guard `table` (used by tests and the auditor's check)."""
    names = list(_trigger_names(table))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = ANY(%s)",
                [connection.ops.quote_name(table), names],
            )
        else:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s AND name IN (%s, %s, %s)",
                [table, *names],
            )
        return cursor.fetchone()[0]
