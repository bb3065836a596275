"""The objections app's clocks on the deadline workbench (see apps.core.workbench): the mark, the
office's decision, the forwarding, the agency's answer, the overall limit and telling the
applicant."""

from django.urls import reverse

from apps.core.choices import DeadlineKind, Role
from apps.core.models import User
from apps.core.workbench import ClockOwner
from apps.objections.choices import Channel
from apps.objections.models import AgencyObjection, Objection, RevocationNotice


class ObjectionClocks(ClockOwner):
    model = Objection
    agency_field = "forwarded_to"
    select_related = ("subject", "forwarded_to", "handler")

    def label(self, owner) -> str:
        return f"{owner.number} · {owner.subject.display_name}"

    def url(self, owner) -> str:
        return reverse("objections:detail", args=[owner.pk])

    def agency(self, owner):
        return owner.forwarded_to or (owner.handler if owner.channel == Channel.DIRECT else None)

    def responsible(self, owner, deadline):
        """The agency's officers for its answer (or an objection filed with it); the credit
        office's clerks for every other step."""
        if deadline.kind == DeadlineKind.OBJECTION_ANSWER and owner.forwarded_to_id:
            return User.objects.filter(organization_id=owner.forwarded_to_id, role=Role.OFFICER, is_active=True)
        if owner.channel == Channel.DIRECT:
            return User.objects.filter(organization_id=owner.handler_id, role=Role.OFFICER, is_active=True)
        return User.objects.filter(role=Role.CLERK, is_active=True)


class RevocationClocks(ClockOwner):
    """A revocation notice: the office changes the record within the Policy's days (Nanjing art.
    59, Tianjin art. 43, Dalian art. 43, Ningbo art. 43)."""

    model = RevocationNotice
    agency_field = "agency"
    select_related = ("subject", "agency")

    def label(self, owner) -> str:
        return f"{owner.number} · {owner.subject.display_name}"

    def url(self, owner) -> str:
        return reverse("objections:revocation_detail", args=[owner.pk])

    def responsible(self, owner, deadline):
        return User.objects.filter(role=Role.CLERK, is_active=True)


class AgencyObjectionClocks(ClockOwner):
    """An objection a credit service agency received: its staff mark it and decide within the
    Policy's days from receipt (Tianjin art. 41 para. 2, Dalian art. 42, Ningbo art. 42 para. 3)."""

    model = AgencyObjection
    agency_field = "agency"
    select_related = ("agency",)

    def label(self, owner) -> str:
        return f"{owner.number} · {owner.report_number}"

    def url(self, owner) -> str:
        return reverse("objections:agency_detail", args=[owner.pk])

    def responsible(self, owner, deadline):
        return User.objects.filter(organization_id=owner.agency_id, role=Role.AGENCY_STAFF, is_active=True)


OWNERS = [ObjectionClocks(), RevocationClocks(), AgencyObjectionClocks()]
