from django.utils.translation import gettext_lazy as _

from apps.core.navigation import NavItem

GROUP = _("Catalog and lists")

NAV_ITEMS = [
    NavItem(_("Catalog in force"), "catalog:item_list", "catalog.view_catalogitem", order=19),
    NavItem(_("Catalogs"), "catalog:catalog_list", "catalog.view_catalog", order=20),
    NavItem(_("Measure lists"), "catalog:measurelist_list", "catalog.view_measurelist", order=21),
    NavItem(_("Exemption lists"), "catalog:exemptionlist_list", "catalog.view_exemptionlist", order=22),
]
