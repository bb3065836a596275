"""Benchmark of an approved batch query (批量查询, Nanjing art. 67) against single checks.

Run by hand from the repository root (not a pytest test):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_bench_batchq .venv/bin/python bench/batch_query.py
    .venv/bin/python bench/batch_query.py --batch 20000 --singles 200      # SQLite, smaller

The database is created for the run and dropped afterwards (`--keep` keeps it), as in
`bench/ingest.py`: its name must contain "bench".

What it measures, in one process, against the same data:

    batch     `services_batch.batch_run` of a freshly approved application of `--batch` identifiers
              (default 100,000): one query-log row per subject through the bulk path, the result
              CSV stored. Each repetition runs a new application of the same identifiers.
    singles   `--singles` (default 1,000) joint-sanction checks through the check API's code path,
              in process: `GET /api/v1/checks/?identifier=…&matter=bidding` with DRF's test client
              (authentication, permission, the check, its query-log row and counter, the JSON
              answer), by a connected system whose daily quota is not reached.

After the memory check, the two are interleaved (batch, singles, batch, singles, …) `--repeat` times (default 3); the
medians and their ratio are reported: the target is a batch of 100,000 within the time of 1,000
single checks (ratio ≤ 1). Then the peak of Python allocations (tracemalloc) and the process's
peak RSS growth during one run of 10,000 and one of 100,000 identifiers (run first, in that order,
each after a gc; the RSS growth is over the setup's peak): memory stays flat when the peaks are close.

The subjects: half of the batch's identifiers exist; every fifth existing subject has two active
records (one public, one of an item disclosed on request, which an authorised inquiry shows too) and one expired
record (never shown). Verified: the rows written, the refusal of one lookup beyond the approval,
and at the end the query-log chain (every row sealed, then walked by the verifier).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ingest import _git, prepare_database, setup_django  # noqa: E402

SOURCES = (
    "apps/service_agencies/services_batch.py",
    "apps/service_agencies/models_batch.py",
    "apps/core/querylog.py",
    "apps/sanctions/services/checks.py",
    "apps/sanctions/api.py",
)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=100_000, help="identifiers in the batch (default 100000)")
    parser.add_argument("--singles", type=int, default=1_000, help="single checks (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved repetitions (default 3)")
    parser.add_argument("--memory-small", type=int, default=10_000, help="smaller batch of the memory check")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory check")
    parser.add_argument("--settings", default="tests.settings", help="Django settings module")
    parser.add_argument("--keep", action="store_true", help="keep the database and the media folder")
    parser.add_argument("--profile", action="store_true", help="cProfile one batch run; print the top lines")
    return parser.parse_args(argv)


def identifier(n: int) -> str:
    from tests.factories import make_uscc

    return make_uscc(n, prefix="91320500")


def make_world(size: int):
    """The agency and its staff, a connected system for the single checks, and the subjects."""
    from django.core.management import call_command

    from apps.catalog.choices import Disclosure
    from apps.core.management.commands.load_policies import load_presets
    from apps.subjects.models import CreditRecord, Subject
    from tests.factories import OrganizationFactory, SystemAccountFactory
    from tests.service_agencies.factories import AgencyStaffFactory
    from tests.subjects.factories import PublishedItemFactory

    call_command("migrate", verbosity=0, interactive=False)
    load_presets()
    staff = AgencyStaffFactory()
    system = SystemAccountFactory(daily_quota=10_000_000).user
    provider = OrganizationFactory()
    shown_item = PublishedItemFactory()
    hidden_item = PublishedItemFactory(catalog=shown_item.catalog, disclosure=Disclosure.ON_REQUEST)
    subjects = [
        Subject(kind="legal_person", identifier=identifier(n), name=f"基准测试企业{n}")
        for n in range(0, size, 2)  # half the identifiers exist
    ]
    Subject.objects.bulk_create(subjects, batch_size=5000)
    ids = list(Subject.objects.filter(name__startswith="基准测试企业").order_by("id").values_list("id", flat=True))
    records = []
    for position, subject_id in enumerate(ids[::5]):
        for kind, item, status, ends in (
            ("a", shown_item, "active", datetime.date(2099, 1, 1)),
            ("b", hidden_item, "active", None),
            ("c", shown_item, "expired", datetime.date(2020, 1, 1)),
        ):
            records.append(
                CreditRecord(
                    subject_id=subject_id,
                    item=item,
                    category=item.category,
                    severity="general",
                    provider=provider,
                    document_number=f"基准罚〔2026〕{position}{kind}号",
                    document_date=datetime.date(2026, 3, 1),
                    determined_on=datetime.date(2026, 3, 1),
                    values={"penalty_type": "罚款"},
                    status=status,
                    disclosure_ends_on=ends,
                    dedup_key=f"bench:{position}:{kind}",
                )
            )
    CreditRecord.objects.bulk_create(records, batch_size=5000)
    return staff, system, len(ids), len(records)


def approved_application(staff, size: int):
    from tests.service_agencies.factories import BatchQueryApprovedFactory

    return BatchQueryApprovedFactory(agency=staff.organization, identifier_list=[identifier(n) for n in range(size)])


def time_batch(staff, size: int) -> tuple[float, object]:
    from apps.core.choices import QueryChannel
    from apps.service_agencies import services_batch

    application = approved_application(staff, size)
    gc.collect()
    start = time.perf_counter()
    run = services_batch.batch_run(application, by=staff, channel=QueryChannel.API)
    return time.perf_counter() - start, run


def time_singles(system, count: int, offset: int) -> float:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(system)
    gc.collect()
    start = time.perf_counter()
    for n in range(count):
        response = client.get("/api/v1/checks/", {"identifier": identifier(offset + n), "matter": "bidding"})
        if response.status_code != 200:
            raise SystemExit(f"single check {n}: {response.status_code} {response.content[:200]!r}")
    return time.perf_counter() - start


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_of(staff, size: int) -> tuple[float, float, float]:
    """(seconds, tracemalloc peak MB, peak RSS growth MB) of one batch run of `size` identifiers."""
    application = approved_application(staff, size)
    from apps.service_agencies import services_batch

    gc.collect()
    rss_before = peak_rss_mb()
    tracemalloc.start()
    tracemalloc.reset_peak()
    start = time.perf_counter()
    services_batch.batch_run(application, by=staff)
    seconds = time.perf_counter() - start
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20, peak_rss_mb() - rss_before


def main(argv=None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="credit_portal_bench_batchq_"))
    database_url, drop_database = prepare_database(os.environ.get("DATABASE_URL"), workdir)
    failures = []
    try:
        setup_django(args.settings, database_url, workdir / "media")
        from django.conf import settings
        from django.db import connection

        from apps.core.models import QueryLog

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the in-process client's host
        from apps.service_agencies import services_batch

        head = _git("rev-parse", "--short", "HEAD").strip() or "?"
        dirty = _git("status", "--porcelain", "--", *SOURCES).strip()
        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        print(f"commit: {head}{' (uncommitted changes on the measured path)' if dirty else ''}")
        print(
            f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cpus, Python {platform.python_version()}"
        )
        print(f"date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, load {os.getloadavg()[0]:.2f}")
        size = max(args.batch, args.memory_small)
        t0 = time.perf_counter()
        staff, system, subjects, records = make_world(size)
        print(f"setup: {subjects} subjects, {records} records in {time.perf_counter() - t0:.1f} s")

        if not args.no_memory:
            print("memory (tracemalloc peak / peak RSS growth):")
            for memory_size in (args.memory_small, args.batch):
                seconds, traced, rss = memory_of(staff, memory_size)
                print(
                    f"  batch of {memory_size:>7}: {seconds:.2f} s, Python peak {traced:.1f} MB, "
                    f"peak RSS growth {rss:.1f} MB (ru_maxrss: 0 while below the setup's own peak)"
                )

        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            application = approved_application(staff, args.batch)
            profiler.runcall(services_batch.batch_run, application, by=staff)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
            return 0
        batch_times, single_times = [], []
        for repetition in range(1, args.repeat + 1):
            before = QueryLog.objects.count()
            seconds, run = time_batch(staff, args.batch)
            written = QueryLog.objects.count() - before
            if written != args.batch or run.subjects != args.batch:
                failures.append(f"batch {repetition}: {written} rows written for {args.batch} identifiers")
            batch_times.append(seconds)
            singles = time_singles(system, args.singles, offset=repetition * 7)
            single_times.append(singles)
            print(
                f"repetition {repetition}: batch of {args.batch} {seconds:.2f} s "
                f"({args.batch / seconds:,.0f} subjects/s, {run.found} found, {run.records} records); "
                f"{args.singles} single checks {singles:.2f} s ({args.singles / singles:,.0f}/s)"
            )
        # the lookup beyond the approval is refused
        try:
            services_batch.batch_run(run.application, by=staff)
            failures.append("a run beyond the approval was not refused")
        except services_batch.BatchRefused:
            pass
        batch, single = statistics.median(batch_times), statistics.median(single_times)
        ratio = batch / single
        print(
            f"median: batch of {args.batch} {batch:.2f} s; {args.singles} single checks {single:.2f} s; "
            f"ratio {ratio:.2f} ({'within' if ratio <= 1 else 'NOT within'} the target ≤ 1)"
        )
        per_lookup = (batch / args.batch * 1000, single / args.singles * 1000)
        print(f"per subject: batch {per_lookup[0]:.3f} ms, single check {per_lookup[1]:.3f} ms")

        # The rows COPY wrote are chained like any other: seal them all and walk the chain.
        from apps.core.querylog import seal_query_log, verify_query_log

        settings.QUERY_LOG_ANCHOR_PATH = workdir / "anchors.jsonl"
        start = time.perf_counter()
        sealed = seal_query_log()
        report = verify_query_log(record=False)
        print(f"sealed {sealed} rows and verified the chain in {time.perf_counter() - start:.1f} s: {report.message}")
        if not report.ok:
            failures.append("the query-log chain does not verify")
        if failures:
            print("FAILED: " + "; ".join(failures))
            return 1
        return 0
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database()
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept: {database_url}, {workdir}")


if __name__ == "__main__":
    sys.exit(main())
