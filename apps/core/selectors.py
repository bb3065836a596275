"""Reads shared by every app."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

from apps.core.choices import QueryChannel, QueryMode, QueryOutcome
from apps.core.models import Policy, QueryLog, User
from apps.core.process_cache import ProcessCache
from apps.core.querylog import LookupRequest, log_query

MSG_POLICY_MISSING = gettext_lazy(
    "The city policy “{code}” (CREDIT_POLICY) is not in the database. Load the presets with "
    "`python manage.py load_policies`."
)


def active_policy() -> Policy:
    """The policy the platform runs under, chosen by the CREDIT_POLICY setting."""
    code = settings.CREDIT_POLICY
    try:
        return Policy.objects.get(code=code)
    except Policy.DoesNotExist:
        raise ImproperlyConfigured(str(MSG_POLICY_MISSING).format(code=code)) from None


_policies = ProcessCache()


def cached_policy() -> Policy:
    """The active policy from the process cache, for the hot paths that only read it (the
    query-volume control on every lookup). Not for a form that edits it."""
    return _policies.get(settings.CREDIT_POLICY, active_policy)


def admin_page_lookup(
    *,
    by: User,
    purpose: str,
    purpose_detail: str = "",
    client_ip: str | None = None,
    subject_identifier: str = "",
    subject_name: str = "",
    query: dict,
    result: dict | None = None,
) -> QueryLog:
    """An admin page showing a subject's data (or a search of such a list) is a government-sharing
    lookup on the web with the purpose the user stated for it: one query-log row. Raises
    ValidationError for a purpose that does not fit, QueryRefused (a 403 page) for a flagged user
    (Nanjing art. 52)."""
    lookup = LookupRequest(
        user=by,
        mode=QueryMode.GOVERNMENT,
        purpose=purpose,
        channel=QueryChannel.WEB,
        purpose_detail=purpose_detail,
        client_ip=client_ip,
    )
    return log_query(
        lookup,
        subject_identifier=subject_identifier,
        subject_name=subject_name,
        query=query,
        outcome=QueryOutcome.FOUND,
        result=result,
    )
