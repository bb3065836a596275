"""Admin for catalogs and lists. Daily work happens on the workbench pages; here the lists are
read-only (their lifecycle steps are services), and entries of a draft can be edited with a
reason. A published list and its entries cannot be changed (403)."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.catalog import services
from apps.catalog.models import (
    Catalog,
    CatalogItem,
    ConsultationComment,
    ExemptionList,
    ExemptionRule,
    Measure,
    MeasureList,
)
from apps.core.admin_base import AuditedAdmin, ReasonModelForm


class ListDocumentAdmin(AuditedAdmin):
    list_display = ["title", "level", "version", "status", "effective_date", "workbench"]
    list_filter = ["level", "status"]
    search_fields = ["title", "approval_document"]

    @admin.display(description=_("workbench"))
    def workbench(self, obj):
        slug = {Catalog: "catalogs", MeasureList: "measure-lists", ExemptionList: "exemption-lists"}[type(obj)]
        return format_html('<a href="{}">{}</a>', reverse("catalog:document_detail", args=[slug, obj.pk]), _("open"))

    def has_add_permission(self, request):
        return False  # drafts start on the workbench, where the lifecycle is

    def has_change_permission(self, request, obj=None):
        return False  # every change is a lifecycle step (a service with a reason)


admin.site.register(Catalog, ListDocumentAdmin)
admin.site.register(MeasureList, ListDocumentAdmin)
admin.site.register(ExemptionList, ListDocumentAdmin)


class EntryAdminForm(ReasonModelForm):
    """Runs the service's checks while the form validates, so errors show on the form."""

    parent_field = ""

    def _post_clean(self):
        super()._post_clean()
        parent = getattr(self.instance, f"{self.parent_field}_id", None) and getattr(self.instance, self.parent_field)
        if parent is not None and not services.LIST_LIFECYCLE.is_editable(parent):
            self.add_error(self.parent_field, _("Only entries of a draft can be added or changed."))
            return
        check = {CatalogItem: services.catalog_item_clean, Measure: services.measure_clean}.get(type(self.instance))
        if check is not None and parent is not None:
            try:
                check(self.instance)
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    for message in messages:
                        self.add_error(field if field in self.fields else None, message)


class EntryAdmin(AuditedAdmin):
    parent_field = ""

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"parent_field": self.parent_field})

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(self.parent_field)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == self.parent_field:
            kwargs["queryset"] = db_field.related_model.objects.filter(status__in=services.LIST_LIFECYCLE.editable)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or services.LIST_LIFECYCLE.is_editable(getattr(obj, self.parent_field)))


@admin.register(CatalogItem)
class CatalogItemAdmin(EntryAdmin):
    form = type(
        "CatalogItemAdminForm",
        (EntryAdminForm,),
        {"Meta": type("Meta", (), {"model": CatalogItem, "fields": "__all__"})},
    )
    parent_field = "catalog"
    list_display = ["code", "name", "category", "disclosure", "catalog"]
    list_filter = ["category", "disclosure", "catalog__level", "catalog__status"]
    search_fields = ["code", "name"]
    filter_horizontal = ["providers"]

    def save_model(self, request, obj, form, change):
        services.catalog_item_save(
            obj, by=request.user, reason=form.cleaned_data["change_reason"], providers=form.cleaned_data["providers"]
        )

    def save_related(self, request, form, formsets, change):
        pass  # providers were set by the service


@admin.register(Measure)
class MeasureAdmin(EntryAdmin):
    form = type(
        "MeasureAdminForm", (EntryAdminForm,), {"Meta": type("Meta", (), {"model": Measure, "fields": "__all__"})}
    )
    parent_field = "measure_list"
    list_display = ["code", "name", "kind", "applies_to", "implementing_body", "measure_list"]
    list_filter = ["kind", "applies_to", "measure_list__status"]
    search_fields = ["code", "name", "content"]

    def save_with_reason(self, request, obj, reason):
        services.measure_save(obj, by=request.user, reason=reason)


@admin.register(ExemptionRule)
class ExemptionRuleAdmin(EntryAdmin):
    form = type(
        "ExemptionRuleAdminForm",
        (EntryAdminForm,),
        {"Meta": type("Meta", (), {"model": ExemptionRule, "fields": "__all__"})},
    )
    parent_field = "exemption_list"
    list_display = ["code", "item_code", "conduct", "exemption_list"]
    search_fields = ["code", "conduct"]

    def save_with_reason(self, request, obj, reason):
        services.exemption_rule_save(obj, by=request.user, reason=reason)


@admin.register(ConsultationComment)
class ConsultationCommentAdmin(AuditedAdmin):
    list_display = ["created_at", "author", "author_name", "organization", "content_type", "object_id"]
    readonly_fields = [
        "content_type",
        "object_id",
        "author",
        "author_name",
        "organization",
        "text",
        "reply",
        "replied_at",
        "replied_by",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
