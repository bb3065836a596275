"""The repair app's answers to the subjects app's pages. The panel on the credit file page (`apps.subjects.events.credit_file_panels`):
the prompt and warning interviews agencies held with the subject (Tianjin art. 44), for the
staff who may see them (officers their own agency's, the credit office all), in a government
lookup only — never in a public, self or authorised one. On a record's page
(`apps.subjects.events.record_links`): the repair applications naming it."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext

from apps.core.choices import QueryMode
from apps.repair.selectors import visible_applications, visible_interviews
from apps.subjects.events import FilePanel, RecordLink, RecordLinks


def interviews_panel(sender, *, subject, lookup, user, **kwargs) -> FilePanel | None:
    if lookup.mode != QueryMode.GOVERNMENT or user is None or not user.has_perm("repair.view_interview"):
        return None
    rows = list(visible_interviews(user).filter(subject=subject).order_by("-held_on", "-id")[:50])
    return FilePanel(gettext("Interviews"), "repair/_interviews_panel.html", rows)


def record_applications(sender, *, record, user, **kwargs) -> RecordLinks | None:
    """The repair applications naming a record, for its page (`events.record_links`)."""
    if user is None or not user.has_perm("repair.view_repairapplication"):
        return None
    rows = [
        RecordLink(
            application.number, reverse("repair:detail", args=[application.pk]), application.get_status_display()
        )
        for application in visible_applications(user).filter(records=record).order_by("-id")[:50]
    ]
    return RecordLinks(gettext("Repair applications"), rows)
