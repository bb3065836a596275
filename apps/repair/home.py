"""What the repair app adds to the role homes: the repair applications waiting for a step the
user may take (accept, ask for material, decide, deliver), oldest first — the steps as
`services.REPAIR_CASE` offers them."""

from apps.core.workflow import awaiting
from apps.repair.selectors import visible_applications
from apps.repair.services import REPAIR_CASE


def context(user) -> dict:
    if not user.has_perm("repair.view_repairapplication"):
        return {}
    applications = visible_applications(user).select_related("subject").order_by("id")
    return {"repairs_awaiting": awaiting(REPAIR_CASE, applications, user)}
