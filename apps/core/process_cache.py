"""Per-process caches of what every API request would otherwise read again: the token with its
user, the role's permissions and the system account (apps.core.api.authentication), and the
active policy (apps.core.selectors.cached_policy). DESIGN.md section 9: the lookup endpoints'
cost is their SQL statements.

An entry lives `HOT_PATH_CACHE_SECONDS`. A change saved through the app (a user, a token, a
group's permissions, a system account, the policy) clears every cache of the process that saved
it at once (apps.core.signals); the other processes see it after at most that long.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings

_caches: list[ProcessCache] = []


class ProcessCache:
    """`limit`: past this many entries they are all dropped (for keys a visitor chooses, such as
    a public page's); `keep_none`: whether a None that `load` returns is kept too."""

    def __init__(self, *, limit: int | None = None, keep_none: bool = True) -> None:
        self._entries: dict[Any, tuple[float, Any]] = {}
        self.limit, self.keep_none = limit, keep_none
        _caches.append(self)

    def get(self, key, load: Callable[[], Any]):
        """The cached value of `key`, or `load()` (not cached when it raises)."""
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        value = load()
        if value is not None or self.keep_none:
            if self.limit is not None and len(self._entries) >= self.limit:
                self._entries.clear()
            self._entries[key] = (now + settings.HOT_PATH_CACHE_SECONDS, value)
        return value

    def clear(self) -> None:
        self._entries.clear()


def clear_all(**_signal_kwargs) -> None:
    for cache in _caches:
        cache.clear()
