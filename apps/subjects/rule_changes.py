"""What a change of the city policy or of the holiday overrides changes in the subjects app:
open integration deadlines of submitted batches, and the disclosure end of dishonest records.
Called by `apps.core.recompute` (found by its module name)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from apps.core.audit import audited_save
from apps.core.workdays import add_working_days
from apps.subjects.choices import BatchStatus
from apps.subjects.models import ImportBatch
from apps.subjects.services import records_recompute_disclosure


def batches_recompute_due(*, policy, by, reason: str) -> int:
    """Integration due dates of submitted batches, from their submission day (Ningbo art. 18)."""
    changed = 0
    for pk in ImportBatch.objects.filter(status=BatchStatus.SUBMITTED, submitted_at__isnull=False).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update().get(pk=pk)
            if batch.status != BatchStatus.SUBMITTED:
                continue
            due = add_working_days(timezone.localdate(batch.submitted_at), policy.integration_days)
            if (due, due.estimated) != (batch.integration_due, batch.integration_due_estimated):
                batch.integration_due, batch.integration_due_estimated = due, due.estimated
                audited_save(batch, by=by, reason=reason)
                changed += 1
    return changed


def recompute(*, policy, disclosure: bool, deadlines: bool, by, reason: str, today: datetime.date) -> dict[str, int]:
    done = {}
    if deadlines:
        done["integration_due"] = batches_recompute_due(policy=policy, by=by, reason=reason)
    if disclosure:
        counts = records_recompute_disclosure(None, by=by, reason=reason, policy=policy, today=today, settle=True)
        done.update({f"records_{name}": n for name, n in counts.items()})
    return done
