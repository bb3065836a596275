"""The query log (查询日志): every lookup of a subject's credit information is written here.

Every selector that shows a subject's non-public or personal data calls `log_query()` once.

Writing a row. `log_query` takes no lock on the user: one UPSERT on the user's counter of the day
(`QueryVolume`) both counts the lookup and refuses it over the limit (the people's threshold of
the policy, Nanjing art. 52, or a system account's daily quota), exact at the threshold under any
concurrency because the UPSERT re-reads the counter row it conflicts on. On PostgreSQL the row is
inserted from what the UPSERT returned, in the same statement (so a refused lookup writes
nothing); elsewhere the INSERT and the UPSERT are two statements in one transaction, rolled back
when refused. The refusal is then logged in its own transaction.

Chaining. A single global hash chain computed at insert time would make every lookup wait for
one lock. Instead rows are inserted unchained, and `seal_query_log()` chains them afterwards, in
a background job (`seal_pending()` every few seconds: the job queue's beat, or
`manage.py seal_query_log --loop 5`) and on demand by the verifier — never in a request. Under a
transaction-scoped lock it gives the unsealed rows visible at that moment the next sequence
numbers in id order and stores `row_hash = sha256(prev_hash + content)`, set-based: the hashes
are computed in batches and written with one `UPDATE … FROM` per batch (through `COPY` on
PostgreSQL). A row whose transaction commits late simply joins the next seal, so the chain order
is the sequence, not the id. The sealer starts reading at a watermark (`QueryLogSealMark`) below
which every row is sealed. After each run a checkpoint row records the chain head, so removing
the newest rows is detected too, and the head is also anchored outside the database
(`apps.core.anchors`), so that a rewrite and re-seal by the database owner is detected.
`verify_query_log()` walks the chain and names the first row that was changed or removed.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from time import monotonic
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.anchors import anchor_key, append_anchors, read_anchors
from apps.core.choices import PURPOSES_BY_MODE, PURPOSES_NEEDING_DETAIL, QueryMode, QueryOutcome, QueryPurpose
from apps.core.identifiers import normalize_identifier
from apps.core.models import (
    QueryFlag,
    QueryFlagStatus,
    QueryLog,
    QueryLogCheckpoint,
    QueryLogSealMark,
    QueryLogVerification,
    QueryVolume,
    User,
)

GENESIS_HASH = "0" * 64
# Any constant key works; it only has to be the same for every sealer (PostgreSQL advisory lock).
CHAIN_LOCK_KEY = 0x63705F716C6F67  # "cp_qlog"
_sqlite_chain_lock = threading.Lock()

MSG_PURPOSE_REQUIRED = gettext_lazy("A lookup needs a query mode and a purpose.")
MSG_PURPOSE_MODE = gettext_lazy("The purpose “{purpose}” is not allowed for a {mode}.")
MSG_DETAIL_REQUIRED = gettext_lazy("Describe the matter for the purpose “{purpose}”.")
MSG_AUTHORISATION_REQUIRED = gettext_lazy("An authorised inquiry needs the written authorisation document.")
MSG_TOO_LONG = gettext_lazy("At most {max} characters.")
MSG_FLAGGED = gettext_lazy(
    "Your lookups today exceeded the limit of {threshold}; further lookups are refused until the "
    "credit office clears the flag (abnormal query volume control)."
)
MSG_QUOTA = gettext_lazy(
    "The system “{system}” has used its daily quota of {quota} lookups; further lookups are refused "
    "until tomorrow. Ask the credit office to raise the quota if the system needs more."
)


class QueryRefused(PermissionDenied):
    """Raised when a lookup is refused; the refusal itself was logged."""


@dataclass
class LookupRequest:
    """Who asks and why; built from the request and the lookup form (for the workbench by
    `apps.subjects.services.lookup_request`)."""

    user: User | None
    mode: str
    purpose: str
    channel: str
    purpose_detail: str = ""
    authorization_document: str = ""
    client_ip: str | None = None
    # A window inquiry (Nanjing art. 54) carries its proof: the applicant's identity document was
    # checked (own-record inquiry), the stored written authorisation (authorised inquiry: the id of
    # a `subjects.Authorisation`), and the identifier of the one subject the proof covers. The
    # subjects selectors refuse a window lookup without it (`apps.subjects.selectors.lookup_check`).
    identity_checked: bool = False
    authorisation_id: int | None = None
    checked_identifier: str = ""


def validate_purpose(mode: str, purpose: str, purpose_detail: str = "", authorization_document: str = "") -> None:
    """Raise ValidationError unless the mode and purpose form an allowed pair."""
    if not mode or not purpose:
        raise ValidationError(str(MSG_PURPOSE_REQUIRED), code="purpose_required")
    try:
        mode_value = QueryMode(mode)
        purpose_value = QueryPurpose(purpose)
    except ValueError:
        raise ValidationError(str(MSG_PURPOSE_REQUIRED), code="purpose_required") from None
    if purpose_value not in PURPOSES_BY_MODE[mode_value]:
        raise ValidationError(
            {"purpose": str(MSG_PURPOSE_MODE).format(purpose=purpose_value.label, mode=mode_value.label)},
            code="purpose_mode",
        )
    for name, value, limit in (
        ("purpose_detail", purpose_detail, 500),
        ("authorization_document", authorization_document, 200),
    ):
        if len(value.strip()) > limit:
            raise ValidationError({name: str(MSG_TOO_LONG).format(max=limit)}, code="too_long")
    if purpose_value in PURPOSES_NEEDING_DETAIL and not purpose_detail.strip():
        raise ValidationError(
            {"purpose_detail": str(MSG_DETAIL_REQUIRED).format(purpose=purpose_value.label)}, code="detail_required"
        )
    if mode_value == QueryMode.AUTHORISED and not authorization_document.strip():
        raise ValidationError(
            {"authorization_document": str(MSG_AUTHORISATION_REQUIRED)}, code="authorisation_required"
        )


def _day_start(now: datetime) -> datetime:
    """Local midnight of `now`'s day (the policy counts lookups per local day)."""
    local = timezone.localtime(now)
    return timezone.make_aware(datetime.combine(local.date(), time.min))


def system_account_of(user: User | None):
    """The user's system account, or None for a person (read from the relation loaded with the
    user where it was: the API's token authentication loads it)."""
    if user is None:
        return None
    try:
        return user.system_account
    except User.system_account.RelatedObjectDoesNotExist:
        return None


def _daily_limit(user: User) -> tuple[int | None, object]:
    """(the most lookups the user may make today, the system account or None). A system account has
    the quota the credit office set for it; a person the policy's threshold when the control is on
    (Nanjing art. 52), else no limit."""
    from apps.core.selectors import cached_policy

    account = system_account_of(user)
    if account is not None:
        return account.daily_quota, account
    policy = cached_policy()
    return (policy.query_daily_threshold if policy.query_abnormal_control else None), None


# A system account's counter of the day is split into this many rows (slots), each allowed its
# share of the quota: a system calling on many connections at once would otherwise queue on one
# row, whose lock each lookup holds until its COMMIT (issue 16: half the throughput at 16
# connections). A person's counter is one row (people do not call in parallel).
SYSTEM_COUNTER_SLOTS = 16


def _counter_slots(account, limit: int | None) -> list[tuple[int, int | None]]:
    """The (slot, that slot's share of the limit) to try, in order: a system account's slots from
    a random one on (so that concurrent lookups spread over them), a person's one slot. A lookup
    is refused only when every slot is at its share, that is when exactly `limit` lookups passed
    (the shares add up to the limit, and no slot ever passes its share)."""
    if account is None or limit is None:
        return [(0, limit)]
    slots = SYSTEM_COUNTER_SLOTS
    first = random.randrange(slots)  # noqa: S311 - spreading load, not a secret
    return [
        ((first + n) % slots, limit // slots + (1 if (first + n) % slots < limit % slots else 0)) for n in range(slots)
    ]


def _counter_upsert(user: User, day, slot: int, share: int | None) -> tuple[str, list]:
    """The UPSERT that counts one lookup on the user's counter slot of the day, unless the user is
    flagged or the slot is at its share; returns a row when counted. It waits for a concurrent one
    on the same row and re-reads it, so a slot never passes its share."""
    qn = connection.ops.quote_name
    volume, flag = qn(QueryVolume._meta.db_table), qn(QueryFlag._meta.db_table)
    sql = (
        f"INSERT INTO {volume} (user_id, day, slot, lookups) SELECT %s, %s, %s, 1 "
        f"WHERE NOT EXISTS (SELECT 1 FROM {flag} WHERE user_id = %s AND status = %s)"
    )
    params = [user.pk, day, slot, user.pk, QueryFlagStatus.OPEN]
    if share is not None:
        sql += " AND %s > 0"
        params.append(share)
    sql += f" ON CONFLICT (user_id, day, slot) DO UPDATE SET lookups = {volume}.lookups + 1"
    if share is not None:
        sql += f" WHERE {volume}.lookups < %s"
        params.append(share)
    return sql + " RETURNING lookups", params


def _count_lookup(user: User, day, slot: int, share: int | None) -> bool:
    """Count one lookup on the user's counter slot (see `_counter_upsert`); True when counted."""
    sql, params = _counter_upsert(user, day, slot, share)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


def _refusal(user: User, account, limit: int | None, now: datetime) -> tuple[dict, QueryRefused]:
    """Why a lookup that was not counted is refused: the user's open flag, a system account's
    quota, or the people's threshold reached now (which raises the flag)."""
    if account is not None:
        message = str(MSG_QUOTA).format(system=account.name, quota=limit)
        return {"refused": "system_quota", "quota": limit}, QueryRefused(message)
    flag = QueryFlag.objects.filter(user=user, status=QueryFlagStatus.OPEN).first()
    if flag is None:
        from apps.core.audit import audited_save

        lookups = QueryVolume.objects.filter(user=user, day=timezone.localdate(now)).aggregate(n=Sum("lookups"))["n"]
        flag = QueryFlag(user=user, day=timezone.localdate(now), lookups=lookups or 0, threshold=limit or 0)
        try:
            with transaction.atomic():
                audited_save(
                    flag, by=None, reason=_("Abnormal query volume: %(count)d lookups today") % {"count": lookups or 0}
                )
        except IntegrityError:  # a concurrent refusal raised it first (one open flag per user)
            flag = QueryFlag.objects.get(user=user, status=QueryFlagStatus.OPEN)
    message = str(MSG_FLAGGED).format(threshold=flag.threshold)
    return {"refused": "abnormal_volume", "flag": flag.pk}, QueryRefused(message)


class _NotCounted(Exception):
    """The counter refused the lookup: roll back what was written for it."""


# The INSERT plan of each (model, skipped column): its quoted columns and, per column, the field,
# whether its `pre_save` does more than read the attribute (auto_now, auto_now_add), the one
# Python type whose value the field hands to the database unchanged (None: always ask the field),
# and whether it hands None on as None (asked once, here). Built once per process: the check API
# wrote two rows per request by walking every field of two models (issue 16: the per-request
# Python is what is left of its cost).
_Plan = tuple[list[str], list[tuple[Any, str, bool, type | None, bool]]]
_insert_plans: dict[tuple[type, str | None, str], _Plan] = {}

# Fields whose `get_db_prep_save` returns a value of exactly this type as it is (CharField's
# `to_python` of a str, IntegerField's `int()` of an int, a foreign key to an integer key): the
# value goes to the driver without the field's calls. Any other value takes the field's way, but
# for the text fields a str of a subclass (a choice such as `QueryMode.PUBLIC`), which their
# `to_python` returns as it is too.
_UNCHANGED = {
    "CharField": str,
    "TextField": str,
    "SlugField": str,
    "BooleanField": bool,
    "IntegerField": int,
    "BigIntegerField": int,
    "SmallIntegerField": int,
    "PositiveIntegerField": int,
    "PositiveBigIntegerField": int,
    "PositiveSmallIntegerField": int,
}


def _unchanged_type(field) -> type | None:
    if field.is_relation:
        target = field.target_field
        return int if target.get_internal_type() in ("AutoField", "BigAutoField", "IntegerField") else None
    return _UNCHANGED.get(field.get_internal_type())


def _insert_plan(model, skip: str | None) -> _Plan:
    key = (model, skip, connection.vendor)
    plan = _insert_plans.get(key)
    if plan is None:
        qn = connection.ops.quote_name
        fields = [f for f in model._meta.concrete_fields if not f.primary_key and f.column != skip]
        plan = (
            [qn(f.column) for f in fields],
            [
                (
                    f,
                    f.attname,
                    bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)),
                    _unchanged_type(f),
                    f.get_db_prep_save(None, connection) is None,
                )
                for f in fields
            ],
        )
        _insert_plans[key] = plan
    return plan


def _insert_columns(obj, *, skip: str | None = None) -> tuple[list[str], list]:
    """The columns and database values an INSERT of `obj` writes (as `Model.save()` would: each
    field's `pre_save` then `get_db_prep_save`), but its primary key and the column `skip`."""
    columns, fields = _insert_plan(type(obj), skip)
    values = []
    db = connections[DEFAULT_DB_ALIAS]  # the proxy `connection` resolved once, not once a field
    for field, attname, auto, unchanged, none_unchanged in fields:
        value = field.pre_save(obj, True) if auto else getattr(obj, attname)
        if value is None:
            if not none_unchanged:
                value = field.get_db_prep_save(value, db)
        elif type(value) is not unchanged and not (unchanged is str and isinstance(value, str)):
            value = field.get_db_prep_save(value, db)
        values.append(value)
    return columns, values


def _link_to_log(obj):
    """The foreign key of `obj` (the row a caller records with a lookup) to its query-log row."""
    model = type(obj)
    link = _log_links.get(model)
    if link is None:
        link = _log_links[model] = next(
            f for f in obj._meta.concrete_fields if f.is_relation and f.related_model is QueryLog
        )
    return link


_log_links: dict[type, Any] = {}

# The text of the one-statement write, per (the caller's model or None, a counted user, a share):
# built once per process, so that a lookup only computes its parameters.
_statements: dict[tuple, str] = {}


def _one_statement_sql(extra_model, counted: str | None) -> str:
    qn = connection.ops.quote_name
    parts = []
    source = ""
    if counted is not None:
        parts.append(f"counted AS ({counted})")
        source = " FROM counted"
    columns, _fields = _insert_plan(QueryLog, None)
    placeholders = ", ".join(["%s"] * len(columns))
    parts.append(
        f"entry AS (INSERT INTO {qn(QueryLog._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {placeholders}{source} RETURNING id)"
    )
    select = "SELECT entry.id, NULL FROM entry"
    if extra_model is not None:
        link = next(f for f in extra_model._meta.concrete_fields if f.is_relation and f.related_model is QueryLog)
        columns, _fields = _insert_plan(extra_model, link.column)
        placeholders = ", ".join([*(["%s"] * len(columns)), "entry.id"])
        parts.append(
            f"extra AS (INSERT INTO {qn(extra_model._meta.db_table)} ({', '.join(columns)}, {qn(link.column)}) "
            f"SELECT {placeholders} FROM entry RETURNING id)"
        )
        select = "SELECT entry.id, extra.id FROM entry, extra"
    return f"WITH {', '.join(parts)} {select}"


def _log_counted_in_one_statement(
    entry: QueryLog, extra, user: User | None, day, slot: int, share: int | None
) -> tuple[int, int | None] | None:
    """PostgreSQL: the counter's UPSERT, the log row and the caller's row (`extra`, whose foreign
    key to the log row is filled from it) in ONE statement of data-modifying CTEs: the rows are
    inserted from what the UPSERT returned, so a refused lookup (the UPSERT returned nothing)
    writes nothing and needs no rollback. Exact at the limit under concurrency for the same
    reason as `_count_lookup`. Outside a caller's transaction the statement is its own (no BEGIN,
    no COMMIT: two round trips fewer on the check API). Returns (the log row's id, the extra
    row's id or None), or None when the counter refused."""
    from apps.core.db import preparing_cursor

    params = []
    counted = None
    if user is not None:
        counted, params = _counter_upsert(user, day, slot, share)
    key = (type(extra) if extra is not None else None, counted)
    sql = _statements.get(key)
    if sql is None:
        sql = _statements[key] = _one_statement_sql(key[0], counted)
    params += _insert_columns(entry)[1]
    if extra is not None:
        params += _insert_columns(extra, skip=_link_to_log(extra).column)[1]
    with preparing_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


class _Pending:
    __slots__ = ("done", "error", "pk", "values", "woken")

    def __init__(self, values: list):
        self.values, self.pk, self.error, self.done = values, None, None, False
        # Held from the start: released once to wake the row's thread, when the row is written or
        # when the thread is to lead the next statement.
        self.woken = threading.Lock()
        self.woken.acquire()

    def result(self) -> int:
        if self.error is not None:
            raise self.error
        return self.pk


class GroupInsert:
    """Group commit of uncounted log rows (public lookups: no user, no counter) on PostgreSQL.

    Each thread that writes a row queues it; the first finding no write under way becomes the
    leader, writes every row queued so far with one multi-row INSERT on its own connection (its
    own statement, committed as it returns), wakes the threads whose rows it wrote, and hands
    the lead to the oldest row still queued. A row is therefore committed before its lookup
    returns, as with one INSERT per row, but concurrent lookups of a server process share one
    statement and one commit; each waiting thread is woken once, by its own lock, not with every
    other waiter at each statement. Rows are sent in batches of at most `MAX_ROWS`. An error of
    the INSERT is raised in every lookup of the batch."""

    MAX_ROWS = 64
    # The group's connection is checked (a `SELECT 1`) before a statement only after it was idle
    # this long: under load, never.
    IDLE_CHECK_SECONDS = 5.0

    def __init__(self):
        self._ready = threading.Lock()  # guards the queue and the lead
        self._queue: list[_Pending] = []
        self._leading = False
        self.statements = 0  # INSERTs sent, for the tests and the benchmark
        self._sql: dict[int, str] = {}  # the statement for this many rows
        self._db = None  # the group's own connection, made on its first statement
        self._used = 0.0  # when it last sent one (time.monotonic)

    def write(self, values: list) -> int:
        mine = _Pending(values)
        with self._ready:
            self._queue.append(mine)
            follow, self._leading = self._leading, True
        if follow:
            mine.woken.acquire()  # written by the leader, or handed the lead
            if mine.done:
                return mine.result()
        while not mine.done:
            with self._ready:
                batch, self._queue = self._queue[: self.MAX_ROWS], self._queue[self.MAX_ROWS :]
            # The leader writes the oldest rows; past MAX_ROWS its own may wait for the next turn.
            self._write(batch)
        with self._ready:
            successor = self._queue[0] if self._queue else None
            self._leading = successor is not None
        if successor is not None:
            successor.woken.release()
        return mine.result()

    def _write(self, batch: list[_Pending]) -> None:
        try:
            ids = self._insert([row.values for row in batch])
            for row, pk in zip(batch, ids, strict=True):
                row.pk = pk
        except BaseException as error:
            for row in batch:
                row.error = error
        finally:
            for row in batch:
                row.done = True
                row.woken.release()

    def _insert(self, rows: list[list]) -> list[int]:
        from apps.core.db import preparing_cursor

        sql = self._sql.get(len(rows))
        if sql is None:
            qn = connection.ops.quote_name
            columns, _fields = _insert_plan(QueryLog, None)
            width = len(columns)
            values = (
                "(" + ", ".join(f"${row * width + column}" for column in range(1, width + 1)) + ")"
                for row in range(len(rows))
            )
            sql = self._sql[len(rows)] = (
                f"INSERT INTO {qn(QueryLog._meta.db_table)} ({', '.join(columns)}) "
                f"VALUES {', '.join(values)} RETURNING id"
            )
        self.statements += 1
        # Prepared once per connection and number of rows (at most MAX_ROWS statements), as the
        # check API's row: the values are sent as they are instead of being quoted into the
        # statement's text, and the server parses and plans it once. Written with `$n`
        # placeholders: past two rows a `%s` statement has more than 50 parameters, and psycopg
        # then parsed its text again on every execution (a third row cost 2.5 times the first).
        with preparing_cursor(connection=self._connection(), dollar=True) as cursor:
            cursor.execute(sql, [value for row in rows for value in row])
            return [pk for (pk,) in cursor.fetchall()]

    def _connection(self):
        """The group's own connection to the default database, used by one leader at a time.

        A lookup's thread connection is checked by Django (a `SELECT 1` round trip, with
        CONN_HEALTH_CHECKS) before its first statement of every request: a kept page's only
        statement is its row, so each leader paid a check. The group's connection is checked only
        after it was idle for IDLE_CHECK_SECONDS, is closed after a database error (the next
        statement connects again) and, like Django's, after CONN_MAX_AGE."""
        db = self._db
        if db is None:
            db = self._db = connections.create_connection(DEFAULT_DB_ALIAS)
            db.inc_thread_sharing()  # the leader's thread changes from one statement to the next
        now = monotonic()
        if db.connection is not None:
            if db.errors_occurred or (db.close_at is not None and now >= db.close_at):
                db.close()
            elif now - self._used >= self.IDLE_CHECK_SECONDS:
                db.health_check_done = False  # checked before the next statement
        self._used = now
        return db

    def close(self) -> None:
        """Close the group's connection (the test database is dropped at the end of a run)."""
        with self._ready:
            if self._db is not None:
                self._db.close()


# One per server process (its threads group their rows).
_group = GroupInsert()


def _grouped(user, also) -> bool:
    """Whether a lookup's row goes through the group commit: an uncounted row with nothing of the
    caller's beside it, outside any transaction of the caller's (whose rollback must take the
    row with it), on PostgreSQL, unless QUERY_LOG_GROUP_COMMIT is off."""
    return (
        user is None
        and also is None
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and settings.QUERY_LOG_GROUP_COMMIT
    )


def _entry(
    lookup: LookupRequest,
    user: User | None,
    now: datetime,
    *,
    subject_identifier: str = "",
    subject_name: str = "",
    query: dict | None = None,
    outcome: str = QueryOutcome.FOUND,
    result: dict | None = None,
) -> QueryLog:
    """The unsaved log row of a lookup (`record_lookup`, `RepeatedLookup`)."""
    return QueryLog(
        created_at=now,
        user=user,
        organization_id=user.organization_id if user else None,
        channel=lookup.channel,
        mode=lookup.mode,
        purpose=lookup.purpose,
        purpose_detail=lookup.purpose_detail.strip(),
        authorization_document=lookup.authorization_document.strip(),
        subject_identifier=normalize_identifier(subject_identifier),
        subject_name=subject_name or "",
        query=query or {},
        outcome=outcome,
        result=result or {},
        client_ip=lookup.client_ip or None,
    )


def record_lookup(
    lookup: LookupRequest,
    *,
    subject_identifier: str = "",
    subject_name: str = "",
    query: dict | None = None,
    outcome: str = QueryOutcome.FOUND,
    result: dict | None = None,
    also: Callable[[QueryLog], Any] | None = None,
) -> tuple[QueryLog, Any, QueryRefused | None]:
    """Write one query-log row for a lookup, and with `also(row)` what the caller records with it
    (the joint sanction check's row: `also` returns it unsaved, its foreign key to `row` set):
    (the row, that row saved, the refusal or None). For a caller that raises the refusal itself;
    everyone else calls `log_query`.

    PostgreSQL: one statement (`_log_counted_in_one_statement`), no transaction of its own; a
    row with no user to count, outside a transaction, through the group commit (`GroupInsert`).
    Elsewhere one transaction: the INSERT, `also`'s row, and last the counter's UPSERT, so that
    the counter row of the user's day stays locked only from the UPSERT to the COMMIT. No lock on
    the user's row, no sealing. Over the limit nothing of the lookup is kept (the PostgreSQL
    statement writes nothing; elsewhere the transaction is rolled back) and the refusal is
    written in its own transaction (the rare path).
    """
    validate_purpose(lookup.mode, lookup.purpose, lookup.purpose_detail, lookup.authorization_document)
    user = lookup.user if lookup.user is not None and lookup.user.is_authenticated else None
    now = timezone.now()
    entry = _entry(
        lookup,
        user,
        now,
        subject_identifier=subject_identifier,
        subject_name=subject_name,
        query=query,
        outcome=outcome,
        result=result,
    )
    if _grouped(user, also):
        entry.pk = _group.write(_insert_columns(entry)[1])
        entry._state.adding, entry._state.db = False, connection.alias
        return entry, None, None
    limit, account = _daily_limit(user) if user is not None else (None, None)
    day = timezone.localdate(now)
    slots = _counter_slots(account, limit) if user is not None else [(0, None)]
    if connection.vendor == "postgresql":
        extra = also(entry) if also is not None else None
        for slot, share in slots:
            written = _log_counted_in_one_statement(entry, extra, user, day, slot, share)
            if written is not None:
                for obj, pk in ((entry, written[0]), (extra, written[1])):
                    if obj is not None:
                        obj.pk, obj._state.adding, obj._state.db = pk, False, connection.alias
                if extra is not None:
                    setattr(extra, _link_to_log(extra).attname, entry.pk)
                return entry, extra, None
    else:
        # Inside a caller's transaction a savepoint scopes the rollback of a refused lookup; on its
        # own the lookup is the transaction (no savepoint statements).
        try:
            with transaction.atomic(savepoint=connection.in_atomic_block):
                entry.save()
                extra = None
                if also is not None:
                    extra = also(entry)
                    extra.save()
                if user is not None and not any(_count_lookup(user, day, slot, share) for slot, share in slots):
                    raise _NotCounted
            return entry, extra, None
        except _NotCounted:
            pass
    entry.pk, entry._state.adding = None, True
    with transaction.atomic(savepoint=connection.in_atomic_block):
        entry.result, refusal = _refusal(user, account, limit, now)
        entry.outcome = QueryOutcome.REFUSED
        entry.save()
    return entry, None, refusal


def log_query(
    lookup: LookupRequest,
    *,
    subject_identifier: str = "",
    subject_name: str = "",
    query: dict | None = None,
    outcome: str = QueryOutcome.FOUND,
    result: dict | None = None,
) -> QueryLog:
    """Write one query-log row for a lookup, or refuse it.

    `query` is what was asked (the search terms), `result` a summary of what came back (counts,
    record ids) — not a copy of the personal data. Raises ValidationError when the mode and purpose
    are missing or do not fit, and QueryRefused (after logging the refusal) when the user is
    flagged for abnormal volume or a system account has used its daily quota. Call it before
    showing anything; outside a transaction of the caller's it commits its own row, so a refusal
    stays on record.
    """
    entry, _nothing, refusal = record_lookup(
        lookup,
        subject_identifier=subject_identifier,
        subject_name=subject_name,
        query=query,
        outcome=outcome,
        result=result,
    )
    if refusal is not None:
        raise refusal
    return entry


def _dumped_once(value):
    """A value as the group's statement sends it; a JSON value (the query, the result) with its
    text made once, not again by the driver for each repetition's row."""
    from psycopg.types.json import Jsonb

    if not isinstance(value, Jsonb):
        return value
    text = (value.dumps or json.dumps)(value.obj)
    return Jsonb(value.obj, dumps=lambda _obj: text)


# What differs between the rows of a RepeatedLookup, in the order `log` gives them.
CHANGING = ("created_at", "client_ip")


class RepeatedLookup:
    """A lookup with no user, made again and again with only its time and its address changing —
    an anonymous visitor's kept public page (`apps.subjects.portal`): its purpose checked, its row
    built and its values converted for the database once, so that each repetition writes a copy
    of them with its own time and address (converted by their fields, as `_insert_columns`
    would). `log(client_ip)` writes the row `record_lookup` writes, committed before it returns:
    through the group commit, or where that does not apply by `record_lookup` itself. A lookup
    with no user is never refused here (the address's volume is the caller's)."""

    def __init__(self, lookup: LookupRequest, **row):
        if lookup.user is not None and lookup.user.is_authenticated:
            raise ValueError("a repeated lookup has no user (its counter is counted per lookup)")
        validate_purpose(lookup.mode, lookup.purpose, lookup.purpose_detail, lookup.authorization_document)
        self.lookup, self.row = lookup, row
        # Built on the first grouped write (the values are the database's), in one assignment (the
        # lookup is shared by a process's threads): the row's values, and for each of CHANGING its
        # index among them and its field.
        self._built: tuple[list, list[tuple[int, Any]]] | None = None

    def log(self, client_ip: str | None) -> int:
        """Write the row of one more repetition, from `client_ip`: its id."""
        if not _grouped(None, None):
            entry, _nothing, _refusal = record_lookup(replace(self.lookup, client_ip=client_ip), **self.row)
            return entry.pk
        if self._built is None:
            names = [field.attname for field, *_rest in _insert_plan(QueryLog, None)[1]]
            self._built = (
                [
                    _dumped_once(value)
                    for value in _insert_columns(_entry(self.lookup, None, timezone.now(), **self.row))[1]
                ],
                [(names.index(name), QueryLog._meta.get_field(name)) for name in CHANGING],
            )
        values, changing = self._built
        values = values.copy()
        db = connections[DEFAULT_DB_ALIAS]
        for (index, field), value in zip(changing, (timezone.now(), client_ip or None), strict=True):
            values[index] = field.get_db_prep_save(value, db)
        return _group.write(values)


# How many of the user's rows within the window are read for a covering one (the newest).
REPEAT_ROWS_READ = 50


def covering_lookup(lookup: LookupRequest, *, identifier: str) -> QueryLog | None:
    """The user's own earlier row that already covers looking at the subject `identifier` again,
    or None: one lookup, one row (README "Query log"). A row covers when it was written within
    `QUERY_LOG_REPEAT_WINDOW_SECONDS` by the same user on the same channel, in the same mode for the
    same purpose, matter and authorisation, and found this subject — a search that listed it, or
    an opening of it. The window runs from that row, so a subject kept open all day is logged
    again each window. A flagged user is never covered: the refusal must be written (Nanjing
    art. 52)."""
    window = settings.QUERY_LOG_REPEAT_WINDOW_SECONDS
    user = lookup.user if lookup.user is not None and lookup.user.is_authenticated else None
    identifier = normalize_identifier(identifier)
    if not window or user is None or not identifier:
        return None
    earlier = QueryLog.objects.filter(
        user=user,
        created_at__gte=timezone.now() - timedelta(seconds=window),
        channel=lookup.channel,
        mode=lookup.mode,
        purpose=lookup.purpose,
        purpose_detail=lookup.purpose_detail.strip(),
        authorization_document=lookup.authorization_document.strip(),
        outcome=QueryOutcome.FOUND,
    ).order_by("-id")[:REPEAT_ROWS_READ]
    for row in earlier:
        if row.subject_identifier == identifier or identifier in (row.result or {}).get("identifiers", ()):
            if QueryFlag.objects.filter(user=user, status=QueryFlagStatus.OPEN).exists():
                return None
            return row
    return None


# --- many lookups at once -------------------------------------------------------------------

# (mode, purpose) pairs that only the bulk path writes: no single lookup may claim them.
BULK_PURPOSES = {(QueryMode.AUTHORISED, QueryPurpose.BATCH_QUERY)}
BULK_CHUNK = 2000


@dataclass
class BulkLookup:
    """One subject of a bulk lookup: what `log_query` takes for one row."""

    subject_identifier: str
    subject_name: str = ""
    query: dict | None = None
    outcome: str = QueryOutcome.FOUND
    result: dict | None = None


# The columns a bulk row fills: those of `log_query`'s rows (the sealer's `CONTENT_FIELDS` but
# the id and the two it assigns).
_BULK_COMMON = (
    "created_at",
    "user_id",
    "organization_id",
    "channel",
    "mode",
    "purpose",
    "purpose_detail",
    "authorization_document",
    "client_ip",
)
_BULK_OWN = ("subject_identifier", "subject_name", "query", "outcome", "result")


def _bulk_insert(rows: list[tuple]) -> tuple[int, int]:
    """Insert rows of `_BULK_COMMON + _BULK_OWN` values; (first id, last id). PostgreSQL: ids
    from the table's sequence, the rows through one `COPY` (DESIGN.md section 9: Django's INSERT
    compilation and psycopg's array adaptation were two thirds of a batch's time); elsewhere
    `bulk_create`."""
    names = _BULK_COMMON + _BULK_OWN
    if connection.vendor != "postgresql":
        objs = QueryLog.objects.bulk_create([QueryLog(**dict(zip(names, row, strict=True))) for row in rows])
        return objs[0].pk, objs[-1].pk
    table = QueryLog._meta.db_table
    qn = connection.ops.quote_name
    json_at = {names.index("query"), names.index("result")}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(rows)]
        )
        ids = [value for (value,) in cursor.fetchall()]
        columns = ", ".join(qn(QueryLog._meta.get_field(name).column) for name in ("id", *names))
        with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {qn(table)} ({columns}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                copy.write_row(
                    [pk]
                    + [
                        json.dumps(value, ensure_ascii=False, separators=(",", ":")) if i in json_at else value
                        for i, value in enumerate(row)
                    ]
                )
    return ids[0], ids[-1]


def log_lookups_bulk(
    lookup: LookupRequest, lookups: Iterable[BulkLookup], *, chunk_size: int = BULK_CHUNK
) -> tuple[int, int | None, int | None]:
    """Write one query-log row per lookup of `lookups` (an iterable, consumed as it comes, so a
    caller may yield them while it reads the subjects): one bulk insert per chunk of `chunk_size`
    (`bulk_create`; `COPY` on PostgreSQL), inside the caller's transaction (or one of its own),
    never one transaction per row. Returns (rows written, the first row's id, the last row's id).

    The rows carry the same fields as `log_query`'s (the sealer chains them like any other row,
    in id order). The caller has decided the lookups may go ahead (an approved batch query bounds
    them itself, Nanjing art. 67): they do not count on the user's daily counter and no flag
    refuses them (Nanjing art. 52 watches lookups outside such a bound). Only the pairs of
    `BULK_PURPOSES` and those `validate_purpose` allows are taken.
    """
    if (lookup.mode, lookup.purpose) not in BULK_PURPOSES:
        validate_purpose(lookup.mode, lookup.purpose, lookup.purpose_detail, lookup.authorization_document)
    elif not lookup.authorization_document.strip():
        raise ValidationError(
            {"authorization_document": str(MSG_AUTHORISATION_REQUIRED)}, code="authorisation_required"
        )
    user = lookup.user if lookup.user is not None and lookup.user.is_authenticated else None
    common = (
        timezone.now(),
        user.pk if user else None,
        user.organization_id if user else None,
        lookup.channel,
        lookup.mode,
        lookup.purpose,
        lookup.purpose_detail.strip(),
        lookup.authorization_document.strip(),
        lookup.client_ip or None,
    )
    written, first_id, last_id = 0, None, None
    chunk: list[tuple] = []

    def insert(rows: list[tuple]) -> None:
        nonlocal written, first_id, last_id
        first, last_id = _bulk_insert(rows)
        written += len(rows)
        first_id = first if first_id is None else first_id

    with transaction.atomic():
        for item in lookups:
            chunk.append(
                (
                    *common,
                    normalize_identifier(item.subject_identifier),
                    item.subject_name or "",
                    item.query or {},
                    item.outcome,
                    item.result or {},
                )
            )
            if len(chunk) >= chunk_size:
                insert(chunk)
                chunk = []
        if chunk:
            insert(chunk)
    return written, first_id, last_id


# --- the chain ------------------------------------------------------------------------------

CONTENT_FIELDS = (
    "id",
    "created_at",
    "user_id",
    "organization_id",
    "channel",
    "mode",
    "purpose",
    "purpose_detail",
    "authorization_document",
    "subject_identifier",
    "subject_name",
    "query",
    "outcome",
    "result",
    "client_ip",
    "seq",
    "prev_hash",
)


def _digest(content: dict) -> str:
    for name, value in content.items():
        if isinstance(value, datetime):
            content[name] = value.astimezone(UTC).isoformat(timespec="microseconds")
    payload = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def row_digest(row: QueryLog) -> str:
    """sha256 over the row's content, its sequence number and the previous row's hash."""
    return _digest({name: getattr(row, name) for name in CONTENT_FIELDS})


def _take_chain_lock(wait: bool) -> bool:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
            cursor.execute(f"SELECT {function}(%s)", [CHAIN_LOCK_KEY])
            row = cursor.fetchone()
            return True if wait else bool(row[0])
    return True  # SQLite: the caller holds the process lock and SQLite has one writer


# Read from the table for hashing: the content fields without the two the sealer assigns.
_READ_FIELDS = tuple(name for name in CONTENT_FIELDS if name not in ("seq", "prev_hash"))
_SEAL_TABLE = "core_querylog_seal_batch"


def _write_seals(seals: list[tuple[int, int, str, str]], sealed_at: datetime) -> None:
    """Store (id, seq, prev_hash, row_hash) of a batch with one `UPDATE … FROM`: on PostgreSQL
    from a temporary table filled by COPY, on SQLite from an executemany (one writer anyway)."""
    table = connection.ops.quote_name(QueryLog._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(
                f"UPDATE {table} SET seq = %s, prev_hash = %s, row_hash = %s, sealed_at = %s WHERE id = %s",
                [(seq, prev, digest, sealed_at, pk) for pk, seq, prev, digest in seals],
            )
            return
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_SEAL_TABLE} "
            "(id bigint PRIMARY KEY, seq bigint, prev_hash varchar(64), row_hash varchar(64)) ON COMMIT DELETE ROWS"
        )
        cursor.execute(f"TRUNCATE {_SEAL_TABLE}")  # an earlier batch of the same transaction
        buffer = io.StringIO()
        for pk, seq, prev, digest in seals:
            buffer.write(f"{pk}\t{seq}\t{prev}\t{digest}\n")
        with cursor.cursor.copy(f"COPY {_SEAL_TABLE} (id, seq, prev_hash, row_hash) FROM STDIN") as copy:
            copy.write(buffer.getvalue())
        cursor.execute(
            f"UPDATE {table} AS q SET seq = s.seq, prev_hash = s.prev_hash, row_hash = s.row_hash, sealed_at = %s "
            f"FROM {_SEAL_TABLE} AS s WHERE q.id = s.id",
            [sealed_at],
        )


def _unsealed_rows(start: int, limit: int) -> list[tuple]:
    """The next `limit` unsealed rows from id `start` on, as tuples of `_READ_FIELDS`. On PostgreSQL
    read with a plain cursor (the two JSON columns decoded here), a third of a run's time saved
    over the ORM's converters; the values are the same a model instance holds."""
    unsealed = QueryLog.objects.filter(id__gte=start, seq__isnull=True).order_by("id")
    if connection.vendor != "postgresql":
        return list(unsealed.values_list(*_READ_FIELDS)[:limit])
    columns = ", ".join(QueryLog._meta.get_field(name).column for name in _READ_FIELDS)
    table = connection.ops.quote_name(QueryLog._meta.db_table)
    json_at = [_READ_FIELDS.index("query"), _READ_FIELDS.index("result")]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {table} WHERE id >= %s AND seq IS NULL ORDER BY id LIMIT %s", [start, limit]
        )
        rows = cursor.fetchall()
    decoded = []
    for row in rows:
        row = list(row)
        for position in json_at:
            if isinstance(row[position], str):
                row[position] = json.loads(row[position])
        decoded.append(row)
    return decoded


def _seal_mark() -> QueryLogSealMark:
    mark = QueryLogSealMark.objects.filter(pk=1).first()
    return mark if mark is not None else QueryLogSealMark.objects.create(pk=1, unsealed_from=0)


def _advance_mark(mark: QueryLogSealMark, now: datetime) -> None:
    """Move the watermark past the rows that are sealed and older than the grace period
    (`QUERY_LOG_SEAL_GRACE_SECONDS`), never past a younger one: the row of a transaction still
    open is invisible here, so a young row seen sealed says nothing about the ids below it. The
    mark stops at the first unsealed row, or just after the newest row older than the grace
    period, whichever comes first; every row below the mark is sealed."""
    grace = timedelta(seconds=getattr(settings, "QUERY_LOG_SEAL_GRACE_SECONDS", 60))
    since_mark = QueryLog.objects.filter(id__gte=mark.unsealed_from)
    last_old = since_mark.filter(created_at__lte=now - grace).order_by("-id").values_list("id", flat=True).first()
    if last_old is None:
        return
    first = since_mark.filter(id__lte=last_old, seq__isnull=True).order_by("id").values_list("id", flat=True).first()
    if first is None:
        first = last_old + 1
    if first > mark.unsealed_from:
        QueryLogSealMark.objects.filter(pk=mark.pk).update(unsealed_from=first)
        mark.unsealed_from = first


SEAL_BATCH = 10000


def seal_query_log(
    *, wait: bool = True, limit: int = SEAL_BATCH, full: bool = False, max_rows: int | None = None
) -> int:
    """Chain the rows that are not sealed yet, in batches of `limit`; returns how many were sealed.

    With `wait=False` it returns 0 at once when another sealer holds the lock. The rows are read
    from the watermark on (`full=True`: from the first row, for the verifier, which also catches a
    row that committed later than the grace period); `max_rows` stops after the batch that
    reaches it (a bounded step through a large backlog). Each batch's checkpoint is anchored outside
    the database before the batch commits; without the anchor key (`QUERY_LOG_ANCHOR_KEY`)
    nothing is sealed (ImproperlyConfigured).
    """
    anchor_key()  # fail before taking the lock rather than roll back a whole run
    if connection.vendor == "sqlite" and not _sqlite_chain_lock.acquire(blocking=wait):
        return 0
    try:
        total = 0
        while True:
            with transaction.atomic():
                if not _take_chain_lock(wait):
                    return total
                mark = _seal_mark()
                head = (
                    QueryLog.objects.filter(seq__isnull=False).order_by("-seq").values_list("seq", "row_hash").first()
                )
                seq, prev_hash = head if head else (0, GENESIS_HASH)
                start = 0 if full else mark.unsealed_from
                rows = _unsealed_rows(start, limit)
                now = timezone.now()
                if rows:
                    seals = []
                    for values in rows:
                        seq += 1
                        content = dict(zip(_READ_FIELDS, values, strict=True))
                        content["seq"] = seq
                        content["prev_hash"] = prev_hash
                        digest = _digest(content)
                        seals.append((values[0], seq, prev_hash, digest))
                        prev_hash = digest
                    _write_seals(seals, now)
                    checkpoint = QueryLogCheckpoint.objects.create(
                        last_seq=seq, last_hash=prev_hash, rows_sealed=len(rows)
                    )
                    append_anchors([checkpoint])  # still under the chain lock: the file follows the sequence
                    total += len(rows)
                if len(rows) < limit:
                    _advance_mark(mark, now)
                    return total
            if max_rows is not None and total >= max_rows:
                return total
    finally:
        if connection.vendor == "sqlite":
            _sqlite_chain_lock.release()


def seal_pending() -> int:
    """The background sealing job (every few seconds: the job queue's beat entry, or
    `manage.py seal_query_log --loop 5`): seal what is pending unless another sealer is at it."""
    return seal_query_log(wait=False)


@dataclass
class ChainReport:
    ok: bool
    rows_checked: int
    unsealed_rows: int
    first_bad_id: int | None
    message: str
    # missing, unlinked, altered, head_mismatch, tail_removed; against the anchors outside the
    # database: anchor_mismatch, anchored_row_missing, unanchored, anchor_file_missing, anchor_invalid
    problem: str = ""
    anchors_checked: int = 0


def _anchor_file_problem(line: int, seq: int | None, kind: str, path) -> str:
    if kind == "bad_hmac":
        return _(
            "anchor line %(line)s (sequence %(seq)s) of %(path)s fails its HMAC check: the line was altered "
            "or written with another key."
        ) % {"line": line, "seq": seq, "path": path}
    return _("anchor line %(line)s of %(path)s cannot be read (not a complete anchor line).") % {
        "line": line,
        "path": path,
    }


def verify_query_log(*, record: bool = True, anchor_file=None) -> ChainReport:
    """Walk the chain in sequence order; report the first row that was changed or removed.

    The chain is also held against the anchors outside the database (`apps.core.anchors`): the
    row at every anchored sequence must still have the anchored hash, and every checkpoint from
    the first anchor on must be anchored (a shorter file means lines were lost). `anchor_file`
    checks against a copy kept elsewhere (an export) instead of the configured file; checkpoints
    newer than the copy's last anchor are not expected in it.
    """
    anchor_set = read_anchors(anchor_file)
    is_copy = anchor_file is not None
    anchors_iter = iter(anchor_set.anchors)
    anchor = next(anchors_iter, None)
    anchored_pairs = {(a.seq, a.hash) for a in anchor_set.anchors}
    first_anchored = anchor_set.anchors[0].seq if anchor_set.anchors else None
    last_anchored = anchor_set.anchors[-1].seq if anchor_set.anchors else None
    # Checkpoints from the first anchor on must be anchored (older ones predate anchoring); with
    # no anchor at all, every checkpoint must be. A copy is expected to cover up to its end only.
    must_anchor_from = first_anchored if first_anchored is not None else 0
    must_anchor_to = (last_anchored if last_anchored is not None else -1) if is_copy else None

    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    anchors_checked = 0
    failure: tuple[int | None, str, str] | None = None
    checkpoints = iter(QueryLogCheckpoint.objects.order_by("last_seq").values_list("last_seq", "last_hash"))
    checkpoint = next(checkpoints, None)
    previous_id = None
    unvouched = None  # (seq, id) of the first row after the last anchor that matched
    for row in QueryLog.objects.filter(seq__isnull=False).order_by("seq").iterator(chunk_size=2000):
        if row.seq != expected_seq:
            failure = (
                row.pk,
                _(
                    "row(s) with sequence %(first)s–%(last)s are missing (removed); the chain continues at "
                    "row id %(id)s (after row id %(previous)s)."
                )
                % {"first": expected_seq, "last": row.seq - 1, "id": row.pk, "previous": previous_id},
                "missing",
            )
            break
        if row.prev_hash != prev_hash:
            failure = (
                row.pk,
                _("row id %(id)s (sequence %(seq)s) does not link to the previous row.")
                % {"id": row.pk, "seq": row.seq},
                "unlinked",
            )
            break
        if row_digest(row) != row.row_hash:
            failure = (
                row.pk,
                _("row id %(id)s (sequence %(seq)s) was altered: its content no longer matches its hash.")
                % {"id": row.pk, "seq": row.seq},
                "altered",
            )
            break
        if unvouched is None:
            unvouched = (row.seq, row.pk)
        if anchor is not None and anchor.seq == row.seq:
            while anchor is not None and anchor.seq == row.seq:
                if anchor.hash != row.row_hash:
                    failure = (
                        unvouched[1],
                        _(
                            "rows from sequence %(first)s (row id %(first_id)s) to %(seq)s were rewritten and "
                            "sealed again: row id %(id)s (sequence %(seq)s) no longer has the hash anchored outside "
                            "the database (anchor line %(line)s)."
                        )
                        % {
                            "first": unvouched[0],
                            "first_id": unvouched[1],
                            "seq": row.seq,
                            "id": row.pk,
                            "line": anchor.line,
                        },
                        "anchor_mismatch",
                    )
                    break
                anchors_checked += 1
                anchor = next(anchors_iter, None)
            if failure:
                break
            unvouched = None
        while checkpoint is not None and checkpoint[0] == row.seq:
            if checkpoint[1] != row.row_hash:
                failure = (
                    row.pk,
                    _("row id %(id)s (sequence %(seq)s) differs from the chain head recorded when it was sealed.")
                    % {"id": row.pk, "seq": row.seq},
                    "head_mismatch",
                )
                break
            if (
                checkpoint[0] >= must_anchor_from
                and (must_anchor_to is None or checkpoint[0] <= must_anchor_to)
                and checkpoint not in anchored_pairs
            ):
                if anchor_set.exists:
                    failure = (
                        row.pk,
                        _(
                            "the checkpoint at sequence %(seq)s (row id %(id)s) has no valid anchor in %(path)s: "
                            "the anchor file is shorter than the checkpoints expect (its last valid anchor is at "
                            "sequence %(last)s)."
                        )
                        % {"seq": row.seq, "id": row.pk, "path": anchor_set.path, "last": last_anchored or "—"},
                        "unanchored",
                    )
                else:
                    failure = (
                        row.pk,
                        _(
                            "the anchor file %(path)s is missing, but the chain has a checkpoint at sequence "
                            "%(seq)s (row id %(id)s)."
                        )
                        % {"path": anchor_set.path, "seq": row.seq, "id": row.pk},
                        "anchor_file_missing",
                    )
                break
            checkpoint = next(checkpoints, None)
        if failure:
            break
        prev_hash = row.row_hash
        previous_id = row.pk
        expected_seq += 1
        checked += 1
    if failure is None and checkpoint is not None:
        failure = (
            None,
            _(
                "rows up to sequence %(sealed)s were sealed, but the chain ends at sequence %(end)s: the newest rows "
                "were removed (after row id %(previous)s)."
            )
            % {"sealed": checkpoint[0], "end": expected_seq - 1, "previous": previous_id},
            "tail_removed",
        )
    if failure is None and anchor is not None:
        failure = (
            None,
            _(
                "the anchored row at sequence %(seq)s (anchor line %(line)s) is missing: the chain ends at "
                "sequence %(end)s (after row id %(previous)s)."
            )
            % {"seq": anchor.seq, "line": anchor.line, "end": expected_seq - 1, "previous": previous_id},
            "anchored_row_missing",
        )
    file_problems = [_anchor_file_problem(*problem, anchor_set.path) for problem in anchor_set.problems]
    if file_problems and (failure is None or failure[2] == "unanchored"):
        # An unusable line explains a checkpoint without an anchor: name the line first.
        later = [failure[1]] if failure else []
        failure = (None, file_problems.pop(0), "anchor_invalid")
        file_problems[:0] = later
    unsealed = QueryLog.objects.filter(seq__isnull=True).count()
    if failure is None:
        message = _("chain intact: %(checked)s sealed rows, %(unsealed)s not yet sealed.") % {
            "checked": checked,
            "unsealed": unsealed,
        }
        message += " " + _("%(anchors)s anchors outside the database match.") % {"anchors": anchors_checked}
        report = ChainReport(True, checked, unsealed, None, message, anchors_checked=anchors_checked)
    else:
        message = " ".join([failure[1], *file_problems[:3]])
        if len(file_problems) > 3:
            message += " " + _("%(count)s more unusable anchor lines.") % {"count": len(file_problems) - 3}
        report = ChainReport(False, checked, unsealed, failure[0], message, failure[2], anchors_checked)
    if record:
        QueryLogVerification.objects.create(
            ok=report.ok,
            rows_checked=report.rows_checked,
            unsealed_rows=report.unsealed_rows,
            first_bad_id=report.first_bad_id,
            message=report.message,
        )
    return report
