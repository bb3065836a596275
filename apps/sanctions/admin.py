"""Admin for list cases and checks: read-only. Every case step is a service with a reason, taken
on the workbench or through the API; checks and feedback are append-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.catalog.choices import Matter
from apps.core.admin_base import AppendOnlyAdmin, AuditedAdmin, code_filter, code_label, with_labels
from apps.core.choices import QueryChannel
from apps.sanctions.models import CheckFeedback, ListEntry, ListingCase, SanctionCheck


class ReadOnlyAuditedAdmin(AuditedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ListingCase)
class ListingCaseAdmin(ReadOnlyAuditedAdmin):
    list_display = ["id", "list_type", "subject", "deciding_org", "status", "statement_due", "listing_end"]
    list_filter = ["list_type", "status"]
    raw_id_fields = ["subject", "basis_records"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("deadlines__pauses")

    @admin.display(description=_("statement due"))
    def statement_due(self, obj):
        period = obj.statement_period
        return period.due_on if period else None


@admin.register(ListEntry)
class ListEntryAdmin(ReadOnlyAuditedAdmin):
    list_display = ["case", "subject", "role", "start", "end", "active"]
    list_filter = ["role", "active"]


@admin.register(SanctionCheck)
class SanctionCheckAdmin(AppendOnlyAdmin):
    list_display = ["id", "created_at", "organization", "matter_label", "statuses", "channel_label"]
    list_filter = [code_filter("matter", Matter, _("matter")), code_filter("channel", QueryChannel, _("channel"))]
    list_select_related = ["organization"]
    exclude = ["matter", "channel"]
    matter_label = code_label("matter", Matter, _("matter"))
    channel_label = code_label("channel", QueryChannel, _("channel"))

    def get_readonly_fields(self, request, obj=None):
        labels = {"matter": "matter_label", "channel": "channel_label"}
        return with_labels(super().get_readonly_fields(request, obj), labels)


@admin.register(CheckFeedback)
class CheckFeedbackAdmin(AppendOnlyAdmin):
    list_display = ["check_ref", "measure", "applied", "reason", "recorded_at"]
    list_select_related = ["check_ref", "measure"]
    list_filter = ["applied"]
