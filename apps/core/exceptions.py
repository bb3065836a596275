"""Errors every app's services raise, and how the API turns them into responses."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext_lazy
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

MSG_CONCURRENT_CHANGE = gettext_lazy(
    "Another change was saved at the same time and this one conflicts with it; reload and try again."
)


class Conflict(ValidationError):
    """A workflow step that the object's current state does not allow (HTTP 409 in the API)."""

    def __init__(self, message, code="conflict", params=None):
        super().__init__(message, code=code, params=params)


def api_exception_handler(exc, context):
    """DRF's handler, plus Django's ValidationError → 400 with field messages, Conflict → 409, a
    database constraint that a concurrent change won (the services check before writing, so
    only a race gets here; the service's transaction has rolled back) → 409, and a lookup refused
    for abnormal query volume (QueryRefused) → 429."""
    from apps.core.querylog import QueryRefused

    if isinstance(exc, IntegrityError):
        return Response({"detail": str(MSG_CONCURRENT_CHANGE), "code": "conflict"}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Conflict):
        return Response({"detail": " ".join(exc.messages), "code": "conflict"}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ValidationError):
        body = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, QueryRefused):
        # Nanjing art. 52: over the day's threshold, refused until the credit office clears the flag.
        return Response({"detail": str(exc)}, status=status.HTTP_429_TOO_MANY_REQUESTS)
    if isinstance(exc, PermissionDenied) and str(exc):
        return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
    return exception_handler(exc, context)
