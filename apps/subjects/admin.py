"""Admin for subjects, records, batches and reports. Lists mask citizen IDs; records are changed
through the record service (provider officers, with a reason); append-only tables are read-only.
Opening a subject or a record in the admin shows personal data, so each such page is logged as
a lookup (purpose: information maintenance)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from apps.core.admin_base import AppendOnlyAdmin, AuditedAdmin
from apps.core.choices import QueryChannel, QueryMode, QueryPurpose
from apps.core.http import client_ip
from apps.core.identifiers import mask_identifier
from apps.core.querylog import LookupRequest, QueryRefused, log_query
from apps.subjects import services
from apps.subjects.models import (
    Authorisation,
    Commitment,
    CreditRecord,
    CreditReport,
    ImportBatch,
    ImportRowError,
    ResponsiblePerson,
    Subject,
)


def _admin_lookup(request) -> LookupRequest:
    return LookupRequest(
        user=request.user,
        mode=QueryMode.GOVERNMENT,
        purpose=QueryPurpose.INTEGRATION,
        channel=QueryChannel.WEB,
        purpose_detail="admin",
        client_ip=client_ip(request),
    )


class LoggedDetailMixin:
    """Each page showing one subject's data (the object, its history, an old version) writes
    one query-log row; so does a search of the list."""

    def _log_object(self, request, object_id, page: str) -> None:
        obj = self.get_object(request, object_id)
        if obj is None or request.method != "GET":
            return
        subject = obj if isinstance(obj, Subject) else obj.subject
        try:
            log_query(
                _admin_lookup(request),
                subject_identifier=subject.identifier,
                subject_name=subject.name,
                query={"admin": f"{obj._meta.label}:{obj.pk}", "page": page},
                result={"ids": [obj.pk]},
            )
        except QueryRefused as refused:
            raise PermissionDenied(str(refused)) from None

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._log_object(request, object_id, "change")
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._log_object(request, object_id, "history")
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._log_object(request, object_id, "version")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def changelist_view(self, request, extra_context=None):
        query = request.GET.get("q", "").strip()
        if query:
            try:
                log_query(_admin_lookup(request), query={"admin_search": self.model._meta.label, "q": query})
            except QueryRefused as refused:
                raise PermissionDenied(str(refused)) from None
        return super().changelist_view(request, extra_context)


@admin.register(Subject)
class SubjectAdmin(LoggedDetailMixin, AuditedAdmin):
    list_display = ["display_name", "masked_identifier", "kind", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["=identifier", "name"]
    service_clean = staticmethod(services.subject_clean)

    def get_readonly_fields(self, request, obj=None):
        # The identifier is the subject's key in the query log and the dedup keys: never changed.
        return (*super().get_readonly_fields(request, obj), *(["identifier", "kind"] if obj else []))

    def save_with_reason(self, request, obj, reason):
        services.subject_save(obj, by=request.user, reason=reason)


@admin.register(ResponsiblePerson)
class ResponsiblePersonAdmin(AuditedAdmin):
    list_display = ["organization", "role", "person", "start_date", "end_date"]
    list_filter = ["role"]
    raw_id_fields = ["organization", "person"]
    service_clean = staticmethod(services.responsible_person_clean)

    def save_with_reason(self, request, obj, reason):
        services.responsible_person_save(obj, by=request.user, reason=reason)


@admin.register(CreditRecord)
class CreditRecordAdmin(LoggedDetailMixin, AuditedAdmin):
    list_display = ["id", "item", "subject", "provider", "document_number", "status", "disclosure_ends_on"]
    list_filter = ["status", "category"]
    raw_id_fields = ["subject", "item", "provider", "batch"]
    readonly_fields = [
        "subject",
        "item",
        "provider",
        "category",
        "status",
        "disclosure_ends_on",
        "batch",
        "source_record_id",
    ]
    service_clean = staticmethod(services.record_clean)

    def has_add_permission(self, request):
        return False  # records are filed on the workbench or in batches, through the services

    def lookup_allowed(self, lookup, value, request=None):
        # Listing one subject's records is a lookup: it goes through the logged credit file.
        if lookup.split("__")[0] == "subject":
            return False
        return super().lookup_allowed(lookup, value, request)

    def save_model(self, request, obj, form, change):
        changes = {
            name: form.cleaned_data[name] for name in services.RECORD_FIELDS_EDITABLE if name in form.cleaned_data
        }
        services.record_correct(obj, by=request.user, reason=form.cleaned_data["change_reason"], **changes)


@admin.register(Commitment)
class CommitmentAdmin(AuditedAdmin):
    list_display = ["subject", "matter", "made_to", "made_on", "status"]
    list_filter = ["status", "matter"]
    raw_id_fields = ["subject", "made_to", "breach_record"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # kept or broken is a finding recorded on the workbench


@admin.register(ImportBatch)
class ImportBatchAdmin(AuditedAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ImportRowError)
class ImportRowErrorAdmin(AppendOnlyAdmin):
    list_display = ["batch", "row", "column", "message"]


@admin.register(CreditReport)
class CreditReportAdmin(AppendOnlyAdmin):
    list_display = ["code", "issued_at", "issued_by", "mode", "content_hash"]
    exclude = ["pdf"]

    def get_readonly_fields(self, request, obj=None):
        return [f for f in super().get_readonly_fields(request, obj) if f != "pdf"]


@admin.register(Authorisation)
class AuthorisationAdmin(AppendOnlyAdmin):
    """The scan names a person: it is not offered here (the lookup that used it is logged)."""

    list_display = ["id", "file_name", "masked_subject", "uploaded_by", "uploaded_at"]

    @admin.display(description=_("subject"))
    def masked_subject(self, obj):
        return mask_identifier(obj.subject_identifier)

    def get_readonly_fields(self, request, obj=None):
        return ["id", "file_name", "masked_subject", "uploaded_by", "uploaded_at"]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)
