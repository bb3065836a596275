"""Reads of the service-agencies app: what a user may see, the public registry, a filing's page.
Nothing here shows a subject's personal data, so nothing writes the query log."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from apps.core.permissions import restrict
from apps.service_agencies.choices import ActionKind, FilingStatus
from apps.service_agencies.models import BusinessReport, RegistryFiling, SupervisionAction


def visible_filings(user) -> QuerySet[RegistryFiling]:
    """The authority, the credit office and auditors see every filing; an agency's staff their own."""
    return restrict(RegistryFiling.objects.select_related("agency"), user)


def visible_business_reports(user) -> QuerySet[BusinessReport]:
    return restrict(BusinessReport.objects.select_related("agency"), user)


def live_filing_of(agency) -> RegistryFiling | None:
    """The agency's filing that is not removed, if any."""
    if agency is None:
        return None
    return RegistryFiling.objects.filter(agency=agency).exclude(status=FilingStatus.REMOVED).first()


def public_registry() -> QuerySet[RegistryFiling]:
    """The published registrations only (Ningbo art. 50): what the public registry lists."""
    return RegistryFiling.objects.filter(status=FilingStatus.PUBLISHED).select_related("agency").order_by("name")


@dataclass(frozen=True)
class TimelineEntry:
    when: object
    who: object
    what: str
    reason: str


def timeline(filing: RegistryFiling) -> list[TimelineEntry]:
    """Every change of the filing, in order: who, when, what it became and why."""
    return [
        TimelineEntry(row.history_date, row.history_user, row.get_status_display(), row.history_change_reason or "")
        for row in filing.history.select_related("history_user").order_by("history_date", "history_id")
    ]


def filing_page(filing: RegistryFiling, user) -> dict:
    """What the filing's page shows besides the steps: the agency's business information."""
    return {
        "business_reports": list(visible_business_reports(user).filter(agency_id=filing.agency_id)),
        "timeline": timeline(filing),
    }


def visible_actions(user) -> QuerySet[SupervisionAction]:
    """The authority, the credit office and auditors see every action; an agency's staff those
    on their own agency."""
    return restrict(SupervisionAction.objects.select_related("agency").prefetch_related("deadlines__pauses"), user)


def supervision_results(agency_ids) -> dict[int, dict]:
    """What the public registry shows of each agency's supervision: its published spot checks
    (Nanjing art. 69 para. 3) and whether its rating products are restricted."""
    results: dict[int, dict] = {pk: {"spot_checks": [], "restricted": None} for pk in agency_ids}
    actions = SupervisionAction.objects.filter(
        agency_id__in=list(results), kind__in=(ActionKind.SPOT_CHECK, ActionKind.RESTRICTION)
    ).order_by("-taken_on", "-id")
    for action in actions:
        entry = results[action.agency_id]
        if action.kind == ActionKind.SPOT_CHECK and action.published_on:
            entry["spot_checks"].append(action)
        elif action.kind == ActionKind.RESTRICTION and entry["restricted"] is None:
            entry["restricted"] = action
    return results
