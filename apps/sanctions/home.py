"""What the sanctions app adds to the role home pages."""

from django.db.models import F

from apps.core.choices import DeadlineKind, Role
from apps.core.deadlines import due_on_of
from apps.core.permissions import restrict
from apps.sanctions.models import ListingCase
from apps.sanctions.workflows import open_states


def context(user) -> dict:
    if user.role != Role.OFFICER or not user.has_perm("sanctions.view_listingcase"):
        return {}
    cases = restrict(ListingCase.objects.select_related("subject"), user).filter(status__in=open_states())
    cases = cases.annotate(statement_due=due_on_of(ListingCase, DeadlineKind.STATEMENT))
    # notices awaiting their delivery first (they need a step), then by deadline, on every database
    order = F("statement_due").asc(nulls_first=True)
    return {"open_cases": list(cases.order_by(order, "-id").prefetch_related("deadlines__pauses")[:10])}
