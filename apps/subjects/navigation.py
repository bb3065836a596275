from django.utils.translation import gettext_lazy as _

from apps.core import navigation
from apps.core.navigation import NavItem

GROUP = _("Credit information")

NAV_ITEMS = [
    NavItem(_("Credit lookup"), "subjects:search", "subjects.view_subject", order=10),
    NavItem(_("Credit records"), "subjects:record_list", "subjects.view_creditrecord", order=11),
    NavItem(_("Batches"), "subjects:batch_list", "subjects.view_importbatch", order=12),
    NavItem(_("Commitments"), "subjects:commitment_list", "subjects.view_commitment", order=13),
    NavItem(
        _("Requests for disclosure"), "subjects:disclosure_request_list", "subjects.view_disclosurerequest", order=14
    ),
    # The auditor's workspace (issue 17), under the audit menu.
    NavItem(
        _("A subject's trail"),
        "subjects:subject_trail",
        "subjects.view_historicalsubject",
        order=79,
        group=navigation.GROUP,
    ),
]
