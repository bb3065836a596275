"""The service-agencies app's clocks on the deadline workbench (see apps.core.workbench): the
materials a supervised agency was asked for (Nanjing art. 69, Ningbo art. 52)."""

from django.urls import reverse

from apps.core.choices import Role
from apps.core.models import User
from apps.core.workbench import ClockOwner
from apps.service_agencies.models import SupervisionAction


class SupervisionClocks(ClockOwner):
    model = SupervisionAction
    agency_field = "agency"
    select_related = ("agency",)

    def label(self, owner) -> str:
        return f"{owner.get_kind_display()} · {owner.agency}"

    def url(self, owner) -> str:
        return reverse("service_agencies:action_detail", args=[owner.pk])

    def responsible(self, owner, deadline):
        """The agency's staff hand the materials in; the authority follows up."""
        return User.objects.filter(organization_id=owner.agency_id, role=Role.AGENCY_STAFF, is_active=True)


OWNERS = [SupervisionClocks()]
