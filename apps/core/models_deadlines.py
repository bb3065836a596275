"""Statutory clocks (法定期限): one row per clock a case runs — a statement period, a public
notice, an integration deadline, an objection's five clocks. The rules (which Policy figure each
kind counts, whether it may pause) and the services are in `apps.core.deadlines`.

A clock belongs to an owner object of any app through a generic relation, like an issued
document, so that core does not import the apps above it.
"""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.audit import AuditedModel, history
from apps.core.choices import DeadlineKind, DeadlineStatus, DeadlineUnit

RUNNING = (DeadlineStatus.OPEN, DeadlineStatus.PAUSED)


class Deadline(AuditedModel):
    """One statutory clock: from `started_on`, `figure` units of the Policy field `policy_field`
    (its legal basis copied beside it), plus the working days it stood paused, is due on
    `due_on`. `due_estimated` says a holiday schedule not yet published was involved. Every
    change — opened, met, paused, recomputed after a rule change — is a history row with its
    reason; `recomputed_at` marks the last recompute, `overdue_notified_at` the day the
    responsible users were told it is overdue."""

    organization_scope = None

    id = models.BigAutoField("ID", primary_key=True)
    owner_type = models.ForeignKey(
        ContentType, verbose_name=_("owner type"), on_delete=models.PROTECT, related_name="+"
    )
    owner_id = models.PositiveBigIntegerField(_("owner ID"))
    owner = GenericForeignKey("owner_type", "owner_id")
    kind = models.CharField(_("kind"), max_length=30, choices=DeadlineKind.choices)
    started_on = models.DateField(_("counted from"))
    policy_code = models.CharField(_("city policy"), max_length=20)
    policy_field = models.CharField(_("policy figure"), max_length=60)
    figure = models.PositiveSmallIntegerField(_("time limit"))
    unit = models.CharField(_("unit"), max_length=20, choices=DeadlineUnit.choices, default=DeadlineUnit.WORKING_DAYS)
    basis = models.CharField(_("basis"), max_length=300, blank=True)
    due_on = models.DateField(_("due on"))
    due_estimated = models.BooleanField(_("due date estimated"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=DeadlineStatus.choices, default=DeadlineStatus.OPEN)
    met_on = models.DateField(_("met or closed on"), null=True, blank=True)
    recomputed_at = models.DateTimeField(_("last recomputed at"), null=True, blank=True)
    # Set once by the daily job (`manage.py deadlines_daily`) when it tells the responsible
    # users that the clock is overdue, so that a second run tells nobody again.
    overdue_notified_at = models.DateTimeField(_("overdue notice sent at"), null=True, blank=True)

    history = history()

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_on", "id"]
        constraints = [
            # At most one running clock of a kind per owner: a second would double-count.
            models.UniqueConstraint(
                fields=["owner_type", "owner_id", "kind"],
                condition=models.Q(status__in=["open", "paused"]),
                name="deadline_one_running_per_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("started_on")), name="deadline_due_not_before_start"
            ),
        ]
        indexes = [
            models.Index(fields=["owner_type", "owner_id"], name="deadline_owner"),
            models.Index(fields=["status", "due_on"], name="deadline_status_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on:%Y-%m-%d}"

    @property
    def running(self) -> bool:
        return self.status in RUNNING

    def state_on(self, today: datetime.date) -> str:
        """The status as of `today`: an open clock past its due date is overdue."""
        if self.status == DeadlineStatus.OPEN and self.due_on < today:
            return DeadlineStatus.OVERDUE
        return self.status

    @property
    def state(self) -> str:
        return self.state_on(timezone.localdate())

    def get_state_display(self) -> str:
        """The state in words; a period granted to the subject or the public that has run out
        is "period over", not overdue (nobody is late)."""
        if self.overdue and not self.binds_office:
            return str(_("Period over"))
        return DeadlineStatus(self.state).label

    @property
    def binds_office(self) -> bool:
        from apps.core.deadlines import rule_for

        return rule_for(self.kind).office

    @property
    def overdue(self) -> bool:
        return self.state == DeadlineStatus.OVERDUE

    @property
    def late(self) -> bool:
        """The office missed it: overdue, or met late, on a clock that binds the office."""
        return self.binds_office and self.state in (DeadlineStatus.OVERDUE, DeadlineStatus.MET_LATE)

    @property
    def quiet(self) -> bool:
        """Running and not yet due: the date says it all."""
        return self.state == DeadlineStatus.OPEN


class DeadlinePause(AuditedModel):
    """The clock stood still from `started_on` to `ended_on` (inclusive; open while `ended_on`
    is empty), for `reason` — only where the Policy allows a pause for the kind."""

    organization_scope = None

    id = models.BigAutoField("ID", primary_key=True)
    deadline = models.ForeignKey(Deadline, on_delete=models.PROTECT, related_name="pauses")
    started_on = models.DateField(_("paused from"))
    ended_on = models.DateField(_("resumed after"), null=True, blank=True)
    reason = models.CharField(_("why"), max_length=300)

    history = history()

    class Meta:
        verbose_name = _("deadline pause")
        verbose_name_plural = _("deadline pauses")
        ordering = ["started_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on")),
                name="deadlinepause_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        end = f"{self.ended_on:%Y-%m-%d}" if self.ended_on else "…"
        return f"{self.started_on:%Y-%m-%d} – {end}"
