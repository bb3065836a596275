"""Small request helpers."""

from __future__ import annotations

import contextlib
import functools
import ipaddress

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the first X-Forwarded-For hop when the deployment
    says its proxy sets it (TRUST_X_FORWARDED_FOR)."""
    candidates = []
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        candidates.append(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip())
    candidates.append(request.META.get("REMOTE_ADDR", ""))
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RejectNulMiddleware:
    """Refuse a request whose query or form parameters hold a NUL character: PostgreSQL cannot
    store one in text, and no legitimate input contains it. The answer names the parameter."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import UnreadablePostError

        params = [request.GET]
        if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
            # an aborted upload: the CSRF check answers it, as without this middleware
            with contextlib.suppress(UnreadablePostError):
                params.append(request.POST)
        for query in params:
            for name, values in query.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    return _bad_request(request, name.replace("\x00", "\\0"))
        return self.get_response(request)


def _bad_request(request, name: str):
    from django.http import HttpResponseBadRequest, JsonResponse
    from django.utils.translation import gettext as _

    message = _("The parameter “%(name)s” contains a NUL character (\\0); remove it and send again.") % {
        "name": name[:50]
    }
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


class RequestSizeLimitMiddleware:
    """Refuse a request whose body (Content-Length) is over the upload limit before any of it is
    read: Django reads no more than Content-Length, and this runs before the form is parsed
    (by RejectNulMiddleware and the CSRF check) or DRF reads a JSON body, neither of which stops
    at DATA_UPLOAD_MAX_MEMORY_SIZE for files and JSON. The answer (413) names the limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from apps.core.uploads import too_large, upload_limits

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limits = upload_limits()
        if length > limits.max_request_bytes:
            return _too_large(request, " ".join(too_large(length, limits).messages))
        return self.get_response(request)


def _too_large(request, message: str):
    from django.http import HttpResponse, JsonResponse
    from django.template.loader import render_to_string

    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": "upload_limit"}, status=413)
    else:
        # The session and the user are not loaded yet: a page of its own, not the portal layout.
        response = HttpResponse(render_to_string("413.html", {"message": message}), status=413)
    return response


def login_not_required_urls(patterns):
    """Mark every view under `patterns` as exempt from LoginRequiredMiddleware and return them.

    For URL trees that authenticate on their own: the API (DRF reads the token inside the view and
    its permission classes refuse anonymous requests with 401/403, never a redirect) and the admin
    (it sends anonymous users to its own login page)."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            login_not_required_urls(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and getattr(pattern.callback, "login_required", True):
            # A bound method (some admin views) carries its attributes on the function.
            login_not_required(getattr(pattern.callback, "__func__", pattern.callback))
    return patterns


def lookup_refusal_shown_on(viewname: str):
    """A view decorator: a lookup refused for abnormal query volume (`QueryRefused`, Nanjing
    art. 52; the refusal is already in the query log) ends the view with its message on the page
    `viewname`, where the user asked for the lookup.

    This is the one place a refused lookup is turned into an answer, besides two that need no
    code: elsewhere on the web QueryRefused is a PermissionDenied and Django's 403 handler shows
    templates/403.html with its message (`apps.core.views.permission_denied`); in the API
    `apps.core.exceptions.api_exception_handler` answers it 429 with the message."""
    from django.contrib import messages
    from django.shortcuts import redirect

    from apps.core.querylog import QueryRefused

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except QueryRefused as refused:
                messages.error(request, str(refused))
                return redirect(viewname)

        return wrapped

    return decorator
