"""Who may see and do what.

- Model permissions come from the user's role group (clerk, officer, authority, auditor). Each
  app declares what its roles get in `ROLE_PERMISSIONS` of its own `roles.py`; `sync_roles()`
  collects them (the auditor gets `view` on every model of the project: read everything, change
  nothing; no role holds any permission on Django's, DRF's, axes' or guardian's own tables).
- Rows: clerks, authority users and auditors work platform-wide; officers only see rows their
  own organisation owns (the model's `organization_scope` lookup) or that were granted to their
  organisation's group through django-guardian (case objects; the model sets `guarded = True`
  and has direct foreign-key permission models).
- Personal rows (the model sets `personal_scope`, the lookup to their user: a notification) are
  seen by that user only, whatever the role.
- `restrict(queryset, user, action)` applies all of these; every list, detail, admin and API
  view uses it.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import models
from django.db.models import Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from guardian.shortcuts import assign_perm, get_objects_for_user, get_perms, remove_perm

from apps.core.choices import PLATFORM_WIDE_ROLES, Role
from apps.core.registry import PROJECT_APP_PREFIXES, project_submodules

ACTIONS = ("view", "add", "change", "delete")


def permission_name(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def restrict(queryset: models.QuerySet, user, action: str = "view") -> models.QuerySet:
    """The part of `queryset` that `user` may `action` (view, add, change, delete)."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}")
    model = queryset.model
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    personal = getattr(model, "personal_scope", None)
    if personal is not None:
        # Personal rows (a user's notifications) are their owner's alone, whatever the role.
        if not (user.is_superuser or user.has_perm(permission_name(model, action))):
            return queryset.none()
        return queryset.filter(**{personal: user})
    if user.is_superuser:
        return queryset
    if not user.has_perm(permission_name(model, action)):
        return queryset.none()
    if user.role in PLATFORM_WIDE_ROLES:
        return queryset
    scope = getattr(model, "organization_scope", None)
    guarded = getattr(model, "guarded", False)
    if scope is None and not guarded:
        return queryset  # reference data shared by everyone who holds the model permission
    condition = Q(pk__in=[])
    if scope is not None and user.organization_id:
        condition |= Q(**{scope: user.organization_id})
    if guarded:
        granted = get_objects_for_user(
            user,
            permission_name(model, action),
            klass=model.objects.all(),
            accept_global_perms=False,
            with_superuser=False,
        )
        condition |= Q(pk__in=granted.values("pk"))
    return queryset.filter(condition)


def can(user, action: str, obj: models.Model) -> bool:
    """Whether `user` may `action` this one object (re-check inside a transaction after edits)."""
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()


# --- organisation groups and case grants ---------------------------------------------------


def organization_group(organization) -> Group:
    group, _created = Group.objects.get_or_create(name=organization.group_name)
    return group


def grant_case(obj: models.Model, organization, actions=("view", "change")) -> None:
    """Give `organization`'s staff object permissions on a case (a listing, an objection …).

    The case model must have guardian direct foreign-key permission models.
    """
    group = organization_group(organization)
    for action in actions:
        assign_perm(permission_name(type(obj), action), group, obj)


def revoke_case(obj: models.Model, organization) -> None:
    """Take every object permission on `obj` away from `organization`'s staff."""
    group = organization_group(organization)
    for codename in get_perms(group, obj):
        remove_perm(f"{obj._meta.app_label}.{codename}", group, obj)


def reassign_case(obj: models.Model, *, from_organization, to_organization, actions=("view", "change")) -> None:
    revoke_case(obj, from_organization)
    grant_case(obj, to_organization, actions)


# --- role groups ------------------------------------------------------------------------------


def role_group_name(role: str) -> str:
    return f"role:{role}"


def _project_models() -> list[type[models.Model]]:
    """The models of the project's own apps, without guardian's object-permission tables."""
    return [
        model
        for config in apps.get_app_configs()
        if config.name.startswith(PROJECT_APP_PREFIXES)
        for model in config.get_models()
        if not issubclass(model, UserObjectPermissionBase | GroupObjectPermissionBase)
    ]


def auditor_permissions() -> set[str]:
    """The auditor's allow-list: `view` on every model of the project's own apps and on their
    history. Nothing of Django's, DRF's (API tokens: an auditor who could read a token could act
    as its owner), axes', guardian's or the sessions' tables."""
    return {permission_name(model, "view") for model in _project_models()}


def declared_role_permissions() -> dict[str, set[str]]:
    """{role: {"app_label.codename", …}} from every installed app's `roles.py`, plus the
    auditor's allow-list."""
    declared: dict[str, set[str]] = {role: set() for role in Role}
    for module in project_submodules("roles"):
        for role, perms in module.ROLE_PERMISSIONS.items():
            declared[role].update(perms)
    declared[Role.AUDITOR] |= auditor_permissions()
    return declared


def sync_roles() -> dict[str, int]:
    """Create the role groups and set their permissions exactly as declared. Idempotent.

    A role may only hold permissions on the project's own models (never on auth, tokens, axes,
    admin, sessions, content types or guardian's tables): those stay with superusers.
    """
    declared = declared_role_permissions()
    all_perms = {
        f"{p.content_type.app_label}.{p.codename}": p for p in Permission.objects.select_related("content_type")
    }
    own_labels = {model._meta.app_label for model in _project_models()}
    guardian_tables = {
        f"{model._meta.app_label}.{action}_{model._meta.model_name}"
        for model in apps.get_models()
        if issubclass(model, UserObjectPermissionBase | GroupObjectPermissionBase)
        for action in ACTIONS
    }
    counts = {}
    for role, names in declared.items():
        missing = sorted(name for name in names if name not in all_perms)
        if missing:
            raise LookupError(f"Role {role} declares unknown permissions: {', '.join(missing)}")
        foreign = sorted(n for n in names if n.split(".", 1)[0] not in own_labels or n in guardian_tables)
        if foreign:
            raise ValueError(f"Role {role} may not hold permissions outside the project's models: {', '.join(foreign)}")
        writes = [name for name in names if not name.split(".", 1)[1].startswith("view_")]
        if role == Role.AUDITOR and writes:
            raise ValueError(f"The auditor role is read-only; it may not hold {', '.join(writes)}")
        group, _created = Group.objects.get_or_create(name=role_group_name(role))
        group.permissions.set([all_perms[name] for name in names])
        counts[role] = len(names)
    return counts
