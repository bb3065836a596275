"""The service-agencies app's panel on the credit file page
(`apps.subjects.events.credit_file_panels`): the credit reports of service agencies pushed on
the subject by the bodies that used them (Nanjing art. 65), each flagged while its agency's
rating products are restricted (Nanjing art. 69 para. 4). Shown within the file's lookup, which
is already in the query log, in a government lookup only, to the users who may read pushed
reports (officers their own body's, the credit office all); never to agency staff."""

from __future__ import annotations

from django.utils.translation import gettext

from apps.core.choices import QueryMode
from apps.service_agencies.pushed import visible_pushed_reports, with_restrictions
from apps.subjects.events import FilePanel

PANEL_ROWS = 50


def pushed_reports_panel(sender, *, subject, lookup, user, **kwargs) -> FilePanel | None:
    if lookup.mode != QueryMode.GOVERNMENT or user is None or not user.has_perm("service_agencies.view_pushedreport"):
        return None
    rows = with_restrictions(
        visible_pushed_reports(user).filter(subject=subject).order_by("-pushed_on", "-id")[:PANEL_ROWS]
    )
    return FilePanel(gettext("Pushed credit reports"), "service_agencies/_pushed_panel.html", rows)
