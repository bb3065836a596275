"""Model permissions of the subjects app per role.

Officers file and correct their own organisation's records and batches (restrict() limits them
to rows their organisation provides); clerks look files up at the window, integrate batches and
issue reports; the authority and auditors read.
"""

from apps.core.choices import Role

_VIEW = {
    "subjects.view_subject",
    "subjects.view_responsibleperson",
    "subjects.view_creditrecord",
    "subjects.view_commitment",
    "subjects.view_importbatch",
    "subjects.view_importrowerror",
    "subjects.view_creditreport",
}

ROLE_PERMISSIONS = {
    Role.CLERK: _VIEW
    | {
        "subjects.add_subject",
        "subjects.change_subject",
        "subjects.add_responsibleperson",
        "subjects.change_responsibleperson",
        "subjects.change_importbatch",
        "subjects.add_creditreport",
        "subjects.add_authorisation",
        "subjects.view_authorisation",
        # Nanjing art. 27: the credit office answers requests for disclosure.
        "subjects.view_disclosurerequest",
        "subjects.change_disclosurerequest",
    },
    Role.OFFICER: _VIEW
    | {
        "subjects.add_subject",
        "subjects.add_responsibleperson",
        "subjects.add_creditrecord",
        "subjects.change_creditrecord",
        "subjects.add_commitment",
        "subjects.change_commitment",
        "subjects.add_importbatch",
    },
    Role.AUTHORITY: _VIEW | {"subjects.view_disclosurerequest"},
    Role.AUDITOR: set(),
}
