"""The repair app's panel on the credit file page (`apps.subjects.events.credit_file_panels`):
the prompt and warning interviews agencies held with the subject (Tianjin art. 44), for the
staff who may see them (officers their own agency's, the credit office all), in a government
lookup only — never in a public, self or authorised one."""

from __future__ import annotations

from django.utils.translation import gettext

from apps.core.choices import QueryMode
from apps.repair.selectors import visible_interviews
from apps.subjects.events import FilePanel


def interviews_panel(sender, *, subject, lookup, user, **kwargs) -> FilePanel | None:
    if lookup.mode != QueryMode.GOVERNMENT or user is None or not user.has_perm("repair.view_interview"):
        return None
    rows = list(visible_interviews(user).filter(subject=subject).order_by("-held_on", "-id")[:50])
    return FilePanel(gettext("Interviews"), "repair/_interviews_panel.html", rows)
