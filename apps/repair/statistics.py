"""Repair statistics (信用修复情况统计) per determining agency and period: applications received,
accepted, not accepted by ground, repaired, not repaired, and the median working days from receipt
to decision. Counts only: no subject or applicant is named, so reading them is not a lookup of
anyone's credit file. Each figure counts what happened in the period, on the day it happened.
An agency's officers see their agency's row; the credit office, the authority and auditors all."""

from __future__ import annotations

import datetime
import statistics as stats
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy, pgettext_lazy

from apps.core.workdays import working_days_between
from apps.repair.choices import Outcome, RefusalGround
from apps.repair.selectors import visible_applications

COUNTS = (
    ("received", pgettext_lazy("repairs counted", "Received")),
    ("accepted", pgettext_lazy("repairs counted", "Accepted")),
    ("refused", pgettext_lazy("repairs counted", "Not accepted")),
    ("repaired", pgettext_lazy("repairs counted", "Repaired")),
    ("not_repaired", pgettext_lazy("repairs counted", "Not repaired")),
)
AGENCY = gettext_lazy("Determining agency")
TOTAL = gettext_lazy("Total")
MEDIAN = gettext_lazy("Median working days to decision")


@dataclass
class Row:
    agency: object | None
    received: int = 0
    accepted: int = 0
    refused: int = 0
    repaired: int = 0
    not_repaired: int = 0
    by_ground: dict[str, int] = field(default_factory=dict)
    days: list[int] = field(default_factory=list)

    @property
    def median_days(self) -> float | None:
        return stats.median(self.days) if self.days else None

    def cells(self) -> list:
        median = self.median_days
        return [
            str(self.agency) if self.agency is not None else str(TOTAL),
            *(getattr(self, name) for name, _label in COUNTS),
            *(self.by_ground.get(ground, 0) for ground in RefusalGround.values),
            "" if median is None else median,
        ]


def headers() -> list[str]:
    return [
        str(AGENCY),
        *(str(label) for _name, label in COUNTS),
        *(f"{COUNTS[2][1]}：{label}" for label in RefusalGround.labels),
        str(MEDIAN),
    ]


def _within(day, start, end) -> bool:
    return day is not None and start <= day <= end


def repair_statistics(*, user, start: datetime.date, end: datetime.date) -> list[Row]:
    """One row per determining agency with figures in the period, then the total."""
    rows: dict[int, Row] = {}
    total = Row(None)
    applications = visible_applications(user).filter(received_on__lte=end).select_related("agency")
    for application in applications.iterator(chunk_size=2000):
        row = rows.setdefault(application.agency_id, Row(application.agency))
        for target in (row, total):
            if _within(application.received_on, start, end):
                target.received += 1
            if _within(application.accepted_on, start, end):
                target.accepted += 1
            if application.refusal_ground and _within(application.refused_on, start, end):
                target.refused += 1
                target.by_ground[application.refusal_ground] = target.by_ground.get(application.refusal_ground, 0) + 1
            if _within(application.decided_on, start, end):
                if application.outcome == Outcome.REPAIRED:
                    target.repaired += 1
                elif application.outcome == Outcome.NOT_REPAIRED:
                    target.not_repaired += 1
                target.days.append(int(working_days_between(application.received_on, application.decided_on)))
    ordered = sorted(rows.values(), key=lambda r: str(r.agency))
    return [*ordered, total] if ordered else []
