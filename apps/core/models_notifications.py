"""Notifications (站内通知): a message to one user about something that needs them — today, a
statutory clock that ran past its due date (`manage.py deadlines_daily`). Written by
`apps.core.notifications`, shown on the user's home page.

A notification is personal: nobody but its recipient sees it (`personal_scope`, see
`apps.core.permissions.restrict`). It is append-only like the logs: the database refuses any
change except `read_at` and `emailed_at`, each set once, so no history table is needed.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.choices import NotificationKind


class Notification(models.Model):
    """One message to `recipient`, with a link to what it is about and, for a clock, the
    `deadline`. `read_at` is set when the recipient marks it read, `emailed_at` when it went out
    by e-mail (never, for a recipient without an address)."""

    append_only = True
    write_once_fields = ("read_at", "emailed_at")
    personal_scope = "recipient"

    id = models.BigAutoField("ID", primary_key=True)
    recipient = models.ForeignKey(
        "core.User", verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    message = models.CharField(_("message"), max_length=500)
    link = models.CharField(_("link"), max_length=300, blank=True)
    deadline = models.ForeignKey(
        "core.Deadline",
        verbose_name=_("deadline"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One notice per clock, kind and person: the daily job may run twice.
            models.UniqueConstraint(
                fields=["recipient", "deadline", "kind"],
                condition=models.Q(deadline__isnull=False),
                name="notification_once_per_deadline",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.recipient} · {self.created_at:%Y-%m-%d}"

    @property
    def unread(self) -> bool:
        return self.read_at is None
