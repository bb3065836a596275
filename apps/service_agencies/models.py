"""Credit service agencies (信用服务机构): the registry (名册, Ningbo art. 50) with what each agency
filed, and its yearly business information. An agency is an `core.Organization` of kind service
agency; its staff (role agency_staff) see their own agency's rows only (`organization_scope`); the
authority reviews and publishes, the credit office and auditors read everything."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.audit import AuditedModel, history
from apps.core.identifiers import validate_uscc
from apps.service_agencies.choices import ActionKind, FilingStatus, Finding


def _uscc_validator(value: str) -> None:
    validate_uscc(value)


class RegistryFiling(AuditedModel):
    """An agency's registration on the registry of credit service agencies (信用服务机构名册,
    Ningbo art. 50), with its credit commitment (信用承诺, Dalian art. 46).

        filed ─ accept ─→ accepted ─ publish ─→ published ─ remove ─→ removed
              └ return ─→ returned ─ resubmit ─→ filed

    The steps are `services.REGISTRY_FILING`: the authority accepts, returns (with the reasons),
    publishes and removes (with the reason); the agency resubmits a returned filing. A removed
    filing stays, with its reason and its history; the agency may then file anew. At most one
    filing of an agency is not removed."""

    organization_scope = "agency"

    number = models.CharField(_("filing number"), max_length=30, unique=True)
    agency = models.ForeignKey(
        "core.Organization", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    unified_code = models.CharField(_("unified social credit code"), max_length=18, validators=[_uscc_validator])
    legal_representative = models.CharField(_("legal representative"), max_length=100)
    address = models.CharField(_("address"), max_length=300)
    business_scope = models.TextField(_("business scope"))
    qualifications = models.TextField(_("qualifications"), blank=True)
    credit_commitment = models.TextField(
        _("credit commitment"), help_text=_("The agency's public credit commitment (信用承诺).")
    )
    status = models.CharField(_("status"), max_length=12, choices=FilingStatus.choices)
    filed_on = models.DateField(_("filed on"))
    reviewed_on = models.DateField(_("reviewed on"), null=True, blank=True)
    return_reason = models.TextField(_("why it was returned"), blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    removal_reason = models.TextField(_("why it was removed"), blank=True)

    history = history()

    class Meta:
        verbose_name = _("registry filing")
        verbose_name_plural = _("registry filings")
        ordering = ["-filed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency"], condition=~Q(status=FilingStatus.REMOVED), name="one_live_filing_per_agency"
            )
        ]
        indexes = [models.Index(fields=["status", "filed_on"], name="filing_status_filed")]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class BusinessReport(AuditedModel):
    """An agency's yearly business information for the registry (Ningbo art. 50): the services it
    offers, the reports it issued by kind, its staff. One per agency and year; a correction
    changes it, with the reason in its history."""

    organization_scope = "agency"

    agency = models.ForeignKey(
        "core.Organization", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    services = models.TextField(_("services offered"))
    # {kind of report: number issued}, e.g. {"信用评级报告": 120, "信用报告": 300}
    reports_by_kind = models.JSONField(_("reports issued by kind"), default=dict, blank=True)
    staff_count = models.PositiveIntegerField(_("staff"))
    filed_on = models.DateField(_("filed on"))

    history = history()

    class Meta:
        verbose_name = _("yearly business information")
        verbose_name_plural = _("yearly business information")
        ordering = ["-year", "agency_id"]
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="one_business_report_per_year")]

    def __str__(self) -> str:
        return f"{self.agency} {self.year}"

    @property
    def reports_total(self) -> int:
        return sum(int(n) for n in self.reports_by_kind.values())


class SupervisionAction(AuditedModel):
    """One supervision action of the authority on a credit service agency (Ningbo art. 52,
    Nanjing art. 69, Tianjin art. 47): an inspection, an inquiry, a request for materials (its
    due date a statutory clock, `core.Deadline`, met when the materials are received), an
    interview (约谈), a spot check of a rating or evaluation report (the report, the finding and
    its reasons; published, Nanjing art. 69 para. 3), a penalty, or a restriction of the use of
    its rating products (recorded by itself after a spot check found a false report). The agency's
    staff see the actions on their own agency."""

    organization_scope = "agency"

    agency = models.ForeignKey(
        "core.Organization", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ActionKind.choices)
    taken_on = models.DateField(_("date"))
    summary = models.TextField(_("what was done or found"))
    basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    # a spot check
    report_number = models.CharField(_("report number"), max_length=100, blank=True)
    report_date = models.DateField(_("report date"), null=True, blank=True)
    finding = models.CharField(_("finding"), max_length=10, choices=Finding.choices, blank=True)
    finding_reasons = models.TextField(_("reasons for the finding"), blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    # a request for materials
    materials_received_on = models.DateField(_("materials received on"), null=True, blank=True)
    # a restriction recorded because of a spot check
    because_of = models.ForeignKey(
        "self", verbose_name=_("because of"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    deadlines = GenericRelation("core.Deadline", content_type_field="owner_type", object_id_field="owner_id")

    history = history()

    class Meta:
        verbose_name = _("supervision action")
        verbose_name_plural = _("supervision actions")
        ordering = ["-taken_on", "-id"]
        indexes = [models.Index(fields=["agency", "kind"], name="supervision_agency_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.agency} · {self.taken_on}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("service_agencies:action_detail", args=[self.pk])


class FreeReport(AuditedModel):
    """A free credit report an agency gave a natural person about himself or herself (Tianjin
    art. 39 para. 2: twice a year; Zhangye art. 50). The Policy's
    `service_agency_free_reports_per_year` bounds how many one agency records for one person in a
    calendar year. The person's citizen ID is personal data: pages show it masked."""

    organization_scope = "agency"

    agency = models.ForeignKey(
        "core.Organization", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    person_identifier = models.CharField(_("citizen ID number"), max_length=18)
    person_name = models.CharField(_("person's name"), max_length=50)
    given_on = models.DateField(_("given on"))
    report_number = models.CharField(_("report number"), max_length=100, blank=True)

    history = history()

    class Meta:
        verbose_name = _("free credit report")
        verbose_name_plural = _("free credit reports")
        ordering = ["-given_on", "-id"]
        indexes = [models.Index(fields=["agency", "person_identifier", "given_on"], name="free_report_person_day")]

    def __str__(self) -> str:
        return f"{self.masked_identifier} {self.given_on}"

    @property
    def masked_identifier(self) -> str:
        from apps.core.identifiers import mask_identifier

        return mask_identifier(self.person_identifier)


from apps.service_agencies.models_batch import BatchQueryApplication, BatchQueryRun, BatchStatus  # noqa: E402, F401
from apps.service_agencies.models_pushed import PushedReport  # noqa: E402, F401  (Nanjing art. 65)
