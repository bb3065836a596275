"""Batch-query applications of credit service agencies (批量查询, Nanjing art. 67; Ningbo art. 37
para. 2): the agency applies with its agreement (协议), the purpose, the legal basis and the file of
the subjects' identifiers; the credit office approves (how many subjects, until when) or refuses
with the reasons; the agency then runs the approved query and receives a result file of what an
authorised inquiry may see of those subjects. Each run is a `BatchQueryRun`, with its result
files stored once; every subject looked up is one query-log row whose purpose is the batch."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.audit import AuditedModel, history


class BatchStatus(models.TextChoices):
    """A batch-query application's states; the steps are
    `apps.service_agencies.services_batch.BATCH_QUERY`."""

    RECEIVED = "received", _("Received, awaiting approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    RUN = "run", _("Run")
    EXPIRED = "expired", _("Expired")


class BatchQueryApplication(AuditedModel):
    """A credit service agency's application for a batch query (批量查询申请, Nanjing art. 67).

        received ─ approve ─→ approved ─ run ─→ run ─ run ─→ run (again, within the bounds)
                 └ refuse ──→ refused     └──────┴─ expire ─→ expired

    The agency's staff apply and run; the credit office's clerk approves (the number of subjects
    approved and the last day it may be run) or refuses with the reasons. The approval bounds the
    lookups of all runs together (`approved_count`) and their days (`valid_until`); past that day
    the application expires. The agreement (协议) is an attachment (`core.Attachment`, purpose
    agreement), checked by its content. The identifiers file is stored as the platform parsed
    it: one normalised identifier a line, the row of the uploaded file beside it."""

    organization_scope = "agency"

    number = models.CharField(_("application number"), max_length=30, unique=True)
    agency = models.ForeignKey(
        "core.Organization", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.TextField(_("purpose of the query"))
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    subject_count = models.PositiveIntegerField(_("number of subjects"))
    identifiers = models.FileField(_("identifiers"), upload_to="batch_queries/identifiers/%Y/%m/")
    identifiers_name = models.CharField(_("identifiers file name"), max_length=255)
    status = models.CharField(_("status"), max_length=10, choices=BatchStatus.choices)
    received_on = models.DateField(_("received on"))
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "core.User", verbose_name=_("decided by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    refusal_reasons = models.TextField(_("reasons for the refusal"), blank=True)
    approved_count = models.PositiveIntegerField(_("subjects approved"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    runs = models.PositiveIntegerField(_("runs"), default=0)
    lookups_done = models.PositiveIntegerField(_("subjects looked up"), default=0)
    expired_on = models.DateField(_("expired on"), null=True, blank=True)

    history = history()

    class Meta:
        verbose_name = _("batch-query application")
        verbose_name_plural = _("batch-query applications")
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["status", "received_on"], name="batchquery_status_received")]

    def __str__(self) -> str:
        return f"{self.number} · {self.agency}"

    @property
    def lookups_left(self) -> int:
        return max((self.approved_count or 0) - self.lookups_done, 0)


class BatchQueryRun(AuditedModel):
    """One run of an approved batch query: who ran it, how many subjects were looked up and found,
    the query-log rows it wrote (`first_log_id`–`last_log_id`), and its result files, made once
    when it ran and served as stored (the XLSX copy is made once from the stored CSV, at the
    first download of that format). Only the agency's own staff download them."""

    organization_scope = "application__agency"

    application = models.ForeignKey(
        BatchQueryApplication, verbose_name=_("application"), on_delete=models.PROTECT, related_name="run_set"
    )
    sequence = models.PositiveIntegerField(_("run"))
    ran_at = models.DateTimeField(_("run at"))
    ran_by = models.ForeignKey("core.User", verbose_name=_("run by"), on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=10)
    subjects = models.PositiveIntegerField(_("subjects looked up"))
    found = models.PositiveIntegerField(_("subjects found"))
    records = models.PositiveIntegerField(_("records returned"))
    first_log_id = models.BigIntegerField(_("first query-log row"), null=True, blank=True)
    last_log_id = models.BigIntegerField(_("last query-log row"), null=True, blank=True)
    result_csv = models.FileField(_("result (CSV)"), upload_to="batch_queries/results/%Y/%m/")
    result_sha256 = models.CharField(_("SHA-256 of the CSV result"), max_length=64)
    result_xlsx = models.FileField(_("result (XLSX)"), upload_to="batch_queries/results/%Y/%m/", blank=True)

    history = history()

    class Meta:
        verbose_name = _("batch-query run")
        verbose_name_plural = _("batch-query runs")
        ordering = ["application", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["application", "sequence"], name="one_run_number_per_batch_query")
        ]

    def __str__(self) -> str:
        return f"{self.application.number} #{self.sequence}"
