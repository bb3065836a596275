"""Statistics of the credit service agencies (issue 14 item 8): the agencies on the registry, the
authority's supervision actions by kind, the spot checks and their findings, the batch queries
(applications received and approved, runs, subjects looked up), per agency and period.
Counts only: no subject or person is named, so reading them is not a lookup of anyone's credit file.

Each figure counts what happened in the period, on the day it happened (an action on the day it was
taken, a batch application on the day it was received or approved, a run on its day); "on the registry" is the agency's filing as it stands at the end of the period. The rows
are the agencies whose supervision the user may see: every agency for the authority, the credit
office and auditors, its own for an agency's staff."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy, pgettext_lazy

from apps.core.models import Organization
from apps.core.permissions import restrict
from apps.service_agencies.choices import ActionKind, FilingStatus, Finding
from apps.service_agencies.models import BatchQueryApplication, BatchQueryRun, RegistryFiling, SupervisionAction

AGENCY = pgettext_lazy("service agency", "Agency")
TOTAL = gettext_lazy("Total")
ON_REGISTRY = gettext_lazy("On the registry at the end of the period")
SPOT_CHECK_FINDINGS = (
    (Finding.COMPLIANT, pgettext_lazy("spot checks counted", "Spot checks found compliant")),
    (Finding.FALSE, pgettext_lazy("spot checks counted", "Spot checks found a false or misleading report")),
)
BATCH = (
    ("applied", pgettext_lazy("batch queries counted", "Batch query applications received")),
    ("approved", pgettext_lazy("batch queries counted", "Batch query applications approved")),
    ("runs", pgettext_lazy("batch queries counted", "Batch query runs")),
    ("looked_up", pgettext_lazy("batch queries counted", "Subjects looked up in batch")),
)
YES = pgettext_lazy("on the registry", "Yes")
NO = pgettext_lazy("on the registry", "No")


@dataclass
class Row:
    agency: object | None
    registered: int = 0
    actions: dict[str, int] = field(default_factory=dict)
    findings: dict[str, int] = field(default_factory=dict)
    batch: dict[str, int] = field(default_factory=dict)

    def cells(self) -> list:
        if self.agency is None:
            first, registered = str(TOTAL), self.registered
        else:
            first, registered = str(self.agency), str(YES if self.registered else NO)
        return [
            first,
            registered,
            *(self.actions.get(kind, 0) for kind in ActionKind.values),
            *(self.findings.get(finding, 0) for finding, _label in SPOT_CHECK_FINDINGS),
            *(self.batch.get(name, 0) for name, _label in BATCH),
        ]


def headers() -> list[str]:
    return [
        str(AGENCY),
        str(ON_REGISTRY),
        *(str(label) for label in ActionKind.labels),
        *(str(label) for _finding, label in SPOT_CHECK_FINDINGS),
        *(str(label) for _name, label in BATCH),
    ]


def _registered_at(end: datetime.date) -> set[int]:
    """The agencies whose filing was published on or before `end` and not removed by then."""
    filings = RegistryFiling.objects.filter(published_on__lte=end).exclude(
        status=FilingStatus.REMOVED, removed_on__lte=end
    )
    return set(filings.values_list("agency_id", flat=True))


def agency_statistics(*, user, start: datetime.date, end: datetime.date) -> list[Row]:
    """One row per agency in view with a figure in the period or a registration, then the total."""
    actions = restrict(SupervisionAction.objects.all(), user)
    in_period = Q(taken_on__gte=start, taken_on__lte=end)
    counted = actions.filter(in_period).values("agency_id", "kind", "finding").annotate(n=Count("id")).order_by()
    visible_agencies = set(restrict(RegistryFiling.objects.all(), user).values_list("agency_id", flat=True))
    visible_agencies |= set(actions.values_list("agency_id", flat=True))
    registered = _registered_at(end) & visible_agencies
    rows: dict[int, Row] = {}
    total = Row(None)
    for pk in registered:
        rows.setdefault(pk, Row(pk)).registered = 1
    for entry in counted:
        row = rows.setdefault(entry["agency_id"], Row(entry["agency_id"]))
        for target in (row, total):
            target.actions[entry["kind"]] = target.actions.get(entry["kind"], 0) + entry["n"]
            if entry["kind"] == ActionKind.SPOT_CHECK and entry["finding"]:
                target.findings[entry["finding"]] = target.findings.get(entry["finding"], 0) + entry["n"]
    for agency_id, name, n in _batch_figures(user, start, end):
        row = rows.setdefault(agency_id, Row(agency_id))
        for target in (row, total):
            target.batch[name] = target.batch.get(name, 0) + n
    total.registered = len(registered)
    names = Organization.objects.in_bulk(list(rows))
    for pk, row in rows.items():
        row.agency = names[pk]
    return [*sorted(rows.values(), key=lambda row: row.agency.name), total]


def _batch_figures(user, start: datetime.date, end: datetime.date):
    """(agency id, figure, number) of the batch queries in the period that the user may see."""
    applications = restrict(BatchQueryApplication.objects.all(), user).order_by()
    received = applications.filter(received_on__gte=start, received_on__lte=end)
    for entry in received.values("agency_id").annotate(n=Count("id")):
        yield entry["agency_id"], "applied", entry["n"]
    approved = applications.filter(approved_count__isnull=False, decided_on__gte=start, decided_on__lte=end)
    for entry in approved.values("agency_id").annotate(n=Count("id")):
        yield entry["agency_id"], "approved", entry["n"]
    runs = (
        restrict(BatchQueryRun.objects.all(), user)
        .annotate(day=TruncDate("ran_at"))
        .filter(day__gte=start, day__lte=end)
        .values("application__agency_id")
        .annotate(n=Count("id"), subjects=Sum("subjects"))
        .order_by()
    )
    for entry in runs:
        yield entry["application__agency_id"], "runs", entry["n"]
        yield entry["application__agency_id"], "looked_up", entry["subjects"]
