"""List cases (严重失信主体名单, 重点关注名单, 守信激励对象名单), their entries, and the joint
reward and sanction checks other government systems make (联合奖惩 自动比对/自动反馈)."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from apps.catalog.choices import Matter
from apps.core.audit import AuditedModel, history
from apps.core.choices import DeadlineKind
from apps.sanctions.choices import CaseStatus, EntryRole, ListType, RemovalReason, ReviewOutcome


class ListingCase(AuditedModel):
    """One list case of a deciding agency, owned by it through object permissions.

    Serious list (Nanjing arts. 40–43, Tianjin art. 28, Ningbo art. 28):
        draft → notice_issued (事前告知: facts, basis, proposed published measures, the responsible
        people of an organisation to be recorded with it, the right to object and to state a
        defence; the statement deadline in working days runs from the notice's delivery)
        notice_issued → statement_received | statement_lapsed (the deadline passed)
        statement_received | statement_lapsed → decided (认定决定书, with the repair notice
        delivered together, 两书同达) | dropped
        decided → published → removed (by repair, end of period, revocation, court ruling)
    Key-attention list (Nanjing art. 37): active → ended (validity over) | converted (a new
        dishonest record during the validity).
    Red list (Ningbo art. 28): proposed → public_notice → confirmed | returned (objection).
    """

    list_type = models.CharField(_("list"), max_length=15, choices=ListType.choices)
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.PROTECT, related_name="+"
    )
    deciding_org = models.ForeignKey(
        "core.Organization", verbose_name=_("deciding agency"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices)
    facts = models.TextField(_("facts"))
    legal_basis = models.TextField(_("legal basis"))
    basis_records = models.ManyToManyField(
        "subjects.CreditRecord", verbose_name=_("records the case rests on"), blank=True, related_name="+"
    )
    measures = models.ManyToManyField("catalog.Measure", verbose_name=_("measures"), blank=True, related_name="+")
    exemption_rule = models.ForeignKey(
        "catalog.ExemptionRule",
        verbose_name=_("exemption rule"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    record_item = models.ForeignKey(
        "catalog.CatalogItem",
        verbose_name=_("catalog item of the listing record"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # What the case was opened from, when another app's finding started it (a spot check of a
    # credit service agency that found a false report, Nanjing art. 69 para. 4). Generic, so that
    # this app depends on none of the apps that open cases.
    source_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("source kind"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    source_id = models.PositiveBigIntegerField(_("source"), null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")

    # prior notice (事前告知)
    notice_number = models.CharField(_("notice number"), max_length=100, blank=True)
    notice_issued_on = models.DateField(_("notice issued on"), null=True, blank=True)
    notice_delivered_on = models.DateField(
        _("notice delivered on"),
        null=True,
        blank=True,
        help_text=_("The statement period runs from delivery, not from issue."),
    )
    responsible_people = models.ManyToManyField(
        "subjects.ResponsiblePerson",
        verbose_name=_("responsible people named in the notice"),
        blank=True,
        related_name="+",
        help_text=_("Those of an organisation's responsible people who bear responsibility for the conduct."),
    )
    statement = models.TextField(_("statement and defence"), blank=True)
    statement_received_on = models.DateField(_("statement received on"), null=True, blank=True)
    statement_finding = models.TextField(
        _("finding on the statement"),
        blank=True,
        help_text=_("What was checked and whether the statement and objection were accepted, and why."),
    )

    # decision (认定决定书)
    decision_number = models.CharField(_("decision number"), max_length=100, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    cause = models.TextField(_("cause"), blank=True)
    listing_start = models.DateField(_("listed from"), null=True, blank=True)
    listing_end = models.DateField(_("listed until"), null=True, blank=True)
    removal_conditions = models.TextField(_("removal conditions and procedure"), blank=True)
    remedies = models.TextField(_("remedies"), blank=True)
    repair_notice = models.TextField(_("credit repair notice"), blank=True)
    drop_reason = models.TextField(_("why the case was dropped"), blank=True)

    # review by the credit authority (复核, Ningbo art. 28 para. 4)
    review_applied_on = models.DateField(_("review applied for on"), null=True, blank=True)
    review_outcome = models.CharField(_("review outcome"), max_length=12, choices=ReviewOutcome.choices, blank=True)
    review_document = models.CharField(_("review decision"), max_length=200, blank=True)
    review_note = models.TextField(_("review findings"), blank=True)

    published_on = models.DateField(_("published on"), null=True, blank=True)
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    removal_reason = models.CharField(_("removal"), max_length=12, choices=RemovalReason.choices, blank=True)
    removal_document = models.CharField(_("removal document"), max_length=200, blank=True)

    # red list public notice (公示) and key-attention validity
    notice_start = models.DateField(_("public notice from"), null=True, blank=True)
    objection = models.TextField(_("objection received"), blank=True)

    # The statement period (from the notice's delivery) and the red-list public notice are
    # statutory clocks (`core.Deadline`), opened and met by the steps of the case's workflow.
    deadlines = GenericRelation("core.Deadline", content_type_field="owner_type", object_id_field="owner_id")

    history = history(m2m_fields=["measures", "basis_records", "responsible_people"])

    guarded = True

    class Meta:
        verbose_name = _("list case")
        verbose_name_plural = _("list cases")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["list_type", "status"], name="case_type_status"),
            models.Index(fields=["source_type", "source_id"], name="case_source"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_list_type_display()} · {self.subject.display_name}"

    @property
    def statement_period(self):
        """The statement period (a `core.Deadline`), once the notice's delivery is recorded."""
        from apps.core.deadlines import deadline_of

        return deadline_of(self, DeadlineKind.STATEMENT)

    @property
    def red_notice(self):
        """The red-list public notice (a `core.Deadline`), once started."""
        from apps.core.deadlines import deadline_of

        return deadline_of(self, DeadlineKind.RED_NOTICE)


class ListingCaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(ListingCase, on_delete=models.CASCADE)


class ListingCaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(ListingCase, on_delete=models.CASCADE)


class ListEntry(AuditedModel):
    """A subject on a list because of a case: the listed subject, or a responsible person of a
    listed organisation (Nanjing art. 43), with a link back to the case."""

    case = models.ForeignKey(ListingCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="entries")
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.PROTECT, related_name="list_entries"
    )
    role = models.CharField(_("role"), max_length=25, choices=EntryRole.choices, default=EntryRole.SUBJECT)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    active = models.BooleanField(_("on the list"), default=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    record = models.ForeignKey(
        "subjects.CreditRecord",
        verbose_name=_("record in the credit file"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    history = history()

    organization_scope = "case__deciding_org"

    class Meta:
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")
        ordering = ["-start"]
        indexes = [models.Index(fields=["subject", "active"], name="entry_subject_active")]

    def __str__(self) -> str:
        return f"{self.subject.display_name} · {self.case.get_list_type_display()} · {self.get_role_display()}"


class SanctionCheck(models.Model):
    """One joint reward and sanction check (联合奖惩 自动比对): who asked, about whom, in which
    matter, what statuses and measures came back. Append-only; feedback is recorded separately."""

    append_only = True
    organization_scope = "organization"

    id = models.BigAutoField("ID", primary_key=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    requested_by = models.ForeignKey(
        "core.User", verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        "core.Organization", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    identifier = models.CharField(_("identifier"), max_length=18)
    subject = models.ForeignKey(
        "subjects.Subject", verbose_name=_("subject"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    matter = models.CharField(_("matter"), max_length=30)
    statuses = models.JSONField(_("statuses"), default=list)
    measure_ids = models.JSONField(_("measures returned"), default=list)
    channel = models.CharField(_("channel"), max_length=10)
    query_log = models.ForeignKey(
        "core.QueryLog", verbose_name=_("query log entry"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("joint sanction check")
        verbose_name_plural = _("joint sanction checks")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {dict(Matter.choices).get(self.matter, self.matter)}"

    @property
    def is_hit(self) -> bool:
        return bool(self.measure_ids)


class CheckFeedback(models.Model):
    """Whether a returned measure was applied (自动反馈); not applying needs a written reason
    (Nanjing art. 34, Ningbo art. 29: 不实施的，应当书面说明理由). Append-only."""

    append_only = True
    organization_scope = "check__organization"

    id = models.BigAutoField("ID", primary_key=True)
    check_ref = models.ForeignKey(
        SanctionCheck, verbose_name=_("check"), on_delete=models.PROTECT, related_name="feedback"
    )
    measure = models.ForeignKey(
        "catalog.Measure", verbose_name=_("measure"), on_delete=models.PROTECT, related_name="+"
    )
    applied = models.BooleanField(_("applied"))
    reason = models.TextField(_("reason for not applying"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        "core.User", verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("check feedback")
        verbose_name_plural = _("check feedback")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["check_ref", "measure"], name="feedback_once_per_measure")]

    def __str__(self) -> str:
        return f"{self.check_ref_id}:{self.measure_id} {'applied' if self.applied else 'not applied'}"
