"""The repair app's clocks on the deadline workbench (see apps.core.workbench): accepting and
deciding an application (the determining agency), and withholding good information (the office)."""

from django.urls import reverse

from apps.core.choices import Role
from apps.core.models import User
from apps.core.workbench import ClockOwner
from apps.repair.models import GoodInfoRequest, RepairApplication


class RepairClocks(ClockOwner):
    model = RepairApplication
    agency_field = "agency"
    select_related = ("subject", "agency")

    def label(self, owner) -> str:
        return f"{owner.number} · {owner.subject.display_name}"

    def url(self, owner) -> str:
        return reverse("repair:detail", args=[owner.pk])

    def responsible(self, owner, deadline):
        return User.objects.filter(organization_id=owner.agency_id, role=Role.OFFICER, is_active=True)


class GoodInfoClocks(ClockOwner):
    model = GoodInfoRequest
    select_related = ("subject",)

    def label(self, owner) -> str:
        return f"{owner.number} · {owner.subject.display_name}"

    def url(self, owner) -> str:
        return reverse("repair:good_info_detail", args=[owner.pk])

    def responsible(self, owner, deadline):
        return User.objects.filter(role=Role.CLERK, is_active=True)


OWNERS = [RepairClocks(), GoodInfoClocks()]
