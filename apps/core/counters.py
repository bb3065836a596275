"""Counters in the shared cache that live for a window: the public pages' allowances per address
(rate limits, daily volumes).

`count((key, seconds), …)` adds one to each counter and gives their new values; a counter that
does not exist yet starts at 1 and lives `seconds` plus a minute (its window and some slack for
clocks). Where the cache is Redis, every counter of the call is counted in one round trip, in one
MULTI/EXEC: `SET key 0 EX … NX` then `INCR key` for each — a counter is never left without its
expiry, and concurrent requests each get their own value. Django's `incr` asks first whether the
key exists (`EXISTS`, then `INCRBY`): two round trips per counter, and a kept public page counts
two (issue 18 item 5: on this machine a round trip to Redis costs a request about 60 µs of CPU,
a fifth of a kept page). Any other cache (the local memory of `make run` and the tests) counts
each with `incr`, or `add` for its first.
"""

from __future__ import annotations

import contextlib

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

# The slack added to a counter's window before it expires.
SLACK_SECONDS = 60


def count(*windows: tuple[str, int]) -> list[int]:
    """One more on each counter (key, seconds of its window): their new values, in order."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        return _count_on_redis(cache, windows)
    return [_count_one(cache, key, seconds) for key, seconds in windows]


def uncount(key: str) -> None:
    """One less on a counter (a request counted and then refused by another allowance, as if it
    had not been counted); nothing if it expired meanwhile."""
    with contextlib.suppress(ValueError):
        caches["default"].decr(key)


def _count_one(cache, key: str, seconds: int) -> int:
    try:
        return cache.incr(key)
    except ValueError:  # no counter yet in this window
        if cache.add(key, 1, timeout=seconds + SLACK_SECONDS):
            return 1
        return cache.incr(key)  # a concurrent request added it first


def _count_on_redis(cache: RedisCache, windows) -> list[int]:
    # Django's Redis cache keeps an int as its digits (`RedisSerializer`), so `get` reads what
    # INCR leaves; the key is the cache's own (prefix, version). `_cache` is the backend's client
    # (Django 5.2), the one its own calls use.
    client = cache._cache.get_client(write=True)
    pipeline = client.pipeline(transaction=True)
    for key, seconds in windows:
        name = cache.make_and_validate_key(key)
        pipeline.set(name, 0, ex=seconds + SLACK_SECONDS, nx=True)
        pipeline.incr(name)
    return [int(value) for value in pipeline.execute()[1::2]]
