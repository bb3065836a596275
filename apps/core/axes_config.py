"""django-axes (account lockout) in the interface's language (issue 17: the admin showed "AXES /
Access attempts …" in English to every user).

- Its app config has no verbose name, so the admin's index showed the section "Axes": this one,
  installed in INSTALLED_APPS in place of "axes" (the app label stays "axes"), names it.
- Its models' `__str__` (the admin's breadcrumbs and page titles) are English f-strings that no
  catalog can translate: replaced by translatable ones when the app is ready.
- Its admin's computed columns have no description (headers "Status", "Expiration"): the admin
  is registered again with them (`apps.core.admin`).
"""

from axes.apps import AppConfig
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else "—"


def _attempt_str(self) -> str:
    return gettext("Sign-in attempt of %(username)s at %(time)s") % {
        "username": self.username,
        "time": _when(self.attempt_time),
    }


def _failure_str(self) -> str:
    return gettext("Failed sign-in of %(username)s at %(time)s from %(ip)s") % {
        "username": self.username,
        "time": _when(self.attempt_time),
        "ip": self.ip_address,
    }


def _log_str(self) -> str:
    return gettext("Sign-in of %(username)s at %(time)s") % {
        "username": self.username,
        "time": _when(self.attempt_time),
    }


class AxesConfig(AppConfig):
    verbose_name = _("Sign-in lockouts")

    def ready(self):
        super().ready()
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        AccessAttempt.__str__ = _attempt_str
        AccessFailureLog.__str__ = _failure_str
        AccessLog.__str__ = _log_str
