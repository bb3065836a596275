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
statements); then this is Django's ordinary cursor.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, router

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


def _classes_for_postgresql() -> tuple[type, type]:
    """(the psycopg cursor that prepares what it runs, Django's debug wrapper for it)."""
    from django.db.backends.postgresql.base import CursorDebugWrapper, ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    class PreparingDebugWrapper(CursorDebugWrapper):
        """Logs the statement with its values, as for the other cursors (Django reads it back from
        a client-side cursor only)."""

        def execute(self, sql, params=None):
            with self.debug_sql(self.db.ops.compose_sql(sql, params)):
                return self._execute_with_wrappers(sql, params, many=False, executor=self._execute)

    return PreparingCursor, PreparingDebugWrapper


_classes: list[tuple[type, type]] = []


@contextmanager
def preparing_cursor(using: str = DEFAULT_DB_ALIAS):
    """A cursor of the database `using` that prepares each statement it runs (PostgreSQL with
    `prepare_threshold` set, see the settings' DATABASES), else Django's ordinary cursor.

    On PostgreSQL the cursor is kept with the connection and used again by the next block of the
    same thread (connections are per thread): a new cursor looked up the driver's adapter for
    every parameter again, a third of the check's two statements' CPU (issue 16). It is made
    anew when the connection is, when Django starts or stops logging the statements, and after
    any error in a block."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    # What `connection.cursor()` does before it creates the cursor: the health check of a reused
    # connection, then connect.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    if connection.connection.prepare_threshold is None:  # prepared statements are switched off
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.validate_thread_sharing()
    logged = connection.queries_logged
    kept = getattr(connection, "_preparing_cursor", None)
    if kept is None or kept[0] is not connection.connection or kept[1] != logged:
        if not _classes:
            _classes.append(_classes_for_postgresql())
        cursor_class, debug_wrapper = _classes[0]
        with connection.wrap_database_errors:
            raw = cursor_class(connection.connection)
        cursor = debug_wrapper(raw, connection) if logged else connection.make_cursor(raw)
        kept = connection._preparing_cursor = (connection.connection, logged, cursor)
    try:
        yield kept[2]
    except BaseException:
        connection._preparing_cursor = None
        kept[2].close()
        raise
