"""Public portal benchmark (issue 18 item 5): the credit portal's search, an organisation's page (10
and 500 records), a page in the middle of the 500 records' category and the penalties feed under
gunicorn (gthread, a connection per request), against the bare-view peer of `bench/scale.py`
(`bench/scale_urls.py`: one indexed lookup and one query-log INSERT in a plain view) in the same
run, interleaved, at 1 and 16 connections, `--rounds` rounds (medians): requests/s, p50, p99 and
the ratio to the bare view. Within a round each page's `--duration` is cut into slices of
`--slice` seconds taken in turn with the other pages' (one page's whole run then the next's let a
few seconds of a neighbour's load on this shared machine fall on one page alone: one round
measured the bare view at 440 req/s and the next at 863); a round's figure for a page is the mean
of its slices' requests/s, and the median of their p50 and p99. Two servers run side by side on
the same database: one with the portal's page cache off (PUBLIC_PORTAL_CACHE_SECONDS=0,
"uncached") and one with it on ("cached", warmed by the first requests); "cached" serves an
anonymous visitor's whole page from the cache (`PublicPageMiddleware`), the search included: the
same query repeated is its best case, one answer kept. Either way every search and subject page
writes its query-log row. Both count the allowances per address in the cache `--cache` names:
`redis` (the default; the database `--redis-db` of the local Redis, emptied first), as production
runs several server processes (README: CACHE_URL), or `memory`, each worker's own memory (the
figures of the sections before 2026-12-06 session 14: each worker then counts and invalidates
alone, which the README rules out for more than one process).

The data are `bench/scale.py`'s (its `generate`, at `--scale`). The portal's limits per address
are lifted for the run (every request comes from 127.0.0.1): the per-minute allowances through
their settings, the daily abnormal-volume threshold in the bench database's policy.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_bench_public .venv/bin/python bench/public.py --scale 0.01

The database named in DATABASE_URL (its name must contain "bench") is dropped, created, and
dropped again at the end (`--keep` keeps it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest import prepare_database  # noqa: E402
from bench.scale import generate, load, log, serve, setup_django, wait_for  # noqa: E402
from bench.scale import parse_args as scale_args  # noqa: E402

UNLIMITED = str(10**9)


def per_request(threads: int) -> tuple[str, ...]:
    """gunicorn's options for a connection per request, as nginx proxies by default (HTTP/1.0 to
    the upstream, no `keepalive` in its upstream block), each worker holding at most as many
    connections as it has threads. With wrk's connections kept alive, one worker often accepted
    all sixteen and served the whole run alone on one core while the other idled (a kept page at
    1,336 req/s, its workers' CPU 1 and 318 ticks, against 4,188 req/s shared 285 and 257): a run
    then measured that accept race more than the page, and the cheaper the page the more."""
    return ("--keep-alive", "0", "--worker-connections", str(threads))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.01, help="of scale.py's 1M subjects, 3M records, 5M log rows")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of each load")
    parser.add_argument("--duration", type=float, default=5, help="seconds of each page's load in a round")
    parser.add_argument("--slice", type=float, default=1, help="seconds of each turn of a page within a round")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--cache", choices=("redis", "memory"), default="redis", help="the servers' default cache")
    parser.add_argument("--redis-db", type=int, default=9, help="the local Redis's database for --cache redis")
    return parser.parse_args(argv)


def lift_address_limits() -> None:
    """The bench's requests all come from one address: the policy's daily threshold per address
    would refuse them after a few hundred (that control is tested in tests/subjects)."""
    from apps.core.selectors import active_policy

    policy = active_policy()
    policy.query_daily_threshold = 10**9
    policy.save()


def redis_cache_url(database: int) -> str:
    """The local Redis's `database`, emptied, for the servers' cache (`--cache redis`)."""
    import redis

    url = f"redis://127.0.0.1:6379/{database}"
    redis.Redis.from_url(url).flushdb()
    return url


def server_env(database_url: str, cache_seconds: int, root: Path = ROOT) -> dict:
    """The environment of a portal server under load from one address: the per-minute allowances
    lifted, no challenge, the page cache on for `cache_seconds` (0: off); the cache CACHE_URL
    names, if any (`--cache`)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.scale_settings",
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "600",
        "PYTHONPATH": str(root),
        "PUBLIC_PORTAL_LOOKUPS_PER_ADDRESS_PER_MINUTE": UNLIMITED,
        "PUBLIC_PORTAL_FEEDS_PER_ADDRESS_PER_MINUTE": UNLIMITED,
        "PUBLIC_PORTAL_CHALLENGE_AFTER_SEARCHES": "0",
        "PUBLIC_PORTAL_CACHE_SECONDS": str(cache_seconds),
    }


def measure(data: dict, args, database_url: str) -> dict:
    from apps.subjects.models import CreditRecord

    uncached_port, cached_port = args.port, args.port + 1
    servers = [
        serve(port, args.workers, args.threads, server_env(database_url, seconds), *per_request(args.threads))
        for port, seconds in ((uncached_port, 0), (cached_port, 300))
    ]
    try:
        wait_for(uncached_port, "/bench/bare-check/")
        wait_for(cached_port, "/bench/bare-check/")
        identifier = data["world"].company.identifier
        pages = {
            "public search": f"/public/search/?q={quote('五百条记录')}",
            "public page, 10 records": f"/public/subjects/{data['light'].public_key}/",
            "public page, 500 records": f"/public/subjects/{data['heavy'].public_key}/",
            "penalties feed": "/public/feeds/penalties/",
        }
        peers = {(name, "uncached"): (uncached_port, path) for name, path in pages.items()}
        peers |= {(name, "cached"): (cached_port, path) for name, path in pages.items()}
        # The 500 records' category, a page in the middle (never kept: the same on either server).
        category = CreditRecord.objects.filter(subject=data["heavy"]).values_list("category", flat=True).first()
        middle = f"/public/subjects/{data['heavy'].public_key}/records/{category}/?page=13"
        peers[("category page 13 of 25, 500 records", "uncached")] = (uncached_port, middle)
        peers[("bare view", "")] = (uncached_port, f"/bench/bare-check/?identifier={identifier}")
        for port, path in peers.values():  # warm every worker's caches and connections
            load(port, path, {}, 16, 1)
        results: dict = {}
        turns = max(1, round(args.duration / args.slice))
        for connections in (1, 16):
            for _round in range(args.rounds):
                slices: dict = {}
                for _turn in range(turns):
                    for peer, (port, path) in peers.items():
                        slices.setdefault(peer, []).append(load(port, path, {}, connections, args.slice))
                for (name, variant), runs in slices.items():
                    outcome = {
                        "rps": statistics.mean(run["rps"] for run in runs),
                        "p50": statistics.median(run["p50"] for run in runs),
                        "p99": statistics.median(run["p99"] for run in runs),
                        "errors": sum(run["errors"] for run in runs),
                    }
                    log(
                        f"{name} {variant} ×{connections}: {outcome['rps']:.0f} req/s p50 {outcome['p50']:.1f} ms "
                        f"p99 {outcome['p99']:.1f} ms errors {outcome['errors']}"
                    )
                    results.setdefault((name, variant, connections), []).append(outcome)
        return {
            key: {field: statistics.median(run[field] for run in runs) for field in runs[0]}
            for key, runs in results.items()
        }
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


def report(data, results, cache: str) -> str:
    subjects, records, log_rows = data["sizes"]
    where = "Redis, shared by the workers" if cache == "redis" else "each worker's own memory"
    lines = [
        f"{subjects:,} subjects, {records:,} records, {log_rows:,} query-log rows; the cache: {where}",
        "",
        "| page | cache | connections | req/s | p50 ms | p99 ms | errors | ratio to the bare view |",
        "|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    for (name, variant, connections), result in sorted(results.items(), key=lambda item: (item[0][2], item[0][:2])):
        peer = results[("bare view", "", connections)]["rps"]
        lines.append(
            f"| {name} | {variant or '—'} | {connections} | {result['rps']:.0f} | {result['p50']:.1f} | "
            f"{result['p99']:.1f} | {result['errors']:.0f} | {result['rps'] / peer:.2f} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="credit_portal_public_"))
    database_url, drop_database = prepare_database(os.environ.get("DATABASE_URL"), workdir)
    if not database_url.startswith("postgres"):
        sys.exit("the public portal benchmark needs PostgreSQL: set DATABASE_URL")
    setup_django(database_url, workdir)
    try:
        data = generate(scale_args(["--scale", str(args.scale)]))
        lift_address_limits()
        if args.cache == "redis":
            os.environ["CACHE_URL"] = redis_cache_url(args.redis_db)
        else:
            os.environ.pop("CACHE_URL", None)
        print(report(data, measure(data, args, database_url), args.cache))
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
