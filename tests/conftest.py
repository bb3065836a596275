import contextlib
import datetime as dt
import fcntl
import hashlib
import importlib.metadata
import os
import sqlite3
import sys
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management.commands import flush

from apps.core.audit import drop_append_only_triggers

_original_flush = flush.Command.handle


def _flush_with_triggers_lifted(self, **options):
    """Transactional tests empty every table afterwards; the append-only triggers (reinstalled by
    the post_migrate that follows the flush) would refuse that. Only the test suite does this."""
    from django.db import connections

    drop_append_only_triggers(connections[options.get("database", "default")])
    return _original_flush(self, **options)


flush.Command.handle = _flush_with_triggers_lifted

ROOT = Path(__file__).resolve().parents[1]
# Migrated SQLite test databases, one file per key: `make test` and the two `make test-clock` runs of
# one CI run (and each xdist worker) migrate once instead of once per worker per run.
TEST_DATABASE_CACHE = ROOT / "var" / "test-database-cache"
# What a migrated test database is made of: the migrations, the models (permissions, content types),
# the post_migrate handlers (roles, append-only triggers) and the settings; tests/conftest.py for
# what it changes in Django.
_DATABASE_SOURCES = ("apps", "credit_portal", "tests/testapp", "tests/settings.py", "tests/conftest.py")


def _test_database_key() -> str:
    """A hash of everything `migrate` reads (any change of code or package makes a new key, so a
    stale database is never used)."""
    from django.conf import settings

    digest = hashlib.sha256()
    packages = sorted(f"{dist.metadata['Name']}=={dist.version}" for dist in importlib.metadata.distributions())
    for part in (sys.version, sqlite3.sqlite_version, *packages, *settings.INSTALLED_APPS):
        digest.update(part.encode() + b"\0")
    files = (path for source in _DATABASE_SOURCES for path in [ROOT / source, *(ROOT / source).rglob("*")])
    for path in sorted(files):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def _migrate_sqlite_from_cache():
    """While the test databases are created: an in-memory SQLite one is restored (SQLite's backup,
    page for page) from a database migrated earlier with the same key, or migrated and kept for the
    next. Under a file lock, so that the xdist workers migrate once between them. Everything that
    migrate leaves in the database (tables, triggers, permissions, roles) comes along; nothing of it
    depends on the clock but the django_migrations.applied times. PostgreSQL migrates as before."""
    from django.core import management
    from django.db import connections

    call_command = management.call_command

    def migrate_or_restore(name, *args, **options):
        connection = connections[options.get("database", "default")]
        if (
            name != "migrate"
            or connection.vendor != "sqlite"
            or not connection.creation.is_in_memory_db(connection.settings_dict["NAME"])
        ):
            return call_command(name, *args, **options)
        TEST_DATABASE_CACHE.mkdir(parents=True, exist_ok=True)
        cached = TEST_DATABASE_CACHE / f"{_test_database_key()}.sqlite3"
        with open(TEST_DATABASE_CACHE / "lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not cached.exists():
                call_command(name, *args, **options)
                partial = cached.with_suffix(f".{os.getpid()}.partial")
                with contextlib.closing(sqlite3.connect(partial)) as copy:
                    connection.ensure_connection()
                    connection.connection.backup(copy)
                os.replace(partial, cached)
                for other in TEST_DATABASE_CACHE.glob("*.sqlite3"):
                    if other != cached:
                        other.unlink(missing_ok=True)
                return None
            connection.ensure_connection()
            with contextlib.closing(sqlite3.connect(f"file:{cached}?mode=ro", uri=True)) as source:
                source.backup(connection.connection)
        # Then migrate finds nothing to apply (~2 s, not ~40) but sends pre_migrate and post_migrate
        # as after the migration itself: the process's caches (content types, via the permissions)
        # are as migrate leaves them, and any query count a test asserts with them.
        return call_command(name, *args, **options)

    with mock.patch.object(management, "call_command", migrate_or_restore):
        yield


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """`-n 2` (xdist's `--dist load`), except that the browser tests run on one worker: each worker
    that gets one of them migrates and seeds a demo portal of its own and starts Chromium (a minute
    of a two-core machine). They share that session's portal as in a run without xdist. (xdist's own
    `--dist loadgroup` does this from a mark, but with pytest 9.2 it silently stops grouping:
    pytest-dev/pytest-xdist#1386.)"""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        """One work unit for tests/browser/ (the largest, so sent first; its Chromium and portal stop
        after it, tests/browser/conftest.py), one for every other test."""

        def _split_scope(self, nodeid):
            return "tests/browser/" if nodeid.startswith("tests/browser/") else nodeid

    return BrowserTestsTogether(config, log)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """pytest-django's (the xdist worker's suffix), and django_db_setup creates the test databases
    with `_migrate_sqlite_from_cache`."""
    from django.test import utils

    setup_databases = utils.setup_databases

    def setup_databases_from_cache(*args, **kwargs):
        with _migrate_sqlite_from_cache():
            return setup_databases(*args, **kwargs)

    with mock.patch.object(utils, "setup_databases", setup_databases_from_cache):
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's; and the query log's group commit closes its own connection before the test
    databases are dropped (PostgreSQL does not drop a database with a session on it)."""
    yield
    from apps.core import querylog

    querylog._group.close()


@pytest.fixture
def policy(db, settings):
    """The five city presets loaded, Nanjing active; returns the active policy."""
    from apps.core.management.commands.load_policies import load_presets
    from apps.core.selectors import active_policy

    settings.CREDIT_POLICY = "nanjing"
    load_presets()
    return active_policy()


@pytest.fixture
def redis_cache(settings):
    """Redis as the default cache, as production shares it between processes
    (`tests.jobs.use_redis_cache`: this test process's own database), emptied before and after
    the test."""
    from django.core.cache import cache

    from tests.jobs import use_redis_cache

    use_redis_cache(settings)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def redis_commands(monkeypatch) -> list[str]:
    """The commands sent to Redis from here on, by name: a round trip each."""
    import redis

    sent: list[str] = []
    single = redis.Redis.execute_command
    monkeypatch.setattr(
        redis.Redis, "execute_command", lambda self, *args, **kw: sent.append(args[0]) or single(self, *args, **kw)
    )
    return sent


@pytest.fixture(autouse=True)
def _clock_at_marked_day(request):
    """`@pytest.mark.today("2026-12-02T10:00")`: the test runs with the clock at that local time
    (Asia/Shanghai), ticking on from there. For tests whose data carries fixed dates (records
    determined in 2026 that must still be disclosed), so that the suite passes on any real date.
    Autouse, so it is in force before the test's other fixtures create data."""
    marker = request.node.get_closest_marker("today")
    if marker is None:
        yield
        return
    moment = dt.datetime.fromisoformat(marker.args[0]).replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=True):
        yield


@pytest.fixture(autouse=True)
def _empty_process_caches():
    """The per-process caches (tokens, the policy) do not outlive a test: its rows are rolled back.
    Nor does the default cache: the public pages count requests per address there (every test
    client is 127.0.0.1), so the pages one test renders must not use up the next test's allowance.
    (Only the default one, the process's memory in the tests: the job queue's Redis is shared.)"""
    from django.core.cache import cache

    from apps.core.process_cache import clear_all

    def clear():
        clear_all()
        cache.clear()

    clear()
    yield
    clear()


@pytest.fixture(autouse=True)
def _query_log_anchor_file(settings, tmp_path):
    """Every test anchors the query log in its own scratch file: the database is rolled back
    after each test, and anchors of another test's chain would not match this one's."""
    settings.QUERY_LOG_ANCHOR_PATH = tmp_path / "query_log_anchors.jsonl"


@pytest.fixture
def disclosure_extension():
    """`disclosure_extension(date)`: every subject's dishonest records count as disclosed until
    `date` by an extension (as a serious listing would answer `disclosure_extensions`)."""
    from apps.subjects import events

    receivers = []

    def extend(until):
        def receiver(sender, *, subject_ids, **kwargs):
            return dict.fromkeys(subject_ids, until)

        receivers.append(receiver)
        events.disclosure_extensions.connect(receiver)

    yield extend
    for receiver in receivers:
        events.disclosure_extensions.disconnect(receiver)
