from django.utils.translation import gettext_lazy as _

from apps.core.navigation import NavItem

GROUP = _("Objections and repair")

NAV_ITEMS = [
    NavItem(_("Credit repair"), "repair:list", "repair.view_repairapplication", order=45),
    NavItem(_("Good information requests"), "repair:good_info_list", "repair.view_goodinforequest", order=46),
    NavItem(_("Repair statistics"), "repair:statistics", "repair.view_repairapplication", order=47),
]
