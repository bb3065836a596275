"""What a change of the city policy or of the holiday overrides changes in the subjects app:
the disclosure end of dishonest records (the integration deadlines of batches are statutory
clocks, counted again by core).
Called by `apps.core.recompute` (found by its module name)."""

from __future__ import annotations

import datetime

from apps.subjects.services import records_recompute_disclosure


def recompute(*, policy, disclosure: bool, deadlines: bool, by, reason: str, today: datetime.date) -> dict[str, int]:
    done = {}
    if disclosure:
        counts = records_recompute_disclosure(None, by=by, reason=reason, policy=policy, today=today, settle=True)
        done.update({f"records_{name}": n for name, n in counts.items()})
    return done
