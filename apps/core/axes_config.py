"""django-axes (account lockout) under a name in the interface's language: its own app config
has no verbose name, so the admin's index showed the section "Axes" in English to every user
(issue 17). Installed in INSTALLED_APPS in place of "axes"; the app label stays "axes"."""

from axes.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AppConfig):
    verbose_name = _("Sign-in lockouts")
