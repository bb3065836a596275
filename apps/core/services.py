"""Writes of the core app. Every function takes the acting user (`by`) and, where it changes an
audited row, a change reason that lands in the history."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.core.audit import audited_save
from apps.core.choices import AuthEventKind, Role
from apps.core.exceptions import Conflict
from apps.core.models import AuthEvent, Organization, QueryFlag, QueryFlagStatus, QueryVolume, SystemAccount, User
from apps.core.permissions import can, organization_group, role_group_name

MSG_FLAG_NOT_OPEN = gettext_lazy("This flag was already cleared.")
MSG_FLAG_CLEAR_FORBIDDEN = gettext_lazy("Only the credit office may clear an abnormal-volume flag.")
MSG_REASON_REQUIRED = gettext_lazy("Give a reason.")
MSG_QUOTA_FORBIDDEN = gettext_lazy("Only the credit office sets the daily quota of a connected system.")


def require_reason(reason: str) -> str:
    """Every change to an audited row carries a reason; every app's services ask for it here."""
    if not reason or not str(reason).strip():
        raise ValidationError({"reason": str(MSG_REASON_REQUIRED)})
    return str(reason).strip()


def user_sync_groups(user: User) -> None:
    """Make the user's role and organisation groups match its role and organisation."""
    wanted = set()
    if user.role:
        wanted.add(Group.objects.get_or_create(name=role_group_name(user.role))[0])
    if user.organization_id:
        wanted.add(organization_group(user.organization))
    managed = [g for g in user.groups.all() if g.name.startswith(("role:", "org:"))]
    user.groups.remove(*[g for g in managed if g not in wanted])
    user.groups.add(*wanted)


@transaction.atomic
def user_save(user: User, *, by, reason: str, password: str | None = None) -> User:
    """Create or change a user; keeps its groups in line with its role and organisation."""
    reason = require_reason(reason)
    if password is not None:
        user.set_password(password)
    if user.role:
        user.is_staff = True  # every role works in the admin within its permissions
    user.full_clean(exclude=["password"])
    audited_save(user, by=by, reason=reason)
    user_sync_groups(user)
    return user


@transaction.atomic
def organization_save(organization: Organization, *, by, reason: str) -> Organization:
    reason = require_reason(reason)
    organization.full_clean()
    audited_save(organization, by=by, reason=reason)
    organization_group(organization)
    return organization


@transaction.atomic
def query_flag_clear(flag: QueryFlag, *, by: User, reason: str) -> QueryFlag:
    """Clear an abnormal-volume flag so the user may look up again (Nanjing art. 52)."""
    reason = require_reason(reason)
    flag.refresh_from_db(from_queryset=QueryFlag.objects.select_for_update())
    if not (by.is_superuser or by.role == Role.CLERK) or not can(by, "change", flag):
        raise PermissionDenied(str(MSG_FLAG_CLEAR_FORBIDDEN))
    if flag.status != QueryFlagStatus.OPEN:
        raise Conflict(str(MSG_FLAG_NOT_OPEN))
    flag.status = QueryFlagStatus.CLEARED
    flag.cleared_at = timezone.now()
    flag.cleared_by = by
    flag.clear_reason = reason
    # A fresh allowance from the clearing on: the day's count starts again.
    QueryVolume.objects.filter(user_id=flag.user_id, day=timezone.localdate(flag.cleared_at)).update(lookups=0)
    return audited_save(flag, by=by, reason=reason)


@transaction.atomic
def system_account_save(account: SystemAccount, *, by: User, reason: str) -> SystemAccount:
    """Register a connected system's account or change its daily quota (the credit office's
    decision, in place of the people's threshold of Nanjing art. 52); in force for the system's
    next lookup in this process, in the others within HOT_PATH_CACHE_SECONDS."""
    reason = require_reason(reason)
    if not (by.is_superuser or (by.role == Role.CLERK and by.has_perm("core.change_systemaccount"))):
        raise PermissionDenied(str(MSG_QUOTA_FORBIDDEN))
    account.full_clean()
    return audited_save(account, by=by, reason=reason)


def auth_event_record(*, kind: AuthEventKind, username: str, user: User | None, request=None) -> AuthEvent:
    """Record a sign-in event (append-only)."""
    from apps.core.http import client_ip

    return AuthEvent.objects.create(
        kind=kind,
        username=(username or "")[:150],
        user=user if user is not None and user.pk else None,
        client_ip=client_ip(request) if request is not None else None,
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300],
    )
