"""Benchmark of batch ingestion (归集): check, submit (create path), submit again (update path).

Run by hand from the repository root (not a pytest test):

    .venv/bin/python bench/ingest.py                      # 100,000 rows, fresh SQLite file under /tmp
    .venv/bin/python bench/ingest.py --rows 20000 --tracemalloc
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/credit_portal_bench .venv/bin/python bench/ingest.py

The database is created for the run and removed afterwards (`--keep` keeps it): a fresh SQLite
file, or for PostgreSQL the database named in DATABASE_URL, dropped and created through the
`postgres` maintenance database. Its name must contain "bench" (a guard against dropping a real
database). Uploaded files go to a temporary MEDIA_ROOT.

Phases, each timed, with the process's peak RSS (ru_maxrss, never decreases) after it and,
with --tracemalloc, the peak of Python allocations during the phase:

    setup      migrate, load_presets, agency + officer + published item with 2 declared fields
    generate   the CSV file (GB18030 by default, --encoding utf-8)
    check-1    batch_upload: store the file and check every row
    submit-1   batch_submit: every valid row creates a subject and a record (+ history rows)
    check-2    batch_upload of the same rows, with one field changed in every row (罚款金额)
    submit-2   batch_submit: every valid row updates its record (no subject, no record created)
    check-3    batch_upload of the second file again, byte for byte
    submit-3   batch_submit: every valid row is unchanged (since commit 9953fac a resent row equal
               to its record writes nothing: no update, no history row)

Baselines (PostgreSQL, `--baselines N`: before each pass and after the last until N, medians in
the summary, each phase's end-to-end rate as a fraction of each):

    raw COPY        the file's bytes streamed by COPY into a table of text columns
    COPY + history  COPY into a temp stage, one INSERT … ON CONFLICT into a table with one unique
                    index, and its history rows, in one transaction
    rows COPY       the file read and decoded in Python (csv module) and written row by row with
                    psycopg's `copy.write_row` into a table of text columns: how DESIGN.md section 9
                    measured "COPY through psycopg 3" (158–167k rows/s), the figure issue 15's
                    targets were set against
    floor           the same number of rows written into the project's own tables as the set-based
                    submit writes a first file, with no check: subjects and records with their
                    history rows in one transaction, COMMIT (the real foreign keys and indexes),
                    the name index's merge; staged beforehand, untimed, and removed afterwards

Why two files: the same file sent twice no longer updates anything (see submit-3), so the update
path is measured with the amount changed in every row. `--no-resend` skips check-3 and submit-3.

The outcome is verified (counts, history rows, the bad rows reported with their columns); the
script exits with status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import csv
import datetime
import gc
import io
import os
import pstats
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REASON_FIRST = "基准测试首次报送"
REASON_SECOND = "基准测试更正报送"
REASON_THIRD = "基准测试重复报送"
REASON_FLOOR = "基准测试写入下限"
AMOUNT_FIRST, AMOUNT_SECOND = "1000", "1500"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="data rows in the file (default 100000)")
    parser.add_argument("--encoding", choices=["gb18030", "utf-8"], default="gb18030", help="file encoding")
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv", help="file format (default csv)")
    parser.add_argument(
        "--baselines",
        type=int,
        default=3,
        help="PostgreSQL: times to measure the baselines (raw COPY, COPY + set-based history, rows COPY "
        "through psycopg, the schema's floor) of the same rows, interleaved with the phases (default 3; 0: none)",
    )
    parser.add_argument("--tracemalloc", action="store_true", help="also measure Python allocation peaks (slower)")
    parser.add_argument("--profile", action="store_true", help="cProfile each ingestion phase; print the top lines")
    parser.add_argument("--profile-lines", type=int, default=15, help="lines of each profile (default 15)")
    parser.add_argument(
        "--chunk-times", action="store_true", help="time every chunk of the submits (check vs write) and summarise"
    )
    parser.add_argument(
        "--no-disclosure-extensions",
        action="store_true",
        help="disconnect the disclosure-extension receivers for the run (A/B: the serious-listing lookup)",
    )
    parser.add_argument(
        "--no-set-based",
        action="store_true",
        help="PostgreSQL: write through the bulk helpers instead of apps.subjects.ingestion_pg (A/B)",
    )
    parser.add_argument("--check-only", action="store_true", help="stop after check-1 (memory scaling of the check)")
    parser.add_argument("--no-resend", action="store_true", help="skip check-3/submit-3 (the unchanged file)")
    parser.add_argument("--keep", action="store_true", help="keep the database, the CSV and the media directory")
    parser.add_argument("--settings", default="tests.settings", help="DJANGO_SETTINGS_MODULE (default tests.settings)")
    return parser.parse_args(argv)


# --- measuring ------------------------------------------------------------------------------------


def maxrss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_now_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


@dataclass
class Result:
    phase: str
    rows: int
    seconds: float
    maxrss_before: float
    maxrss_after: float
    rss_after: float
    traced_peak: float | None  # MB allocated by Python at the phase's peak, over its start
    queries: int
    load: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        traced = f"  tracemalloc peak +{self.traced_peak:.1f} MB" if self.traced_peak is not None else ""
        return (
            f"{self.phase:<9} rows {self.rows:>8}  {self.seconds:8.2f} s  {self.rate:9.0f} rows/s  "
            f"peak RSS {self.maxrss_after:7.1f} MB (+{self.maxrss_after - self.maxrss_before:.1f})  "
            f"RSS now {self.rss_after:7.1f} MB  queries {self.queries:>7}  load {self.load:.2f}{traced}"
        )


class Meter:
    def __init__(self, *, trace: bool, profile: bool, profile_lines: int):
        self.trace, self.profile, self.profile_lines = trace, profile, profile_lines
        self.results: list[Result] = []
        self.queries = 0
        self.slow: list[tuple[float, str]] = []  # (seconds, statement) of the phase

    def count_queries(self, execute, sql, params, many, context):
        """A connection.execute_wrapper: counts the SQL statements sent (cheap, unlike DEBUG)."""
        self.queries += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.slow.append((time.perf_counter() - started, " ".join(sql.split())[:160]))

    @contextlib.contextmanager
    def phase(self, name: str, rows: int, *, profile: bool = False):
        before = maxrss_mb()
        gc.collect()  # garbage left by earlier phases (migrate makes much) would hide growth here
        traced_start = 0
        if self.trace:
            tracemalloc.reset_peak()
            traced_start = tracemalloc.get_traced_memory()[0]
        profiler = cProfile.Profile() if (profile and self.profile) else None
        queries = self.queries
        self.slow = []
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        try:
            yield
        finally:
            if profiler:
                profiler.disable()
            seconds = time.perf_counter() - start
            peak = (tracemalloc.get_traced_memory()[1] - traced_start) / 1024 / 1024 if self.trace else None
            result = Result(
                name, rows, seconds, before, maxrss_mb(), rss_now_mb(), peak, self.queries - queries, os.getloadavg()[0]
            )
            self.results.append(result)
            print(result.line(), flush=True)
            # Where the time goes on the database's side: the statements of the phase over 5 % of it.
            for took, statement in sorted(self.slow, reverse=True)[:6]:
                if took > 0.05 * seconds:
                    print(f"    SQL {took:7.2f} s  {statement}", flush=True)
            if profiler:
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(self.profile_lines)
                print(out.getvalue(), flush=True)


class ChunkTimer:
    """Times each chunk of a submit: reading + checking (`checked_chunks`) and writing (`_write_chunk`).

    Wraps the two module functions of apps.subjects.ingestion for the run (nothing is changed on disk).
    """

    def __init__(self):
        from apps.subjects import ingestion

        self.check: list[float] = []
        self.write: list[float] = []
        real_chunks, real_write = ingestion.checked_chunks, ingestion._write_chunk

        def timed_chunks(*args, **kwargs):
            chunks = real_chunks(*args, **kwargs)
            while True:
                start = time.perf_counter()
                try:
                    chunk = next(chunks)
                except StopIteration:
                    return
                self.check.append(time.perf_counter() - start)
                yield chunk

        def timed_write(*args, **kwargs):
            start = time.perf_counter()
            try:
                return real_write(*args, **kwargs)
            finally:
                self.write.append(time.perf_counter() - start)

        ingestion.checked_chunks, ingestion._write_chunk = timed_chunks, timed_write

    def report(self, phase: str) -> None:
        def summary(times: list[float]) -> str:
            if not times:
                return "-"
            tenth = max(1, len(times) // 10)
            first, last = times[:tenth], times[-tenth:]
            return (
                f"first {len(first)} chunks {sum(first) / len(first) * 1000:6.0f} ms/chunk, "
                f"last {len(last)} {sum(last) / len(last) * 1000:6.0f} ms/chunk, total {sum(times):7.2f} s"
            )

        print(f"  {phase} chunks: {len(self.check)} read+check: {summary(self.check)}")
        print(f"  {phase} chunks: {len(self.write)} write:       {summary(self.write)}")
        self.check, self.write = [], []


SOURCES = [
    "apps/subjects/ingestion.py",
    "apps/subjects/ingestion_jobs.py",
    "apps/subjects/ingestion_pg.py",
    "apps/subjects/services.py",
    "apps/subjects/disclosure.py",
    "apps/core/tabular.py",
    "apps/core/audit.py",
    "apps/sanctions/hooks.py",
]


def _git(*args: str) -> str:
    import subprocess

    try:
        done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False)  # noqa: S603, S607
    except OSError:
        return ""
    return done.stdout


def source_fingerprint() -> str:
    """The commit and a digest of the files on the measured path (the tree may change between runs)."""
    import hashlib

    head = _git("rev-parse", "--short", "HEAD").strip() or "?"
    dirty = [line[3:] for line in _git("status", "--porcelain", "--", *SOURCES).splitlines()]
    digest = hashlib.sha256()
    for name in SOURCES:
        path = ROOT / name
        digest.update(path.read_bytes() if path.exists() else b"-")
    modified = f" (uncommitted changes: {', '.join(dirty)})" if dirty else ""
    return f"HEAD {head}{modified}, sources digest {digest.hexdigest()[:12]}"


# --- database -------------------------------------------------------------------------------------


def prepare_database(url: str | None, workdir: Path) -> tuple[str, callable]:
    """(DATABASE_URL to use, cleanup function). PostgreSQL: drop and create the named database."""
    if not url:
        path = workdir / "bench.sqlite3"
        return f"sqlite:///{path}", lambda: None
    import dj_database_url

    config = dj_database_url.parse(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        path = Path(config["NAME"])
        if path.exists():
            sys.exit(f"{path} exists: the benchmark needs a fresh database (remove it or choose another file).")
        return url, lambda: path.unlink(missing_ok=True)
    if "postgresql" not in config["ENGINE"]:
        sys.exit(f"unsupported database engine {config['ENGINE']}")
    name = config["NAME"]
    if "bench" not in name:
        sys.exit(f"refusing to drop and create {name!r}: the database name must contain 'bench'")
    import psycopg
    from psycopg import sql

    params = {
        "dbname": "postgres",
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
    }
    params = {k: v for k, v in params.items() if v}

    def run(*statements):
        with psycopg.connect(**params, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    run(drop, sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(name)))
    return url, lambda: run(drop)


def setup_django(settings_module: str, database_url: str, media_root: Path, rows: int) -> None:
    # The upload limits of production (20,000 rows, 20 MB) would refuse the benchmark's file.
    os.environ["UPLOAD_MAX_ROWS"] = str(rows + 10)
    for name in ("UPLOAD_MAX_BYTES", "UPLOAD_XLSX_MAX_UNCOMPRESSED_BYTES"):
        os.environ[name] = str(4 * 1024**3)
    os.environ["UPLOAD_XLSX_MAX_RATIO"] = "1000"
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    os.environ["DATABASE_URL"] = database_url
    os.environ["MEDIA_ROOT"] = str(media_root)
    os.environ["CREDIT_POLICY"] = "nanjing"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if settings_module != "tests.settings":
        os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.conf import settings

    # DEBUG keeps every SQL statement in connection.queries, which would grow with the rows.
    settings.DEBUG = False
    # tests.settings makes its own scratch MEDIA_ROOT (an empty folder per process): use ours,
    # which is removed with the run, and drop the empty one.
    scratch = Path(settings.MEDIA_ROOT)
    settings.MEDIA_ROOT = str(media_root)
    if scratch != media_root and scratch.name.startswith("credit_portal_test_media_"):
        with contextlib.suppress(OSError):
            scratch.rmdir()  # only when empty


def create_fixtures():
    """Policies, an agency with an officer, a published dishonest item it provides (2 fields)."""
    from django.core.management import call_command

    from apps.core.management.commands.load_policies import load_presets
    from tests.factories import OfficerFactory
    from tests.subjects.factories import PublishedItemFactory

    call_command("migrate", verbosity=0, interactive=False)
    load_presets()
    officer = OfficerFactory()
    item = PublishedItemFactory(subject_types=["natural_person", "legal_person"])
    item.providers.set([officer.organization])
    assert len(item.record_fields) == 2, item.record_fields
    return officer, item


# --- the file -------------------------------------------------------------------------------------


def identifier_for(i: int) -> str:
    """Distinct valid identifiers: odd rows organisations, even rows natural persons."""
    from tests.factories import make_citizen_id, make_uscc

    if i % 2:
        return make_uscc(100_000 + i)
    n = i // 2  # 1,000 sequence numbers per birth date, then the next day
    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=n // 1000)
    return make_citizen_id(n, birth=birth.strftime("%Y%m%d"))


def good_row(i: int, amount: str = AMOUNT_FIRST) -> list[str]:
    """Same shape as tests/subjects/test_ingestion.py::_rows."""
    return [
        identifier_for(i),
        f"主体{i}",
        f"宁罚〔2026〕{i}号",
        "2026-03-01",
        "2026-03-01",
        "一般",
        f"SRC-{i}",
        "罚款",
        amount,
    ]


def bad_rows(n: int, header: list[str]) -> dict[int, tuple[callable, str]]:
    """{row index: (how to spoil the row, column expected in the error)}, spread over the file."""
    col = {label: position for position, label in enumerate(header)}

    def set_cell(label, value):
        def spoil(row, rows_so_far):
            row[col[label]] = value

        return spoil

    def bad_check_character(row, rows_so_far):
        last = row[0][-1]
        row[0] = row[0][:-1] + ("0" if last != "0" else "1")

    def same_source_as_previous(row, rows_so_far):
        row[col["源记录编号"]] = rows_so_far[-1][col["源记录编号"]]

    spoilers = [
        (bad_check_character, "主体代码"),
        (set_cell("处罚类别", "拘留"), "处罚类别"),  # not a declared choice
        (set_cell("文书号", ""), "文书号"),  # dishonest record without its document number
        (set_cell("文书日期", "2026-13-45"), "文书日期"),  # not a date
        (set_cell("失信程度", "特别严重"), "失信程度"),  # not a severity
        (set_cell("主体名称", ""), "主体名称"),
        (set_cell("罚款金额", "一千元"), "罚款金额"),  # not a number
        (same_source_as_previous, "源记录编号"),  # duplicate within the file
    ]
    if n < 2 * len(spoilers):
        sys.exit(f"--rows must be at least {2 * len(spoilers)}")
    step = n // len(spoilers)
    return {k * step + step // 2: spoiler for k, spoiler in enumerate(spoilers)}


def write_file(path: Path, n: int, encoding: str, header: list[str], amount: str, *, first: int = 0) -> dict[int, str]:
    """Write the CSV, or the XLSX when `path` ends in .xlsx, of the rows `first` … `first + n - 1`
    (another `first`: other subjects and source numbers); returns {spreadsheet row number
    (header = 1): column of its error}."""
    spoil = bad_rows(n, header)
    expected: dict[int, str] = {}

    def rows():
        previous: list[list[str]] = []
        for i in range(n):
            row = good_row(first + i, amount)
            if i in spoil:
                spoiler, column = spoil[i]
                spoiler(row, previous)
                expected[i + 2] = column
            yield row
            previous = [row]

    if path.suffix == ".xlsx":
        from apps.core.tabular import write_xlsx

        path.write_bytes(write_xlsx(header, rows()))
        return expected
    with open(path, "w", encoding=encoding, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows())
    return expected


# --- the same rows through bare PostgreSQL (the baselines of issue 15) ----------------------------


def _csv_for_copy(path: Path, encoding: str, header: list[str], workdir: Path) -> Path:
    """The rows as a CSV PostgreSQL's COPY reads (an XLSX is converted once, outside the timing)."""
    if path.suffix != ".xlsx":
        return path
    from openpyxl import load_workbook

    out_path = workdir / (path.stem + "-for-copy.csv")
    with open(out_path, "w", encoding=encoding, newline="") as out:
        writer = csv.writer(out)
        rows = load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True)
        writer.writerows(rows)
    return out_path


def copy_baselines(path: Path, encoding: str, header: list[str], rows: int) -> tuple[float, float]:
    """Rows/s of (raw COPY of the file into a table of its columns; COPY into a staging table,
    then one INSERT … SELECT … ON CONFLICT into a table of records and one INSERT … SELECT of
    their history rows, in one transaction), on a fresh pair of tables each time."""
    from django.db import connection, transaction

    columns = [f"c{i}" for i in range(len(header))]
    defined = ", ".join(f"{c} text" for c in columns)
    listed = ", ".join(columns)
    copy_sql = (
        f"COPY {{}} ({listed}) FROM STDIN (FORMAT csv, HEADER true, ENCODING '{encoding.upper().replace('-', '')}')"
    )
    source = columns[6]  # 源记录编号

    def stream(cursor, table):
        with open(path, "rb") as handle, cursor.copy(copy_sql.format(table)) as copy:
            while block := handle.read(1 << 20):
                copy.write(block)

    rates = []
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw, bench_records, bench_records_history")
        cursor.execute(f"CREATE TABLE bench_raw ({defined})")
        cursor.execute(
            f"CREATE TABLE bench_records (id bigserial PRIMARY KEY, {defined}, batch integer, "
            f"created_at timestamptz, created_by integer, UNIQUE ({source}))"
        )
        cursor.execute(
            f"CREATE TABLE bench_records_history (history_id bigserial PRIMARY KEY, id bigint, {defined}, "
            "batch integer, created_at timestamptz, created_by integer, history_date timestamptz, "
            "history_type varchar(1), history_user_id integer, history_change_reason varchar(100))"
        )
        started = time.perf_counter()
        stream(cursor, "bench_raw")
        rates.append(rows / (time.perf_counter() - started))
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor2:
            cursor2.execute(f"CREATE TEMP TABLE bench_stage ({defined}) ON COMMIT DROP")
            stream(cursor2, "bench_stage")
            cursor2.execute(
                f"WITH ins AS (INSERT INTO bench_records ({listed}, batch, created_at, created_by) "  # noqa: S608
                f"SELECT DISTINCT ON ({source}) {listed}, 1, now(), 1 FROM bench_stage ORDER BY {source} "
                f"ON CONFLICT ({source}) DO UPDATE SET {columns[8]} = EXCLUDED.{columns[8]} RETURNING *) "
                f"INSERT INTO bench_records_history (id, {listed}, batch, created_at, created_by, history_date, "
                f"history_type, history_user_id, history_change_reason) SELECT id, {listed}, batch, created_at, "
                "created_by, now(), '+', 1, 'bench' FROM ins"
            )
        rates.append(rows / (time.perf_counter() - started))
        cursor.execute("DROP TABLE bench_raw, bench_records, bench_records_history")
    print(f"  baseline: raw COPY {rates[0]:,.0f} rows/s, COPY + set-based history {rates[1]:,.0f} rows/s", flush=True)
    return rates[0], rates[1]


def resend_floor(path: Path, encoding: str, header: list[str], rows: int, officer, item) -> float:
    """Rows/s of the least a resend must do on PostgreSQL, nothing of it in Python: the file's bytes
    by COPY into a temporary table of text columns, and every row met with the subject on file (by
    its identifier) and with the record on file (by the provider and the dedup key, here
    `id:<item>:<source record id>`, on the index the check uses), in one statement; nothing
    written. Measured before check-3 (the second file again), when the records are on file."""
    from django.db import connection, transaction

    from apps.subjects.models import CreditRecord, Subject

    columns = [f"c{i}" for i in range(len(header))]
    identifier, source = columns[header.index("主体代码")], columns[header.index("源记录编号")]
    subjects, records = (connection.ops.quote_name(m._meta.db_table) for m in (Subject, CreditRecord))
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE bench_resend ({', '.join(f'{c} text' for c in columns)}) ON COMMIT DROP")
        with (
            open(path, "rb") as handle,
            cursor.copy(
                f"COPY bench_resend FROM STDIN (FORMAT csv, HEADER true, ENCODING '{encoding.upper().replace('-', '')}')"
            ) as copy,
        ):
            while block := handle.read(1 << 20):
                copy.write(block)
        cursor.execute("ANALYZE bench_resend")
        cursor.execute(
            f"SELECT count(*), count(sub.id), count(r.id) FROM bench_resend t "  # noqa: S608
            f"LEFT JOIN {subjects} sub ON sub.identifier = trim(t.{identifier}) "
            f"LEFT JOIN {records} r ON r.provider_id = %s AND r.dedup_key = 'id:' || %s || ':' || trim(t.{source})",
            [officer.organization_id, item.code],
        )
        read, with_subject, with_record = cursor.fetchone()
    rate = rows / (time.perf_counter() - started)
    print(
        f"  baseline: resend floor {rate:,.0f} rows/s ({read} rows, {with_subject} with their subject "
        f"on file, {with_record} with their record)",
        flush=True,
    )
    return rate


def rows_copy_baseline(path: Path, encoding: str, header: list[str], rows: int) -> float:
    """Rows/s of the file read and decoded in Python (csv module) and written with psycopg's
    `copy.write_row` into a fresh table of its columns: DESIGN.md section 9's "COPY through
    psycopg 3", the figure issue 15's targets were set against (rows, not bytes, cross into COPY)."""
    from django.db import connection

    columns = [f"c{i}" for i in range(len(header))]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_rows")
        cursor.execute(f"CREATE TABLE bench_rows ({', '.join(f'{c} text' for c in columns)})")
        started = time.perf_counter()
        with open(path, encoding=encoding, newline="") as handle:
            reader = csv.reader(handle)
            next(reader)  # the header
            with cursor.copy(f"COPY bench_rows ({', '.join(columns)}) FROM STDIN") as copy:
                for row in reader:
                    copy.write_row(row)
        rate = rows / (time.perf_counter() - started)
        cursor.execute("DROP TABLE bench_rows")
    print(f"  baseline: rows COPY through psycopg {rate:,.0f} rows/s", flush=True)
    return rate


def floor_baseline(officer, item, header: list[str], rows: int, checks: Checks) -> float:
    """Rows/s of the schema's floor: `rows` new subjects and records written into the project's
    own tables as `ingestion_pg._write_stage` writes a first file, minus every rule.

    The rows (other identifiers and source numbers than the file's, all valid) are staged outside
    the timing in the shape of `ingestion_pg.STAGE_COLUMNS` by the check's own per-row code, so the
    values, dates and dedup keys are those a check would stage. Timed: in one transaction the
    subjects (INSERT … SELECT of the distinct identifiers, with their history rows) and the records
    (with theirs), built by the submit's own `_insert_select` and `_history_sql`; the COMMIT with
    its deferred foreign-key checks; the merge of the name index's pending list the submit runs
    after it. Not `_write_stage` itself: its first statement is the set-based check against the
    subjects and records on file (`_checked_sql`), i.e. rules, and with it the floor would be
    submit-1 again.

    Afterwards the rows, their history and the batch are deleted (past the append-only triggers)
    and the tables vacuumed and analysed (autovacuum would otherwise do it at some moment of a
    measured phase), so each run writes a first file and the rest of the benchmark finds the
    tables' rows as they were."""
    from django.db import connection, transaction
    from django.utils import timezone

    from apps.core.selectors import active_policy
    from apps.subjects import ingestion, ingestion_pg
    from apps.subjects.choices import BatchStatus
    from apps.subjects.models import CreditRecord, ImportBatch, Subject

    qn = connection.ops.quote_name
    subjects, records, batches = (qn(m._meta.db_table) for m in (Subject, CreditRecord, ImportBatch))
    subject_history, record_history = (qn(m.history.model._meta.db_table) for m in (Subject, CreditRecord))
    tables = [subjects, subject_history, records, record_history, batches]

    def counts(cursor) -> list[int]:
        cursor.execute(f"SELECT {', '.join(f'(SELECT count(*) FROM {table})' for table in tables)}")  # noqa: S608
        return list(cursor.fetchone())

    item = type(item).objects.get(pk=item.pk)  # RowRules annotates its item: not the run's instance
    with connection.cursor() as cursor:
        before = counts(cursor)
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {subjects}")  # noqa: S608
        last_subject = cursor.fetchone()[0]
    now = timezone.now()
    # bulk_create: no history row for the batch, nothing to clean but the row itself
    [batch] = ImportBatch.objects.bulk_create(
        [
            ImportBatch(
                provider=officer.organization,
                item=item,
                status=BatchStatus.SUBMITTING,
                rows_total=rows,
                created_by=officer,
                updated_by=officer,
            )
        ]
    )
    stage = "bench_floor_stage"
    reader = ingestion.RowReader(item, header)
    rules = ingestion_pg.RowRules(batch, reader, active_policy())
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {stage}")
        cursor.execute(
            f"CREATE UNLOGGED TABLE {stage} ({', '.join(f'{n} {t}' for n, t in ingestion_pg.STAGE_COLUMNS)})"
        )
        with cursor.copy(f"COPY {stage} FROM STDIN") as copy:
            for i in range(rows):
                row = reader.parse(i + 2, dict(zip(header, good_row(rows + i), strict=True)))
                copy.write_row((*rules.stage(row), None))  # no line digest: staged from no file
        cursor.execute(f"ANALYZE {stage}")
    staging = time.perf_counter() - started

    subject_columns, subject_values, subject_params = ingestion_pg._insert_select(
        connection,
        Subject,
        {"kind": "w.kind", "identifier": "w.identifier", "name": "w.name", "public_key": "gen_random_uuid()"},
        now=now,
        actor=officer,
    )
    subject_rows, subject_rows_params = ingestion_pg._history_sql(
        connection, Subject, "ins t", "+", officer, REASON_FLOOR
    )
    # The staged columns that are the record's own (the submit's list), and the values, the keys.
    fields = {f.attname for f in CreditRecord._meta.concrete_fields}
    given = {name: f"w.{qn(name)}" for name, _type in ingestion_pg.STAGE_COLUMNS if name in fields} | {
        "subject_id": "sub.id",
        "item_id": str(int(item.pk)),
        "provider_id": str(int(officer.organization_id)),
        "batch_id": str(int(batch.pk)),
        "values": "w.vals",
    }
    record_columns, record_values, record_params = ingestion_pg._insert_select(
        connection, CreditRecord, given, now=now, actor=officer
    )
    record_rows, record_rows_params = ingestion_pg._history_sql(
        connection, CreditRecord, "ins t", "+", officer, REASON_FLOOR
    )

    times = {}
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"WITH ins AS (INSERT INTO {subjects} ({subject_columns}) SELECT {subject_values} FROM ("  # noqa: S608
            f"SELECT DISTINCT ON (identifier) identifier, kind, name FROM {stage} ORDER BY identifier, rownum) w "
            f"RETURNING *) {subject_rows}",
            subject_params + subject_rows_params,
        )
        written = [cursor.rowcount]
        times["subjects"] = time.perf_counter() - started
        cursor.execute(
            f"WITH ins AS (INSERT INTO {records} ({record_columns}) SELECT {record_values} "  # noqa: S608
            f"FROM {stage} w JOIN {subjects} sub ON sub.identifier = w.identifier ORDER BY w.rownum "
            f"RETURNING *) {record_rows}",
            record_params + record_rows_params,
        )
        written.append(cursor.rowcount)
        times["records"] = time.perf_counter() - started - times["subjects"]
    times["COMMIT"] = time.perf_counter() - started - times["subjects"] - times["records"]
    ingestion_pg.merge_name_index(connection.alias)
    seconds = time.perf_counter() - started
    times["name index merge"] = seconds - times["subjects"] - times["records"] - times["COMMIT"]
    checks.equal("floor: subjects and records written", written, [rows, rows])

    with transaction.atomic(), connection.cursor() as cursor:
        # History tables refuse DELETE (apps.core.audit's append-only triggers); the replica role
        # skips triggers for this transaction only (a superuser's setting: the benchmark's own database).
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(f"DELETE FROM {record_history} WHERE batch_id = %s", [batch.pk])  # noqa: S608
        cursor.execute(f"DELETE FROM {records} WHERE batch_id = %s", [batch.pk])  # noqa: S608
        cursor.execute(f"DELETE FROM {subject_history} WHERE id > %s", [last_subject])  # noqa: S608
        cursor.execute(f"DELETE FROM {subjects} WHERE id > %s", [last_subject])  # noqa: S608
        cursor.execute(f"DELETE FROM {batches} WHERE id = %s", [batch.pk])  # noqa: S608
        cursor.execute(f"DROP TABLE {stage}")
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {', '.join(tables)}")
        checks.equal("floor: rows of the project's tables as before it", counts(cursor), before)
    rate = rows / seconds
    parts = ", ".join(f"{name} {took:.2f} s" for name, took in times.items())
    print(f"  baseline: schema's floor {rate:,.0f} rows/s ({parts}; staged before in {staging:.2f} s)", flush=True)
    return rate


# --- the run --------------------------------------------------------------------------------------


class Checks:
    def __init__(self):
        self.failures: list[str] = []

    def equal(self, what: str, got, expected) -> None:
        ok = got == expected
        print(f"  {'ok ' if ok else 'FAIL'} {what}: {got!r}" + ("" if ok else f" (expected {expected!r})"))
        if not ok:
            self.failures.append(what)


def upload(officer, item, path: Path):
    from django.core.files import File

    from apps.subjects.ingestion import batch_upload
    from apps.subjects.ingestion_jobs import steps_inline

    # The check runs at once in this process: the task's code, without a worker (steps_inline).
    with open(path, "rb") as handle, steps_inline():
        return batch_upload(by=officer, item=item, provider=officer.organization, file=File(handle, name=path.name))


def verify_check(checks: Checks, batch, n: int, expected_errors: dict[int, str]) -> None:
    from apps.subjects.choices import BatchStatus
    from apps.subjects.models import CreditRecord

    checks.equal("batch status", batch.status, BatchStatus.HAS_ERRORS)
    checks.equal("rows total", batch.rows_total, n)
    checks.equal("rows invalid", batch.rows_invalid, len(expected_errors))
    reported = sorted(batch.row_errors.values_list("row", "column"))
    checks.equal("bad rows reported (row, column)", reported, sorted(expected_errors.items()))
    for row, column, message in batch.row_errors.order_by("row").values_list("row", "column", "message"):
        print(f"       row {row:>6} {column}: {message}")
    checks.equal("records written by the check", CreditRecord.objects.filter(batch=batch).count(), 0)


def verify_submit(checks: Checks, batch, officer, valid: int, *, path: str, reason: str, amount: str) -> None:
    """path: "create", "update" or "unchanged" (what every valid row of the batch should do)."""
    from apps.subjects.choices import BatchStatus
    from apps.subjects.models import CreditRecord, Subject

    checks.equal("batch status", batch.status, BatchStatus.SUBMITTED)
    counts = (batch.subjects_created, batch.rows_created, batch.rows_updated, getattr(batch, "rows_unchanged", 0))
    expected = {
        "create": (valid, valid, 0, 0),
        "update": (0, 0, valid, 0),
        "unchanged": (0, 0, 0, valid),
    }[path]
    checks.equal("subjects created, records created, updated, unchanged", counts, expected)
    checks.equal("records", CreditRecord.objects.count(), valid)
    checks.equal("subjects", Subject.objects.count(), valid)
    checks.equal(
        "records pointing at this batch",
        CreditRecord.objects.filter(batch=batch).count(),
        0 if path == "unchanged" else valid,
    )
    versions = 1 if path == "create" else 2  # the unchanged resend adds no history row
    checks.equal("record history rows", CreditRecord.history.count(), valid * versions)
    checks.equal("subject history rows", Subject.history.count(), valid)
    checks.equal(
        "record history rows of this submit (with user and reason)",
        CreditRecord.history.filter(history_user=officer, history_change_reason=reason).count(),
        0 if path == "unchanged" else valid,
    )
    sample = CreditRecord.objects.get(source_record_id="SRC-1")
    checks.equal("a record's values", sample.values, {"penalty_type": "罚款", "amount": amount})


def main(argv=None) -> int:
    args = parse_args(argv)
    n = args.rows
    workdir = Path(tempfile.mkdtemp(prefix="credit_portal_bench_"))
    media_root = workdir / "media"
    database_url, drop_database = prepare_database(os.environ.get("DATABASE_URL"), workdir)
    if args.tracemalloc:
        tracemalloc.start()
    meter = Meter(trace=args.tracemalloc, profile=args.profile, profile_lines=args.profile_lines)
    checks = Checks()
    try:
        setup_django(args.settings, database_url, media_root, n)
        from django.db import connection

        connection.execute_wrappers.append(meter.count_queries)
        real_commit = connection._commit

        def timed_commit():  # the COMMIT runs the deferred foreign-key checks: count it as a statement
            started = time.perf_counter()
            try:
                return real_commit()
            finally:
                meter.slow.append((time.perf_counter() - started, "COMMIT"))

        connection._commit = timed_commit
        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        print(f"source: {source_fingerprint()}")
        print(
            f"rows: {n}, format: {args.format}, encoding: {args.encoding}, "
            f"tracemalloc: {'on' if args.tracemalloc else 'off'}"
        )
        print(
            f"machine: {os.cpu_count()} CPUs, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 1024**3:.1f} GiB"
        )
        print(f"start: peak RSS {maxrss_mb():.1f} MB")

        with meter.phase("setup", 0):
            officer, item = create_fixtures()
        from apps.subjects import events, ingestion_pg

        ingestion_pg.SET_BASED["on"] = not args.no_set_based
        print(f"set-based writes (PostgreSQL): {'on' if ingestion_pg.SET_BASED['on'] else 'off'}")

        receivers = events.disclosure_extensions.receivers
        print(f"disclosure extensions: {len(receivers)} receiver(s) of events.disclosure_extensions")
        if args.no_disclosure_extensions:
            receivers.clear()
            events.disclosure_extensions.sender_receivers_cache.clear()
            print("  disconnected for this run (--no-disclosure-extensions)")

        from apps.subjects.ingestion import batch_submit
        from apps.subjects.ingestion_jobs import steps_inline
        from tests.subjects.test_ingestion import HEADER

        first_path = workdir / f"bench-{n}-{args.encoding}-1.{args.format}"
        second_path = workdir / f"bench-{n}-{args.encoding}-2.{args.format}"
        with meter.phase("generate", n):
            expected_errors = write_file(first_path, n, args.encoding, HEADER, AMOUNT_FIRST)
        write_file(second_path, n, args.encoding, HEADER, AMOUNT_SECOND)
        valid = n - len(expected_errors)
        size = first_path.stat().st_size / 1024 / 1024
        print(f"  file {first_path} ({size:.1f} MB), {len(expected_errors)} bad rows")

        baselines: list[tuple[float, float, float, float]] = []
        repeats = args.baselines if connection.vendor == "postgresql" else 0
        copy_path = _csv_for_copy(first_path, args.encoding, HEADER, workdir) if repeats else None

        def baseline():
            if len(baselines) < repeats:
                raw, history = copy_baselines(copy_path, args.encoding, HEADER, n)
                rows_copy = rows_copy_baseline(copy_path, args.encoding, HEADER, n)
                baselines.append((raw, history, rows_copy, floor_baseline(officer, item, HEADER, n, checks)))

        timer = ChunkTimer() if args.chunk_times else None
        passes = [
            ("1", first_path, "create", REASON_FIRST, AMOUNT_FIRST),
            ("2", second_path, "update", REASON_SECOND, AMOUNT_SECOND),
        ]
        if not args.no_resend:
            passes.append(("3", second_path, "unchanged", REASON_THIRD, AMOUNT_SECOND))
        resend_floors: list[float] = []
        for number, path, write_path, reason, amount in passes:
            baseline()  # interleaved: before each pass, and once more after the last
            if number == "3" and repeats:
                resend_floors.append(resend_floor(copy_path, args.encoding, HEADER, n, officer, item))
            with meter.phase(f"check-{number}", n, profile=True):
                batch = upload(officer, item, path)
            print(f"  check-{number}: {path.name}")
            verify_check(checks, batch, n, expected_errors)
            checks.equal("encoding detected", batch.encoding, args.encoding if args.format == "csv" else "")
            if args.check_only:
                break
            if timer:
                timer.check = []  # only the submits are timed chunk by chunk
            with meter.phase(f"submit-{number}", valid, profile=True), steps_inline():
                batch = batch_submit(batch, by=officer, reason=reason)
            print(f"  submit-{number}: every valid row should be '{write_path}'")
            if timer:
                timer.report(f"submit-{number}")
            verify_submit(checks, batch, officer, valid, path=write_path, reason=reason, amount=amount)

        while repeats and len(baselines) < repeats:
            baseline()

        print()
        trace = args.tracemalloc
        print(
            "| phase | rows | seconds | rows/s | peak RSS MB | queries |" + (" tracemalloc peak +MB |" if trace else "")
        )
        print("|---|--:|--:|--:|--:|--:|" + ("--:|" if trace else ""))
        for r in meter.results:
            traced = f" {r.traced_peak:.1f} |" if r.traced_peak is not None else ""
            print(
                f"| {r.phase} | {r.rows} | {r.seconds:.2f} | {r.rate:.0f} | {r.maxrss_after:.1f} | {r.queries} |{traced}"
            )
        print()
        if baselines:
            seconds = {r.phase: r.seconds for r in meter.results}
            raw = statistics.median(b[0] for b in baselines)
            history = statistics.median(b[1] for b in baselines)
            rows_copy = statistics.median(b[2] for b in baselines)
            floor = statistics.median(b[3] for b in baselines)
            print(
                f"baselines (median of {len(baselines)}): raw COPY {raw:,.0f} rows/s, COPY + history {history:,.0f} rows/s"
            )
            print(
                f"  rows COPY through psycopg {rows_copy:,.0f} rows/s = {rows_copy / raw:.3f} x raw COPY; "
                f"schema's floor {floor:,.0f} rows/s = {floor / raw:.3f} x raw COPY, {floor / rows_copy:.3f} x rows COPY"
            )
            if resend_floors:
                print(f"  resend floor {resend_floors[0]:,.0f} rows/s = {resend_floors[0] / raw:.3f} x raw COPY")
            for label, phases, own_floor in [
                ("first file (check-1 + submit-1)", ("check-1", "submit-1"), floor),
                ("resend (check-3 + submit-3)", ("check-3", "submit-3"), resend_floors[0] if resend_floors else None),
            ]:
                if all(p in seconds for p in phases):
                    rate = n / sum(seconds[p] for p in phases)
                    print(
                        f"  {label}: {rate:,.0f} rows/s = {rate / raw:.3f} x raw COPY, {rate / history:.3f} x COPY + history, "
                        f"{rate / rows_copy:.3f} x rows COPY"
                        + (f", {rate / own_floor:.3f} x its floor" if own_floor else "")
                    )
            print(f"peak RSS of the run: {maxrss_mb():.1f} MB")
        print()
        if checks.failures:
            print(f"FAILED checks: {', '.join(checks.failures)}")
        else:
            print("all checks passed")
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if args.keep:
            print(f"kept: {workdir} and the database {database_url}")
        else:
            drop_database()
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if checks.failures else 0


if __name__ == "__main__":
    sys.exit(main())
