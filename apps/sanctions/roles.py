"""Model permissions of the sanctions app per role. Officers hold the model permissions; which
cases they may see and act on comes from object permissions granted to their agency's group."""

from apps.core.choices import Role

_VIEW = {
    "sanctions.view_listingcase",
    "sanctions.view_listentry",
    "sanctions.view_sanctioncheck",
    "sanctions.view_checkfeedback",
}

ROLE_PERMISSIONS = {
    Role.CLERK: _VIEW,
    Role.OFFICER: _VIEW
    | {
        "sanctions.add_listingcase",
        "sanctions.change_listingcase",
        "sanctions.add_sanctioncheck",
        "sanctions.add_checkfeedback",
    },
    Role.AUTHORITY: _VIEW,
    Role.AUDITOR: set(),
}
