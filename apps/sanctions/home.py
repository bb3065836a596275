"""What the sanctions app adds to the role home pages: an officer's open cases; the authority's
figures of the year so far and, where the city provides its review (复核), the listings it may
review."""

import datetime

from django.db.models import F
from django.utils import timezone

from apps.core.choices import DeadlineKind, Role
from apps.core.deadlines import due_on_of
from apps.core.permissions import restrict
from apps.sanctions.models import ListingCase, SanctionCheck
from apps.sanctions.workflows import open_states


def _authority(user) -> dict:
    from apps.core.choices import OrganizationKind
    from apps.core.models import Organization
    from apps.core.selectors import active_policy
    from apps.sanctions.choices import CaseStatus, ListType
    from apps.sanctions.selectors import statistics

    today = timezone.localdate()
    start = datetime.date(today.year, 1, 1)
    agencies = restrict(Organization.objects.filter(kind=OrganizationKind.AGENCY), user)
    rows = statistics(start, today, agencies)
    figures = {
        "start": start,
        "checks": sum(row.checks for row in rows),
        "hits": sum(row.hits for row in rows),
        "cases_opened": sum(row.cases_opened for row in rows),
        "cases_decided": sum(row.cases_decided for row in rows),
    }
    context = {"sanction_figures": figures}
    if active_policy().listing_review_by_authority:
        # Ningbo art. 28 para. 4: decided or published serious listings the subject objected to
        # (a statement) and not yet reviewed: the review step's own sources and guards.
        context["cases_to_review"] = list(
            restrict(ListingCase.objects.all(), user)
            .filter(
                list_type=ListType.SERIOUS, status__in=(CaseStatus.DECIDED, CaseStatus.PUBLISHED), review_outcome=""
            )
            .exclude(statement="")
            .select_related("subject")
            .order_by("decided_on", "id")[:10]
        )
    return context


def context(user) -> dict:
    if user.role == Role.AUTHORITY:
        return _authority(user)
    if user.role != Role.OFFICER:
        return {}
    data = {}
    if user.has_perm("sanctions.view_sanctioncheck"):
        # Nanjing art. 34, Ningbo art. 29: whether each measure a check returned was applied is fed
        # back; the organisation's checks that returned measures and have no feedback yet.
        checks = restrict(SanctionCheck.objects.select_related("subject"), user).exclude(measure_ids=[])
        data["checks_awaiting_feedback"] = list(checks.filter(feedback__isnull=True).order_by("-id")[:10])
    if not user.has_perm("sanctions.view_listingcase"):
        return data
    cases = restrict(ListingCase.objects.select_related("subject"), user).filter(status__in=open_states())
    cases = cases.annotate(statement_due=due_on_of(ListingCase, DeadlineKind.STATEMENT))
    # notices awaiting their delivery first (they need a step), then by deadline, on every database
    order = F("statement_due").asc(nulls_first=True)
    data["open_cases"] = list(cases.order_by(order, "-id").prefetch_related("deadlines__pauses")[:10])
    return data
