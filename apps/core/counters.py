"""Counters in the shared cache that live for a window: the public pages' allowances per address
(rate limits, daily volumes).

`count((key, seconds), …)` adds one to each counter and gives their new values; a counter that
does not exist yet starts at 1 and lives `seconds` plus a minute (its window and some slack for
clocks). `read_and_count(keys, …)` also reads `keys` (a kept page's tokens) in the same call.

Where the cache is Redis, one call is one round trip: a Lua script that Redis runs whole, `GET`
for each key read, then `SET key 0 EX … NX` and `INCR key` for each counter — a counter is never
left without its expiry, and concurrent requests each get their own value. Django's `incr` asks
first whether the key exists (`EXISTS`, then `INCRBY`): two round trips per counter, and a kept
public page read its tokens and counted two counters in five (issue 18 item 5: on this machine a
round trip to Redis costs a request 60–120 µs of CPU; a MULTI/EXEC pipeline, with a reply for each
command, a third more than the script). Any other cache (the local memory of `make run` and the
tests) reads with `get_many` and counts each with `incr`, or `add` for its first.
"""

from __future__ import annotations

import contextlib

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache, RedisSerializer

# The slack added to a counter's window before it expires.
SLACK_SECONDS = 60


def count(*windows: tuple[str, int]) -> list[int]:
    """One more on each counter (key, seconds of its window): their new values, in order."""
    return read_and_count([], *windows)[1]


def read_and_count(keys: list[str], *windows: tuple[str, int]) -> tuple[dict, list[int]]:
    """The cache's values of `keys` (as `get_many`: a missing key left out) and `count(*windows)`,
    together: with Redis one round trip. A kept public page reads its key's tokens and counts its
    address's allowances with it, its only call to the cache (issue 18 item 5)."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        return _on_redis(cache, keys, windows)
    found = cache.get_many(keys) if keys else {}
    return found, [_count_one(cache, key, seconds) for key, seconds in windows]


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


# The first ARGV[1] of KEYS read (GET; a missing one false, Redis's nil), then each counter of the
# others started at 0 with its expiry (the ARGV after the first, seconds) if it does not exist,
# and incremented: one command and one reply for them all, run whole by Redis.
_SCRIPT = """
local read = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS do
  if i <= read then
    out[i] = redis.call('GET', KEYS[i])
  else
    redis.call('SET', KEYS[i], 0, 'EX', ARGV[i - read + 1], 'NX')
    out[i] = redis.call('INCR', KEYS[i])
  end
end
return out
"""
_script = None  # redis-py's Script: EVALSHA, and the script loaded again where Redis lost it
_serializer = RedisSerializer()


def _on_redis(cache: RedisCache, keys: list[str], windows) -> tuple[dict, list[int]]:
    global _script
    # The keys are the cache's own (prefix, version), all on the server it writes to; values read
    # as the cache keeps them (`RedisSerializer`: an int as its digits, so `get` also reads what
    # INCR leaves, anything else pickled). `_cache` is the backend's client (Django 5.2), the one
    # its own calls use.
    client = cache._cache.get_client(write=True)
    if _script is None:
        _script = client.register_script(_SCRIPT)
    names = [cache.make_and_validate_key(key) for key in keys]
    names += [cache.make_and_validate_key(key) for key, _seconds in windows]
    args = [len(keys), *(seconds + SLACK_SECONDS for _key, seconds in windows)]
    values = _script(keys=names, args=args, client=client)
    found = {key: _serializer.loads(value) for key, value in zip(keys, values, strict=False) if value is not None}
    return found, [int(value) for value in values[len(keys) :]]
