"""Counters that live for a window (`apps.core.counters`): the public portal's allowances per
address, on the local-memory cache and on Redis, where every counter of a call is counted in one
round trip (issue 18 item 5)."""

from __future__ import annotations

import pytest
from django.core.cache import cache, caches

from apps.core import counters
from tests.jobs import use_redis_cache


@pytest.fixture(params=["local memory", "redis"])
def any_cache(request, settings):
    """The default cache as `make run` and the tests have it, then as production has it."""
    if request.param == "redis":
        use_redis_cache(settings)
    cache.clear()
    yield request.param
    cache.clear()


def test_each_counter_starts_at_one_and_counts_on_readable_by_the_cache(any_cache):
    assert counters.count(("minute", 60), ("day", 86400)) == [1, 1]
    assert counters.count(("minute", 60), ("day", 86400)) == [2, 2]
    assert counters.count(("day", 86400)) == [3]
    assert cache.get("minute") == 2 and cache.get("day") == 3


def test_uncount_gives_one_back_and_a_counter_gone_is_nothing(any_cache):
    counters.count(("minute", 60))
    counters.count(("minute", 60))
    counters.uncount("minute")
    assert cache.get("minute") == 1
    counters.uncount("never-counted")
    assert cache.get("never-counted") is None


def test_on_redis_a_new_counter_lives_its_window_and_a_minute(redis_cache):
    counters.count(("hour", 3600))
    client = caches["default"]._cache.get_client()
    ttl = client.ttl(caches["default"].make_and_validate_key("hour"))
    assert 3600 < ttl <= 3600 + counters.SLACK_SECONDS
    counters.count(("hour", 3600))  # counting on does not move the expiry
    assert client.ttl(caches["default"].make_and_validate_key("hour")) <= ttl


def test_on_redis_the_counters_of_a_call_take_one_round_trip(redis_cache, redis_commands):
    """Django's `incr` is two round trips (EXISTS, INCRBY) a counter; a kept page counts two."""
    assert counters.count(("minute", 60), ("day", 86400)) == [1, 1]  # the script loaded if it was not
    redis_commands.clear()
    assert counters.count(("minute", 60), ("day", 86400)) == [2, 2]
    assert counters.count(("minute", 60), ("hour", 3600)) == [3, 1]
    assert redis_commands == ["EVALSHA", "EVALSHA"]


def test_on_redis_the_script_is_loaded_again_where_redis_lost_it(redis_cache, monkeypatch):
    """A Redis restarted (or SCRIPT FLUSH) forgets the script: the next count loads it again. (A
    digest Redis never saw stands for the lost script: a flush would reach the other test
    processes' Redis too.)"""
    assert counters.count(("minute", 60)) == [1]
    monkeypatch.setattr(counters._script, "sha", "0" * 40)
    assert counters.count(("minute", 60)) == [2]
    assert counters._script.sha != "0" * 40


def test_a_counter_added_by_a_concurrent_request_counts_both(monkeypatch):
    """On a cache without Redis, a window's first two requests at once: the one whose add comes
    second counts on the counter the first added (2), it does not start it again."""
    cache.clear()
    added_first = cache.add

    def concurrent_add(name, value, timeout=None):
        added_first(name, value, timeout=timeout)  # the other request's add, just before this one's
        return added_first(name, value, timeout=timeout)

    monkeypatch.setattr(cache, "add", concurrent_add)
    assert counters.count(("subjects:portal:test:counter", 60)) == [2]
    assert counters.count(("subjects:portal:test:counter", 60)) == [3]
