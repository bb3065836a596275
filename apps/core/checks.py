"""System checks of the platform's own configuration."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured


@register(Tags.security, deploy=True)
def secret_key_is_set(app_configs, **kwargs):
    """Outside DEBUG the signing key must be set in the environment (settings leave it empty)."""
    try:
        settings.SECRET_KEY  # noqa: B018 - Django raises when it is empty
    except ImproperlyConfigured:
        return [
            Error(
                "SECRET_KEY is not set.",
                hint="Set the SECRET_KEY environment variable (DEBUG is off).",
                id="credit_portal.E001",
            )
        ]
    return []
