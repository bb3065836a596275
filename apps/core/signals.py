"""Sign-in events go to the append-only AuthEvent table (a level-3 review expects every login
and failed login on record); changes that empty the per-process caches."""

from axes.signals import user_locked_out
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token

from apps.core.choices import AuthEventKind
from apps.core.models import Policy, SystemAccount, User
from apps.core.process_cache import clear_all
from apps.core.services import auth_event_record

# What the per-process caches hold (apps.core.process_cache) is read again after any change to it.
for _model in (User, Token, Group, Permission, Policy, SystemAccount):
    post_save.connect(clear_all, sender=_model, dispatch_uid=f"process_cache_save_{_model.__name__}")
    post_delete.connect(clear_all, sender=_model, dispatch_uid=f"process_cache_delete_{_model.__name__}")
for _through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
    m2m_changed.connect(clear_all, sender=_through, dispatch_uid=f"process_cache_m2m_{_through.__name__}")


@receiver(user_logged_in, dispatch_uid="core_login")
def _logged_in(sender, request, user, **kwargs):
    auth_event_record(kind=AuthEventKind.LOGIN, username=user.get_username(), user=user, request=request)


@receiver(user_logged_out, dispatch_uid="core_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        auth_event_record(kind=AuthEventKind.LOGOUT, username=user.get_username(), user=user, request=request)


@receiver(user_login_failed, dispatch_uid="core_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    auth_event_record(
        kind=AuthEventKind.LOGIN_FAILED, username=credentials.get("username", ""), user=None, request=request
    )


@receiver(user_locked_out, dispatch_uid="core_locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    auth_event_record(kind=AuthEventKind.LOCKED_OUT, username=username or "", user=None, request=request)
