"""Read-only admin of the registry: filings and business information are filed by the agencies and
reviewed by the authority on the workbench or through the API (`apps.service_agencies.services`)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.core.admin_base import AuditedAdmin, code_label
from apps.core.choices import QueryChannel
from apps.service_agencies.models import BusinessReport, FreeReport, PushedReport, RegistryFiling, SupervisionAction


class ReadOnlyAdmin(AuditedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RegistryFiling)
class RegistryFilingAdmin(ReadOnlyAdmin):
    list_display = ["number", "name", "unified_code", "status", "filed_on", "published_on", "removed_on"]
    list_filter = ["status"]
    date_hierarchy = "filed_on"
    search_fields = ["number", "name", "unified_code"]


@admin.register(BusinessReport)
class BusinessReportAdmin(ReadOnlyAdmin):
    list_display = ["agency", "year", "staff_count", "filed_on"]
    list_filter = ["year"]


@admin.register(SupervisionAction)
class SupervisionActionAdmin(ReadOnlyAdmin):
    list_display = ["taken_on", "agency", "kind", "finding", "published_on", "materials_received_on"]
    list_filter = ["kind", "finding"]
    date_hierarchy = "taken_on"


@admin.register(FreeReport)
class FreeReportAdmin(ReadOnlyAdmin):
    """The person's citizen ID is shown masked, here as on the pages."""

    list_display = ["agency", "masked_identifier", "given_on", "report_number"]
    date_hierarchy = "given_on"
    exclude = ["person_identifier"]
    readonly_fields = ["masked_identifier"]


@admin.register(PushedReport)
class PushedReportAdmin(ReadOnlyAdmin):
    """Pushed by the body that used the report (Nanjing art. 65), on the workbench or the API."""

    list_display = ["report_number", "agency", "subject", "matter_kind", "report_date", "pushing_org", "pushed_on"]
    list_filter = ["matter_kind"]
    date_hierarchy = "pushed_on"
    search_fields = ["report_number"]
    exclude = ["file"]


# Batch-query applications (Nanjing art. 67): applied for and run by the agencies, decided by the
# credit office on the workbench or through the API (`apps.service_agencies.services_batch`).
from apps.service_agencies.models_batch import BatchQueryApplication, BatchQueryRun  # noqa: E402


@admin.register(BatchQueryApplication)
class BatchQueryApplicationAdmin(ReadOnlyAdmin):
    list_display = ["number", "agency", "status", "received_on", "subject_count", "approved_count", "valid_until"]
    list_filter = ["status"]
    date_hierarchy = "received_on"
    search_fields = ["number"]
    exclude = ["identifiers"]  # the subjects' identifiers: looked up by the agency's runs only


@admin.register(BatchQueryRun)
class BatchQueryRunAdmin(ReadOnlyAdmin):
    """The result files are the agency's alone (downloaded from the application's page)."""

    list_display = ["application", "sequence", "ran_at", "subjects", "found", "records"]
    exclude = ["result_csv", "result_xlsx", "channel"]
    readonly_fields = ["channel_label"]
    channel_label = code_label("channel", QueryChannel, _("channel"))
