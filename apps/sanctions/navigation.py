from django.utils.translation import gettext_lazy as _

from apps.core.navigation import NavItem

GROUP = _("Rewards and sanctions")

NAV_ITEMS = [
    NavItem(_("List cases"), "sanctions:case_list", "sanctions.view_listingcase", order=30),
    NavItem(_("Joint sanction check"), "sanctions:check", "sanctions.add_sanctioncheck", order=31),
    NavItem(_("Sanction statistics"), "sanctions:statistics", "sanctions.view_sanctioncheck", order=32),
]
