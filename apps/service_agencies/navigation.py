from django.utils.translation import gettext_lazy as _

from apps.core.navigation import NavItem

GROUP = _("Credit service sector")

NAV_ITEMS = [
    NavItem(_("Service agencies"), "service_agencies:filing_list", "service_agencies.view_registryfiling", order=60),
    NavItem(
        _("Agency supervision"), "service_agencies:action_list", "service_agencies.view_supervisionaction", order=61
    ),
    NavItem(
        _("Free credit reports"), "service_agencies:free_report_list", "service_agencies.view_freereport", order=62
    ),
    NavItem(
        _("Service agency statistics"),
        "service_agencies:statistics",
        "service_agencies.view_supervisionaction",
        order=63,
    ),
    NavItem(_("Pushed credit reports"), "service_agencies:pushed_list", "service_agencies.view_pushedreport", order=66),
    NavItem(_("Batch queries"), "service_agencies:batch_list", "service_agencies.view_batchqueryapplication", order=64),
]
