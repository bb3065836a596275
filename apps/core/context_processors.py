"""Template context shared by every page: the navigation for the user's role and the policy."""

from django.conf import settings

from apps.core.models import Policy
from apps.core.navigation import navigation_for


def portal(request):
    user = getattr(request, "user", None)
    return {
        "nav_items": navigation_for(user, request.path) if user is not None else [],
        "policy": Policy.objects.filter(code=settings.CREDIT_POLICY).first(),
    }
