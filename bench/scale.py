"""Scale benchmark (issue 16): subjects, records and query-log rows generated into PostgreSQL with
INSERT … SELECT over generate_series (a factory-made row as the template of each table), then:

1. every admin and workbench list page, the searches and the credit file (10 and 500 records),
   in-process with Django's test client: median of `--repeat` runs, the statement count, and the
   EXPLAIN ANALYZE of each page's slowest statement (`--explain FILE`);
2. the check API under gunicorn (gthread) against the bare-view peer (`bench/scale_urls.py`: the
   same indexed lookup and one log INSERT in a plain view) in the same run, interleaved,
   1 and 16 connections, `--rounds` rounds (medians): requests/s, p50, p99, and the ratio;
3. sealing: `seal_query_log` on `--seal-rows` rows against the raw chain computation on the next
   as many (plain cursor, hash, COPY, one UPDATE … FROM, no checkpoint), and `verify_query_log`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_bench_hot .venv/bin/python bench/scale.py
    DATABASE_URL=… .venv/bin/python bench/scale.py --scale 0.1     # a tenth of every table

The database named in DATABASE_URL (its name must contain "bench") is dropped, created, and
dropped again at the end (`--keep` keeps it). `--reuse` measures a database an earlier `--keep` run
left (no generation, nothing dropped); `--parts api` measures only the check API (or `pages`,
`seal`, comma-separated).

    DATABASE_URL=… .venv/bin/python bench/scale.py --reuse --parts api
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest import _git, prepare_database  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=3_000_000)
    parser.add_argument("--log-rows", type=int, default=5_000_000)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the three sizes above")
    parser.add_argument("--seal-rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each page")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the API load")
    parser.add_argument("--duration", type=float, default=10, help="seconds of each API load run")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, default=4, help="per worker; 4 as the README's production example advises"
    )
    parser.add_argument("--explain", type=Path, help="write the plans of the slowest statements here")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--reuse", action="store_true", help="measure the database a --keep run left")
    parser.add_argument("--parts", default="pages,api,seal", help="what to measure: pages, api, seal")
    return parser.parse_args(argv)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- data -------------------------------------------------------------------------------------------


def copy_rows(table: str, template_id: int, count: int, overrides: dict[str, str]) -> float:
    """Insert `count` copies of row `template_id` of `table`, columns in `overrides` computed from
    `n` (1…count); returns the seconds taken."""
    from django.db import connection

    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, table) if c.name != "id"]
        select = [overrides.get(c, f't."{c}"') for c in columns]
        started = time.monotonic()
        names = ", ".join(f'"{c}"' for c in columns)
        cursor.execute(
            f'INSERT INTO "{table}" ({names}) '  # noqa: S608
            f'SELECT {", ".join(select)} FROM "{table}" t, generate_series(1, %s) AS n WHERE t.id = %s',
            [count, template_id],
        )
    return time.monotonic() - started


def generate(args) -> dict:
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from apps.core.management.commands.load_policies import load_presets
    from apps.core.models import User
    from tests.factories import QueryLogFactory, SystemAccountFactory
    from tests.sanctions.factories import make_world
    from tests.subjects.factories import CompanyFactory, RecordFactory

    call_command("migrate", verbosity=0, interactive=False)
    load_presets()
    world = make_world()
    system = SystemAccountFactory(name="压测对接系统", daily_quota=10**9)
    token = Token.objects.create(user=system.user)
    heavy, light = CompanyFactory(name="南京五百条记录有限公司"), CompanyFactory(name="南京十条记录有限公司")
    heavy_record = RecordFactory(subject=heavy, item=world.record.item, provider=world.officer.organization)
    light_record = RecordFactory(subject=light, item=world.record.item, provider=world.officer.organization)
    template_log = QueryLogFactory(user=world.officer)
    subjects, records, log_rows = (int(n * args.scale) for n in (args.subjects, args.records, args.log_rows))
    timings = {}
    log(f"generating {subjects:,} subjects")
    timings["subjects"] = copy_rows(
        "subjects_subject",
        heavy.pk,
        subjects,
        {
            "identifier": "'B' || lpad(n::text, 17, '0')",
            "name": "(ARRAY['南京','苏州','无锡','常州','扬州'])[1 + n %% 5] || '市' || substr(md5(n::text), 1, 6) || '有限公司'",
            # unique per subject (the public portal's key), not the template's
            "public_key": "gen_random_uuid()",
        },
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id) FROM subjects_subject WHERE identifier LIKE 'B%%'")
        first_bulk = cursor.fetchone()[0]
    log(f"generating {records:,} records")
    timings["records"] = copy_rows(
        "subjects_creditrecord",
        world.record.pk,
        records,
        {
            "subject_id": f"{first_bulk} + (n::bigint * 7919) %% {subjects}",
            "dedup_key": "'bench:' || n",
            "document_number": "'宁罚〔2026〕' || n || '号'",
            "determined_on": "date '2018-01-01' + (n %% 3000)",
        },
    )
    copy_rows("subjects_creditrecord", heavy_record.pk, 499, {"dedup_key": "'heavy:' || n"})
    copy_rows("subjects_creditrecord", light_record.pk, 9, {"dedup_key": "'light:' || n"})
    log(f"generating {log_rows:,} query-log rows")
    timings["query log"] = copy_rows(
        "core_querylog",
        template_log.pk,
        log_rows,
        {"subject_identifier": "'B' || lpad((n %% 100000)::text, 17, '0')", "query": "jsonb_build_object('n', n)"},
    )
    with connection.cursor() as cursor:
        started = time.monotonic()
        cursor.execute("ANALYZE")
        # The rows above went into the GIN indexes' pending lists (fastupdate), which autovacuum
        # merges in production; this server runs with autovacuum off, so they stayed there and
        # every name search scanned the whole list: 1.5-1.9 ms of the database's CPU a search at
        # a hundredth of the data, against 0.05 ms merged (issue 18 item 5, bench/RESULTS.md).
        cursor.execute(
            "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'gin'"
        )
        timings["analyze"] = time.monotonic() - started
    return {
        "world": world,
        "token": token.key,
        "heavy": heavy,
        "light": light,
        "sizes": (subjects, records, log_rows),
        "timings": timings,
        "superuser": User.objects.create_superuser("bench-admin", "bench@example.invalid", "bench-password"),
    }


def existing(args) -> dict:
    """What `generate` returns, found in a database an earlier run generated and kept."""
    from types import SimpleNamespace

    from django.db import connection
    from rest_framework.authtoken.models import Token

    from apps.core.models import User
    from apps.subjects.models import Subject

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relname IN "
            "('subjects_subject', 'subjects_creditrecord', 'core_querylog')"
        )
        estimates = dict(cursor.fetchall())
    return {
        "world": SimpleNamespace(company=Subject.objects.get(name="南京失信测试有限公司")),
        "token": Token.objects.get(user__system_account__name="压测对接系统").key,
        "heavy": Subject.objects.get(name="南京五百条记录有限公司"),
        "light": Subject.objects.get(name="南京十条记录有限公司"),
        "sizes": tuple(estimates[t] for t in ("subjects_subject", "subjects_creditrecord", "core_querylog")),
        "timings": {},
        "superuser": User.objects.get(username="bench-admin"),
    }


# --- pages ------------------------------------------------------------------------------------------


def state_purpose(client, url: str, params: dict) -> None:
    """An admin page that shows personal data asks the purpose first (LookupLoggedAdminMixin)."""
    asked = client.get(url, params)
    if asked.status_code == 302 and "lookup-purpose" in asked.url:
        form = client.get(asked.url).context
        client.post(
            asked.url,
            {
                "purpose": "daily_supervision",
                "purpose_detail": "压测",
                "target": form["target"],
                "next": form["next_url"],
            },
        )


def time_page(client, method: str, url: str, data: dict, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call = client.post if method == "POST" else client.get
    response = call(url, data)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call(url, data)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        call(url, data)
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
    sql = slowest["sql"]
    counts = "COUNT(" in " ".join(q["sql"].upper() for q in captured.captured_queries)
    plan = ""
    if sql.lstrip().upper().startswith("SELECT"):
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
    return {
        "ms": statistics.median(times),
        "max_ms": max(times),
        "statements": len(captured.captured_queries),
        "count_star": counts,
        "slowest_sql": sql,
        "slowest_ms": float(slowest["time"]) * 1000,
        "plan": plan,
    }


def measure_pages(data: dict, repeat: int) -> list[tuple[str, dict]]:
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from tests.factories import ClerkFactory

    setup_test_environment()
    admin = Client()
    admin.force_login(data["superuser"])
    from apps.core.choices import Role
    from apps.core.models import User

    clerk = Client()
    # A kept database's clerk again (a second ClerkFactory would repeat its organisation's code).
    clerk.force_login(User.objects.filter(role=Role.CLERK).order_by("pk").first() or ClerkFactory())
    company = data["world"].company
    lookup = {"mode": "government", "purpose": "objection_processing"}
    pages = [
        ("admin: records", admin, "GET", reverse("admin:subjects_creditrecord_changelist"), {}),
        ("admin: subjects", admin, "GET", reverse("admin:subjects_subject_changelist"), {}),
        (
            "admin: subject search by name",
            admin,
            "GET",
            reverse("admin:subjects_subject_changelist"),
            {"q": "失信测试"},
        ),
        (
            "admin: subject search by identifier",
            admin,
            "GET",
            reverse("admin:subjects_subject_changelist"),
            {"q": company.identifier},
        ),
        ("admin: query log", admin, "GET", reverse("admin:core_querylog_changelist"), {}),
        ("admin: sanction checks", admin, "GET", reverse("admin:sanctions_sanctioncheck_changelist"), {}),
        ("workbench: records", clerk, "GET", reverse("subjects:record_list"), {}),
        ("workbench: query log", clerk, "GET", reverse("core:querylog_list"), {}),
        ("workbench: subject search", clerk, "POST", reverse("subjects:search"), {"query": "失信测试", **lookup}),
        ("credit file, 10 records", clerk, "POST", reverse("subjects:credit_file", args=[data["light"].pk]), lookup),
        ("credit file, 500 records", clerk, "POST", reverse("subjects:credit_file", args=[data["heavy"].pk]), lookup),
    ]
    results = []
    for name, client, method, url, params in pages:
        if url.startswith("/admin/subjects/"):
            state_purpose(client, url, params)
        log(f"page {name}")
        results.append((name, time_page(client, method, url, params, repeat)))
    return results


# --- the check API ------------------------------------------------------------------------------------


# The load generator: wrk (C, `apt-get install wrk`) where it is installed, so that the client's
# own CPU does not cap what the servers show; else the threads below. BENCH_LOADER=python forces
# them. Every run prints which one measured, and a run never mixes the two.
LOADER = os.environ.get("BENCH_LOADER") or ("wrk" if shutil.which("wrk") else "python")


def load(port: int, path: str, headers: dict, connections: int, duration: float) -> dict:
    """`connections` keep-alive connections GET `path` for `duration` seconds: requests/s, p50
    and p99 in ms, and how many answers were not 200."""
    if LOADER == "wrk":
        return _load_wrk(port, path, headers, connections, duration)
    return _load_threads(port, path, headers, connections, duration)


def _wrk_ms(text: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


def _load_wrk(port: int, path: str, headers: dict, connections: int, duration: float) -> dict:
    command = ["wrk", "--latency", f"-t{min(connections, 2)}", f"-c{connections}", f"-d{max(1, round(duration))}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(  # noqa: S603
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    found = {"errors": 0}
    for line in out.splitlines():
        words = line.split()
        if words[:1] == ["50%"]:
            found["p50"] = _wrk_ms(words[1])
        elif words[:1] == ["99%"]:
            found["p99"] = _wrk_ms(words[1])
        elif line.startswith("Requests/sec:"):
            found["rps"] = float(words[1])
        elif line.strip().startswith("Non-2xx or 3xx responses:"):
            found["errors"] = int(words[-1])
        elif "Socket errors" in line:
            found["errors"] += sum(int(part.split()[-1]) for part in line.split(":", 1)[1].split(","))
    return found


def _load_threads(port: int, path: str, headers: dict, connections: int, duration: float) -> dict:
    latencies: list[float] = []
    errors = []
    lock = threading.Lock()
    start = threading.Barrier(connections)
    deadline_box = {}

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        start.wait()
        deadline = deadline_box.setdefault("t", time.monotonic() + duration)
        while time.monotonic() < deadline:
            began = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - began)
            if response.status != 200:
                errors.append(response.status)
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {
        "rps": len(latencies) / duration,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[int(len(latencies) * 0.99)] * 1000,
        "errors": len(errors),
    }


def serve(port: int, workers: int, threads: int, env: dict, *extra: str, root: Path = ROOT) -> subprocess.Popen:
    """The portal under gunicorn (gthread) on 127.0.0.1:`port`, as every benchmark runs it (from the
    checkout `root`, with its own virtualenv)."""
    command = [str(root / ".venv" / "bin" / "gunicorn"), "credit_portal.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads)]
    return subprocess.Popen([*command, "--log-level", "warning", *extra], cwd=root, env=env)  # noqa: S603


def wait_for(port: int, path: str, tries: int = 100) -> None:
    """Until the server on `port` answers `path` with 200."""
    for _ in range(tries):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"the portal on port {port} did not answer {path}")


def measure_api(data: dict, args, database_url: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.scale_settings",
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "600",
        "PYTHONPATH": str(ROOT),
    }
    server = serve(args.port, args.workers, args.threads, env)
    try:
        wait_for(args.port, "/bench/bare-check/")
        identifier = data["world"].company.identifier
        peers = {
            "check API": (
                f"/api/v1/checks/?identifier={identifier}&matter=bidding",
                {"Authorization": f"Token {data['token']}"},
            ),
            "bare view": (f"/bench/bare-check/?identifier={identifier}", {}),
        }
        for path, headers in peers.values():  # warm every worker's caches and connections
            load(args.port, path, headers, 16, 2)
        results: dict = {}
        for connections in (1, 16):
            for _round in range(args.rounds):
                for name, (path, headers) in peers.items():
                    outcome = load(args.port, path, headers, connections, args.duration)
                    log(
                        f"{name} ×{connections}: {outcome['rps']:.0f} req/s p50 {outcome['p50']:.1f} ms p99 {outcome['p99']:.1f} ms"
                    )
                    results.setdefault((name, connections), []).append(outcome)
        return {
            key: {field: statistics.median(run[field] for run in runs) for field in runs[0]}
            for key, runs in results.items()
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


# --- sealing ----------------------------------------------------------------------------------------


def raw_chain(rows: int) -> tuple[int, float]:
    """The chain computed the most direct way: the next `rows` unsealed rows read with a plain
    cursor, hashed, COPY into a temporary table and one UPDATE … FROM; no checkpoint, no anchor."""
    from django.db import connection, transaction
    from django.utils import timezone

    from apps.core.querylog import _READ_FIELDS, GENESIS_HASH, _digest

    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT seq, row_hash FROM core_querylog WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1")
        seq, prev = cursor.fetchone() or (0, GENESIS_HASH)
        columns = ", ".join(f"{name}" for name in _READ_FIELDS)
        cursor.execute(f"SELECT {columns} FROM core_querylog WHERE seq IS NULL ORDER BY id LIMIT %s", [rows])  # noqa: S608
        buffer = io.StringIO()
        count = 0
        for values in cursor.fetchall():
            content = dict(zip(_READ_FIELDS, values, strict=True))
            for name in ("query", "result"):
                if isinstance(content[name], str):
                    content[name] = json.loads(content[name])
            seq += 1
            content["seq"], content["prev_hash"] = seq, prev
            digest = _digest(content)
            buffer.write(f"{values[0]}\t{seq}\t{prev}\t{digest}\n")
            prev = digest
            count += 1
        cursor.execute(
            "CREATE TEMPORARY TABLE raw_seal (id bigint PRIMARY KEY, seq bigint, prev_hash varchar(64), "
            "row_hash varchar(64)) ON COMMIT DROP"
        )
        with cursor.cursor.copy("COPY raw_seal (id, seq, prev_hash, row_hash) FROM STDIN") as copy:
            copy.write(buffer.getvalue())
        cursor.execute(
            "UPDATE core_querylog AS q SET seq = s.seq, prev_hash = s.prev_hash, row_hash = s.row_hash, "
            "sealed_at = %s FROM raw_seal AS s WHERE q.id = s.id",
            [timezone.now()],
        )
    return count, time.monotonic() - started


def measure_sealing(rows: int) -> dict:
    from apps.core.querylog import seal_query_log, verify_query_log

    started = time.monotonic()
    sealed = seal_query_log(limit=min(rows, 10_000), max_rows=rows)
    seal_seconds = time.monotonic() - started
    raw_rows, raw_seconds = raw_chain(rows)
    seal_query_log(limit=1000, max_rows=1000)  # a checkpoint after the raw rows: verify holds them to it
    started = time.monotonic()
    report = verify_query_log(record=False)
    verify_seconds = time.monotonic() - started
    assert report.ok, report.message
    return {
        "seal": sealed / seal_seconds,
        "raw": raw_rows / raw_seconds if raw_rows else float("nan"),
        "verify": report.rows_checked / verify_seconds,
        "verified": report.rows_checked,
    }


# --- report -----------------------------------------------------------------------------------------


def report(data, pages, api, sealing, args) -> str:
    subjects, records, log_rows = data["sizes"]
    generated = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in data["timings"].items())
    lines = [
        f"{subjects:,} subjects, {records:,} records, {log_rows:,} query-log rows; "
        + (f"generated in {generated}" if generated else "(the planner's estimates of a kept database)"),
        f"load average at the end: {' '.join(f'{n:.2f}' for n in os.getloadavg())}",
        "",
    ]
    if pages:
        lines += [
            "| page | median ms | max ms | statements | COUNT(*) | slowest statement ms |",
            "|---|--:|--:|--:|:-:|--:|",
        ]
    for name, result in pages:
        lines.append(
            f"| {name} | {result['ms']:.0f} | {result['max_ms']:.0f} | {result['statements']} | "
            f"{'yes' if result['count_star'] else 'no'} | {result['slowest_ms']:.1f} |"
        )
    if api:
        lines += [
            "",
            "| endpoint | connections | req/s | p50 ms | p99 ms | errors | ratio to the bare view |",
            "|---|--:|--:|--:|--:|--:|--:|",
        ]
    for (name, connections), result in sorted(api.items(), key=lambda item: (item[0][1], item[0][0])):
        peer = api[("bare view", connections)]["rps"]
        lines.append(
            f"| {name} | {connections} | {result['rps']:.0f} | {result['p50']:.1f} | {result['p99']:.1f} | "
            f"{result['errors']:.0f} | {result['rps'] / peer:.2f} |"
        )
    if not sealing:
        return "\n".join(lines)
    lines += [
        "",
        f"Sealing {args.seal_rows:,} rows: `seal_query_log` {sealing['seal']:,.0f} rows/s, the raw chain computation "
        f"{sealing['raw']:,.0f} rows/s (ratio {sealing['seal'] / sealing['raw']:.2f}); `verify_query_log` "
        f"{sealing['verify']:,.0f} rows/s over {sealing['verified']:,} rows.",
    ]
    return "\n".join(lines)


def setup_django(database_url: str, workdir: Path) -> None:
    """Django for a benchmark run on `database_url` (bench.scale_settings, media and anchors under
    `workdir`), and the commit and load it runs at in the log."""
    os.environ.update({"DJANGO_SETTINGS_MODULE": "bench.scale_settings", "DATABASE_URL": database_url})
    os.environ["MEDIA_ROOT"] = str(workdir)
    import django

    django.setup()
    from django.conf import settings

    settings.QUERY_LOG_ANCHOR_PATH = workdir / "anchors.jsonl"
    dirty = " (uncommitted changes)" if _git("status", "--porcelain", "--", "apps", "bench").strip() else ""
    log(
        f"HEAD {_git('rev-parse', '--short', 'HEAD').strip()}{dirty}, load average {os.getloadavg()[0]:.2f}, "
        f"load generator {LOADER}"
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="credit_portal_scale_"))
    parts = set(args.parts.split(","))
    if args.reuse:
        database_url, drop_database = os.environ.get("DATABASE_URL", ""), lambda: None
    else:
        database_url, drop_database = prepare_database(os.environ.get("DATABASE_URL"), workdir)
    if not database_url.startswith("postgres"):
        sys.exit("the scale benchmark needs PostgreSQL: set DATABASE_URL")
    setup_django(database_url, workdir)
    try:
        data = existing(args) if args.reuse else generate(args)
        pages = measure_pages(data, args.repeat) if "pages" in parts else []
        api = measure_api(data, args, database_url) if "api" in parts else {}
        sealing = measure_sealing(args.seal_rows) if "seal" in parts else {}
        text = report(data, pages, api, sealing, args)
        print(text)
        if args.explain:
            args.explain.write_text(
                "\n\n".join(
                    f"## {name} ({r['slowest_ms']:.1f} ms)\n{r['slowest_sql']}\n\n{r['plan']}" for name, r in pages
                )
            )
    finally:
        if not (args.keep or args.reuse):
            from django.db import connections

            connections.close_all()
            drop_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
