"""The subjects app's clocks on the deadline workbench (see apps.core.workbench): a submitted
batch's integration by the credit office (Ningbo art. 18), and the answer to a request for
disclosure where the Policy sets a period for it (Nanjing art. 27)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.core.choices import DeadlineKind, Role
from apps.core.models import User
from apps.core.workbench import ClockOwner
from apps.subjects.models import DisclosureRequest, ImportBatch


class ImportBatchClocks(ClockOwner):
    model = ImportBatch
    agency_field = "provider"
    select_related = ("item", "provider")
    step_labels = {DeadlineKind.INTEGRATION: _("Integrate the batch")}

    def label(self, owner) -> str:
        return f"#{owner.pk} {owner.item.name}"

    def url(self, owner) -> str:
        return reverse("subjects:batch_detail", args=[owner.pk])

    def responsible(self, owner, deadline):
        """The credit office's clerks: they integrate the batches of every agency."""
        return User.objects.filter(role=Role.CLERK, is_active=True)


class DisclosureRequestClocks(ClockOwner):
    model = DisclosureRequest
    select_related = ("subject",)
    step_labels = {DeadlineKind.DISCLOSURE_ANSWER: _("Answer the request for disclosure")}

    def label(self, owner) -> str:
        return f"{owner.number} · {owner.subject_name}"

    def url(self, owner) -> str:
        return reverse("subjects:disclosure_request_detail", args=[owner.pk])

    def responsible(self, owner, deadline):
        """The credit office's clerks answer every request."""
        return User.objects.filter(role=Role.CLERK, is_active=True)


OWNERS = [ImportBatchClocks(), DisclosureRequestClocks()]
