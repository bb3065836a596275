"""Reads shared by every app."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

from apps.core.models import Policy

MSG_POLICY_MISSING = gettext_lazy(
    "The city policy “{code}” (CREDIT_POLICY) is not in the database. Load the presets with "
    "`python manage.py load_policies`."
)


def active_policy() -> Policy:
    """The policy the platform runs under, chosen by the CREDIT_POLICY setting."""
    code = settings.CREDIT_POLICY
    try:
        return Policy.objects.get(code=code)
    except Policy.DoesNotExist:
        raise ImproperlyConfigured(str(MSG_POLICY_MISSING).format(code=code)) from None
