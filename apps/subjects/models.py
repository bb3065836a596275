"""Credit subjects (信用主体), their credit records (信用记录), commitments (信用承诺), the batches
agencies send in (归集批次) and the credit reports issued (信用报告)."""

from __future__ import annotations

import hashlib
import json
import uuid

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from apps.catalog.choices import Category, Matter, Severity, SubjectType
from apps.core.audit import AuditedModel, history
from apps.core.choices import ResponsibleRole
from apps.core.deadlines import WithClocks
from apps.core.identifiers import mask_identifier, mask_name
from apps.subjects.choices import (
    AccessForm,
    BatchStatus,
    BatchStep,
    Channel,
    CommitmentStatus,
    DisclosureBasis,
    DisclosureRequestStatus,
    ObjectionMark,
    RecordStatus,
    SubjectStatus,
)


class Subject(AuditedModel):
    """A natural person (key: citizen ID, GB 11643) or an organisation (key: unified social credit
    code, GB 32100). The identifier is stored normalised and is unique."""

    kind = models.CharField(_("subject type"), max_length=15, choices=SubjectType.choices)
    identifier = models.CharField(_("identifier"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    region_code = models.CharField(_("region code"), max_length=6, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=SubjectStatus.choices, default=SubjectStatus.ACTIVE)
    # The key of the subject's page on the public portal (/public/subjects/<key>/): random, so that
    # the public pages cannot be walked by id (issue 18 item 4), and independent of SECRET_KEY, so
    # that a rotated secret breaks no link a citizen kept. Every path that inserts subjects gives
    # each its own (the ORM's default; the PostgreSQL batch writer: gen_random_uuid()).
    public_key = models.UUIDField(_("public key"), default=uuid.uuid4, unique=True, editable=False)

    # History rows are read by the subject's id (its trail, the history pages), never by
    # identifier, name or public key: without those five indexes (two each for identifier and
    # name) a batch writes its subjects' history rows in half the time (DESIGN.md section 9).
    history = history(no_db_index=["created_by", "updated_by", "identifier", "name", "public_key"])

    class Meta:
        verbose_name = _("credit subject")
        verbose_name_plural = _("credit subjects")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.display_name}（{self.masked_identifier}）"

    @property
    def is_person(self) -> bool:
        return self.kind == SubjectType.NATURAL_PERSON

    @property
    def masked_identifier(self) -> str:
        return mask_identifier(self.identifier) if self.is_person else self.identifier

    @property
    def display_name(self) -> str:
        """Names of natural persons are masked in lists; organisations' names are public."""
        return mask_name(self.name) if self.is_person else self.name


class ResponsiblePerson(AuditedModel):
    """A natural person responsible for an organisation, in a role, for a period."""

    organization = models.ForeignKey(
        Subject, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="responsible_people"
    )
    person = models.ForeignKey(
        Subject, verbose_name=_("person"), on_delete=models.PROTECT, related_name="responsibilities"
    )
    role = models.CharField(_("role"), max_length=25, choices=ResponsibleRole.choices)
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)

    history = history()

    class Meta:
        verbose_name = _("responsible person")
        verbose_name_plural = _("responsible people")
        ordering = ["organization", "role"]

    def __str__(self) -> str:
        return f"{self.organization.name} · {self.get_role_display()} · {self.person.display_name}"

    def is_current(self, on=None) -> bool:
        on = on or timezone.localdate()
        return (self.start_date is None or self.start_date <= on) and (self.end_date is None or on <= self.end_date)


class ImportBatch(AuditedModel):
    """One file (or one API post) of records for one catalog item from one agency (归集批次).

    The batch is checked first (every row; errors with row, column and message), then submitted
    by the officer (the valid rows, all or nothing), then integrated by the credit office within
    the policy's working days (Ningbo art. 18).
    """

    provider = models.ForeignKey(
        "core.Organization", verbose_name=_("providing organisation"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        "catalog.CatalogItem", verbose_name=_("catalog item"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices, default=Channel.WEB)
    file = models.FileField(_("file"), upload_to="batches/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=BatchStatus.choices)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_invalid = models.PositiveIntegerField(_("rows with errors"), default=0)
    # At most UPLOAD_MAX_ROW_ERRORS problems are stored per batch; this counts the others.
    row_errors_omitted = models.PositiveIntegerField(_("problems not stored"), default=0)
    rows_created = models.PositiveIntegerField(_("records created"), default=0)
    rows_updated = models.PositiveIntegerField(_("records updated"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("records sent again unchanged"), default=0)
    subjects_created = models.PositiveIntegerField(_("subjects created"), default=0)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # The background step (apps.subjects.tasks): which one was queued last, when it started, why it
    # failed, and what the submit was asked with (the worker writes with that user and reason).
    step = models.CharField(_("background step"), max_length=6, choices=BatchStep.choices, blank=True)
    step_started_at = models.DateTimeField(_("step started at"), null=True, blank=True)
    failure = models.CharField(_("why the step failed"), max_length=1000, blank=True)
    submit_reason = models.TextField(_("reason given to submit"), blank=True)
    submit_by = models.ForeignKey(
        "core.User", verbose_name=_("submitted by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # What the check saw: a digest of the file and of the rules it applied (apps.subjects.ingestion.
    # check_digest). A submit that finds both unchanged writes what the check staged without
    # checking every row again (PostgreSQL).
    check_digest = models.CharField(
        _("digest of the checked file and rules"), max_length=64, blank=True, editable=False
    )
    # The integration deadline (Ningbo art. 18) is a statutory clock opened on submission.
    deadlines = GenericRelation("core.Deadline", content_type_field="owner_type", object_id_field="owner_id")
    integrated_at = models.DateTimeField(_("integrated at"), null=True, blank=True)
    integrated_by = models.ForeignKey(
        "core.User", verbose_name=_("integrated by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = history()

    organization_scope = "provider"

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.item.code} {self.file_name or self.get_channel_display()}"

    @property
    def rows_valid(self) -> int:
        return self.rows_total - self.rows_invalid

    @property
    def integration_clock(self):
        """The integration deadline (a `core.Deadline`), once the batch was submitted."""
        from apps.core.choices import DeadlineKind
        from apps.core.deadlines import deadline_of

        return deadline_of(self, DeadlineKind.INTEGRATION)

    @property
    def is_overdue(self) -> bool:
        clock = self.integration_clock
        return clock is not None and clock.overdue


class ImportRowError(models.Model):
    """One problem in one row of a batch: row number, column, message. Append-only: a report of
    what was checked, never edited."""

    append_only = True
    organization_scope = "batch__provider"

    id = models.BigAutoField("ID", primary_key=True)
    batch = models.ForeignKey(ImportBatch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="row_errors")
    row = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=100)
    message = models.CharField(_("problem"), max_length=500)

    class Meta:
        verbose_name = _("row error")
        verbose_name_plural = _("row errors")
        ordering = ["batch", "row", "id"]

    def __str__(self) -> str:
        return f"{self.row} {self.column}: {self.message}"


class CreditRecord(AuditedModel):
    """One fact about a subject, of one published catalog item, provided by one agency.

    Status (`apps.subjects.record_workflow.RECORD_LIFECYCLE`): active → repaired (disclosure
    stops, the record stays); → revoked (the underlying decision was revoked); → expired (the
    disclosure period ended); → hidden (good information hidden on the subject's request).
    `disclosure_ends_on` is the last day the record is disclosed (None: no end).

    The objection mark (异议标注) is not a status but stands beside it: `objection_since` is when
    the record was marked, None when it is not under objection (`OBJECTION_MARK`). A marked record
    is disclosed as its status says, with the mark; it expires like any other and keeps its mark
    until the objection is settled.
    """

    subject = models.ForeignKey(Subject, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="records")
    item = models.ForeignKey(
        "catalog.CatalogItem", verbose_name=_("catalog item"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    provider = models.ForeignKey(
        "core.Organization", verbose_name=_("providing organisation"), on_delete=models.PROTECT, related_name="+"
    )
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    document_date = models.DateField(_("document date"), null=True, blank=True)
    determined_on = models.DateField(_("determined on"), null=True, blank=True)
    ended_on = models.DateField(_("conduct ended on"), null=True, blank=True)
    custodial_sentence_end = models.DateField(_("custodial sentence served on"), null=True, blank=True)
    values = models.JSONField(_("details"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RecordStatus.choices, default=RecordStatus.ACTIVE)
    objection_since = models.DateTimeField(_("under objection since"), null=True, blank=True, editable=False)
    disclosure_ends_on = models.DateField(_("disclosed until"), null=True, blank=True, db_index=True)
    disclosure_basis = models.CharField(
        _("disclosure end set by"), max_length=25, choices=DisclosureBasis.choices, blank=True, editable=False
    )
    source_record_id = models.CharField(_("source record id"), max_length=100, blank=True)
    # Nanjing art. 60 para. 3: this record cannot be repaired whatever its item (a specified crime,
    # a law that excludes repair); non-empty says why. The item may exclude all its records too.
    repair_excluded_reason = models.CharField(_("not repairable because"), max_length=300, blank=True)
    # The same source row sent again updates this record instead of adding one:
    # "id:<item>:<source record id>" or "doc:<item>:<identifier>:<document number>" (unique per
    # provider).
    dedup_key = models.CharField(max_length=300, editable=False)
    batch = models.ForeignKey(
        ImportBatch, verbose_name=_("batch"), on_delete=models.PROTECT, null=True, blank=True, related_name="records"
    )

    history = history(no_db_index=["created_by", "updated_by", "batch", "item", "provider"])

    organization_scope = "provider"

    class Meta:
        verbose_name = _("credit record")
        verbose_name_plural = _("credit records")
        ordering = ["-determined_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["provider", "dedup_key"], name="record_provider_dedup")]
        indexes = [
            models.Index(fields=["subject", "category"], name="record_subject_category"),
            # The records lists' order (admin and workbench): newest determination first, no sort.
            models.Index(fields=["-determined_on", "-id"], name="record_determined_id"),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} {self.subject.display_name} {self.document_number}".strip()

    @staticmethod
    def make_dedup_key(
        *, source_record_id: str, item_code: str, identifier: str, document_number: str, content: object = None
    ) -> str:
        """Same source row, same key: by the source record id, else by the document number, else
        by the row's content (a row sent twice without either is still stored once)."""
        if source_record_id:
            return f"id:{item_code}:{source_record_id}"
        if document_number:
            return f"doc:{item_code}:{identifier}:{document_number}"
        digest = hashlib.sha256(
            json.dumps(content, sort_keys=True, ensure_ascii=False, default=str).encode()
        ).hexdigest()
        return f"row:{item_code}:{identifier}:{digest[:32]}"

    def is_disclosed_on(self, day) -> bool:
        return self.disclosure_ends_on is None or day <= self.disclosure_ends_on

    @property
    def is_active(self) -> bool:
        return self.status == RecordStatus.ACTIVE

    @property
    def under_objection(self) -> bool:
        return self.objection_since is not None

    @property
    def objection_mark(self) -> str:
        """The mark as a state of `OBJECTION_MARK` (the table reads and sets it through this)."""
        return ObjectionMark.MARKED if self.objection_since else ObjectionMark.UNMARKED

    @objection_mark.setter
    def objection_mark(self, value: str) -> None:
        if value == ObjectionMark.MARKED:
            self.objection_since = self.objection_since or timezone.now()
        else:
            self.objection_since = None


class Commitment(AuditedModel):
    """A subject's credit commitment (信用承诺): made for a matter to an organisation, later found
    kept or broken. A broken commitment creates a dishonest record (Ningbo art. 35)."""

    subject = models.ForeignKey(
        Subject, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="commitments"
    )
    matter = models.CharField(_("matter"), max_length=30, choices=Matter.choices)
    content = models.TextField(_("content"))
    made_on = models.DateField(_("made on"))
    made_to = models.ForeignKey(
        "core.Organization", verbose_name=_("made to"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CommitmentStatus.choices, default=CommitmentStatus.PENDING
    )
    resolved_on = models.DateField(_("found kept or broken on"), null=True, blank=True)
    resolution_note = models.TextField(_("finding"), blank=True)
    breach_record = models.OneToOneField(
        CreditRecord,
        verbose_name=_("dishonest record"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="broken_commitment",
    )

    history = history()

    organization_scope = "made_to"

    class Meta:
        verbose_name = _("credit commitment")
        verbose_name_plural = _("credit commitments")
        ordering = ["-made_on"]

    def __str__(self) -> str:
        return f"{self.subject.display_name} · {self.get_matter_display()} · {self.made_on}"


class CreditReport(models.Model):
    """A credit report issued (信用报告): who it was for, in which mode, and the lookup it was.
    Append-only. The report itself is an issued document (`apps.core.documents`): its PDF, the
    PDF's hash and the verification code are stored there, once, at issue."""

    append_only = True
    organization_scope = "issued_by__organization"

    id = models.BigAutoField("ID", primary_key=True)
    subject = models.ForeignKey(Subject, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="reports")
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(
        "core.User", verbose_name=_("issued by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    mode = models.CharField(_("mode"), max_length=12)
    query_log = models.ForeignKey(
        "core.QueryLog", verbose_name=_("query log entry"), on_delete=models.PROTECT, related_name="+"
    )
    documents = GenericRelation(
        "core.IssuedDocument",
        content_type_field="owner_type",
        object_id_field="owner_id",
        related_query_name="credit_report",
    )

    class Meta:
        verbose_name = _("credit report")
        verbose_name_plural = _("credit reports")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.code

    @cached_property
    def document(self):
        """The issued document (one per report; prefetch `documents` for lists)."""
        documents = list(self.documents.all())
        if len(documents) != 1:
            raise LookupError(f"credit report #{self.pk} has {len(documents)} issued documents, not one")
        return documents[0]

    @property
    def code(self) -> str:
        return self.document.code

    @property
    def content_hash(self) -> str:
        return self.document.sha256

    @property
    def pdf(self):
        return self.document.pdf


class Authorisation(models.Model):
    """A written authorisation uploaded for an authorised lookup (Nanjing art. 54). Append-only."""

    append_only = True
    organization_scope = "uploaded_by__organization"

    id = models.BigAutoField("ID", primary_key=True)
    file = models.FileField(_("file"), upload_to="authorisations/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=255)
    subject_identifier = models.CharField(_("subject identifier"), max_length=18)
    uploaded_by = models.ForeignKey(
        "core.User", verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("written authorisation")
        verbose_name_plural = _("written authorisations")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name}"


class DisclosureRequest(WithClocks, AuditedModel):
    """A request for public credit information disclosed on request (依申请公开, Nanjing art. 27:
    提供复制件、安排查阅), filed by anyone on the public portal without signing in. The credit
    office accepts it and answers with an issued document that gives the information (as a copy,
    or arranging an inspection) or refuses it with reasons; the requester follows it on the public
    status page with the request number and the tracking code it was given when filing. The
    lifecycle is `apps.subjects.disclosure_requests.DISCLOSURE_REQUEST_CASE`."""

    number = models.CharField(_("request number"), max_length=30, unique=True)
    # The requester's secret for the public status page, with the number (shown once on filing).
    tracking_code = models.CharField(_("tracking code"), max_length=24, unique=True)
    requester_name = models.CharField(_("requester"), max_length=100)
    requester_id_number = models.CharField(_("requester's identity document number"), max_length=40)
    requester_contact = models.CharField(_("contact"), max_length=100)
    subject_name = models.CharField(_("organisation asked about"), max_length=200)
    subject_identifier = models.CharField(_("its unified social credit code"), max_length=18, blank=True)
    subject = models.ForeignKey(
        Subject,
        verbose_name=_("subject"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disclosure_requests",
    )
    information = models.TextField(_("information asked for"))
    access_form = models.CharField(_("form of access"), max_length=12, choices=AccessForm.choices)
    received_on = models.DateField(_("received on"))
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DisclosureRequestStatus.choices, default=DisclosureRequestStatus.RECEIVED
    )
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    inspection_arrangement = models.TextField(_("inspection arranged"), blank=True)
    refusal_reason = models.TextField(_("reasons for refusal"), blank=True)
    late_reason = models.TextField(_("why after the due date"), blank=True)
    records = models.ManyToManyField(
        CreditRecord, verbose_name=_("records disclosed"), blank=True, related_name="disclosure_requests"
    )

    deadlines = GenericRelation("core.Deadline", content_type_field="owner_type", object_id_field="owner_id")

    history = history(m2m_fields=["records"])

    class Meta:
        verbose_name = _("request for disclosure")
        verbose_name_plural = _("requests for disclosure")
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["status", "received_on"], name="disclosure_req_status")]

    def __str__(self) -> str:
        return self.number
