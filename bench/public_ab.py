"""Two versions of the portal side by side (issue 18 item 5): the trees `--a` and `--b` (each a
checkout with its own `.venv`, e.g. a `git worktree` of an earlier commit beside this one) served
at once by gunicorn as `bench/public.py` serves them (gthread, a connection per request), on the
same database, and loaded in turn at 16 connections in slices of one second: the bare view, the
organisation pages (10 and 500 records) and the public search, the page cache on (kept) or off
(`--fresh`). Each turn takes the two trees in alternating order, so that a neighbour's load on this
shared machine falls on both alike: the figure to read is each tree's ratio to its own bare view,
and the one tree's against the other's. The cache is `bench/public.py`'s `--cache` (the two trees
share it, and so their kept pages' keys).

The database is one `bench/public.py --keep` left (its name must contain "bench"):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_bench_public .venv/bin/python bench/public_ab.py \\
        --a /tmp/before --b .
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.public import per_request, redis_cache_url, server_env  # noqa: E402
from bench.scale import load, log, serve, wait_for  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--a", type=Path, required=True, help="the first tree (a checkout with its .venv)")
    parser.add_argument("--b", type=Path, required=True, help="the second tree")
    parser.add_argument("--turns", type=int, default=12, help="one-second slices of each page and tree")
    parser.add_argument("--fresh", action="store_true", help="the page cache off: pages rendered afresh")
    parser.add_argument("--port", type=int, default=8801)
    parser.add_argument("--cache", choices=("redis", "memory"), default="redis", help="the servers' default cache")
    parser.add_argument("--redis-db", type=int, default=9, help="the local Redis's database for --cache redis")
    return parser.parse_args(argv)


def _pages(database_url: str) -> dict[str, str]:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:

        def one(sql, *values):
            return connection.execute(sql, values).fetchone()[0]

        light = one("SELECT public_key FROM subjects_subject WHERE name = %s", "南京十条记录有限公司")
        heavy = one("SELECT public_key FROM subjects_subject WHERE name = %s", "南京五百条记录有限公司")
        company = one("SELECT identifier FROM subjects_subject WHERE name = %s", "南京失信测试有限公司")
    pages = {
        "bare view": f"/bench/bare-check/?identifier={company}",
        "organisation page, 10 records": f"/public/subjects/{light}/",
        "organisation page, 500 records": f"/public/subjects/{heavy}/",
        "public search": f"/public/search/?q={quote('五百条记录')}",
    }
    return pages


def main(argv=None) -> int:
    args = parse_args(argv)
    database_url = os.environ.get("DATABASE_URL", "")
    if "bench" not in database_url.rsplit("/", 1)[-1]:
        sys.exit("DATABASE_URL must name a bench database that bench/public.py --keep left")
    pages = _pages(database_url)
    if args.cache == "redis":
        os.environ["CACHE_URL"] = redis_cache_url(args.redis_db)
    else:
        os.environ.pop("CACHE_URL", None)
    trees = {"a": args.a.resolve(), "b": args.b.resolve()}
    ports = {"a": args.port, "b": args.port + 1}
    servers = [
        serve(ports[name], 2, 8, server_env(database_url, 0 if args.fresh else 300, tree), *per_request(8), root=tree)
        for name, tree in trees.items()
    ]
    try:
        for name in trees:
            wait_for(ports[name], "/bench/bare-check/")
            for path in pages.values():  # warm each worker's caches and connections
                load(ports[name], path, {}, 16, 1)
        rates: dict = {}
        for turn in range(args.turns):
            order = list(trees) if turn % 2 == 0 else list(reversed(trees))
            for page, path in pages.items():
                for name in order:
                    rates.setdefault((name, page), []).append(load(ports[name], path, {}, 16, 1)["rps"])
        lines = [
            f"a = {trees['a']}, b = {trees['b']}, {'fresh' if args.fresh else 'kept'}, 16 connections, "
            f"{args.turns} one-second turns, the cache: {args.cache}",
            "",
            "| page | a req/s (ratio) | b req/s (ratio) | b / a |",
            "|---|--:|--:|--:|",
        ]
        means = {key: statistics.mean(values) for key, values in rates.items()}
        for page in pages:
            a, b = means[("a", page)], means[("b", page)]
            bare_a, bare_b = means[("a", "bare view")], means[("b", "bare view")]
            lines.append(f"| {page} | {a:.0f} ({a / bare_a:.2f}) | {b:.0f} ({b / bare_b:.2f}) | {b / a:.2f} |")
        log("done")
        print("\n".join(lines))
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
