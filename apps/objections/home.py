"""What the objections app adds to the role homes: the objections waiting for a step the user may
take (the clerk: accept, forward, decide, inform; the agency's officer: answer one forwarded to
it), oldest first — the steps as `services.OBJECTION_CASE` offers them."""

from apps.core.workflow import awaiting
from apps.objections.selectors import visible_objections
from apps.objections.services import OBJECTION_CASE


def context(user) -> dict:
    if not user.has_perm("objections.view_objection"):
        return {}
    objections = visible_objections(user).select_related("subject").order_by("received_on", "id")
    return {"objections_awaiting": awaiting(OBJECTION_CASE, objections, user)}
