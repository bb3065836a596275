"""Admin for objections: read-only. Every step is a service with a reason, taken on the
workbench or through the API."""

from django.contrib import admin

from apps.core.admin_base import AuditedAdmin
from apps.objections.models import AgencyObjection, Objection, RevocationNotice


@admin.register(Objection)
class ObjectionAdmin(AuditedAdmin):
    list_display = ["number", "status", "channel", "received_on", "handler", "forwarded_to", "outcome", "decided_on"]
    list_filter = ["status", "channel", "outcome"]
    date_hierarchy = "received_on"
    raw_id_fields = ["subject", "records"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RevocationNotice)
class RevocationNoticeAdmin(AuditedAdmin):
    """Read-only: a notice is filed by its agency and applied or returned by the credit office on
    the workbench or through the API (`apps.objections.revocations`)."""

    list_display = ["number", "status", "kind", "agency", "document_number", "document_date", "filed_on", "applied_on"]
    list_filter = ["status", "kind"]
    date_hierarchy = "filed_on"
    raw_id_fields = ["subject", "records"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AgencyObjection)
class AgencyObjectionAdmin(AuditedAdmin):
    """Read-only: an objection a service agency received is recorded and handled by its staff on
    the workbench or through the API (`apps.objections.agency`); each agency's staff see their own."""

    list_display = ["number", "status", "agency", "report_number", "received_on", "marked_on", "outcome", "decided_on"]
    list_filter = ["status", "outcome"]
    date_hierarchy = "received_on"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
