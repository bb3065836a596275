"""What a change of the city policy or of the holiday overrides changes in core: every running
statutory clock of every app is counted again (`apps.core.deadlines`). Called by
`apps.core.recompute` (found by its module name)."""

from __future__ import annotations

import datetime

from apps.core.deadlines import deadlines_recompute


def recompute(*, policy, disclosure: bool, deadlines: bool, by, reason: str, today: datetime.date) -> dict[str, int]:
    if not deadlines:
        return {}
    return {"deadlines": deadlines_recompute(policy=policy, by=by, reason=reason)}
