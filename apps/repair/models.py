"""Credit repair (信用修复, Nanjing arts. 60–61, Tianjin arts. 43–46, Dalian art. 44, Ningbo arts.
41, 44–47, Zhangye art. 52): a subject that corrected its conduct applies, the agency that
determined the record decides (谁认定谁修复), and disclosure, listings and measures end. Requests
not to disclose good information, the interviews agencies hold during the disclosure period, and
the outbound feed other systems read live here too.

The workflows are `services.REPAIR_CASE` and `good_info.GOOD_INFO_CASE`; every time limit is a
statutory clock (`core.Deadline`); the proof and the signed commitment are attachments; the
decision (信用修复决定书) is an issued document."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from apps.core.audit import AuditedModel, history
from apps.core.deadlines import WithClocks
from apps.repair.choices import (
    Channel,
    EventKind,
    GoodInfoStatus,
    InterviewKind,
    Outcome,
    RefusalGround,
    RepairStatus,
)


class RepairApplication(WithClocks, AuditedModel):
    """One repair application, owned by the determining agency (the providing agency of its
    records, or the agency that decided the listing) through object permissions granted to its
    group; the credit office, the authority and auditors see all, other agencies nothing."""

    number = models.CharField(_("application number"), max_length=30, unique=True)
    # The applicant's tracking code (受理编号) for the public status page, with the identifier.
    tracking_code = models.CharField(_("tracking code"), max_length=24, unique=True)
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.PROTECT, related_name="repair_applications"
    )
    applicant_name = models.CharField(_("applicant"), max_length=100)
    applicant_contact = models.CharField(_("contact"), max_length=100)
    by_agent = models.BooleanField(
        _("filed by an agent"), default=False, help_text=_("An agent files with the subject's written authorisation.")
    )
    records = models.ManyToManyField(
        "subjects.CreditRecord", verbose_name=_("records to repair"), blank=True, related_name="repair_applications"
    )
    listing = models.ForeignKey(
        "sanctions.ListingCase",
        verbose_name=_("listing to end"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    means = models.JSONField(_("means of repair"), default=list)
    statement = models.TextField(_("what the subject did to correct its conduct"))
    commitment_text = models.TextField(_("credit commitment"), blank=True)
    commitment_signed_on = models.DateField(_("commitment signed on"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    received_on = models.DateField(_("received on"))
    agency = models.ForeignKey(
        "core.Organization", verbose_name=_("determining agency"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=14, choices=RepairStatus.choices)

    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    refused_on = models.DateField(_("refused on"), null=True, blank=True)
    refusal_ground = models.CharField(_("ground of refusal"), max_length=14, choices=RefusalGround.choices, blank=True)
    refusal_reason = models.TextField(_("why not accepted"), blank=True)
    earliest_reapply_on = models.DateField(_("may apply again from"), null=True, blank=True)
    material_requested = models.TextField(_("material requested"), blank=True)
    grace_until = models.DateField(_("grace period until"), null=True, blank=True)
    grace_reason = models.TextField(_("good reason for the grace period"), blank=True)
    outcome = models.CharField(_("decision"), max_length=14, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField(_("reasons for the decision"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    late_reason = models.TextField(_("why after the due date"), blank=True)
    delivered_on = models.DateField(_("decision delivered on"), null=True, blank=True)
    listings_ended = models.JSONField(_("listings ended"), default=list, blank=True)

    deadlines = GenericRelation("core.Deadline", content_type_field="owner_type", object_id_field="owner_id")
    attachments = GenericRelation("core.Attachment", content_type_field="owner_type", object_id_field="owner_id")

    history = history(m2m_fields=["records"])

    guarded = True

    class Meta:
        verbose_name = _("credit repair application")
        verbose_name_plural = _("credit repair applications")
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["status", "received_on"], name="repair_status_received"),
            models.Index(fields=["agency", "status"], name="repair_agency_status"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_means_display(self) -> str:
        from apps.repair.choices import Means

        return "、".join(str(Means(m).label) for m in self.means if m in Means.values)


class RepairApplicationUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(RepairApplication, on_delete=models.CASCADE)


class RepairApplicationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(RepairApplication, on_delete=models.CASCADE)


class GoodInfoRequest(WithClocks, AuditedModel):
    """A subject asks that its good information (awards, volunteering, donations, 见义勇为) not be
    disclosed (Nanjing art. 61: stop external queries within 2 working days and tell the provider;
    Tianjin art. 43: delete and tell the provider; Ningbo art. 41: shield). The credit office
    handles it; the records become `hidden` and stay in the file and in the subject's own lookup.
    The subject may ask to publish them again."""

    number = models.CharField(_("request number"), max_length=30, unique=True)
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.PROTECT, related_name="good_info_requests"
    )
    applicant_name = models.CharField(_("applicant"), max_length=100)
    applicant_contact = models.CharField(_("contact"), max_length=100)
    records = models.ManyToManyField("subjects.CreditRecord", verbose_name=_("good records"), related_name="+")
    mode = models.CharField(_("how"), max_length=20, help_text=_("The policy's mode when the request was received."))
    statement = models.TextField(_("request"), blank=True)
    received_on = models.DateField(_("received on"))
    status = models.CharField(_("status"), max_length=10, choices=GoodInfoStatus.choices)
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    late_reason = models.TextField(_("why after the due date"), blank=True)
    refusal_reason = models.TextField(_("why refused"), blank=True)
    withdrawn_on = models.DateField(_("published again on"), null=True, blank=True)

    deadlines = GenericRelation("core.Deadline", content_type_field="owner_type", object_id_field="owner_id")

    history = history(m2m_fields=["records"])

    class Meta:
        verbose_name = _("request to hide good information")
        verbose_name_plural = _("requests to hide good information")
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return self.number


class Interview(AuditedModel):
    """A prompt or warning interview (提示约谈/警示约谈, Tianjin art. 44) the providing agency held
    with a subject during the disclosure period of its dishonest information; shown in the
    subject's file for officers and on its repair applications. It stays with the agency that
    held it (`organization_scope`)."""

    organization_scope = "agency"

    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.PROTECT, related_name="interviews"
    )
    agency = models.ForeignKey(
        "core.Organization", verbose_name=_("held by"), on_delete=models.PROTECT, related_name="+"
    )
    records = models.ManyToManyField(
        "subjects.CreditRecord", verbose_name=_("records concerned"), blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=InterviewKind.choices)
    held_on = models.DateField(_("held on"))
    participants = models.TextField(_("participants"))
    notes = models.TextField(_("notes"))

    history = history(m2m_fields=["records"])

    class Meta:
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on:%Y-%m-%d}"


class RepairEvent(models.Model):
    """One line of the outbound feed other systems read through the API (Tianjin art. 45 para. 2:
    信用修复信息共享至相关部门和信用服务机构; Ningbo art. 45 para. 2: 抄送). Append-only: written
    once by the step it reports, never changed; readers page by id."""

    append_only = True

    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    occurred_at = models.DateTimeField(_("occurred at"), auto_now_add=True)
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.PROTECT, related_name="+"
    )
    application = models.ForeignKey(
        RepairApplication,
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    good_info_request = models.ForeignKey(
        GoodInfoRequest, verbose_name=_("request"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    record_ids = models.JSONField(_("records"), default=list)
    listing_ids = models.JSONField(_("listings"), default=list)
    decision_number = models.CharField(_("decision number"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("repair event")
        verbose_name_plural = _("repair events")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
