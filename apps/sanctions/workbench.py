"""The sanctions app's clocks on the deadline workbench (see apps.core.workbench): a list case's
statement period and red-list public notice."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.core.choices import DeadlineKind, Role
from apps.core.models import User
from apps.core.workbench import ClockOwner
from apps.sanctions.models import ListingCase


class ListingCaseClocks(ClockOwner):
    model = ListingCase
    agency_field = "deciding_org"
    select_related = ("subject", "deciding_org")
    # Both are periods granted to others: what the case waits for is their end.
    step_labels = {
        DeadlineKind.STATEMENT: _("Statement period ends"),
        DeadlineKind.RED_NOTICE: _("Red-list public notice ends"),
    }

    def label(self, owner) -> str:
        return f"#{owner.pk} {owner.get_list_type_display()} · {owner.subject.display_name}"

    def url(self, owner) -> str:
        return reverse("sanctions:case_detail", args=[owner.pk])

    def responsible(self, owner, deadline):
        """The deciding agency's officers: the case is theirs (its object permissions are)."""
        return User.objects.filter(organization_id=owner.deciding_org_id, role=Role.OFFICER, is_active=True)


OWNERS = [ListingCaseClocks()]
