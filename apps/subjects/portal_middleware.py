"""Whole public pages for anonymous visitors, served before the rest of the stack (issue 18 item 5).

The portal's busiest pages — the answer to a search, an organisation's page, the 双公示 feeds, an
agency's feed — are the same for every visitor who is not signed in. Their views say which
responses may be kept (`portal_cache.Keep` on the response); this middleware keeps such a
response, as the visitor received it (headers included), when the request carried no cookie but
the CSRF one, and serves it again to the next such request before the session, authentication,
template and security-header layers run. What every request does all the same is done here: the address's rate limit and, for
a search or an organisation's page, its daily volume and its one public-lookup row (and the
searches counted towards the challenge), before the bytes go out.

A refusal (rate limit, abnormal volume) is not answered here: the request goes on through the
stack with the refusal noted (`REFUSED`), and the view renders its 429 page without counting the
request a second time. A signed-in user (a session cookie) never gets, and never leaves behind,
a kept response: the layout names the user.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, get_resolver, get_urlconf

from apps.core.http import client_ip
from apps.core.layout import plain_visitor
from apps.core.querylog import QueryRefused
from apps.subjects import portal, portal_cache

# The kept pages' URLs all start with this (apps/subjects/urls.py).
PUBLIC_PREFIX = "/public/"
# The request attribute that carries a refusal decided here to the view: (message, retry after).
REFUSED = "portal_refused"


class PublicPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        plain = portal_cache.enabled() and plain_visitor(request)
        if plain:
            served = self._serve(request)
            if served is not None:
                return served
        response = self.get_response(request)
        keep = getattr(response, "portal_keep", None)
        if plain and keep is not None and response.status_code == 200 and not response.cookies:
            portal_cache.put(
                keep.key,
                portal_cache.CachedResponse(
                    headers=tuple(response.items()), content=response.content, lookup=keep.lookup
                ),
            )
        return response

    def _serve(self, request: HttpRequest) -> HttpResponse | None:
        # Every other GET passes at the cost of this comparison, not of a second URL resolution.
        if not request.path_info.startswith(PUBLIC_PREFIX):
            return None
        kept = _kept_view(get_resolver(get_urlconf()), request.path_info)
        if kept is None:
            return None
        find, kwargs = kept
        try:
            cached = find(request, client_ip(request), **kwargs)
        except portal.RateLimited as refused:
            setattr(request, REFUSED, (str(refused), refused.retry_after))
            return None
        except QueryRefused as refused:
            setattr(request, REFUSED, (str(refused), None))
            return None
        if cached is None:
            return None
        response = HttpResponse(cached.content)
        for name, value in cached.headers:
            response[name] = value
        return response


@functools.lru_cache(maxsize=1024)
def _kept_view(resolver, path: str) -> tuple[Callable, dict] | None:
    """What answers `path` kept (one of KEPT) and its arguments from the URL, or None: resolved
    once per URL configuration (`resolver`, a new one after a change) for the paths asked
    lately — a kept page is the same few paths asked again and again, and resolving one walks
    the project's patterns (a sixth of a kept page's CPU)."""
    try:
        match = resolver.resolve(path)
    except Resolver404:
        return None
    find = KEPT.get(match.view_name)
    return (find, match.kwargs) if find is not None else None


def _subject_page(request, ip, *, key):
    return portal.cached_subject_response(key=key, client_ip=ip)


def _search(request, ip):
    if set(request.GET) != {"q"} or not request.GET["q"].strip():
        return None
    return portal.cached_search_response(query=request.GET["q"], client_ip=ip)


def _feed(request, ip, *, slug):
    from apps.subjects.public import feed_response_key

    counter = portal.feed_counter(ip)
    found = feed_response_key(request, slug, counter.windows())
    if found is None:
        return None
    key, counts = found
    return portal.kept_feed_allowed(portal_cache.get_response(key), counter, counts)


def _agency_feed(request, ip, *, pk):
    from apps.subjects.public import agency_feed_response_key

    counter = portal.feed_counter(ip)
    key, counts = agency_feed_response_key(pk, counter.windows())
    return portal.kept_feed_allowed(portal_cache.get_response(key), counter, counts)


KEPT: dict[str, Callable] = {
    "subjects:public_search": _search,
    "subjects:public_subject": _subject_page,
    "subjects:public_feed": _feed,
    "subjects:public_agency_feed": _agency_feed,
}
