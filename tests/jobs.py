"""A real Celery worker against the local Redis, for tests that run tasks off the test's thread.

The worker is a thread of the test process (Celery's own test worker) consuming a queue of this
process only, so that pytest-xdist's processes do not take each other's messages; it sees the
test database because the test commits (`transactional_db`). Skipped when no Redis answers,
except in CI (CI=true), where a missing Redis is a failure.
"""

import contextlib
import os

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@contextlib.contextmanager
def redis_worker():
    """Yields the worker; tasks sent meanwhile go through Redis to it."""
    from celery.contrib.testing.worker import start_worker

    from credit_portal.celery import app

    if not redis_reachable():
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Redis at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    queue = f"tests-{os.getpid()}"
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "task_default_queue")}
    app.conf.update(broker_url=REDIS_URL, task_always_eager=False, task_default_queue=queue)
    _fresh_connections(app)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=30) as worker:
            yield worker
    finally:
        app.conf.update(saved)
        _fresh_connections(app)


def _fresh_connections(app):
    """Forget the pooled broker connections and the queues derived from the configuration (a
    worker narrows them to what it consumes), so that the next task and the next worker follow
    the configuration now in force."""
    app._pool = None
    app.__dict__.pop("amqp", None)


def redis_cache_url() -> str:
    """A Redis database of this test process's own for the cache: `cache.clear()` empties the
    whole database (FLUSHDB), which must reach neither the other pytest-xdist process's cache nor
    the job queue's database (REDIS_URL)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return REDIS_URL.rsplit("/", 1)[0] + f"/{13 - int(worker.removeprefix('gw')) % 8}"


def use_redis_cache(settings) -> None:
    """Make Redis the default cache for this test (`settings`: pytest-django's fixture), as
    production has it, in this process's own database (`redis_cache_url`). Skipped when no Redis
    answers, except in CI."""
    if not redis_reachable():
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Redis at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_cache_url()}
    }
