"""Counters in the shared cache that live for a window: the public pages' allowances per address
(rate limits, daily volumes).

`count((key, seconds), …)` adds one to each counter and gives their new values; a counter that
does not exist yet starts at 1 and lives `seconds` plus a minute (its window and some slack for
clocks). Where the cache is Redis, every counter of the call is counted in one round trip, by one
Lua script that Redis runs whole: `SET key 0 EX … NX` then `INCR key` for each — a counter is never
left without its expiry, and concurrent requests each get their own value (a MULTI/EXEC pipeline
does the same with a reply for each command, a third more of the request's CPU). Django's `incr` asks first whether the
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


# Each counter of KEYS started at 0 with its expiry (ARGV, seconds) if it does not exist, then
# incremented: one command and one reply for them all, run whole by Redis.
_SCRIPT = """
local counts = {}
for i, key in ipairs(KEYS) do
  redis.call('SET', key, 0, 'EX', ARGV[i], 'NX')
  counts[i] = redis.call('INCR', key)
end
return counts
"""
_script = None  # redis-py's Script: EVALSHA, and the script loaded again where Redis lost it


def _count_on_redis(cache: RedisCache, windows) -> list[int]:
    global _script
    # Django's Redis cache keeps an int as its digits (`RedisSerializer`), so `get` reads what
    # INCR leaves; the keys are the cache's own (prefix, version), all on the server it writes to.
    # `_cache` is the backend's client (Django 5.2), the one its own calls use.
    client = cache._cache.get_client(write=True)
    if _script is None:
        _script = client.register_script(_SCRIPT)
    keys = [cache.make_and_validate_key(key) for key, _seconds in windows]
    expiries = [seconds + SLACK_SECONDS for _key, seconds in windows]
    return [int(value) for value in _script(keys=keys, args=expiries, client=client)]
