"""The database on the hot paths (DESIGN.md section 9, issue 16).

`ReplicaRouter`, with `replica_reads()`: where a read replica is configured
(`REPLICA_DATABASE_URL`, the alias "replica"), the reads of a `replica_reads()` block — the check
API's answer, the credit file's and the subject search's reads — go to it, and everything else to
the primary ("default"): every write (the query log above all), and every read outside such a
block or inside a transaction on the primary (a read that a write depends on must not lag).

`preparing_cursor()`: a cursor whose statements PostgreSQL parses and plans once per connection
(psycopg's server-side binding with `prepare=True`) — for the few statements every check-API
request sends, whose planning took longer than their execution. Everything else keeps Django's
client-side binding: which statements are prepared is decided here, not for the whole project.
The statements still go through Django's cursor wrapper (counted, logged, errors translated).
Off with `HOT_PATH_PREPARED_STATEMENTS=0` (e.g. behind a pooler that cannot hold prepared
statements); then this is Django's ordinary cursor. With `dollar=True` the statements are written
with PostgreSQL's own placeholders (`$1`, `$2`, …) and psycopg sends their text as it is: psycopg
parses a statement's `%s` placeholders again on every execution once it has more than 50
parameters, which the query log's multi-row INSERT passes at its third row (issue 18 item 5).

`CompiledQuery`: a queryset the ORM builds and compiles once per process and database, then run
with each call's values in the place of stand-ins, its rows made as the queryset's would be (model
instances with their `select_related` and annotations, or `values_list` tuples) — for the reads a
public page repeats on every view, whose building and compiling cost more of the server's CPU than
the database took to answer them (issue 18 item 5).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import QuerySet
from django.db.models.query import FlatValuesListIterable, ModelIterable, ValuesListIterable, get_related_populators

REPLICA = "replica"
_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


@contextmanager
def replica_reads():
    """The ORM reads of the block go to the replica where one is configured (raw SQL asks
    `read_alias()`); writes still go to the primary. For reads that may lag the primary by the
    replication delay: a check's answer, a page of records — not what a write is decided on."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


class ReplicaRouter:
    """Reads of a `replica_reads()` block to the replica, the rest to the primary (installed by the
    settings when `REPLICA_DATABASE_URL` is set)."""

    def db_for_read(self, model, **hints):
        if _replica_reads.get() and REPLICA in settings.DATABASES and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: a row read from either relates to both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # the replica follows the primary's schema by replication


def read_alias(model) -> str:
    """The database a raw SQL read of `model`'s table goes to (the router's answer)."""
    return router.db_for_read(model)


def _classes_for_postgresql() -> dict[bool, tuple[type, type]]:
    """For `%s` placeholders (False) and `$n` ones (True): (the psycopg cursor that prepares what
    it runs, Django's debug wrapper for it)."""
    from django.db.backends.postgresql.base import CursorDebugWrapper, ServerBindingCursor
    from psycopg import RawCursor

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    class PreparingDollarCursor(RawCursor):
        """Prepared too, unless the connection's prepared statements are off (its statements
        cannot fall back to Django's ordinary cursor, which reads `%s`)."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            prepare = self.connection.prepare_threshold is not None
            return super().execute(query, params, prepare=prepare, binary=binary)

    class PreparingDebugWrapper(CursorDebugWrapper):
        """Logs the statement with its values, as for the other cursors (Django reads it back from
        a client-side cursor only)."""

        def execute(self, sql, params=None):
            with self.debug_sql(self.db.ops.compose_sql(sql, params)):
                return self._execute_with_wrappers(sql, params, many=False, executor=self._execute)

    class DollarDebugWrapper(CursorDebugWrapper):
        """Logs the statement as written, its values apart (psycopg cannot merge them into `$n`)."""

        def execute(self, sql, params=None):
            with self.debug_sql(sql, params):
                return self._execute_with_wrappers(sql, params, many=False, executor=self._execute)

    return {False: (PreparingCursor, PreparingDebugWrapper), True: (PreparingDollarCursor, DollarDebugWrapper)}


_classes: list[dict[bool, tuple[type, type]]] = []


@contextmanager
def preparing_cursor(using: str = DEFAULT_DB_ALIAS, *, connection=None, dollar: bool = False):
    """A cursor of the database `using` (or of `connection`, a connection object of one's own)
    that prepares each statement it runs (PostgreSQL with `prepare_threshold` set, see the
    settings' DATABASES), else Django's ordinary cursor. With `dollar`, for statements with `$n`
    placeholders (PostgreSQL only): such a cursor whatever the setting, its statements prepared
    only where it is on.

    On PostgreSQL the cursor is kept with the connection and used again by the next block of the
    same thread (connections are per thread): a new cursor looked up the driver's adapter for
    every parameter again, a third of the check's two statements' CPU (issue 16). It is made
    anew when the connection is, when Django starts or stops logging the statements, and after
    any error in a block."""
    connection = connection or connections[using]
    if connection.vendor != "postgresql":
        if dollar:
            raise ValueError(f"$n placeholders are PostgreSQL's, not {connection.vendor}'s")
        with connection.cursor() as cursor:
            yield cursor
        return
    # What `connection.cursor()` does before it creates the cursor: the health check of a reused
    # connection, then connect.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    if connection.connection.prepare_threshold is None and not dollar:  # prepared statements are off
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.validate_thread_sharing()
    logged = connection.queries_logged
    attribute = "_preparing_dollar_cursor" if dollar else "_preparing_cursor"
    kept = getattr(connection, attribute, None)
    if kept is None or kept[0] is not connection.connection or kept[1] != logged:
        if not _classes:
            _classes.append(_classes_for_postgresql())
        cursor_class, debug_wrapper = _classes[0][dollar]
        with connection.wrap_database_errors:
            raw = cursor_class(connection.connection)
        cursor = debug_wrapper(raw, connection) if logged else connection.make_cursor(raw)
        kept = (connection.connection, logged, cursor)
        setattr(connection, attribute, kept)
    try:
        yield kept[2]
    except BaseException:
        setattr(connection, attribute, None)
        kept[2].close()
        raise


# How SQLite's parameters carry the values PostgreSQL's carry as they are.
_AS_TEXT = {datetime.date: datetime.date.isoformat, uuid.UUID: lambda value: value.hex}

# Every CompiledQuery made, so that a changed setting (tests) drops every compiled statement.
_compiled_queries: list[CompiledQuery] = []


def _forget_compiled(**_kwargs) -> None:
    for query in _compiled_queries:
        query.compiled.clear()


setting_changed.connect(_forget_compiled)


class CompiledQuery:
    """`build(*values)`, a queryset of `model`, compiled once per process and database with `stand_ins` for
    the values, then run with each call's values in their places: the same statement the ORM
    would send for those values, without building the queryset and compiling it again (for a
    public organisation page, two thirds of its CPU were that, issue 18 item 5).

    A stand-in must be a value the queryset's other parameters cannot take (a negative id, a date
    of 1901) and must reach the statement's parameters unchanged, or as text as SQLite's
    parameters carry them (a date in ISO form, a UUID in hex). A value that the statement's text holds (a slice's LIMIT) or
    that is the same on every call is passed by keyword: it is compiled in, one statement per
    database and keyword values; `build` must depend on nothing else that changes while the
    process runs. Rows come as the queryset's would: model instances (with what
    `select_related` joined and the annotations), or `values_list` tuples or flat values. Run
    through `preparing_cursor`, so PostgreSQL also plans each statement once per connection."""

    def __init__(self, model, build: Callable[..., QuerySet], *stand_ins):
        self.model = model
        self.build = build
        self.stand_ins = stand_ins
        self.compiled: dict[tuple, tuple] = {}
        _compiled_queries.append(self)

    def _compile(self, alias: str, fixed: dict) -> tuple:
        queryset = self.build(*self.stand_ins, **fixed)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots = []
        for position, value in enumerate(params):
            for at, stand_in in enumerate(self.stand_ins):
                as_text = _AS_TEXT.get(type(stand_in))
                if type(value) is type(stand_in) and value == stand_in:
                    slots.append((position, at, None))
                elif as_text is not None and value == as_text(stand_in):
                    slots.append((position, at, as_text))
        missing = set(range(len(self.stand_ins))) - {at for _position, at, _text in slots}
        if missing:
            raise ValueError(
                f"stand-ins not among the statement's parameters: {[self.stand_ins[at] for at in missing]}"
            )
        columns = tuple(expression for expression, _sql, _alias in compiler.select[: compiler.col_count])
        kind = queryset._iterable_class
        if kind is ModelIterable:
            klass_info = compiler.klass_info
            fields = klass_info["select_fields"]
            model_columns = slice(fields[0], fields[-1] + 1)
            init_list = [column.target.attname for column in columns[model_columns]]
            make = (
                klass_info["model"],
                model_columns,
                init_list,
                get_related_populators(klass_info, compiler.select, alias),
                tuple((compiler.annotation_col_map or {}).items()),
            )
        elif kind in (ValuesListIterable, FlatValuesListIterable):
            make = None
        else:
            raise ValueError(f"rows of {kind.__name__} are not made here")
        return sql, tuple(params), tuple(slots), columns, kind is FlatValuesListIterable, make

    def __call__(self, *values, using: str | None = None, **fixed) -> list:
        """The rows of `build(*values, **fixed)` (read from `using`, by default where the router
        reads the queryset's model)."""
        alias = using or router.db_for_read(self.model)
        key = (alias, *sorted(fixed.items()))
        compiled = self.compiled.get(key)
        if compiled is None:
            compiled = self.compiled[key] = self._compile(alias, fixed)
        sql, params, slots, columns, flat, make = compiled
        params = list(params)
        for position, at, as_text in slots:
            params[position] = values[at] if as_text is None else as_text(values[at])
        connection = connections[alias]
        with preparing_cursor(alias) as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        # The backend's and the fields' converters, found once per connection (they are the
        # connection's own methods) and statement.
        kept = connection.__dict__.setdefault("_compiled_query_converters", {})
        converters = kept.get((self, key))
        if converters is None:
            converters = kept[(self, key)] = [
                (at, column, convert)
                for at, column in enumerate(columns)
                for convert in (*connection.ops.get_db_converters(column), *column.get_db_converters(connection))
            ]
        if converters:
            rows = [list(row) for row in rows]
            for row in rows:
                for at, column, convert in converters:
                    row[at] = convert(row[at], column, connection)
        if make is None:
            return [row[0] for row in rows] if flat else [tuple(row[: len(columns)]) for row in rows]
        model, model_columns, init_list, populators, annotations = make
        objects = []
        for row in rows:
            obj = model.from_db(alias, init_list, row[model_columns])
            for populator in populators:
                populator.populate(row, obj)
            for name, at in annotations:
                setattr(obj, name, row[at])
            objects.append(obj)
        return objects
