from django.utils.translation import gettext_lazy as _

from apps.core.navigation import NavItem

GROUP = _("Objections and repair")

NAV_ITEMS = [
    NavItem(_("Objections"), "objections:list", "objections.view_objection", order=40),
    NavItem(_("Revocation notices"), "objections:revocation_list", "objections.view_revocationnotice", order=41),
    NavItem(
        _("Objections received by service agencies"),
        "objections:agency_list",
        "objections.view_agencyobjection",
        order=42,
    ),
    NavItem(_("Objection statistics"), "objections:statistics", "objections.view_objection", order=41),
]
