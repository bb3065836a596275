"""Model permissions of the objections app per role. Clerks handle objections platform-wide;
officers hold the model permissions, and which objections they see comes from object
permissions granted to their agency's group (forwarded to it, or filed with it)."""

from apps.core.choices import Role

_VIEW = {"objections.view_objection"}

ROLE_PERMISSIONS = {
    Role.CLERK: _VIEW | {"objections.add_objection", "objections.change_objection"},
    Role.OFFICER: _VIEW | {"objections.add_objection", "objections.change_objection"},
    Role.AUTHORITY: _VIEW,
    Role.AUDITOR: set(),
}
