"""Model permissions of the catalog app per role (Nanjing art. 25: the authority organises the
catalog and has it approved; the credit office drafts; agencies comment)."""

from apps.core.choices import Role

_VIEW = {
    "catalog.view_catalog",
    "catalog.view_catalogitem",
    "catalog.view_measurelist",
    "catalog.view_measure",
    "catalog.view_exemptionlist",
    "catalog.view_exemptionrule",
    "catalog.view_consultationcomment",
}

ROLE_PERMISSIONS = {
    Role.CLERK: _VIEW
    | {
        "catalog.add_catalog",
        "catalog.change_catalog",
        "catalog.add_catalogitem",
        "catalog.change_catalogitem",
        "catalog.delete_catalogitem",
        "catalog.add_measurelist",
        "catalog.change_measurelist",
        "catalog.add_measure",
        "catalog.change_measure",
        "catalog.delete_measure",
        "catalog.add_exemptionlist",
        "catalog.change_exemptionlist",
        "catalog.add_exemptionrule",
        "catalog.change_exemptionrule",
        "catalog.delete_exemptionrule",
        "catalog.add_consultationcomment",
        "catalog.change_consultationcomment",
    },
    Role.OFFICER: _VIEW | {"catalog.add_consultationcomment"},
    Role.AUTHORITY: _VIEW | {"catalog.approve_catalog", "catalog.add_consultationcomment"},
    Role.AUDITOR: set(),
}
