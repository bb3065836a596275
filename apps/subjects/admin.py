"""Admin for subjects, records, batches and reports, for the platform-wide roles (officers file and
correct their records on the workbench, which asks the purpose of every lookup). Lists mask
citizen IDs and accept only their own filters; records are corrected through the record service,
with a reason, and their status and objection mark are read-only (they change only through the
record's steps); append-only tables are read-only. Opening a subject or a record shows personal
data: the page asks the purpose first and is logged as a lookup."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.core.admin_base import (
    AppendOnlyAdmin,
    AuditedAdmin,
    LookupLoggedAdminMixin,
    PlatformStaffAdminMixin,
    code_label,
    with_labels,
)
from apps.core.choices import QueryMode
from apps.core.identifiers import mask_identifier
from apps.subjects import services
from apps.subjects.models import (
    Authorisation,
    Commitment,
    CreditRecord,
    CreditReport,
    DisclosureRequest,
    ImportBatch,
    ImportRowError,
    ResponsiblePerson,
    Subject,
)
from apps.subjects.selectors import subjects_matching


@admin.register(Subject)
class SubjectAdmin(PlatformStaffAdminMixin, LookupLoggedAdminMixin, AuditedAdmin):
    list_display = ["display_name", "masked_identifier", "kind", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["=identifier", "name"]
    service_clean = staticmethod(services.subject_clean)

    @admin.display(description=_("name"), ordering="name")
    def display_name(self, obj):
        return obj.display_name

    @admin.display(description=_("identifier"), ordering="identifier")
    def masked_identifier(self, obj):
        return obj.masked_identifier

    def get_search_results(self, request, queryset, search_term):
        """The workbench's search (`subjects_matching`): the identifier through its unique index,
        the name through the trigram index; Django's own would run UPPER(name) LIKE, a
        sequential scan of every subject."""
        term = search_term.strip()
        return (subjects_matching(queryset, term) if term else queryset), False

    def lookup_subject(self, obj):
        return obj

    def get_readonly_fields(self, request, obj=None):
        # The identifier is the subject's key in the query log and the dedup keys: never changed.
        return (*super().get_readonly_fields(request, obj), *(["identifier", "kind"] if obj else []))

    def save_with_reason(self, request, obj, reason):
        services.subject_save(obj, by=request.user, reason=reason)


@admin.register(ResponsiblePerson)
class ResponsiblePersonAdmin(PlatformStaffAdminMixin, AuditedAdmin):
    list_display = ["organization", "role", "person", "start_date", "end_date"]
    list_filter = ["role"]
    raw_id_fields = ["organization", "person"]
    service_clean = staticmethod(services.responsible_person_clean)

    def save_with_reason(self, request, obj, reason):
        services.responsible_person_save(obj, by=request.user, reason=reason)


@admin.register(CreditRecord)
class CreditRecordAdmin(PlatformStaffAdminMixin, LookupLoggedAdminMixin, AuditedAdmin):
    list_display = [
        "id",
        "item",
        "subject",
        "provider",
        "document_number",
        "status",
        "marked",
        "disclosure_ends_on",
    ]
    list_filter = ["status", ("objection_since", admin.EmptyFieldListFilter), "category"]
    list_select_related = ["item", "subject", "provider"]
    raw_id_fields = ["subject", "item", "provider", "batch"]
    # The status and the objection mark change only through the record's steps
    # (`apps.subjects.record_workflow`), each with its rule, guards and history: never here.
    readonly_fields = [
        "subject",
        "item",
        "provider",
        "category",
        "status",
        "objection_since",
        "disclosure_ends_on",
        "batch",
        "source_record_id",
    ]
    service_clean = staticmethod(services.record_clean)

    def lookup_subject(self, obj):
        return obj.subject

    @admin.display(description=_("Objection mark"), boolean=True)
    def marked(self, obj):
        return obj.under_objection

    def has_add_permission(self, request):
        return False  # records are filed on the workbench or in batches, through the services

    def save_model(self, request, obj, form, change):
        changes = {
            name: form.cleaned_data[name] for name in services.RECORD_FIELDS_EDITABLE if name in form.cleaned_data
        }
        services.record_correct(obj, by=request.user, reason=form.cleaned_data["change_reason"], **changes)


@admin.register(Commitment)
class CommitmentAdmin(PlatformStaffAdminMixin, AuditedAdmin):
    list_display = ["subject", "matter", "made_to", "made_on", "status"]
    list_filter = ["status", "matter"]
    raw_id_fields = ["subject", "made_to", "breach_record"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # kept or broken is a finding recorded on the workbench


@admin.register(ImportBatch)
class ImportBatchAdmin(PlatformStaffAdminMixin, AuditedAdmin):
    list_display = [
        "id",
        "item",
        "provider",
        "channel",
        "status",
        "rows_total",
        "rows_invalid",
        "row_errors_omitted",
        "integration_due",
    ]
    list_filter = ["status", "channel"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("deadlines__pauses")

    @admin.display(description=_("integration due"))
    def integration_due(self, obj):
        clock = obj.integration_clock
        return clock.due_on if clock else None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ImportRowError)
class ImportRowErrorAdmin(PlatformStaffAdminMixin, AppendOnlyAdmin):
    list_display = ["batch", "row", "column", "message"]


@admin.register(CreditReport)
class CreditReportAdmin(PlatformStaffAdminMixin, AppendOnlyAdmin):
    """The PDF names the subject in full: it is not offered here (its issued document is listed
    with the other documents, without the file)."""

    list_display = ["id", "code", "issued_at", "issued_by", "mode_label"]
    exclude = ["mode"]
    mode_label = code_label("mode", QueryMode, _("mode"))

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("documents")

    @admin.display(description=_("verification code"))
    def code(self, obj):
        return obj.code

    @admin.display(description=_("SHA-256 of the PDF"))
    def content_hash(self, obj):
        return obj.content_hash

    def get_readonly_fields(self, request, obj=None):
        fields = with_labels(super().get_readonly_fields(request, obj), {"mode": "mode_label"})
        return [*fields, "code", "content_hash"]


@admin.register(Authorisation)
class AuthorisationAdmin(PlatformStaffAdminMixin, AppendOnlyAdmin):
    """The scan names a person: it is not offered here (the lookup that used it is logged)."""

    list_display = ["id", "file_name", "masked_subject", "uploaded_by", "uploaded_at"]

    @admin.display(description=_("subject"))
    def masked_subject(self, obj):
        return mask_identifier(obj.subject_identifier)

    def get_readonly_fields(self, request, obj=None):
        return ["id", "file_name", "masked_subject", "uploaded_by", "uploaded_at"]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)


@admin.register(DisclosureRequest)
class DisclosureRequestAdmin(PlatformStaffAdminMixin, AuditedAdmin):
    """Read-only: requests are filed on the public portal and handled through their steps on the
    workbench, each with a reason; the requester's identity number is masked in the list."""

    list_display = ["number", "status", "subject_name", "access_form", "received_on", "answered_on", "masked_requester"]
    list_filter = ["status", "access_form"]
    date_hierarchy = "received_on"
    search_fields = ["number", "subject_name"]
    raw_id_fields = ["subject", "records"]
    exclude = ["tracking_code"]

    @admin.display(description=_("requester"))
    def masked_requester(self, obj):
        return f"{obj.requester_name} · {mask_identifier(obj.requester_id_number)}"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
