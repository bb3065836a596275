"""Small request helpers."""

from __future__ import annotations

import contextlib
import ipaddress

from django.conf import settings


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
