"""The append-only records auditors read: the query log (查询日志) with its seals, checkpoints and
verification runs, the query-volume flags (Nanjing art. 52), and the sign-in events."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.audit import AuditedModel, history
from apps.core.choices import AuthEventKind, QueryChannel, QueryMode, QueryOutcome, QueryPurpose


class QueryLog(models.Model):
    """One lookup of a subject's credit information (查询日志), append-only and hash-chained.

    Rows are written unchained by `apps.core.querylog.log_query`, without any lock. A sealing job
    (`seal_pending`, every few seconds, never in a request) then takes the chain lock, gives the
    unsealed rows the next sequence numbers in id order and stores each row's hash over its
    content and the previous row's hash. The seal columns may be set once (NULL to value); every
    other change is refused by a database trigger. `verify_query_log` walks the chain in sequence
    order. The sealer finds the unsealed rows from a watermark (`QueryLogSealMark`), not from a
    partial index: such an index keeps pointing at sealed rows until vacuum.
    """

    append_only = True
    write_once_fields = ("seq", "prev_hash", "row_hash", "sealed_at")
    organization_scope = "organization"

    id = models.BigAutoField("ID", primary_key=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        "core.User", verbose_name=_("user"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(
        "core.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=QueryChannel.choices)
    mode = models.CharField(_("mode"), max_length=12, choices=QueryMode.choices)
    purpose = models.CharField(_("purpose"), max_length=40, choices=QueryPurpose.choices)
    purpose_detail = models.CharField(_("purpose detail"), max_length=500, blank=True)
    authorization_document = models.CharField(_("authorisation document"), max_length=200, blank=True)
    subject_identifier = models.CharField(_("subject identifier"), max_length=18, blank=True, db_index=True)
    subject_name = models.CharField(_("subject name"), max_length=200, blank=True)
    query = models.JSONField(_("what was asked"), default=dict)
    outcome = models.CharField(_("outcome"), max_length=12, choices=QueryOutcome.choices)
    result = models.JSONField(_("what came back"), default=dict)
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)

    seq = models.BigIntegerField(_("chain sequence"), null=True, blank=True, unique=True, editable=False)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True, null=True, editable=False)
    row_hash = models.CharField(_("row hash"), max_length=64, blank=True, null=True, editable=False)
    sealed_at = models.DateTimeField(_("sealed at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("query log entry")
        verbose_name_plural = _("query log")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["user", "created_at"], name="core_qlog_user_time"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.created_at:%Y-%m-%d %H:%M} {self.get_mode_display()}"


class QueryLogCheckpoint(models.Model):
    """The head of the chain after each sealing run, so that removed tail rows are detected."""

    append_only = True

    id = models.BigAutoField("ID", primary_key=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seq = models.BigIntegerField()
    last_hash = models.CharField(max_length=64)
    rows_sealed = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("query log checkpoint")
        verbose_name_plural = _("query log checkpoints")
        ordering = ["-last_seq"]

    def __str__(self) -> str:
        return f"#{self.last_seq} {self.last_hash[:12]}"


class QueryLogSealMark(models.Model):
    """The sealer's watermark (one row): every query-log row with an id below `unsealed_from` is
    sealed, so a sealing run reads the rows from there on in id order (the primary key) instead of
    searching the whole table. The sealer moves it forward only past rows older than
    `QUERY_LOG_SEAL_GRACE_SECONDS`, so that a row whose transaction commits late is still found."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    unsealed_from = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("query log seal watermark")
        verbose_name_plural = _("query log seal watermarks")

    def __str__(self) -> str:
        return f"sealed below #{self.unsealed_from}"


class QueryVolume(models.Model):
    """How many lookups a user made on a day and were let through (Nanjing art. 52's abnormal-volume
    control; a system account's daily quota), on one counter slot. Counted by one UPSERT per lookup that also refuses
    the lookup over the limit, so the count is exact under concurrency without locking the user's
    row. A refused lookup is not counted; clearing a flag resets the day's count."""

    user = models.ForeignKey("core.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    # A system account's day is counted on several rows, each with its share of the quota, so
    # that its parallel calls do not queue on one row (apps.core.querylog.SYSTEM_COUNTER_SLOTS);
    # a person's on slot 0 alone. The day's count is the sum.
    slot = models.PositiveSmallIntegerField(_("counter slot"), default=0)
    lookups = models.PositiveIntegerField(_("lookups"), default=0)

    organization_scope = "user__organization"

    class Meta:
        verbose_name = _("daily lookup count")
        verbose_name_plural = _("daily lookup counts")
        constraints = [models.UniqueConstraint(fields=["user", "day", "slot"], name="core_queryvolume_user_day_slot")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}: {self.lookups}"


class QueryLogVerification(models.Model):
    """One run of `verify_query_log`, shown to auditors."""

    append_only = True

    id = models.BigAutoField("ID", primary_key=True)
    ran_at = models.DateTimeField(_("ran at"), default=timezone.now)
    ok = models.BooleanField(_("chain intact"))
    rows_checked = models.BigIntegerField(_("rows checked"))
    unsealed_rows = models.BigIntegerField(_("rows not yet sealed"))
    first_bad_id = models.BigIntegerField(_("first bad row"), null=True, blank=True)
    message = models.TextField(_("message"))

    class Meta:
        verbose_name = _("query log verification")
        verbose_name_plural = _("query log verifications")
        ordering = ["-ran_at"]

    def __str__(self) -> str:
        return f"{self.ran_at:%Y-%m-%d %H:%M} {'OK' if self.ok else 'BROKEN'}"


class QueryFlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLEARED = "cleared", _("Cleared")


class QueryFlag(AuditedModel):
    """A user flagged for abnormal lookup volume (查询流量异常管控, Nanjing art. 52).

    open → cleared (by a credit-office user, with a reason). While a flag is open, the user's
    lookups are refused.
    """

    user = models.ForeignKey("core.User", verbose_name=_("user"), on_delete=models.PROTECT, related_name="query_flags")
    day = models.DateField(_("day"))
    lookups = models.PositiveIntegerField(_("lookups that day"))
    threshold = models.PositiveIntegerField(_("threshold"))
    status = models.CharField(_("status"), max_length=10, choices=QueryFlagStatus.choices, default=QueryFlagStatus.OPEN)
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        "core.User", verbose_name=_("cleared by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    clear_reason = models.TextField(_("reason for clearing"), blank=True)

    history = history()

    organization_scope = "user__organization"

    class Meta:
        verbose_name = _("query volume flag")
        verbose_name_plural = _("query volume flags")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(status="open"), name="core_queryflag_one_open_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.day}"

    @property
    def is_open(self) -> bool:
        """Still blocking the user's lookups: the credit office may clear it."""
        return self.status == QueryFlagStatus.OPEN


class AuthEvent(models.Model):
    """A login, logout, failed login or lockout, kept append-only for auditors."""

    append_only = True

    id = models.BigAutoField("ID", primary_key=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    kind = models.CharField(_("event"), max_length=20, choices=AuthEventKind.choices)
    username = models.CharField(_("username"), max_length=150)
    user = models.ForeignKey(
        "core.User", verbose_name=_("user"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("sign-in event")
        verbose_name_plural = _("sign-in events")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.username} {self.get_kind_display()}"
