"""Role-aware navigation. Each app lists its entries in `NAV_ITEMS` of its `navigation.py`;
an entry shows when the user holds its permission (and, if given, one of its roles)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.core.registry import project_submodules


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None = None
    order: int = 100


NAV_ITEMS = [
    NavItem(_("Home"), "core:home", order=0),
    # Every signed-in user: the page shows only the clocks of what the user may see.
    NavItem(_("Deadline workbench"), "core:workbench", order=1),
    NavItem(_("Query log"), "core:querylog_list", "core.view_querylog", order=80),
    NavItem(_("Query volume flags"), "core:queryflag_list", "core.view_queryflag", order=81),
    NavItem(_("Connected systems"), "core:systemaccount_list", "core.view_systemaccount", order=81),
    NavItem(_("Sign-in events"), "core:authevent_list", "core.view_authevent", order=82),
    NavItem(_("City policy"), "core:policy", "core.view_policy", order=90),
    NavItem(_("Working-day calendar"), "core:workdays", "core.view_holidayoverride", order=91),
]


@cache
def all_items() -> list[NavItem]:
    items = [item for module in project_submodules("navigation") for item in module.NAV_ITEMS]
    return sorted(items, key=lambda item: item.order)


def navigation_for(user, current_path: str) -> list[dict]:
    if not user.is_authenticated:
        return []
    entries = []
    for item in all_items():
        if item.permission and not user.has_perm(item.permission):
            continue
        entries.append({"label": item.label, "url": reverse(item.url_name), "active": False})
    # The entry whose address is the longest prefix of the current path is the active one.
    matches = [
        e for e in entries if current_path == e["url"] or (e["url"] != "/" and current_path.startswith(e["url"]))
    ]
    if matches:
        max(matches, key=lambda e: len(e["url"]))["active"] = True
    return entries
