"""Sign-in events go to the append-only AuthEvent table (a level-3 review expects every login
and failed login on record)."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from apps.core.choices import AuthEventKind
from apps.core.services import auth_event_record


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
