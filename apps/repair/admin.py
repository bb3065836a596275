"""Admin for credit repair: read-only. Every step is a service with a reason, taken on the
workbench or through the API."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.core.admin_base import AuditedAdmin, RestrictedAdminMixin, code_filter, code_label
from apps.core.choices import GoodInfoHiding
from apps.repair.models import GoodInfoRequest, Interview, RepairApplication, RepairEvent


class _ReadOnly:
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RepairApplication)
class RepairApplicationAdmin(_ReadOnly, AuditedAdmin):
    list_display = ["number", "status", "channel", "received_on", "agency", "outcome", "decided_on", "delivered_on"]
    list_filter = ["status", "channel", "outcome"]
    date_hierarchy = "received_on"
    raw_id_fields = ["subject", "records", "listing"]
    list_select_related = ["agency"]


@admin.register(GoodInfoRequest)
class GoodInfoRequestAdmin(_ReadOnly, AuditedAdmin):
    list_display = ["number", "status", "mode_label", "received_on", "applied_on"]
    list_filter = ["status", code_filter("mode", GoodInfoHiding, _("how"))]
    date_hierarchy = "received_on"
    raw_id_fields = ["subject", "records"]
    exclude = ["mode"]
    readonly_fields = ["mode_label"]
    mode_label = code_label("mode", GoodInfoHiding, _("how"))


@admin.register(Interview)
class InterviewAdmin(_ReadOnly, AuditedAdmin):
    list_display = ["subject", "kind", "held_on", "agency"]
    list_filter = ["kind"]
    date_hierarchy = "held_on"
    raw_id_fields = ["subject", "records"]
    list_select_related = ["subject", "agency"]


@admin.register(RepairEvent)
class RepairEventAdmin(_ReadOnly, RestrictedAdminMixin, admin.ModelAdmin):
    list_display = ["id", "kind", "occurred_at", "subject", "decision_number"]
    list_filter = ["kind"]
    raw_id_fields = ["subject", "application", "good_info_request"]

    def has_delete_permission(self, request, obj=None):
        return False
