"""Admin building blocks every app uses.

- `RestrictedAdminMixin`: the changelist and every object page go through `restrict()`; an
  object outside the user's scope is not found. Deleting is off: business rows end by a status
  change, never a DELETE (DESIGN.md section 4).
- `AuditedAdmin`: adds a required "change reason" to every form and saves through
  `audited_save`, so the history row carries the user and the reason; history pages included.
- `AppendOnlyAdmin`: read-only pages for append-only tables (query log, sign-in events).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from apps.core.audit import audited_save
from apps.core.permissions import can, restrict


class ReasonModelForm(forms.ModelForm):
    change_reason = forms.CharField(
        label=_("Reason for this change"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded in the history together with your name."),
    )


class RestrictedAdminMixin:
    show_full_result_count = False

    def get_queryset(self, request):
        return restrict(super().get_queryset(request), request.user, "view")

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or can(request.user, "view", obj))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can(request.user, "change", obj))

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedAdmin(RestrictedAdminMixin, SimpleHistoryAdmin):
    form = ReasonModelForm
    audit_readonly_fields = ("created_at", "created_by", "updated_at", "updated_by")
    # A service's checks, run while the form validates so that errors show on the form
    # (a ValidationError raised in save_model would be a server error).
    service_clean = None

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        check = type(self).service_clean
        if check is None:
            return form

        def _post_clean(this):
            form._post_clean(this)
            if not this.errors:
                try:
                    check(this.instance)
                except ValidationError as error:
                    if not hasattr(error, "error_dict"):
                        this.add_error(None, error)
                        return
                    for field, messages in error.message_dict.items():
                        for message in messages:
                            this.add_error(field if field in this.fields else None, message)

        return type(form.__name__, (form,), {"_post_clean": _post_clean})

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), *self.audit_readonly_fields)

    def get_fieldsets(self, request, obj=None):
        tail = {"change_reason", *self.audit_readonly_fields}
        fieldsets = [
            (name, {**options, "fields": [f for f in options["fields"] if f not in tail]})
            for name, options in super().get_fieldsets(request, obj)
        ]
        return [
            *fieldsets,
            (_("Record"), {"fields": list(self.audit_readonly_fields), "classes": ["collapse"]}),
            (None, {"fields": ["change_reason"]}),
        ]

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history saves a POST here after checking only the *view* history permission;
        # reverting is off in this product (an old version is restored by a normal edit).
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change):
        self.save_with_reason(request, obj, form.cleaned_data["change_reason"])

    def save_with_reason(self, request, obj, reason: str) -> None:
        """Override to call the model's own service."""
        audited_save(obj, by=request.user, reason=reason)


class AppendOnlyAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    """Nothing can be added, changed or deleted here: the table is append-only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]
