"""The public portal's rendered pages in Django's cache (issue 18 item 5): an organisation's page and
the 双公示 feeds are the platform's busiest pages and the same for everyone, so their rendered
content is kept (PUBLIC_PORTAL_CACHE_SECONDS; 0 turns it off) and served again until something
they show changes.

What is cached is the page's content only, never the rate limit or the query log: every request
still counts against its address (`portal.throttle`, the daily volume of Nanjing art. 52) and a
subject page still writes its public lookup row with the records in view (a cached page is still a
logged public lookup), from the figures kept with the content.

Invalidation by tokens: a cached page's key carries the token of each thing it shows — the
subject (its records, commitments, list entries, its name), the feeds (any record), and everything
(the catalog: an item's disclosure attribute or a catalog's publication changes every page) — and
the local day (a record leaves the pages the day after its disclosure period ends). A change
replaces the token, so the old pages are never read again and age out. Tokens are random, not
counters: an evicted token is replaced by a new one, which can only miss, never serve a stale page.

A search's answer is kept whole only (`search_response_key`): it shows names and codes, and is
replaced whenever a subject or a record changes (`search`: a batch may bring new subjects).

What changes them (`apps.py` connects these): a record saved, filed in a batch (`record_created`)
or taking a new status or objection mark (`record_status_changed`); a commitment or a subject
saved; a responsible person linked or unlinked (a person's records show on the organisation's
page, so a change to the person's records changes the organisation's page too); a catalog, a
catalog item or an organisation saved; list entries starting or ending (the sanctions app calls
`subjects_changed` on its `listing_started` / `listing_ended`).

Two layers: the content of a page (rendered once, put in the layout on every request) for
everyone, and the whole response for an anonymous visitor (`PublicPageMiddleware`): a request with
no cookie but the CSRF one gets the response bytes kept from the first such request, before the
session, authentication, template and security-header layers run — the rate limit and the lookup
row still happen on every request, in the middleware.

The default cache is per process: with several server processes the tokens must be shared too, so
configure a shared cache (CACHE_URL, Redis) — otherwise a change reaches only the process that made
it until the pages expire.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language

from apps.core import counters
from apps.core.process_cache import ProcessCache

PREFIX = "subjects:portal:cache"
# Past this many subjects at once (a large batch), every page's token is replaced instead of each.
MANY_SUBJECTS = 500
TOKEN_SECONDS = None  # tokens never expire; an evicted one is replaced (see above)


def enabled() -> bool:
    return settings.PUBLIC_PORTAL_CACHE_SECONDS > 0


def _tokens(*names: str, counting: tuple = ()) -> tuple[str, list[int]]:
    """The tokens of `names`, joined, and the counters of `counting` counted (`counters.count`):
    read together (one round trip with Redis); a missing token is added, or taken from the
    process that added it first."""
    keys = [f"{PREFIX}:token:{name}" for name in names]
    found, counts = counters.read_and_count(keys, *counting)
    if len(found) < len(keys):
        for key in keys:
            if key not in found:
                cache.add(key, uuid.uuid4().hex, timeout=TOKEN_SECONDS)
                found[key] = cache.get(key) or "-"
    return ":".join(found[key] for key in keys), counts


def _renew(names: Iterable[str]) -> None:
    cache.set_many({f"{PREFIX}:token:{name}": uuid.uuid4().hex for name in names}, timeout=TOKEN_SECONDS)


def subject_page_key(subject_id: int) -> str:
    """The key of an organisation's page as it reads today, in the active language."""
    return subject_page_key_counting(subject_id, ())[0]


def subject_page_key_counting(subject_id: int, counting: tuple) -> tuple[str, list[int]]:
    """`subject_page_key(subject_id)` and `counters.count(*counting)`, in one call to the cache."""
    tokens, counts = _tokens("all", f"subject:{subject_id}", counting=counting)
    return f"{PREFIX}:subject:{subject_id}:{get_language()}:{timezone.localdate().isoformat()}:{tokens}", counts


def search_response_key(query: str) -> str:
    """The key of the whole answer to a search as typed (searches have no content layer): it
    shows organisations' names and codes only, so it changes with the subjects (`search`) and the
    catalog (`all`), not with the day."""
    return search_response_key_counting(query, ())[0]


def search_response_key_counting(query: str, counting: tuple) -> tuple[str, list[int]]:
    """`search_response_key(query)` and `counters.count(*counting)`, in one call to the cache."""
    asked = hashlib.sha256(query.encode()).hexdigest()[:32]
    tokens, counts = _tokens("all", "search", counting=counting)
    return response_key(f"{PREFIX}:search:{asked}:{get_language()}:{tokens}"), counts


def feed_page_key(name: str, params: dict) -> str:
    """The key of a feed page (`name`: the feed or the agency page) for these filters and page."""
    return feed_page_key_counting(name, params, ())[0]


def feed_page_key_counting(name: str, params: dict, counting: tuple) -> tuple[str, list[int]]:
    """`feed_page_key(name, params)` and `counters.count(*counting)`, in one call to the cache."""
    asked = hashlib.sha256(repr(sorted(params.items())).encode()).hexdigest()[:32]
    tokens, counts = _tokens("all", "feeds", counting=counting)
    return f"{PREFIX}:feed:{name}:{asked}:{get_language()}:{timezone.localdate().isoformat()}:{tokens}", counts


@dataclass(frozen=True)
class Keep:
    """What a view asks to keep of its response for anonymous visitors (`PublicPageMiddleware`):
    the key, and for an organisation's page what each serving of it logs (identifier, name,
    result)."""

    key: str
    lookup: tuple | None = None


@dataclass(frozen=True)
class CachedResponse:
    """A whole public page as an anonymous visitor received it: its headers (the security headers
    the middleware set included, never a cookie) and its bytes, with `Keep.lookup`."""

    headers: tuple
    content: bytes
    lookup: tuple | None = None


def response_key(page_key: str) -> str:
    """The key of the whole response of a page: the page's key and the policy in force (the
    layout's footer names it)."""
    from apps.core.selectors import cached_policy

    return f"{page_key}:response:{cached_policy().pk}"


def get(key: str):
    return cache.get(key) if enabled() else None


# The whole responses this process served lately, by key. A key names one response for good (its
# tokens are replaced when anything the page shows changes, and then so is the key), so each is
# read from the shared cache (and unpickled: a 500-record page is 400 kB) once per process and
# HOT_PATH_CACHE_SECONDS, not for every visitor. Past RECENT_RESPONSES they are all dropped.
RECENT_RESPONSES = 256
_recent_responses = ProcessCache(limit=RECENT_RESPONSES, keep_none=False)


def get_response(key: str) -> CachedResponse | None:
    """The whole response kept under `key` (`response_key`), or None."""
    if not enabled():
        return None
    return _recent_responses.get(key, lambda: cache.get(key))


def put(key: str, value) -> None:
    if enabled():
        cache.set(key, value, timeout=settings.PUBLIC_PORTAL_CACHE_SECONDS)


# --- what changes them ------------------------------------------------------------------------------


def subjects_changed(subject_ids: Iterable[int], *, feeds: bool = True) -> None:
    """What the portal shows of these subjects changed (and, with `feeds`, possibly the feeds)."""
    ids = {pk for pk in subject_ids if pk}
    if len(ids) > MANY_SUBJECTS:
        _renew(["all"])
        return
    if ids:
        # A natural person's records show on the pages of the organisations the person is
        # responsible for (`portal.responsible_records`).
        from apps.subjects.models import ResponsiblePerson

        ids |= set(ResponsiblePerson.objects.filter(person_id__in=ids).values_list("organization_id", flat=True))
    names = [f"subject:{pk}" for pk in ids]
    if feeds:
        # A record filed may come with a new subject (a batch): the searches too.
        names += ["feeds", "search"]
    if names:
        _renew(names)


def everything_changed() -> None:
    _renew(["all"])


def records_changed(sender=None, *, records, **kwargs) -> None:
    """`record_created` / `record_status_changed`: the subjects' pages and the feeds."""
    subjects_changed(getattr(record, "subject_id", None) for record in records)


def record_saved(sender=None, *, instance, **kwargs) -> None:
    subjects_changed([instance.subject_id])


def commitment_saved(sender=None, *, instance, **kwargs) -> None:
    subjects_changed([instance.subject_id], feeds=False)


def responsible_person_changed(sender=None, *, instance, **kwargs) -> None:
    """A responsible person linked, changed or unlinked: the organisation's page."""
    subjects_changed([instance.organization_id], feeds=False)


def subject_saved(sender=None, *, instance, **kwargs) -> None:
    # The feeds show the subject's name beside its records.
    subjects_changed([instance.pk])


def reference_saved(sender=None, **kwargs) -> None:
    """A catalog or an item (what is disclosed), or an organisation (the agencies' names and the
    feeds' filter) saved: every page."""
    everything_changed()
