import json
import re

from axes import admin as axes_admin
from axes.models import AccessAttempt
from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.templatetags import admin_list
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.http import HttpResponseRedirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from rest_framework.authtoken.admin import TokenAdmin as DrfTokenAdmin
from rest_framework.authtoken.models import TokenProxy

from apps.core.admin_base import AppendOnlyAdmin, AuditedAdmin, PlatformStaffAdminMixin, ReasonModelForm, with_labels
from apps.core.identifiers import mask_identifier
from apps.core.models import (
    POLICY_SECTIONS,
    Attachment,
    AuthEvent,
    Deadline,
    DeadlinePause,
    HolidayOverride,
    IssuedDocument,
    Notification,
    Organization,
    Policy,
    QueryFlag,
    QueryLog,
    QueryLogCheckpoint,
    QueryLogSealMark,
    QueryLogVerification,
    QueryVolume,
    SystemAccount,
    User,
)
from apps.core.services import organization_save, system_account_save, user_save
from apps.core.templatetags.credit import logged_subject_name


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    list_display = ["name", "kind", "unified_code", "region_name", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name", "unified_code"]

    def save_with_reason(self, request, obj, reason):
        organization_save(obj, by=request.user, reason=reason)


class UserCreateForm(AdminUserCreationForm):
    change_reason = ReasonModelForm.base_fields["change_reason"]

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ["username", "full_name", "organization", "role"]


class UserEditForm(UserChangeForm):
    change_reason = ReasonModelForm.base_fields["change_reason"]

    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    list_display = ["username", "full_name", "organization", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name", "email"]
    ordering = ["username"]
    autocomplete_fields = ["organization"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["full_name", "email", "phone"]}),
        (_("Work"), {"fields": ["organization", "role", "is_active"]}),
        (_("Platform administrator"), {"fields": ["is_staff", "is_superuser"], "classes": ["collapse"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "full_name", "organization", "role", "password1", "password2"]}),
    ]
    filter_horizontal = []

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_staff", "is_superuser"]
        return [*fields, "last_login", "date_joined"]

    def save_with_reason(self, request, obj, reason):
        user_save(obj, by=request.user, reason=reason)

    def save_related(self, request, form, formsets, change):
        # Groups follow the role and organisation (user_save); nothing else to save.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


# The actions of Django's default permissions, by the codename's prefix.
PERMISSION_ACTIONS = {
    "add": _("Can add"),
    "change": _("Can change"),
    "delete": _("Can delete"),
    "view": _("Can view"),
}


# Apps installed without a name in the interface's language.
APP_NAMES = {"guardian": _("Object permissions")}


def model_name(model) -> str:
    """A model's name in the interface, also for the tables Django and its add-ons create and
    name in English: simple-history's ("historical 异议"), a many-to-many link table's and
    guardian's object permission tables ("objection user object permission")."""
    history_of = getattr(model, "instance_type", None)  # simple-history's tables
    if history_of is not None and history_of is not model:
        return gettext("%(model)s (history)") % {"model": model_name(history_of)}
    owner = model._meta.auto_created
    if owner:  # the link table of a many-to-many field: its owner and the field
        for field in owner._meta.many_to_many:
            if field.remote_field.through is model:
                return f"{owner._meta.verbose_name} · {field.verbose_name}"
    for base, on, anything in (
        (UserObjectPermissionBase, _("User permissions on %(model)s"), _("User permissions on an object")),
        (GroupObjectPermissionBase, _("Group permissions on %(model)s"), _("Group permissions on an object")),
    ):
        if issubclass(model, base):
            target = getattr(model._meta.get_field("content_object"), "related_model", None)
            return str(on) % {"model": model_name(target)} if target else str(anything)
    return str(model._meta.verbose_name)


def permission_label(permission: Permission) -> str:
    """A permission as "app | model | action" in the interface's language: the stored name
    ("Can add group object permission") is English text written once by `migrate`."""
    content_type = permission.content_type
    model = content_type.model_class()
    if model is None:  # a table removed since: its content type only has its name
        app, name = content_type.app_label, content_type.name
    else:
        label = model._meta.app_label
        app, name = APP_NAMES.get(label, apps.get_app_config(label).verbose_name), model_name(model)
    action, _sep, _rest = permission.codename.partition("_")
    action_label = PERMISSION_ACTIONS[action] if action in PERMISSION_ACTIONS else gettext(permission.name)
    return f"{app} | {name} | {action_label}"


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    """Django's group admin with the permissions named in Chinese (issue 17)."""

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        field = super().formfield_for_manytomany(db_field, request=request, **kwargs)
        if db_field.name == "permissions":
            field.label_from_instance = permission_label
        return field


class PolicyForm(ReasonModelForm):
    class Meta:
        model = Policy
        fields = "__all__"
        widgets = {name: forms.TextInput(attrs={"size": 80}) for _t, figures in POLICY_SECTIONS for _f, name in figures}


@admin.register(Policy)
class PolicyAdmin(AuditedAdmin):
    """The authority edits the city's figures here; every edit is in the history with a reason."""

    form = PolicyForm
    list_display = ["name", "code", "city", "regulation", "updated_at"]
    readonly_fields = ["code"]

    def get_fieldsets(self, request, obj=None):
        sections = [(None, {"fields": ["code", "name", "city", "regulation", "description"]})]
        for title, figures in POLICY_SECTIONS:
            fields = []
            for figure, basis in figures:
                for name in (figure, basis):
                    if name not in fields:
                        fields.append(name)
            sections.append((title, {"fields": fields}))
        return [*sections, *self.audit_fieldsets(request, obj)]

    def has_add_permission(self, request):
        return request.user.is_superuser  # presets are loaded by `load_policies`


class HolidayScheduleForm(forms.Form):
    file = forms.FileField(
        label=_("Schedule file (CSV or XLSX)"),
        help_text=_("Columns 日期 (YYYY-MM-DD), 是否工作日 (是/否), 依据文件, optionally 说明; one year per file."),
    )
    change_reason = ReasonModelForm.base_fields["change_reason"]


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(AuditedAdmin):
    list_display = ["date", "is_working_day", "note", "official_schedule", "source_document"]
    list_filter = ["is_working_day", "official_schedule"]
    date_hierarchy = "date"
    change_list_template = "admin/core/holidayoverride/change_list.html"

    def get_urls(self):
        from django.urls import path

        view = self.admin_site.admin_view(self.upload_view)
        return [path("upload/", view, name="core_holidayoverride_upload"), *super().get_urls()]

    def upload_view(self, request):
        """Load a year's official schedule (the State Council's notice) in one go, all or nothing."""
        from django.core.exceptions import PermissionDenied, ValidationError
        from django.shortcuts import redirect
        from django.template.response import TemplateResponse

        from apps.core.holidays import holiday_schedule_load

        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = HolidayScheduleForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                saved = holiday_schedule_load(
                    form.cleaned_data["file"], by=request.user, reason=form.cleaned_data["change_reason"]
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("file", message)
            else:
                self.message_user(request, _("%(count)s days of the official schedule loaded.") % {"count": len(saved)})
                return redirect("admin:core_holidayoverride_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("Load an official holiday schedule"),
        }
        return TemplateResponse(request, "admin/core/holidayoverride/upload.html", context)


@admin.register(SystemAccount)
class SystemAccountAdmin(AuditedAdmin):
    """The credit office registers each connected system's account and sets its daily quota
    (usage on the "Connected systems" page)."""

    list_display = ["name", "user", "daily_quota", "contact"]
    list_select_related = ["user"]
    search_fields = ["name"]
    raw_id_fields = ["user"]

    def save_with_reason(self, request, obj, reason: str) -> None:
        system_account_save(obj, by=request.user, reason=reason)


@admin.register(QueryVolume)
class QueryVolumeAdmin(AppendOnlyAdmin):
    """The daily lookup counters the volume control keeps (read-only: only lookups count)."""

    list_display = ["user", "day", "slot", "lookups"]
    list_select_related = ["user"]
    list_filter = ["day"]
    raw_id_fields = ["user"]


@admin.register(QueryFlag)
class QueryFlagAdmin(AuditedAdmin):
    """Flags are raised by the query log and cleared on the workbench (with a reason)."""

    list_display = ["user", "day", "lookups", "threshold", "status", "cleared_by", "cleared_at"]
    list_filter = ["status"]
    raw_id_fields = ["user", "cleared_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _mask_ids(value) -> str:
    """The JSON of what was asked or returned, with citizen IDs masked."""
    text = json.dumps(value, ensure_ascii=False)
    return re.sub(r"\b\d{17}[\dXx]\b", lambda m: mask_identifier(m.group(0)), text)


@admin.register(QueryLog)
class QueryLogAdmin(AppendOnlyAdmin):
    """Readers of the log see who looked up whom and why, with identifiers and names of persons
    masked (the workbench query log page does the same)."""

    list_display = ["id", "created_at", "user", "mode", "purpose", "masked_subject", "outcome", "seq"]
    list_filter = ["mode", "channel", "outcome"]
    list_select_related = ["user"]  # nullable: Django's default select_related() would skip it

    @admin.display(description=_("subject"))
    def masked_subject(self, obj):
        return mask_identifier(obj.subject_identifier)

    @admin.display(description=_("subject name"))
    def masked_name(self, obj):
        return logged_subject_name(obj)

    @admin.display(description=_("what was asked"))
    def masked_query(self, obj):
        return _mask_ids(obj.query)

    @admin.display(description=_("what came back"))
    def masked_result(self, obj):
        return _mask_ids(obj.result)

    def get_readonly_fields(self, request, obj=None):
        hidden = {"subject_identifier", "subject_name", "query", "result"}
        fields = [f for f in super().get_readonly_fields(request, obj) if f not in hidden]
        return ["masked_subject", "masked_name", "masked_query", "masked_result", *fields]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)


@admin.register(AuthEvent)
class AuthEventAdmin(AppendOnlyAdmin):
    list_display = ["created_at", "kind", "username", "client_ip"]
    list_filter = ["kind"]
    search_fields = ["username"]


@admin.register(QueryLogCheckpoint)
class QueryLogCheckpointAdmin(AppendOnlyAdmin):
    list_display = ["created_at", "last_seq", "rows_sealed", "last_hash"]


@admin.register(QueryLogSealMark)
class QueryLogSealMarkAdmin(AppendOnlyAdmin):
    list_display = ["unsealed_from"]


@admin.register(QueryLogVerification)
class QueryLogVerificationAdmin(AppendOnlyAdmin):
    list_display = ["ran_at", "ok", "rows_checked", "unsealed_rows", "first_bad_id"]


class _StoredFileAdmin(PlatformStaffAdminMixin, AppendOnlyAdmin):
    """The stored files name subjects in full: they are not offered here (the owning case or
    report serves them, with a logged lookup); the row shows what they are and their hash."""

    file_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        return [f for f in super().get_readonly_fields(request, obj) if f not in self.file_fields]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(_StoredFileAdmin):
    list_display = ["number", "kind", "masked_name", "issued_at", "issued_by", "code"]
    list_filter = ["kind"]
    date_hierarchy = "issued_at"
    file_fields = ("pdf", "html")


@admin.register(Attachment)
class AttachmentAdmin(_StoredFileAdmin):
    list_display = ["id", "purpose", "original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["purpose"]
    file_fields = ("file",)


# --- statutory clocks ----------------------------------------------------------------------------


class DeadlinePauseInline(admin.TabularInline):
    model = DeadlinePause
    fields = readonly_fields = ["started_on", "ended_on", "reason", "created_by"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Deadline)
class DeadlineAdmin(PlatformStaffAdminMixin, AuditedAdmin):
    """Read-only: a clock opens, pauses, is met and is recomputed by the steps of its case and
    by a rule change, each with a history row; the pages show what it counts and why."""

    list_display = [
        "id",
        "kind",
        "owner_type",
        "owner_id",
        "started_on",
        "figure",
        "unit",
        "due_on",
        "due_estimated",
        "state_label",
        "met_on",
        "recomputed_at",
    ]
    list_filter = ["kind", "status", "due_estimated"]
    date_hierarchy = "due_on"
    inlines = [DeadlinePauseInline]

    @admin.display(description=_("status"))
    def state_label(self, obj):
        return obj.get_state_display()

    @admin.display(description=_("policy figure"), ordering="policy_field")
    def policy_figure(self, obj):
        """The Policy field the clock counts by, by its name (the stored value is the field's)."""
        try:
            return Policy._meta.get_field(obj.policy_field).verbose_name
        except FieldDoesNotExist:
            return obj.policy_field

    def get_readonly_fields(self, request, obj=None):
        names = [field.name for field in self.model._meta.fields]
        return with_labels(names, {"policy_field": "policy_figure"})

    def get_fields(self, request, obj=None):
        return [f for f in self.get_readonly_fields(request, obj) if f != "id"]

    def get_fieldsets(self, request, obj=None):
        return [(None, {"fields": self.get_fields(request, obj)})]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(AppendOnlyAdmin):
    """Read-only: notifications are written by the daily deadline job and marked read on the
    home page. Each user sees only their own (restrict(): `personal_scope`)."""

    list_display = ["created_at", "kind", "message", "deadline", "read_at", "emailed_at"]
    list_filter = ["kind"]
    date_hierarchy = "created_at"
    raw_id_fields = ["recipient", "deadline"]


# --- API tokens ---------------------------------------------------------------------------------

TOKEN_PREFIX_LENGTH = 6


def token_prefix(key: str) -> str:
    return f"{key[:TOKEN_PREFIX_LENGTH]}…"


class _TokenLabel:
    """What the admin's titles and breadcrumbs show for a token: its owner and the key's prefix."""

    def __init__(self, token):
        self.pk = token.pk
        self._text = f"{token.user} · {token_prefix(token.key)}"

    def __str__(self) -> str:
        return self._text


admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class TokenAdmin(DrfTokenAdmin):
    """API tokens, for superusers only. A key is shown once, right after it was created; after
    that only its first characters: whoever reads a key can act as its owner, and the history
    would name the owner, not the reader. Rotating a key: `manage.py drf_create_token -r <user>`."""

    list_display = ("masked_key", "user", "created")
    list_filter = ()

    @admin.display(description=_("key"))
    def masked_key(self, obj):
        return token_prefix(obj.key)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the confirmation page would print the key

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            label = _TokenLabel(obj)
            context = {**context, "original": label, "subtitle": str(label)}
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request, object_id, extra_context=None):
        raise PermissionDenied  # Django's log entries name the object by its key

    def log_addition(self, request, obj, message):
        return None  # LogEntry.object_repr would keep the full key

    def response_add(self, request, obj, post_url_continue=None):
        messages.warning(
            request,
            format_html(
                _("The API key of {user} is {key}. Give it to the user now: it is not shown again."),
                user=obj.user,
                key=obj.key,
            ),
        )
        return HttpResponseRedirect(reverse("admin:authtoken_tokenproxy_changelist"))


def _boolean_icon(value):
    """Django's yes/no/unknown icon with its alt text in the interface's language: Django writes
    the Python value ("True", "False", "None") there, which a screen reader reads out in English
    (issue 17). Every boolean of the admin goes through it (lists, read-only fields)."""
    icon = {True: "yes", False: "no", None: "unknown"}[value]
    text = {True: gettext("Yes"), False: gettext("No"), None: gettext("Unknown")}[value]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), text)


admin_list._boolean_icon = _boolean_icon


# django-axes' lockout admin with its computed columns named (headers "Status" and "Expiration"
# in English otherwise, issue 17); see apps.core.axes_config for its section and objects' names.
class AccessAttemptAdmin(axes_admin.AccessAttemptAdmin):
    @admin.display(description=_("Status"))
    def status(self, obj):
        return super().status(obj)

    @admin.display(description=_("Expires At"))
    def expiration(self, obj):
        return super().expiration(obj)


admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, AccessAttemptAdmin)
