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


@register(Tags.security, deploy=True)
def query_log_anchor_key_is_set(app_configs, **kwargs):
    """The query-log anchors need their own key, set in the environment and kept off the database.

    Without it nothing is sealed; the development key (DEBUG) or a short key would let anyone
    who reads this file forge anchors for a rewritten chain.
    """
    key = getattr(settings, "QUERY_LOG_ANCHOR_KEY", "")
    if not key or key.startswith("insecure-") or len(key) < 32:
        return [
            Error(
                "QUERY_LOG_ANCHOR_KEY is not set, too short or the development key.",
                hint=(
                    "Set QUERY_LOG_ANCHOR_KEY to a random value of at least 32 characters, different from "
                    "SECRET_KEY and not stored in the database; keep a copy off the machine for the auditor."
                ),
                id="credit_portal.E002",
            )
        ]
    try:
        same_as_secret_key = key == settings.SECRET_KEY
    except ImproperlyConfigured:  # reported by credit_portal.E001
        same_as_secret_key = False
    if same_as_secret_key:
        return [
            Error(
                "QUERY_LOG_ANCHOR_KEY is the same as SECRET_KEY.",
                hint="Use a separate random value: the anchors must not fall with the signing key.",
                id="credit_portal.E002",
            )
        ]
    return []
