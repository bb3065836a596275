"""Set-based check and write of a batch on PostgreSQL (DESIGN.md section 9).

- The check (`check_rows`) reads the file once into the batch's staging table by `COPY`, the
  rules of one row applied to each distinct input once (`RowRules`), and runs the rules that meet
  the data on file as SQL over the whole table (`_checked_sql`).
- The submit (`submit_staged`) writes from that table: new subjects and records with one
  `INSERT … SELECT` each, changed records with one `UPDATE … FROM`, and their history rows with
  an `INSERT … SELECT` from what was written, filled as simple-history fills its own (history
  date, type "+" or "~", user, change reason), so the history pages show them. No model instance
  per row, no history row built in Python. The serious-listing extensions of the batch's subjects
  on file are asked for once, the subjects as a subquery of the batch's rows (`_extend_disclosures`).
- Where the time goes at 100,000 rows (bench/RESULTS.md, issue 15): the check is the per-row
  Python pass (reading the CSV, parsing, identifier check characters, staging, COPY); the first
  submit is index maintenance (20 indexes on subjects and records) and the deferred foreign-key
  checks at COMMIT (ten a row: about 0.5 s per key per 100,000 rows), not the statements' plans.

Used when `enabled()`; elsewhere, and with it switched off, the row-by-row check and the project's
bulk helpers (apps.core.audit). Both give the same row errors and tables:
tests/subjects/test_ingestion_paths.py runs the same files through both.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime
import hashlib
import itertools
import json
import logging
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, router, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation

from apps.catalog.choices import Severity, SubjectType
from apps.catalog.schema import clean_record_values
from apps.core import tabular
from apps.core.identifiers import mask_identifier
from apps.core.uploads import upload_limits
from apps.subjects import ingestion
from apps.subjects.choices import BatchStatus, RecordStatus
from apps.subjects.disclosure import extensions_for
from apps.subjects.models import CreditRecord, Subject
from apps.subjects.services import (
    MSG_RECORD_CLOSED,
    notify_records_created,
    record_disclosure_errors,
    record_rule_errors,
)

# Switched off by the equivalence test to run the other path on the same database.
SET_BASED = {"on": True}


logger = logging.getLogger(__name__)

# The name search's trigram index (migration 0002). A batch's new names go into its GIN pending
# list (fastupdate), which every name search reads through until a vacuum merges it: 1.5-4 ms a
# search at the list's 4 MB limit against 0.05 ms merged (bench/RESULTS.md, issue 18).
NAME_INDEX = "subjects_subject_name_trgm"


def merge_name_index(alias: str) -> None:
    """Merge the name index's pending list into the index (after a batch that created subjects
    committed). Only speed hangs on it: a refusal (the database user does not own the index) is
    logged, not raised."""
    try:
        # its own transaction, or a savepoint inside a caller's: a refusal undoes nothing else
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [NAME_INDEX])
    except DatabaseError:
        logger.warning("The pending list of %s was not merged", NAME_INDEX, exc_info=True)


def enabled(model) -> bool:
    return SET_BASED["on"] and connections[router.db_for_write(model)].vendor == "postgresql"


def _history_sql(connection, model, source: str, history_type: str, actor, reason: str) -> tuple[str, list]:
    """One history row for each row of `source` (an SQL FROM clause whose alias `t` has the
    model's columns): the INSERT … SELECT and its parameters."""
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
    return (
        f"INSERT INTO {qn(historical._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM {source}",
        params,
    )


# --- the check, set-based ---------------------------------------------------------------------
#
# The check reads the file once, in Python, and applies the rules of one row (identifier check
# digits, dates, choices, the record's rules, the item's fields, the disclosure dates) to each
# distinct input once (`RowRules`); the rows go into the batch's staging table by COPY, chunk by
# chunk. The rules that need the database — the subject on file (its type), the same source
# record twice in the file, the records on file (another subject's, revoked or expired) — run as
# SQL over the whole table (`_CHECKED`), at the check to report and at the submit to write. The
# staging table stays between the check and the submit, so that an unchanged file under unchanged
# rules is written without reading it again (`submit_staged`).

STAGE_COLUMNS = [
    ("rownum", "integer"),
    ("identifier", "text"),
    ("kind", "text"),
    ("name", "text"),
    ("document_number", "text"),
    ("document_date", "date"),
    ("determined_on", "date"),
    ("ended_on", "date"),
    ("custodial_sentence_end", "date"),
    ("severity", "text"),
    ("category", "text"),
    ("source_record_id", "text"),
    ("vals", "jsonb"),
    ("dedup_key", "text"),
    ("disclosure_ends_on", "date"),
    ("disclosure_basis", "text"),
    ("parse_errors", "jsonb"),  # [[column, message], …]: the row could not be read (nothing else counts)
    ("rule_errors", "jsonb"),  # [[field, message], …]: check_record's, but for the subject type
    ("late_error", "jsonb"),  # [[field, message]]: the disclosure dates, counted only when nothing else is wrong
    ("digest", "bytea"),  # of the row's line in the file, when the file was read line by line (_stage_lines)
]
CLOSED = [RecordStatus.REVOKED, RecordStatus.EXPIRED]
ANALYZED = ["rownum", "identifier", "kind", "dedup_key", "parse_errors", "rule_errors", "late_error"]


def stage_table(batch) -> str:
    """The batch's staging table (UNLOGGED: rebuilt from the file if lost in a crash)."""
    return f"subjects_ingest_stage_{int(batch.pk)}"


def _connection():
    return connections[router.db_for_write(CreditRecord)]


def drop_stage(batch) -> None:
    with _connection().cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {stage_table(batch)}")


STAGE_PREFIX = "subjects_ingest_stage_"


def drop_stale_stages(*, now=None) -> list[str]:
    """Drop the staging tables no batch needs any more: of a batch withdrawn or gone, of one
    checked but left unsubmitted for `BATCH_STAGE_KEEP_DAYS` (its submit, if it ever comes,
    checks the file again: `submit_staged` re-stages a batch whose table is gone), and of one
    submitted, but the newest of its scope (the next file of its item and provider takes its
    lines from it, `_stage_lines`) for `BATCH_STAGE_KEEP_DAYS`. A batch being checked or
    submitted keeps its table. Returns the tables dropped."""
    from apps.subjects.models import ImportBatch

    now = now or timezone.now()
    kept_since = now - datetime.timedelta(days=settings.BATCH_STAGE_KEEP_DAYS)
    with _connection().cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname LIKE %s",
            [STAGE_PREFIX.replace("_", r"\_") + "%"],
        )
        scopes = {int(name.removeprefix(STAGE_PREFIX)): scope for name, scope in cursor.fetchall()}
        tables = {pk: f"{STAGE_PREFIX}{pk}" for pk in scopes}
        newest = {scope: pk for pk, scope in sorted(scopes.items()) if scope}
        batches = {b.pk: b for b in ImportBatch.objects.filter(pk__in=tables).only("pk", "status", "updated_at")}
        dropped = []
        for pk, name in sorted(tables.items()):
            batch = batches.get(pk)
            running = batch is not None and batch.status in (BatchStatus.CHECKING, BatchStatus.SUBMITTING)
            waiting = batch is not None and batch.status in (BatchStatus.VALIDATED, BatchStatus.HAS_ERRORS)
            remembered = batch is not None and batch.status == BatchStatus.SUBMITTED and newest.get(scopes[pk]) == pk
            if running or ((waiting or remembered) and batch.updated_at >= kept_since):
                continue
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
            dropped.append(name)
    return dropped


def _stage_exists(cursor, batch) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [stage_table(batch)])
    return cursor.fetchone()[0]


class RowRules:
    """The rules of `check_record` for the rows of one batch, each distinct input checked once
    (a file repeats its severities, dates and values), in check_record's three parts: the
    record's own rules but its subject type, the values against the item's fields, and the
    disclosure dates (apps.subjects.services). The subject type is the subject's on file when
    there is one, which SQL knows: `kind_errors` gives its message."""

    def __init__(self, batch, reader, policy):
        self.item, self.provider, self.reader, self.policy = batch.item, batch.provider, reader, policy
        self.item._provider_ids = set(self.item.providers.values_list("pk", flat=True))
        cached = lru_cache(maxsize=ingestion.DISTINCT_CACHED)
        self.rules, self._values, self.disclosure = cached(self._rules), cached(self._values), cached(self._disclosure)
        self.kind_errors = cached(self._kind_errors)

    def _record(self, **fields) -> CreditRecord:
        return CreditRecord(item=self.item, provider=self.provider, **fields)

    def _rules(self, severity: str, has_document: bool) -> tuple[tuple, str, str]:
        record = self._record(
            subject=Subject(kind=SubjectType.NATURAL_PERSON),  # its type is left to kind_errors
            severity=severity,
            document_number="-" if has_document else "",
            document_date=datetime.date.min if has_document else None,
        )
        errors = record_rule_errors(record)
        errors.pop("identifier", None)
        return tuple((f, m) for f, messages in errors.items() for m in messages), record.category, record.severity

    def _kind_errors(self, kind: str) -> tuple[str, ...]:
        record = self._record(subject=Subject(kind=kind), severity=Severity.GENERAL, document_number="-")
        return tuple(record_rule_errors(record).get("identifier", []))

    def values(self, raw: dict) -> tuple[dict, dict, str]:
        """(the cleaned values, their errors, the cleaned values as the staged JSON text)."""
        key = tuple((name, type(value), value) for name, value in raw.items())
        try:
            return self._values(key)
        except TypeError:  # a list or an object posted as a value: not hashable
            cleaned, errors = clean_record_values(self.item.record_fields, raw)
            return cleaned, errors, _json(cleaned)

    def _values(self, key: tuple) -> tuple[dict, dict, str]:
        cleaned, errors = clean_record_values(self.item.record_fields, {name: value for name, _type, value in key})
        return cleaned, errors, _json(cleaned)

    def _disclosure(self, category, severity, document_date, determined_on, ended_on, custodial_sentence_end):
        record = self._record(
            category=category,
            severity=severity,
            document_date=document_date,
            determined_on=determined_on,
            ended_on=ended_on,
            custodial_sentence_end=custodial_sentence_end,
        )
        errors = record_disclosure_errors(record, self.policy, {})  # extensions: at the submit
        late = [(f, m) for f, messages in errors.items() for m in messages]
        return record.disclosure_ends_on, record.disclosure_basis, late or None

    def stage(self, row) -> tuple:
        """The row as a tuple of STAGE_COLUMNS."""
        if row.errors:
            _cleaned, value_errors, _text = self.values(row.values)
            errors = row.errors + [(self.reader.column_of(name), m) for name, m in value_errors.items()]
            return (row.number, *([None] * 15), _json(errors), None, None)
        record = row.record
        document_number = record.get("document_number", "")
        dates = [record.get(name) for name in ("document_date", "determined_on", "ended_on", "custodial_sentence_end")]
        rule_errors, category, severity = self.rules(record.get("severity", ""), bool(document_number and dates[0]))
        cleaned, value_errors, cleaned_json = self.values(row.values)
        errors = [*rule_errors, *value_errors.items()]
        end, basis, late = None, "", None
        if not errors:
            end, basis, late = self.disclosure(category, severity, *dates)
        dedup_key = CreditRecord.make_dedup_key(
            source_record_id=row.source_record_id,
            item_code=self.item.code,
            identifier=row.identifier,
            document_number=document_number,
            content=[cleaned, dates[1], dates[0], dates[2]],
        )
        return (
            row.number,
            row.identifier,
            row.kind,
            row.name,
            document_number,
            *dates,
            severity,
            category,
            row.source_record_id,
            cleaned_json,
            dedup_key,
            end,
            basis,
            None,
            _json(errors) if errors else None,
            _json(late) if late else None,
        )

    def row_errors(self, found) -> list[tuple[str, str]]:
        """The (column, message) of a row `_CHECKED` found wrong, in check_record's order."""
        number, parse_errors, rule_errors, late_error, kind, first, owner, status, identifier, source = found
        if parse_errors:  # Django reads jsonb as its text
            return [tuple(e) for e in json.loads(parse_errors)]
        rule_errors = json.loads(rule_errors) if rule_errors else []
        late_error = json.loads(late_error) if late_error else None
        kind_errors = self.kind_errors(kind)
        if rule_errors or kind_errors or late_error:
            errors = [
                *((f, m) for f, m in rule_errors if f == "severity"),
                *(("identifier", m) for m in kind_errors),
                *((f, m) for f, m in rule_errors if f != "severity"),
            ]
            return [(self.reader.column_of(f), m) for f, m in errors or late_error]
        column = self.reader.labels["source_record_id"]
        if first is not None and number > first:
            return [(column, str(ingestion.MSG_DUPLICATE).format(row=first))]
        if owner != identifier:
            return [(column, str(ingestion.MSG_OTHER_SUBJECT).format(source=source, owner=mask_identifier(owner)))]
        return [(column, str(MSG_RECORD_CLOSED).format(status=RecordStatus(status).label))]


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def stage_rows(batch, reader, rows, fraction, policy, progress) -> int:
    """Read every row into the batch's staging table (made anew), checked as far as one row goes;
    returns the number of rows. `progress(read=, checked=, fraction=)` after each chunk. A CSV
    file is read line by line where it can be (`_stage_lines`), else from `rows`."""
    rules = RowRules(batch, reader, policy)
    stage = stage_table(batch)
    columns = ", ".join(f"{name} {kind}" for name, kind in STAGE_COLUMNS)
    total = 0
    with _connection().cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {stage}")
        cursor.execute(f"CREATE UNLOGGED TABLE {stage} ({columns})")
        try:
            try:
                total = _stage_lines(batch, rules, cursor, progress)
            except NotByLines:
                cursor.execute(f"TRUNCATE {stage}")
                cursor.execute(f"COMMENT ON TABLE {stage} IS NULL")
                chunk = []
                for number, raw in rows:
                    chunk.append((*rules.stage(reader.parse(number, raw)), None))
                    if len(chunk) >= ingestion.CHUNK:
                        total += _copy_rows(cursor, stage, chunk)
                        chunk = []
                        progress(read=total, checked=total, fraction=fraction())
                total += _copy_rows(cursor, stage, chunk)
            else:
                rows.close()  # never started: the file it opened is closed here
                batch.file.close()
            # The statistics of what the plans join and filter on; the others (the values, the
            # names) cost three quarters of a whole table's ANALYZE and decide nothing.
            cursor.execute(f"ANALYZE {stage} ({', '.join(ANALYZED)})")
        except BaseException:
            with contextlib.suppress(DatabaseError):
                cursor.execute(f"DROP TABLE IF EXISTS {stage}")
            raise
    return total


# --- a CSV file line by line, each line's row remembered -----------------------------------------
#
# A file sent again is mostly the lines of the one before. Each row staged from a CSV file read
# line by line keeps the digest of its line's bytes (`digest`), and the staging table the digest
# of everything else its rows depended on (its scope, kept as the table's comment: the rules of
# `ingestion.rules_digest`, the header row, the upload limits, the language of the messages). A
# later check under the same scope takes, by SQL, the staged row of every line it finds in the
# newest such table, and reads, parses and checks in Python only the lines it does not find. A
# row's staging depends on nothing but its line and the scope (the rules that meet the data on
# file run later, in SQL, on the whole table), so it is the same as if the line had been read.
# This needs each line to be one row: a file with a quoted line break or a lone CR as a line
# break, or with a line the usual reader would refuse (its encoding, CSV, the upload limits), is
# read the usual way, which says what is wrong where.

LINES_BLOCK = 1 << 20


class NotByLines(Exception):
    """The file is read the usual way (ingestion.raw_rows)."""


def _scope(batch, policy, headers, limits) -> str:
    digest = ingestion.rules_digest(batch, policy)
    stage = [name for name, _kind in STAGE_COLUMNS]
    digest.update(repr([headers, dataclasses.astuple(limits), translation.get_language(), stage]).encode())
    return digest.hexdigest()


def _one_row(line: bytes) -> bytes:
    """The line without its line break; NotByLines where it is surely not one row by itself (the
    reading checks the others: `_stage_lines`). The quote character, CR and LF are single bytes
    that no other character of UTF-8 or GB18030 contains."""
    if line.endswith(b"\r"):
        line = line[:-1]
    if b"\r" in line or line.count(b'"') % 2:  # a lone CR ends a line; a quoted line break
        raise NotByLines
    return line


def _header_alone(line: bytes, encoding: str) -> None:
    """NotByLines unless the header row is line 1 alone (no quoted line break)."""
    try:
        text = line.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except UnicodeDecodeError:
        raise NotByLines from None
    reader = csv.reader([text + "\n", "\n"])
    next(reader, None)
    if reader.line_num != 1:
        raise NotByLines


def _lines(handle, encoding: str):
    """(line number, bytes) of every line after the header row (line 1)."""
    number, rest = 0, b""
    while block := handle.read(LINES_BLOCK):
        lines = (rest + block).split(b"\n")
        rest = lines.pop()
        for line in lines:
            number += 1
            line = _one_row(line)
            if number > 1:
                yield number, line
            else:
                _header_alone(line, encoding)
    if rest:
        number += 1
        line = _one_row(rest)
        if number > 1:
            yield number, line


def _line_digest(line: bytes) -> bytes:
    return hashlib.blake2b(line, digest_size=16).digest()


def _remembered(cursor, scope: str, stage: str) -> str | None:
    """The newest other staging table of the same scope."""
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname LIKE %s AND c.relname <> %s "
        "AND obj_description(c.oid, 'pg_class') = %s "
        "ORDER BY length(c.relname) DESC, c.relname DESC LIMIT 1",
        [STAGE_PREFIX.replace("_", r"\_") + "%", stage, scope],
    )
    found = cursor.fetchone()
    return found[0] if found else None


def _stage_lines(batch, rules: RowRules, cursor, progress) -> int:
    """Stage a CSV file line by line, the lines found in the newest staging table of the same
    scope taken from it; the number of rows, or NotByLines."""
    if batch.file.name.endswith(".json") or batch.encoding not in tabular.ENCODINGS:
        raise NotByLines
    limits = upload_limits()
    headers = rules.reader.headers
    scope = _scope(batch, rules.policy, headers, limits)
    stage = stage_table(batch)
    cursor.execute(f"COMMENT ON TABLE {stage} IS '{scope}'")  # a hex digest: nothing to quote
    size = max(batch.file.size or 1, 1)
    with batch.file.storage.open(batch.file.name, "rb") as handle:
        if handle.read(4) == b"PK\x03\x04":  # an XLSX file
            raise NotByLines
        handle.seek(0)
        wanted, found = _take_remembered(cursor, handle, batch.encoding, scope, stage, size, progress)
        handle.seek(0)
        start = 0.0 if wanted is None else 0.5
        total = found

        def report():
            progress(read=total, checked=total, fraction=start + (1 - start) * min(handle.tell() / size, 1.0))

        current = [0, b""]  # the line csv.reader is reading: its number and digest

        def texts():
            for number, line in _lines(handle, batch.encoding):
                if wanted is not None and not wanted[number]:
                    continue
                current[0], current[1] = number, _line_digest(line)
                text = line.decode(batch.encoding)
                if len(text) + 2 > limits.max_line_chars:  # with its line break, as BoundedLines counts
                    raise NotByLines
                yield text + "\n"

        count, chunk = found, []
        # every line found: nothing to read again
        reader = csv.reader(texts() if wanted is None or any(wanted) else ())
        try:
            for records, cells in enumerate(reader, start=1):
                number, digest = current
                if reader.line_num != records:  # a record of two lines: a quoted line break after all
                    raise NotByLines
                tabular.check_cells(number, cells, headers, limits)
                if not any(c.strip() for c in cells):
                    continue
                count += 1
                if count > limits.max_rows:
                    raise NotByLines
                if cells and cells[0].lstrip().startswith(ingestion.NOTE_PREFIX):
                    continue
                row = rules.reader.parse(number, dict(zip(headers, cells, strict=False)))
                chunk.append((*rules.stage(row), digest))
                if len(chunk) >= ingestion.CHUNK:
                    total += _copy_rows(cursor, stage, chunk)
                    chunk = []
                    report()
        except (UnicodeDecodeError, csv.Error, ValidationError):
            raise NotByLines from None
        if count > limits.max_rows:  # the lines found count too
            raise NotByLines
        total += _copy_rows(cursor, stage, chunk)
        report()
    return total


PROBED_LINES = 1000


def _any_remembered(cursor, handle, encoding: str, remembered: str) -> bool:
    """Whether any of the first lines of the file is in the staging table: a file whose first
    PROBED_LINES lines all changed is read line by line without looking for the others."""
    probe = [_line_digest(line) for _number, line in itertools.islice(_lines(handle, encoding), PROBED_LINES)]
    try:
        with transaction.atomic(using=_connection().alias):  # the table may be dropped meanwhile
            cursor.execute(f"SELECT EXISTS (SELECT FROM {remembered} WHERE digest = ANY(%s))", [probe])  # noqa: S608
            return cursor.fetchone()[0]
    except DatabaseError:
        logger.warning("The rows staged in %s could not be read; every line is read", remembered, exc_info=True)
        return False


def _take_remembered(
    cursor, handle, encoding: str, scope: str, stage: str, size: int, progress
) -> tuple[bytearray | None, int]:
    """Stage the lines of the file found in the newest staging table of the same scope: (a flag
    per line number, set for the lines still to read, or None when every line is; the rows
    staged)."""
    remembered = _remembered(cursor, scope, stage)
    if remembered is None or not _any_remembered(cursor, handle, encoding, remembered):
        return None, 0
    handle.seek(0)
    lines = 0
    # NotByLines may end the COPY half-way: its own transaction (or savepoint) is undone with it
    with transaction.atomic(using=_connection().alias):
        cursor.execute("DROP TABLE IF EXISTS ingest_lines")
        cursor.execute("CREATE TEMP TABLE ingest_lines (rownum integer, digest bytea)")
        with cursor.copy("COPY ingest_lines FROM STDIN") as copy:
            block = []
            for number, line in _lines(handle, encoding):
                block.append(f"{number}\t\\\\x{_line_digest(line).hex()}\n")
                if len(block) >= 10_000:
                    copy.write("".join(block))
                    block = []
                    progress(read=0, checked=0, fraction=0.5 * min(handle.tell() / size, 1.0))
                lines = number
            copy.write("".join(block))
    columns = [name for name, _kind in STAGE_COLUMNS if name not in ("rownum", "digest")]
    listed = ", ".join(columns)
    try:
        # in a savepoint where the caller has a transaction: the table may be dropped meanwhile
        with transaction.atomic(using=_connection().alias):
            cursor.execute(
                f"INSERT INTO {stage} (rownum, {listed}, digest) "  # noqa: S608 (table names of ours)
                f"SELECT l.rownum, {', '.join(f'm.{c}' for c in columns)}, l.digest FROM ingest_lines l "
                f"JOIN (SELECT DISTINCT ON (digest) {listed}, digest FROM {remembered} WHERE digest IS NOT NULL "
                "ORDER BY digest) m ON m.digest = l.digest"
            )
    except DatabaseError:
        logger.warning("The rows staged in %s could not be read; every line is read", remembered, exc_info=True)
        cursor.execute("DROP TABLE ingest_lines")
        return None, 0
    found = cursor.rowcount
    wanted = bytearray(lines + 1)
    cursor.execute(
        f"SELECT l.rownum FROM ingest_lines l LEFT JOIN {stage} s ON s.rownum = l.rownum "  # noqa: S608
        "WHERE s.rownum IS NULL"
    )
    while unread := cursor.fetchmany(10_000):
        for (number,) in unread:
            wanted[number] = 1
    cursor.execute("DROP TABLE ingest_lines")
    return wanted, found


def _copy_rows(cursor, stage: str, rows: list[tuple]) -> int:
    if rows:
        with cursor.copy(f"COPY {stage} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return len(rows)


def _checked_sql(stage: str) -> str:
    """`c`: every staged row with its subject on file, whether it passes every rule of one row
    (`ok`), the first row of the file with its source record (`first`), and the record on file
    with that source record (`record_id`, its subject's identifier `owner`, its status).
    Parameters: the item's subject types, the providing organisation."""
    subjects, records = Subject._meta.db_table, CreditRecord._meta.db_table
    return f"""
        WITH s AS (
            SELECT st.*, sub.id AS subject_id, COALESCE(sub.kind, st.kind) AS eff_kind,
                   (st.parse_errors IS NULL AND st.rule_errors IS NULL AND st.late_error IS NULL
                    AND COALESCE(sub.kind, st.kind) = ANY(%s)) AS ok
            FROM {stage} st LEFT JOIN {subjects} sub ON sub.identifier = st.identifier
            OFFSET 0  -- planned apart: `ok` pushed into the join was estimated to keep a hundredth of the rows,
                      -- and the records on file were then looked up one index probe a row
        ), f AS (
            SELECT s.*, CASE WHEN s.ok THEN min(s.rownum) OVER (PARTITION BY s.ok, s.dedup_key) END AS first
            FROM s
        ), c AS (
            SELECT f.*, r.id AS record_id, o.identifier AS owner, r.status AS record_status
            FROM f
            LEFT JOIN {records} r ON f.ok AND f.rownum = f.first AND r.provider_id = %s AND r.dedup_key = f.dedup_key
            LEFT JOIN {subjects} o ON o.id = r.subject_id
        )"""  # noqa: S608 (table names from the models)


def stage_errors(batch, reader, policy):
    """(row, [(column, message)]) of every staged row that fails a rule, in row order."""
    rules = RowRules(batch, reader, policy)
    sql = (
        _checked_sql(stage_table(batch))  # noqa: S608 (table names from the models)
        + """
        SELECT rownum, parse_errors, rule_errors, late_error, eff_kind, first, owner, record_status, identifier,
               source_record_id
        FROM c WHERE NOT ok OR rownum > first OR owner <> identifier OR record_status = ANY(%s)
        ORDER BY rownum"""
    )
    with transaction.atomic(using=_connection().alias), _connection().chunked_cursor() as cursor:
        cursor.execute(sql, [list(batch.item.subject_types), batch.provider_id, CLOSED])
        while found := cursor.fetchmany(2000):
            for one in found:
                yield one[0], rules.row_errors(one)


def check_rows(batch, reader, rows, fraction, policy, progress, add_errors) -> tuple[int, int]:
    """The check of a batch on PostgreSQL: stage the rows, then report what fails; returns (rows,
    rows with errors). `add_errors([(row, column, message), …])` in row order."""
    total = stage_rows(batch, reader, rows, fraction, policy, progress)
    invalid = 0
    for number, errors in stage_errors(batch, reader, policy):
        invalid += 1
        add_errors([(number, column, message) for column, message in errors])
    return total, invalid


# --- the submit, set-based ------------------------------------------------------------------


def submit_staged(batch, *, by, reason: str, now, policy, progress) -> list[int]:
    """Write a batch's valid rows from its staging table (inside the caller's transaction):
    (subjects created, records created, updated, unchanged). The rows are checked again first,
    set-based, when the file or a rule changed since the check (`check_digest`) or the staging
    table is gone; the rules that meet the data on file run again in any case."""
    with _connection().cursor() as cursor:
        staged = _stage_exists(cursor, batch)
    if not (staged and batch.check_digest and batch.check_digest == ingestion.check_digest(batch, policy)):
        headers, rows, fraction = ingestion.raw_rows(batch)
        reader = ingestion.RowReader(batch.item, headers)
        # Reading the file again is the first half of the bar, the writes the second.
        stage_rows(batch, reader, rows, fraction, policy, _scaled(progress, 0.0, 0.5))
        progress = _scaled(progress, 0.5, 0.5)
    return _write_stage(batch, by=by, reason=reason, now=now, policy=policy, progress=progress)


# How far along the bar the set-based write is after each of its statements (their shares of the
# time at 1,000,000 rows, bench/RESULTS.md): the rows to write, the subjects, the records, the
# changed records; the COMMIT (its deferred foreign-key checks) is the rest.
WRITE_STAGES = {"selected": 0.05, "subjects": 0.35, "records": 0.6, "updated": 0.65}


def _scaled(progress, start: float, span: float):
    """`progress` reporting its fraction within [start, start + span] of the whole bar."""

    def report(*, fraction=0.0, **counts):
        progress(fraction=start + span * fraction, **counts)

    return report


def _insert_select(connection, model, given: dict[str, str], *, now, actor) -> tuple[str, str, list]:
    """(columns, SELECT expressions, parameters) of an INSERT … SELECT of `model`: the `given`
    expressions, the audit fields, and every other field's default."""
    qn = connection.ops.quote_name
    columns, expressions, params = [], [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(qn(f.column))
        if f.attname in given:
            expressions.append(given[f.attname])
            continue
        expressions.append("%s")
        if f.attname in ("created_at", "updated_at"):
            params.append(now)
        elif f.attname in ("created_by_id", "updated_by_id"):
            params.append(actor.pk if actor is not None else None)
        else:
            params.append(f.get_db_prep_save(f.get_default(), connection))
    return ", ".join(columns), ", ".join(expressions), params


def _write_stage(batch, *, by, reason: str, now, policy, progress) -> list[int]:
    connection = _connection()
    qn = connection.ops.quote_name
    actor = by if getattr(by, "is_authenticated", False) else None
    stage, subjects, records = stage_table(batch), qn(Subject._meta.db_table), qn(CreditRecord._meta.db_table)
    total = batch.rows_total
    with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS ingest_write")
        cursor.execute(
            "CREATE TEMP TABLE ingest_write ON COMMIT DROP AS "  # noqa: S608 (table names from the models)
            + _checked_sql(stage)
            + """
            SELECT rownum, identifier, eff_kind AS kind, name, subject_id, record_id, document_number,
                   document_date, determined_on, ended_on, custodial_sentence_end, severity, category,
                   source_record_id, vals, dedup_key, disclosure_ends_on, disclosure_basis
            FROM c
            WHERE ok AND rownum = first
              AND (record_id IS NULL OR (owner = identifier AND record_status <> ALL(%s)))""",
            [list(batch.item.subject_types), batch.provider_id, CLOSED],
        )
        cursor.execute("ANALYZE ingest_write (identifier, subject_id, record_id, dedup_key)")
        progress(read=total, checked=total, fraction=WRITE_STAGES["selected"])
        if policy.disclosure_extended_while_listed:
            _extend_disclosures(cursor, batch, policy)

        # New subjects: one per identifier, named as the first row naming it.
        columns, expressions, params = _insert_select(
            connection,
            Subject,
            # Each new subject its own random public key (the model's default is one value per
            # statement here); PostgreSQL 13+ has gen_random_uuid() built in.
            {"kind": "w.kind", "identifier": "w.identifier", "name": "w.name", "public_key": "gen_random_uuid()"},
            now=now,
            actor=actor,
        )
        history, history_params = _history_sql(connection, Subject, "ins t", "+", actor, reason)
        cursor.execute(
            f"WITH ins AS (INSERT INTO {subjects} ({columns}) SELECT {expressions} FROM ("  # noqa: S608
            "SELECT DISTINCT ON (identifier) identifier, kind, name FROM ingest_write WHERE subject_id IS NULL "
            f"ORDER BY identifier, rownum) w RETURNING *) {history}",
            params + history_params,
        )
        subjects_created = cursor.rowcount
        if subjects_created:
            transaction.on_commit(lambda: merge_name_index(connection.alias), using=connection.alias)
        progress(read=total, checked=total, fraction=WRITE_STAGES["subjects"])

        # New records.
        given = {
            name: f"w.{qn(name)}"
            for name in [
                "category",
                "severity",
                "document_number",
                "document_date",
                "determined_on",
                "ended_on",
                "custodial_sentence_end",
                "disclosure_ends_on",
                "disclosure_basis",
                "source_record_id",
                "dedup_key",
            ]
        } | {
            "subject_id": "sub.id",
            "item_id": str(int(batch.item_id)),
            "provider_id": str(int(batch.provider_id)),
            "batch_id": str(int(batch.pk)),
            "values": "w.vals",
        }
        columns, expressions, params = _insert_select(connection, CreditRecord, given, now=now, actor=actor)
        history, history_params = _history_sql(connection, CreditRecord, "ins t", "+", actor, reason)
        cursor.execute(
            f"WITH ins AS (INSERT INTO {records} ({columns}) SELECT {expressions} "  # noqa: S608
            f"FROM ingest_write w JOIN {subjects} sub ON sub.identifier = w.identifier "
            f"WHERE w.record_id IS NULL ORDER BY w.rownum RETURNING *) {history}",
            params + history_params,
        )
        created = cursor.rowcount
        progress(read=total, checked=total, written=created, fraction=WRITE_STAGES["records"])

        # Records sent again with a change; the others are left alone (no write, no history).
        def column(name: str) -> str:
            return "vals" if name == "values" else qn(CreditRecord._meta.get_field(name).column)

        assignments = [
            f"{qn(CreditRecord._meta.get_field(name).column)} = w.{column(name)}"
            for name in ingestion.UPDATED_FIELDS
            if name not in ("batch", "updated_at", "updated_by")
        ]
        compared = [qn(CreditRecord._meta.get_field(name).column) for name in ingestion.COMPARED_FIELDS]
        history, history_params = _history_sql(connection, CreditRecord, "upd t", "~", actor, reason)
        cursor.execute(
            f"WITH upd AS (UPDATE {records} r SET {', '.join(assignments)}, batch_id = %s, "  # noqa: S608
            "updated_at = %s, updated_by_id = %s FROM ingest_write w WHERE r.id = w.record_id "
            f"AND ({', '.join(f'r.{c}' for c in compared)}) IS DISTINCT FROM "
            f"({', '.join(f'w.{column(n)}' for n in ingestion.COMPARED_FIELDS)}) RETURNING r.*) {history}",
            [batch.pk, now, actor.pk if actor is not None else None, *history_params],
        )
        updated = cursor.rowcount
        cursor.execute("SELECT count(*) FROM ingest_write WHERE record_id IS NOT NULL")
        unchanged = cursor.fetchone()[0] - updated
        progress(read=total, checked=total, written=created + updated + unchanged, fraction=WRITE_STAGES["updated"])
        _notify_created(batch)
        cursor.execute("DROP TABLE ingest_write")
        # The staging table stays: the next file of the item and provider takes its lines from it.
    return [subjects_created, created, updated, unchanged]


def _extend_disclosures(cursor, batch, policy) -> None:
    """While a subject on file is on the serious list its dishonest records stay disclosed
    longer (apps.subjects.disclosure): the disclosure of its rows is worked out again with it."""
    # One question for the whole batch, its subjects as a subquery: binding 100,000 ids as
    # parameters, 20,000 at a time, took 2.5 s of a 3.9 s resend at 100,000 rows.
    ends = extensions_for(RawSQL("SELECT subject_id FROM ingest_write WHERE subject_id IS NOT NULL", []))
    if not ends:
        return
    cursor.execute(
        "SELECT rownum, subject_id, category, severity, document_date, determined_on, ended_on, "
        "custodial_sentence_end FROM ingest_write WHERE subject_id = ANY(%s)",
        [list(ends)],
    )
    changes = []
    for number, subject_id, category, severity, *dates in cursor.fetchall():
        record = CreditRecord(
            item=batch.item,
            subject_id=subject_id,
            category=category,
            severity=severity,
            **dict(zip(["document_date", "determined_on", "ended_on", "custodial_sentence_end"], dates, strict=True)),
        )
        record_disclosure_errors(record, policy, ends)
        changes.append((record.disclosure_ends_on, record.disclosure_basis, number))
    cursor.executemany(
        "UPDATE ingest_write SET disclosure_ends_on = %s, disclosure_basis = %s WHERE rownum = %s", changes
    )


def _notify_created(batch) -> None:
    """Tell the other apps of the records created for subjects already on file (a subject the
    batch created has nothing elsewhere to act on: no listing, no case)."""
    records = qn_table(CreditRecord)
    with _connection().chunked_cursor() as cursor:
        cursor.execute(
            f"SELECT r.id FROM ingest_write w JOIN {records} r ON r.provider_id = %s AND r.dedup_key = w.dedup_key "  # noqa: S608
            "WHERE w.subject_id IS NOT NULL AND w.record_id IS NULL",
            [batch.provider_id],
        )
        while found := cursor.fetchmany(2000):
            notify_records_created(list(CreditRecord.objects.filter(pk__in=[pk for (pk,) in found])))


def qn_table(model) -> str:
    return _connection().ops.quote_name(model._meta.db_table)
