"""Model permissions of the repair app per role. The determining agency's officers accept and
decide applications (which ones they see comes from object permissions granted to their agency's
group) and record their interviews; the credit office enters window applications, sees all, and
handles requests about good information; the authority reads everything."""

from apps.core.choices import Role

_VIEW = {
    "repair.view_repairapplication",
    "repair.view_interview",
    "repair.view_repairevent",
}

ROLE_PERMISSIONS = {
    Role.CLERK: _VIEW
    | {
        "repair.add_repairapplication",
        "repair.view_goodinforequest",
        "repair.add_goodinforequest",
        "repair.change_goodinforequest",
    },
    Role.OFFICER: _VIEW | {"repair.add_repairapplication", "repair.change_repairapplication", "repair.add_interview"},
    Role.AUTHORITY: _VIEW | {"repair.view_goodinforequest"},
    Role.AUDITOR: set(),
}
