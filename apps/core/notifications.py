"""Notifications to users (models in `models_notifications.py`) and the daily run that tells the
responsible users about clocks that ran past their due date (`manage.py deadlines_daily`).

Overdue clocks: only clocks that bind the office (`ClockRule.office`) can be late; a period
granted to the subject or the public that ran out is nobody's fault and tells nobody. Each
overdue clock is marked once (`Deadline.overdue_notified_at`, saved with history), and each of
its responsible users (the owner's `ClockOwner.responsible`, see `apps.core.workbench`) gets one
notification. E-mail follows: one message per user with every unread notification not yet
e-mailed, through Django's mail settings; a user without an address reads them on the home page.
Running it again the same day finds nothing new to mark, notify or send.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from apps.core.audit import audited_save
from apps.core.choices import DeadlineStatus, NotificationKind
from apps.core.deadlines import CLOCKS
from apps.core.models import Deadline, Notification, User
from apps.core.permissions import restrict
from apps.core.workbench import ClockOwner, clock_owners

logger = logging.getLogger(__name__)

MSG_OVERDUE = gettext_lazy("{label}: “{step}” was due on {due} and is overdue.")
MSG_NOT_YOURS = gettext_lazy("Only its recipient can mark a notification read.")
MSG_MARKED = gettext_lazy("Overdue: the responsible users were notified (daily job)")
MAIL_SUBJECT = gettext_lazy("Public credit information platform: {count} overdue deadline(s)")
MAIL_GREETING = gettext_lazy("Dear {name},")
MAIL_INTRO = gettext_lazy("These statutory deadlines have passed their due date:")
MAIL_FOOTER = gettext_lazy(
    "The same notices are on your home page in the platform, where you can mark them read. "
    "This message was sent automatically."
)


# --- reads and the recipient's own step ---------------------------------------------------------


def notify(users, *, message: str, link: str = "", kind: str = NotificationKind.CASE) -> int:
    """Tell `users` (the active ones, once each) something that happened on a case: an objection
    forwarded to their agency, one filed with an agency. E-mailed with the next daily run."""
    count = 0
    message = str(message)[: Notification._meta.get_field("message").max_length]
    for user in {u.pk: u for u in users if u.is_active}.values():
        Notification.objects.create(recipient=user, kind=kind, message=message, link=link)
        count += 1
    return count


def notifications_unread(user, *, limit: int = 20) -> list[Notification]:
    """The user's own unread notifications, newest first."""
    found = restrict(Notification.objects.all(), user, "view").filter(recipient=user, read_at__isnull=True)
    return list(found.order_by("-created_at", "-id")[:limit])


def notification_mark_read(notification: Notification, *, by) -> Notification:
    """The recipient has read it. Only the recipient may; marking twice changes nothing."""
    if notification.recipient_id != getattr(by, "pk", None):
        raise PermissionDenied(MSG_NOT_YOURS)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        # Append-only row: the database lets `read_at` go from empty to a value once.
        notification.save(update_fields=["read_at"])
    return notification


# --- the daily run --------------------------------------------------------------------------------


@dataclass
class DailyResult:
    overdue_marked: int = 0
    notifications: int = 0
    emails: int = 0
    email_failures: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "overdue_marked": self.overdue_marked,
            "notifications": self.notifications,
            "emails": self.emails,
            "email_failures": len(self.email_failures),
        }


def office_kinds() -> list[str]:
    """The kinds of clock that bind the office (past due: the office is late)."""
    return [str(kind) for kind, rule in CLOCKS.items() if rule.office]


def overdue_message(source: ClockOwner, owner, deadline: Deadline) -> str:
    """One line: what, which step, due when (the basis is on the owner's page, behind the link)."""
    text = str(MSG_OVERDUE).format(
        label=source.label(owner), step=source.step(owner, deadline), due=f"{deadline.due_on:%Y-%m-%d}"
    )
    return text[: Notification._meta.get_field("message").max_length]


def _notify_one(source: ClockOwner, pk: int, today: datetime.date, result: DailyResult) -> None:
    with transaction.atomic():
        deadline = (
            Deadline.objects.select_for_update()
            .filter(pk=pk, status=DeadlineStatus.OPEN, due_on__lt=today, overdue_notified_at__isnull=True)
            .first()
        )
        if deadline is None:
            return  # met, paused or marked since it was listed (another run)
        owner = source.model._default_manager.select_related(*source.select_related).filter(pk=deadline.owner_id)
        owner = owner.first()
        if owner is None:
            return
        deadline.overdue_notified_at = timezone.now()
        audited_save(deadline, by=None, reason=str(MSG_MARKED), update_fields=["overdue_notified_at"])
        result.overdue_marked += 1
        message, link = overdue_message(source, owner, deadline), source.url(owner)
        for user in {u.pk: u for u in source.responsible(owner, deadline) if u.is_active}.values():
            _note, created = Notification.objects.get_or_create(
                recipient=user,
                deadline=deadline,
                kind=NotificationKind.OVERDUE,
                defaults={"message": message, "link": link},
            )
            result.notifications += created


def deadlines_notify_overdue(*, today: datetime.date | None = None) -> DailyResult:
    """Mark every office clock that ran past its due date and is not yet marked, notify its
    responsible users, then e-mail what is unread and not yet e-mailed. Safe to run twice."""
    today = today or timezone.localdate()
    result = DailyResult()
    # The messages are stored and mailed in the platform's language, not the caller's.
    with translation.override(settings.LANGUAGE_CODE):
        for source in clock_owners():
            pending = Deadline.objects.filter(
                owner_type=ContentType.objects.get_for_model(source.model),
                kind__in=office_kinds(),
                status=DeadlineStatus.OPEN,
                due_on__lt=today,
                overdue_notified_at__isnull=True,
            )
            for pk in pending.order_by("due_on", "id").values_list("pk", flat=True):
                _notify_one(source, pk, today, result)
        notifications_email(result)
    return result


def _mail_for(user: User, notes: list[Notification]) -> EmailMessage:
    base = getattr(settings, "PORTAL_URL", "").rstrip("/")
    lines = [str(MAIL_GREETING).format(name=user.get_full_name()), "", str(MAIL_INTRO), ""]
    for note in notes:
        lines.append(f"- {note.message}")
        if note.link:
            lines.append(f"  {base}{note.link}")
    lines += ["", str(MAIL_FOOTER)]
    return EmailMessage(
        subject=str(MAIL_SUBJECT).format(count=len(notes)),
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )


def notifications_email(result: DailyResult | None = None) -> DailyResult:
    """One e-mail per user with an address, listing the unread notifications not yet e-mailed;
    each is marked e-mailed once its message went out. A failed message is logged and tried
    again on the next run."""
    result = result or DailyResult()
    pending = (
        Notification.objects.filter(emailed_at__isnull=True, read_at__isnull=True, recipient__is_active=True)
        .exclude(recipient__email="")
        .select_related("recipient")
        .order_by("recipient_id", "created_at", "id")
    )
    by_user: dict[int, list[Notification]] = {}
    for note in pending:
        by_user.setdefault(note.recipient_id, []).append(note)
    if not by_user:
        return result
    with get_connection() as connection:
        for notes in by_user.values():
            user = notes[0].recipient
            mail = _mail_for(user, notes)
            mail.connection = connection
            try:
                mail.send()
            except Exception as error:  # a refused address must not stop the others
                logger.exception("notification e-mail to user %s failed", user.pk)
                result.email_failures.append(f"{user.username}: {error}")
                continue
            Notification.objects.filter(pk__in=[n.pk for n in notes], emailed_at__isnull=True).update(
                emailed_at=timezone.now()
            )
            result.emails += 1
    return result
