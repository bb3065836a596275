"""Admin building blocks every app uses.

- `RestrictedAdminMixin`: the changelist and every object page go through `restrict()`; an
  object outside the user's scope is not found. Deleting is off: business rows end by a status
  change, never a DELETE (DESIGN.md section 4).
- `AuditedAdmin`: adds a required "change reason" to every form and saves through
  `audited_save`, so the history row carries the user and the reason; history pages included.
- `AppendOnlyAdmin`: read-only pages for append-only tables (query log, sign-in events).
- `PlatformStaffAdminMixin`: pages for the platform-wide roles only (officers work on the workbench).
- `LookupLoggedAdminMixin`: pages that show one subject's personal data, and searches of their
  list, are lookups: the user states the purpose first, as on the workbench, and each page
  writes one query-log row with that purpose.

Counts: every changelist pages with `EstimatedCountPaginator` and without the full count
(`show_full_result_count = False`): on PostgreSQL a list the planner estimates above
`LIST_EXACT_COUNT_LIMIT` rows shows the estimate instead of running `COUNT(*)` (450 ms on 10M
rows, DESIGN.md section 9); below it the count is exact.

List filters: a changelist accepts only the filters its `list_filter` and `date_hierarchy`
offer. Django would accept a lookup on any local field in the query string
(`?identifier__startswith=3201`), which would answer questions about personal data without the
query log (an identifier could be rebuilt digit by digit).
"""

from __future__ import annotations

import json
import time

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin import SimpleListFilter
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from apps.core.audit import audited_save
from apps.core.audit_history import ShownValuesContextHelper
from apps.core.choices import PLATFORM_WIDE_ROLES, PURPOSES_BY_MODE, QueryMode
from apps.core.http import client_ip
from apps.core.permissions import can, restrict
from apps.core.querylog import validate_purpose
from apps.core.selectors import admin_page_lookup, fixed_purpose


class ReasonModelForm(forms.ModelForm):
    change_reason = forms.CharField(
        label=_("Reason for this change"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded in the history together with your name."),
    )


def _filter_paths(model_admin, request) -> set[str]:
    """The query-string keys (or key prefixes) the changelist's own filters use."""
    paths = {model_admin.date_hierarchy} - {None}
    for item in model_admin.get_list_filter(request):
        if isinstance(item, type) and issubclass(item, SimpleListFilter):
            paths.add(item.parameter_name)
        elif isinstance(item, list | tuple):
            paths.add(item[0])
        else:
            paths.add(item)
    return paths


def planner_estimate(queryset) -> int | None:
    """PostgreSQL's estimate of how many rows `queryset` returns (EXPLAIN, nothing is read); None
    on another database."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """A paginator whose count is the planner's estimate when that is above
    `LIST_EXACT_COUNT_LIMIT`, and exact below it (or on SQLite). An estimate may be off either
    way: the last pages may come out short or empty, which a list of millions never reaches."""

    @cached_property
    def count(self) -> int:
        estimate = planner_estimate(self.object_list) if hasattr(self.object_list, "query") else None
        if estimate is not None and estimate > settings.LIST_EXACT_COUNT_LIMIT:
            return estimate
        return super().count


class RestrictedAdminMixin:
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def lookup_allowed(self, lookup, value, request=None):
        """Only the lookups of the page's own filters (see the module docstring)."""
        for fk_lookup in self.model._meta.related_fkey_lookups:
            # raw-id and autocomplete pop-ups filter by the relation's limit_choices_to
            if not callable(fk_lookup) and lookup in fk_lookup:
                return super().lookup_allowed(lookup, value, request)
        allowed = any(lookup == p or lookup.startswith(f"{p}__") for p in _filter_paths(self, request))
        return allowed and super().lookup_allowed(lookup, value, request)

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


def code_label(name: str, choices, description):
    """An admin column and read-only field showing a code stored without choices (a lookup's
    matter, its channel) by its label in `choices`, not the code (issue 17)."""

    @admin.display(description=description, ordering=name)
    def label(model_admin, obj):
        value = getattr(obj, name)
        return dict(choices.choices).get(value, value)

    return label


def code_filter(name: str, choices, description):
    """A list filter of a code stored without choices, offering the labels in `choices`
    (Django's own offers the stored codes)."""

    class CodeFilter(admin.SimpleListFilter):
        title = description
        parameter_name = name

        def lookups(self, request, model_admin):
            return choices.choices

        def queryset(self, request, queryset):
            return queryset.filter(**{name: self.value()}) if self.value() else queryset

    return CodeFilter


def with_labels(fields, labels: dict[str, str]) -> list[str]:
    """`fields` with each code field replaced by the column that shows its label."""
    return [labels.get(name, name) for name in fields]


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
        return [*fieldsets, *self.audit_fieldsets(request, obj)]

    def audit_fieldsets(self, request, obj=None) -> list:
        """Who made and changed the row, then the reason for this change (only where the user may
        change it: a read-only page has no change to give a reason for)."""
        editable = obj is None or self.has_change_permission(request, obj)
        return [
            (_("Record"), {"fields": list(self.audit_readonly_fields), "classes": ["collapse"]}),
            *([(None, {"fields": ["change_reason"]})] if editable else []),
        ]

    def get_historical_record_context_helper(self, request, historical_record):
        # The history page's "what changed" as the workbench shows it: choices by their label,
        # related objects by name, dates as dates (simple-history shows the stored keys).
        return ShownValuesContextHelper(self.model, historical_record)

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


class PlatformStaffAdminMixin:
    """Admin pages for clerks, the authority and auditors only: officers do this work on the
    workbench, where a lookup states its purpose."""

    def _platform_staff(self, request) -> bool:
        user = request.user
        return user.is_active and (user.is_superuser or user.role in PLATFORM_WIDE_ROLES)

    def has_module_permission(self, request):
        return self._platform_staff(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._platform_staff(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return self._platform_staff(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._platform_staff(request) and super().has_change_permission(request, obj)


# How long a stated purpose covers further pages of the same object (or searches of the same list).
LOOKUP_PURPOSE_SECONDS = 10 * 60
SESSION_PURPOSES = "admin_lookup_purposes"


class LookupPurposeForm(forms.Form):
    """Why an admin page with personal data is opened (a government lookup, DESIGN.md section 4)."""

    purpose = forms.ChoiceField(label=_("Purpose"))
    purpose_detail = forms.CharField(label=_("Matter (when the purpose needs it)"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        purposes = sorted(PURPOSES_BY_MODE[QueryMode.GOVERNMENT], key=lambda p: p.label)
        self.fields["purpose"].choices = [("", "---------"), *((p.value, p.label) for p in purposes)]

    def clean(self):
        data = super().clean()
        if data.get("purpose"):
            try:
                validate_purpose(QueryMode.GOVERNMENT, data["purpose"], data.get("purpose_detail", ""))
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    for message in messages:
                        self.add_error(field if field in self.fields else None, message)
        return data


class LookupLoggedAdminMixin:
    """Each page showing one subject's data (the object, its history, an old version) and each
    search of the list is a lookup: it asks for the purpose first and writes one query-log row
    with it. Subclasses say whose data an object is (`lookup_subject`)."""

    def lookup_subject(self, obj):
        """The Subject whose data the object's page shows."""
        raise NotImplementedError

    def _target(self, object_id=None) -> str:
        label = self.model._meta.label_lower
        return f"{label}:{object_id}" if object_id is not None else f"{label}:search"

    def _stated_purpose(self, request, target: str) -> dict | None:
        fixed = fixed_purpose(request.user)
        if fixed:  # an auditor reads to audit: nothing to ask (issue 17)
            return {"purpose": fixed, "detail": ""}
        stated = request.session.get(SESSION_PURPOSES, {}).get(target)
        if stated and time.time() - stated["at"] <= LOOKUP_PURPOSE_SECONDS:
            return stated
        return None

    def _ask_purpose(self, request, target: str):
        opts = self.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_lookup_purpose")
        return redirect(f"{url}?{urlencode({'target': target, 'next': request.get_full_path()})}")

    def _log(self, request, stated: dict, *, subject=None, query: dict, result: dict | None = None) -> None:
        # A refused lookup (QueryRefused) is a PermissionDenied: the 403 page with its message.
        admin_page_lookup(
            by=request.user,
            purpose=stated["purpose"],
            purpose_detail=stated["detail"],
            client_ip=client_ip(request),
            subject_identifier=subject.identifier if subject else "",
            subject_name=subject.name if subject else "",
            query=query,
            result=result or {},
        )

    def _object_page(self, request, object_id, page: str):
        """None to go on, or the response asking for the purpose."""
        if request.method != "GET":
            return None
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_or_change_permission(request, obj):
            return None  # the admin's own "not found" or "forbidden" answer follows
        target = self._target(obj.pk)
        stated = self._stated_purpose(request, target)
        if stated is None:
            return self._ask_purpose(request, target)
        self._log(
            request,
            stated,
            subject=self.lookup_subject(obj),
            query={"admin": f"{obj._meta.label}:{obj.pk}", "page": page},
            result={"ids": [obj.pk]},
        )
        return None

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self._object_page(request, object_id, "change") or super().change_view(
            request, object_id, form_url, extra_context
        )

    def history_view(self, request, object_id, extra_context=None):
        return self._object_page(request, object_id, "history") or super().history_view(
            request, object_id, extra_context
        )

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        return self._object_page(request, object_id, "version") or super().history_form_view(
            request, object_id, version_id, extra_context
        )

    def changelist_view(self, request, extra_context=None):
        query = request.GET.get("q", "").strip()
        if query and self.has_view_or_change_permission(request):
            target = self._target()
            stated = self._stated_purpose(request, target)
            if stated is None:
                return self._ask_purpose(request, target)
            self._log(request, stated, query={"admin_search": self.model._meta.label, "q": query})
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        opts = self.model._meta
        own = [
            path(
                "lookup-purpose/",
                self.admin_site.admin_view(self.lookup_purpose_view),
                name=f"{opts.app_label}_{opts.model_name}_lookup_purpose",
            )
        ]
        return own + super().get_urls()

    def lookup_purpose_view(self, request):
        """The purpose of the page the user wants to open; stored for that page for a while."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        source = request.POST if request.method == "POST" else request.GET
        target = source.get("target", "")
        next_url = source.get("next", "")
        label = self.model._meta.label_lower
        if not target.startswith(f"{label}:") or not (
            next_url.startswith(reverse("admin:index"))
            and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()})
        ):
            raise PermissionDenied
        form = LookupPurposeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            purposes = request.session.get(SESSION_PURPOSES, {})
            now = time.time()
            purposes = {k: v for k, v in purposes.items() if now - v["at"] <= LOOKUP_PURPOSE_SECONDS}
            purposes[target] = {
                "purpose": form.cleaned_data["purpose"],
                "detail": form.cleaned_data.get("purpose_detail", "").strip(),
                "at": now,
            }
            request.session[SESSION_PURPOSES] = purposes
            return redirect(next_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "target": target,
            "next_url": next_url,
            "title": _("Purpose of this lookup"),
        }
        return TemplateResponse(request, "admin/lookup_purpose.html", context)
