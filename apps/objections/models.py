"""Objections (异议): a subject disputes information in its credit file (Nanjing art. 58, Tianjin
art. 41, Dalian art. 42, Ningbo art. 42). The workflow is `services.OBJECTION_CASE`; every time
limit is a statutory clock (`core.Deadline`) on the objection; the evidence is its attachments and
the reply its issued document."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from apps.core.audit import AuditedModel, history
from apps.core.deadlines import WithClocks
from apps.objections.choices import (
    AgencyObjectionStatus,
    AgencyOutcome,
    Channel,
    ObjectionStatus,
    Outcome,
    RevocationKind,
    RevocationStatus,
)


class Objection(WithClocks, AuditedModel):
    """One objection, owned by the credit office; the providing agency it is forwarded to (or
    that received it directly) sees it through object permissions granted to its group."""

    number = models.CharField(_("objection number"), max_length=30, unique=True)
    # The applicant's tracking code (受理编号) for the public status page, with the identifier.
    tracking_code = models.CharField(_("tracking code"), max_length=24, unique=True)
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.PROTECT, related_name="objections"
    )
    applicant_name = models.CharField(_("applicant"), max_length=100)
    applicant_contact = models.CharField(_("contact"), max_length=100)
    by_agent = models.BooleanField(
        _("filed by an agent"), default=False, help_text=_("An agent files with the subject's written authorisation.")
    )
    records = models.ManyToManyField(
        "subjects.CreditRecord", verbose_name=_("records disputed"), blank=True, related_name="objections"
    )
    missing = models.TextField(_("information said to be missing"), blank=True)
    grounds = models.JSONField(_("grounds"), default=list)
    statement = models.TextField(_("what the applicant says"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    received_on = models.DateField(_("received on"))
    handler = models.ForeignKey(
        "core.Organization", verbose_name=_("handled by"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=ObjectionStatus.choices)

    # routing and the agency's answer
    forwarded_to = models.ForeignKey(
        "core.Organization",
        verbose_name=_("forwarded to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    forwarded_on = models.DateField(_("forwarded on"), null=True, blank=True)
    answer = models.CharField(_("agency's answer"), max_length=12, choices=Outcome.choices, blank=True)
    answer_reason = models.TextField(_("agency's reasons"), blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)

    # decision and reply
    outcome = models.CharField(_("decision"), max_length=12, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField(_("reasons for the decision"), blank=True)
    corrected_values = models.JSONField(_("corrected values"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    late_reason = models.TextField(_("why after the due date"), blank=True)
    refusal_reason = models.TextField(_("why not accepted"), blank=True)
    informed_on = models.DateField(_("applicant informed on"), null=True, blank=True)

    deadlines = GenericRelation("core.Deadline", content_type_field="owner_type", object_id_field="owner_id")
    attachments = GenericRelation("core.Attachment", content_type_field="owner_type", object_id_field="owner_id")

    history = history(m2m_fields=["records"])

    guarded = True

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["status", "received_on"], name="objection_status_received")]

    def __str__(self) -> str:
        return self.number

    def get_grounds_display(self) -> str:
        from apps.objections.choices import Ground

        return "、".join(str(Ground(g).label) for g in self.grounds if g in Ground.values)


class ObjectionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Objection, on_delete=models.CASCADE)


class ObjectionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Objection, on_delete=models.CASCADE)


class RevocationNotice(WithClocks, AuditedModel):
    """A revocation notice (撤销/变更告知): an agency tells the credit office that the decision
    some of its records of one subject rest on was revoked, changed, or found unlawful or void,
    and the office changes or revokes the records within the Policy's working days (Nanjing art.
    59, Tianjin art. 43 para. 2, Dalian art. 43, Ningbo art. 43).

    filed → applied (the records revoked or corrected through the subjects services; a serious
    listing resting on nothing else is removed by revocation) | returned (to the agency, with the
    reason). The steps are `apps.objections.revocations.REVOCATION_CASE`. The notice stays with
    the agency that filed it (`organization_scope`): its officers see their own, the credit
    office, the authority and auditors see all."""

    organization_scope = "agency"

    number = models.CharField(_("notice number"), max_length=30, unique=True)
    agency = models.ForeignKey(
        "core.Organization", verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+"
    )
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.PROTECT, related_name="+"
    )
    records = models.ManyToManyField("subjects.CreditRecord", verbose_name=_("records affected"), related_name="+")
    kind = models.CharField(_("what became of the decision"), max_length=10, choices=RevocationKind.choices)
    document_number = models.CharField(_("revoking document number"), max_length=100)
    document_date = models.DateField(_("revoking document date"))
    document_body = models.CharField(_("issued by"), max_length=200)
    document_text = models.TextField(_("what the document decides"), blank=True)
    # {record id: {field: value}} for a change; the values as the record's fields take them.
    corrected_values = models.JSONField(_("corrected values"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    filed_on = models.DateField(_("filed on"))
    status = models.CharField(_("status"), max_length=10, choices=RevocationStatus.choices)
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    late_reason = models.TextField(_("why after the due date"), blank=True)
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    return_reason = models.TextField(_("why it was returned"), blank=True)

    deadlines = GenericRelation("core.Deadline", content_type_field="owner_type", object_id_field="owner_id")

    history = history(m2m_fields=["records"])

    class Meta:
        verbose_name = _("revocation notice")
        verbose_name_plural = _("revocation notices")
        ordering = ["-filed_on", "-id"]
        indexes = [models.Index(fields=["status", "filed_on"], name="revocation_status_filed")]

    def __str__(self) -> str:
        return self.number


class AgencyObjection(WithClocks, AuditedModel):
    """An objection received by a credit service agency (信用服务机构) about information the agency
    itself holds or produced — its credit report or rating of the applicant, not a record of the
    platform (Tianjin art. 41 para. 2, Dalian art. 42, Ningbo art. 42 para. 3).

        received ─ mark ─→ marked ─ decide ─→ decided (corrected / not corrected, the reply issued)

    The steps are `apps.objections.agency.AGENCY_OBJECTION_CASE`; both clocks (the mark and the
    decision, the Policy's `service_agency_objection_*_days`) count working days from receipt. The
    reply names the source of the information and, when the agency does not correct it, the
    reasons. The objection stays with the agency that received it (`organization_scope`): its
    staff see their own; the credit office, the authority and auditors see all.

    Not an `Objection`: that one disputes the platform's credit file (its subject and records,
    marked and corrected through the subjects services, forwarded to the providing agency) and
    is handled by the credit office; here the agency's own product is disputed and its staff,
    who open no credit file, handle it."""

    organization_scope = "agency"

    number = models.CharField(_("objection number"), max_length=30, unique=True)
    agency = models.ForeignKey(
        "core.Organization", verbose_name=_("received by"), on_delete=models.PROTECT, related_name="+"
    )
    applicant_name = models.CharField(_("applicant"), max_length=100)
    applicant_contact = models.CharField(_("contact"), max_length=100)
    report_number = models.CharField(
        _("report number"), max_length=100, help_text=_("The agency's credit report or rating report disputed.")
    )
    information = models.TextField(_("information disputed"))
    grounds = models.JSONField(_("grounds"), default=list)
    statement = models.TextField(_("what the applicant says"))
    received_on = models.DateField(_("received on"))
    status = models.CharField(_("status"), max_length=12, choices=AgencyObjectionStatus.choices)
    marked_on = models.DateField(_("marked on"), null=True, blank=True)

    # the decision and the reply
    outcome = models.CharField(_("decision"), max_length=12, choices=AgencyOutcome.choices, blank=True)
    source = models.TextField(_("source of the information"), blank=True)
    correction = models.TextField(_("what was corrected"), blank=True)
    outcome_reason = models.TextField(_("reasons for the decision"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    late_reason = models.TextField(_("why after the due date"), blank=True)

    deadlines = GenericRelation("core.Deadline", content_type_field="owner_type", object_id_field="owner_id")
    attachments = GenericRelation("core.Attachment", content_type_field="owner_type", object_id_field="owner_id")

    history = history()

    class Meta:
        verbose_name = _("objection received by a service agency")
        verbose_name_plural = _("objections received by service agencies")
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["agency", "status", "received_on"], name="agency_objection_status")]

    def __str__(self) -> str:
        return self.number

    def get_grounds_display(self) -> str:
        from apps.objections.choices import Ground

        return "、".join(str(Ground(g).label) for g in self.grounds if g in Ground.values)
