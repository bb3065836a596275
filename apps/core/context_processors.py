"""Template context shared by every page: the navigation for the user's role and the policy."""

from django.core.exceptions import ImproperlyConfigured

from apps.core.navigation import navigation_for
from apps.core.selectors import cached_policy


def policy_or_none():
    """The policy from the per-process cache (issue 16: one statement of every page), or None
    when none is configured (the pages then cite no article; the system checks report it)."""
    try:
        return cached_policy()
    except ImproperlyConfigured:
        return None


def portal(request):
    user = getattr(request, "user", None)
    return {
        "nav_items": navigation_for(user, request.path) if user is not None else [],
        "policy": policy_or_none(),
    }
