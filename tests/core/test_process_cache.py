"""The per-process caches (`apps.core.process_cache`): an entry lives HOT_PATH_CACHE_SECONDS; a
cache with a limit drops everything past it; one that keeps no None loads a missing value again."""

from apps.core.process_cache import ProcessCache, clear_all


def _loader(values):
    calls = []

    def load():
        calls.append(None)
        return values[len(calls) - 1]

    return load, calls


def test_an_entry_is_loaded_once_while_it_lives(settings):
    settings.HOT_PATH_CACHE_SECONDS = 30
    cache = ProcessCache()
    load, calls = _loader(["一", "二"])
    assert cache.get("k", load) == cache.get("k", load) == "一"
    assert len(calls) == 1
    settings.HOT_PATH_CACHE_SECONDS = 0  # what it loads now is over at once
    cache.clear()
    load, calls = _loader(["一", "二"])
    assert (cache.get("k", load), cache.get("k", load)) == ("一", "二")


def test_past_its_limit_a_cache_starts_again_empty():
    cache = ProcessCache(limit=2)
    for key in ("a", "b"):
        cache.get(key, lambda key=key: key.upper())
    cache.get("c", lambda: "C")
    assert cache._entries.keys() == {"c"}


def test_a_none_is_kept_unless_the_cache_says_not():
    keeping, not_keeping = ProcessCache(), ProcessCache(keep_none=False)
    for cache in (keeping, not_keeping):
        load, calls = _loader([None, "找到"])
        first, second = cache.get("k", load), cache.get("k", load)
        assert first is None
        assert (second, len(calls)) == ((None, 1) if cache is keeping else ("找到", 2))


def test_clear_all_empties_every_cache():
    cache = ProcessCache()
    cache.get("k", lambda: 1)
    clear_all()
    assert cache._entries == {}
