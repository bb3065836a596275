"""Role-aware navigation. Each app lists its entries in `NAV_ITEMS` of its `navigation.py`, and
may name the menu group they stand under (`GROUP`, or an entry's own `group`). An entry shows when
the user holds its permission and, where it names `roles`, has one of them: an officer holds
`core.view_queryflag` for its own organisation's flags but the volume-control page, the city's
rules and the admin are the credit office's tools, not the officer's menu."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.core.choices import Role
from apps.core.registry import project_submodules

# The credit office's and the authority's tools, and the auditors' reading of them.
OFFICE_ROLES = frozenset({Role.CLERK, Role.AUTHORITY, Role.AUDITOR})
TOP = ""  # the group of the entries that stand alone, first in the menu


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None = None
    order: int = 100
    roles: frozenset | None = None  # None: every role that holds the permission
    group: str | None = None  # None: its module's GROUP


GROUP = _("Audit")

NAV_ITEMS = [
    NavItem(_("Home"), "core:home", order=0, group=TOP),
    # Every signed-in user: the page shows only the clocks of what the user may see.
    NavItem(_("Deadline workbench"), "core:workbench", order=1, group=TOP),
    # The auditor's workspace (issue 17): the history tables and the verification runs are on the
    # auditor's allow-list only (apps.core.permissions.auditor_permissions).
    NavItem(_("Change history"), "core:audit_history", "core.view_historicalpolicy", order=78),
    NavItem(_("Query log"), "core:querylog_list", "core.view_querylog", order=80),
    NavItem(_("Chain verification"), "core:audit_chain", "core.view_querylogverification", order=83),
    NavItem(_("Query volume flags"), "core:queryflag_list", "core.view_queryflag", order=81, roles=OFFICE_ROLES),
    NavItem(_("Connected systems"), "core:systemaccount_list", "core.view_systemaccount", order=81),
    NavItem(_("Sign-in events"), "core:authevent_list", "core.view_authevent", order=82),
    NavItem(_("City policy"), "core:policy", "core.view_policy", order=90, roles=OFFICE_ROLES, group=_("Settings")),
    NavItem(_("Working-day calendar"), "core:workdays", "core.view_holidayoverride", order=91, group=_("Settings")),
    NavItem(_("Administration"), "admin:index", order=99, roles=OFFICE_ROLES, group=_("Settings")),
]


@cache
def all_items() -> list[tuple[str, NavItem]]:
    """(group, entry) of every app's entries, in their order."""
    items = [
        (item.group if item.group is not None else getattr(module, "GROUP", TOP), item)
        for module in project_submodules("navigation")
        for item in module.NAV_ITEMS
    ]
    return sorted(items, key=lambda pair: pair[1].order)


def _shown(item: NavItem, user) -> bool:
    if item.permission and not user.has_perm(item.permission):
        return False
    if item.url_name == "admin:index" and not user.is_staff:
        return False
    return item.roles is None or user.is_superuser or user.role in item.roles


def navigation_for(user, current_path: str) -> list[dict]:
    """The user's menu: groups in the order of their first entry, each {label, items, active};
    the entry whose address is the longest prefix of the current path is the active one."""
    if not user.is_authenticated:
        return []
    groups: dict[str, dict] = {}
    entries = []
    for group, item in all_items():
        if not _shown(item, user):
            continue
        entry = {"label": item.label, "url": reverse(item.url_name), "active": False}
        groups.setdefault(str(group), {"label": group, "items": [], "active": False})["items"].append(entry)
        entries.append((groups[str(group)], entry))
    matches = [
        pair
        for pair in entries
        if current_path == pair[1]["url"] or (pair[1]["url"] != "/" and current_path.startswith(pair[1]["url"]))
    ]
    if matches:
        group, entry = max(matches, key=lambda pair: len(pair[1]["url"]))
        entry["active"] = group["active"] = True
    return list(groups.values())
