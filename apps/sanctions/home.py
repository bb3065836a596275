"""What the sanctions app adds to the role home pages."""

from django.db.models import F

from apps.core.choices import Role
from apps.core.permissions import restrict
from apps.sanctions.models import ListingCase
from apps.sanctions.workflows import open_states


def context(user) -> dict:
    if user.role != Role.OFFICER or not user.has_perm("sanctions.view_listingcase"):
        return {}
    cases = restrict(ListingCase.objects.select_related("subject"), user).filter(status__in=open_states())
    # notices awaiting their delivery first (they need a step), then by deadline, on every database
    order = F("statement_due").asc(nulls_first=True)
    return {"open_cases": list(cases.order_by(order, "-id")[:10])}
