"""Reads of the sanctions app: what is published (public pages) and the statistics of joint
sanctions per agency and period (定期通报, Nanjing art. 34)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from apps.core.models import Organization
from apps.sanctions.choices import CaseStatus, EntryRole, ListType
from apps.sanctions.models import CheckFeedback, ListEntry, ListingCase, SanctionCheck


def remedies_notice(policy) -> str:
    """The remedies a decision names, from the policy's periods (its `remedies_basis`: the
    Administrative Reconsideration Law art. 20, the Administrative Litigation Law art. 46)."""
    parts = []
    if policy.remedies_reconsideration_days:
        parts.append(
            _("administrative reconsideration within %(days)s days of receipt")
            % {"days": policy.remedies_reconsideration_days}
        )
    if policy.remedies_lawsuit_months:
        parts.append(
            _("an administrative lawsuit within %(months)s months") % {"months": policy.remedies_lawsuit_months}
        )
    return capfirst(_("%(remedies)s.") % {"remedies": _(", or ").join(parts)}) if parts else ""


def published_entries(list_type: str, query: str = "") -> QuerySet[ListEntry]:
    """What the public may see now: the listed subjects (not the responsible people) of
    published serious-list cases, or of confirmed red-list cases."""
    status = {ListType.SERIOUS: CaseStatus.PUBLISHED, ListType.RED: CaseStatus.CONFIRMED}[ListType(list_type)]
    entries = ListEntry.objects.filter(
        case__list_type=list_type, case__status=status, active=True, role=EntryRole.SUBJECT
    ).select_related("subject", "case", "case__deciding_org")
    query = (query or "").strip()
    if query:
        entries = entries.filter(Q(subject__name__contains=query) | Q(subject__identifier=query.upper()))
    # Shown from the listing's first day until its period ends, even before the nightly job
    # removes the entry. The serious list states the removal conditions and the remedies
    # (Tianjin art. 28: 列明…移出条件和救济途径).
    today = timezone.localdate()
    return entries.filter(Q(end__isnull=True) | Q(end__gte=today), start__lte=today).order_by("-start", "-id")


@dataclass
class AgencyStatistics:
    organization: Organization
    checks: int = 0
    hits: int = 0
    applied: int = 0
    not_applied: int = 0
    reasons: list[str] = field(default_factory=list)
    cases_opened: int = 0
    cases_decided: int = 0
    cases_removed: int = 0


def statistics(
    start: datetime.date, end: datetime.date, organizations: QuerySet[Organization]
) -> list[AgencyStatistics]:
    """Per agency, within [start, end]: checks made, hits, measures applied and not applied (with
    the written reasons), serious-list cases opened, decided and removed."""
    rows = {org.pk: AgencyStatistics(org) for org in organizations}
    checks = SanctionCheck.objects.filter(organization__in=organizations, created_at__date__range=(start, end))
    for org_id, measure_ids in checks.values_list("organization_id", "measure_ids"):
        rows[org_id].checks += 1
        rows[org_id].hits += bool(measure_ids)
    feedback = CheckFeedback.objects.filter(
        check_ref__organization__in=organizations, recorded_at__date__range=(start, end)
    )
    reasons = defaultdict(list)
    for org_id, applied, reason in feedback.values_list("check_ref__organization_id", "applied", "reason"):
        if applied:
            rows[org_id].applied += 1
        else:
            rows[org_id].not_applied += 1
            reasons[org_id].append(reason)
    cases = ListingCase.objects.filter(deciding_org__in=organizations, list_type=ListType.SERIOUS)
    opened = cases.filter(created_at__date__range=(start, end))  # dates in Asia/Shanghai (USE_TZ)
    for org_id in opened.values_list("deciding_org_id", flat=True):
        rows[org_id].cases_opened += 1
    for org_id in cases.filter(decided_on__range=(start, end)).values_list("deciding_org_id", flat=True):
        rows[org_id].cases_decided += 1
    for org_id in cases.filter(removed_on__range=(start, end)).values_list("deciding_org_id", flat=True):
        rows[org_id].cases_removed += 1
    for org_id, texts in reasons.items():
        rows[org_id].reasons = texts
    return list(rows.values())
