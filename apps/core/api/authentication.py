"""Token authentication from the per-process cache (apps.core.process_cache): after a token's
first request, a request authenticates and passes the role's permission check without SQL.

The cached user carries its permissions (Django's ModelBackend keeps them on the instance) and
its system account; each request gets its own shallow copy, so nothing one request sets on its
user is seen by another.
"""

import copy

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from apps.core.process_cache import ProcessCache

_tokens = ProcessCache()


class CachedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = _tokens.get(key, lambda: self._load(key))
        return copy.copy(user), token

    def _load(self, key):
        model = self.get_model()
        try:
            token = model.objects.select_related("user", "user__system_account").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token.user.get_all_permissions()  # fills the permission cache that travels with the user
        return token.user, token
