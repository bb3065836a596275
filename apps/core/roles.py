"""Model permissions each role holds in the core app (see apps.core.permissions.sync_roles).

Auditors receive every view permission of every app automatically. Issued documents and
attachments are created by the services of the case or report they belong to, never added by
hand; officers see those of their own organisation (restrict()).
"""

from apps.core.choices import Role

_DOCUMENTS = {"core.view_issueddocument", "core.view_attachment"}
# Statutory clocks are opened and met by the steps of their cases; the platform-wide roles see
# them all in the admin, officers on their own cases' pages.
_DEADLINES = {"core.view_deadline", "core.view_deadlinepause"}
# Notifications are personal (restrict() shows each user their own only); the auditor gets
# `view` with every other model.
_NOTIFICATIONS = {"core.view_notification"}

ROLE_PERMISSIONS = {
    Role.CLERK: {
        "core.view_organization",
        "core.view_user",
        "core.view_policy",
        "core.view_holidayoverride",
        "core.add_holidayoverride",
        "core.change_holidayoverride",
        "core.view_querylog",
        "core.view_queryflag",
        # Nanjing art. 52: the credit office clears abnormal-volume flags.
        "core.change_queryflag",
        # ... and sets each connected system's daily quota (issue 16).
        "core.view_systemaccount",
        "core.add_systemaccount",
        "core.change_systemaccount",
    }
    | _DOCUMENTS
    | _DEADLINES
    | _NOTIFICATIONS,
    Role.OFFICER: {
        "core.view_organization",
        "core.view_user",
        "core.view_policy",
        "core.view_holidayoverride",
        "core.view_querylog",
        "core.view_queryflag",
    }
    | _DOCUMENTS
    | _NOTIFICATIONS,
    Role.AUTHORITY: {
        "core.view_organization",
        "core.view_user",
        "core.view_policy",
        # The authority keeps the city's figures up to date.
        "core.change_policy",
        "core.view_systemaccount",
        "core.view_holidayoverride",
        "core.add_holidayoverride",
        "core.change_holidayoverride",
        "core.view_querylog",
        "core.view_queryflag",
    }
    | _DOCUMENTS
    | _DEADLINES
    | _NOTIFICATIONS,
    Role.AUDITOR: set(),
}
