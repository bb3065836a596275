"""Reads shared by every app."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.core.choices import QueryChannel, QueryMode, QueryOutcome, QueryPurpose, Role
from apps.core.models import Policy, QueryLog, QueryVolume, SystemAccount, User
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


# Roles whose every lookup has one purpose: an auditor reads to audit, so its admin pages, record
# pages and workspace pages are logged under "audit" (issue 17: not "information integration"),
# without asking it to choose.
FIXED_PURPOSES = {Role.AUDITOR: QueryPurpose.AUDIT}


def fixed_purpose(user) -> str | None:
    """The purpose every lookup of `user` is logged under, or None when the user states it."""
    return FIXED_PURPOSES.get(getattr(user, "role", None))


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
    (Nanjing art. 52). An auditor's lookup is an audit whatever was stated (`FIXED_PURPOSES`)."""
    if fixed_purpose(by):
        purpose, purpose_detail = fixed_purpose(by), ""
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


def audit_lookup(
    *,
    by: User,
    client_ip: str | None = None,
    subject_identifier: str = "",
    subject_name: str = "",
    query: dict,
    result: dict | None = None,
    outcome: str = QueryOutcome.FOUND,
) -> QueryLog:
    """A page of the auditor's workspace that shows a subject's data (its trail, a history entry
    of a subject or a record, the query log filtered by subject): one query-log row per page
    view, a government-sharing lookup on the web with the purpose "audit" (issue 17). Raises
    QueryRefused (a 403 page) for a flagged user (Nanjing art. 52)."""
    lookup = LookupRequest(
        user=by, mode=QueryMode.GOVERNMENT, purpose=QueryPurpose.AUDIT, channel=QueryChannel.WEB, client_ip=client_ip
    )
    return log_query(
        lookup,
        subject_identifier=subject_identifier,
        subject_name=subject_name,
        query=query,
        outcome=outcome,
        result=result,
    )


@dataclass
class SystemUsage:
    account: SystemAccount
    today: int  # lookups let through today
    refused_today: int
    days: list[int]  # lookups let through on each of the last `len(days)` days, oldest first

    @property
    def share(self) -> int:
        """Percent of the quota used today."""
        return min(100, round(100 * self.today / self.account.daily_quota)) if self.account.daily_quota else 100


def system_account_usage(*, accounts, today: datetime.date | None = None, days: int = 7) -> list[SystemUsage]:
    """Each system account's lookups today against its quota, the refusals of today and the
    counts of the last `days` days (from the daily counters: three queries whatever the number
    of systems)."""
    today = today or timezone.localdate()
    accounts = list(accounts.select_related("user", "user__organization"))
    user_ids = [a.user_id for a in accounts]
    first = today - datetime.timedelta(days=days - 1)
    counts = {
        (user_id, day): lookups
        for user_id, day, lookups in QueryVolume.objects.filter(user_id__in=user_ids, day__gte=first)
        .values("user_id", "day")
        .annotate(n=Sum("lookups"))
        .values_list("user_id", "day", "n")
    }
    since = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    refused = dict(
        QueryLog.objects.filter(user_id__in=user_ids, created_at__gte=since, outcome=QueryOutcome.REFUSED)
        .values("user_id")
        .annotate(n=Count("id"))
        .values_list("user_id", "n")
    )
    span = [first + datetime.timedelta(days=n) for n in range(days)]
    return [
        SystemUsage(
            account=a,
            today=counts.get((a.user_id, today), 0),
            refused_today=refused.get(a.user_id, 0),
            days=[counts.get((a.user_id, day), 0) for day in span],
        )
        for a in accounts
    ]
