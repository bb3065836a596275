"""API permissions: deny by default.

`ModelPermissions` requires the model permission for the action, *including* `view` for reads
(DRF's DjangoModelPermissions lets any authenticated user read). Rows are limited separately:
every API view's `get_queryset` goes through `restrict()`, so another organisation's object is a
404, not a 403 that would confirm it exists. A workflow step (`POST …/{id}/<step>/`) needs
`change`, unless the view names its permissions in `action_permissions` ({action: [perm, …]}).
"""

from rest_framework.permissions import DjangoModelPermissions


class ModelPermissions(DjangoModelPermissions):
    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if getattr(view, "_ignore_model_permissions", False):
            return True
        action_permissions = getattr(view, "action_permissions", {})
        if getattr(view, "action", None) in action_permissions:
            # A workflow step that its own permission governs (e.g. approving needs approve_catalog).
            return request.user.has_perms(action_permissions[view.action])
        method = request.method
        # A workflow step (`POST /…/{id}/<step>/`) changes an existing object: it needs `change`.
        if method == "POST" and getattr(view, "action", None) not in (None, "create"):
            method = "PATCH"
        model = self._queryset(view).model
        return request.user.has_perms(self.get_required_permissions(method, model))
