"""Workbench pages for catalogs, measure lists and exemption lists.

The three kinds of list share one lifecycle and one set of pages; `KINDS` says what differs.
Every write goes through a service; a service's ValidationError is shown on the form, a Conflict
as a message, a PermissionDenied as the 403 page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.catalog import services
from apps.catalog.exchange import ImportFailed, catalog_import, export_catalog
from apps.catalog.filters import CatalogItemFilter, ListDocumentFilter, MeasureFilter
from apps.catalog.forms import (
    ApproveForm,
    CatalogItemForm,
    CommentForm,
    ConsultationForm,
    ExemptionRuleForm,
    FieldFormSet,
    ImportForm,
    ListCreateForm,
    MeasureForm,
    PublishForm,
    ReasonForm,
    ReplyForm,
    field_formset_initial,
)
from apps.catalog.models import (
    Catalog,
    CatalogItem,
    ExemptionList,
    ExemptionRule,
    Measure,
    MeasureList,
)
from apps.catalog.selectors import compare_lists, published_items, published_measures
from apps.core.exceptions import Conflict
from apps.core.filters import filter_list
from apps.core.forms import add_service_errors
from apps.core.permissions import restrict


@dataclass(frozen=True)
class Kind:
    slug: str
    model: type
    entry_model: type
    entry_form: type
    parent_field: str
    label: str


KINDS = {
    "catalogs": Kind("catalogs", Catalog, CatalogItem, CatalogItemForm, "catalog", "catalog"),
    "measure-lists": Kind("measure-lists", MeasureList, Measure, MeasureForm, "measure_list", "measurelist"),
    "exemption-lists": Kind(
        "exemption-lists", ExemptionList, ExemptionRule, ExemptionRuleForm, "exemption_list", "exemptionlist"
    ),
}


def _kind(slug: str) -> Kind:
    if slug not in KINDS:
        raise Http404
    return KINDS[slug]


def _perm(kind: Kind, action: str, entry: bool = False) -> str:
    model = kind.entry_model if entry else kind.model
    return f"catalog.{action}_{model._meta.model_name}"


def _document(request, kind: Kind, pk: int):
    return get_object_or_404(restrict(kind.model.objects.all(), request.user, "view"), pk=pk)


def _detail_url(kind: Kind, document) -> str:
    return reverse("catalog:document_detail", args=[kind.slug, document.pk])


@login_required
def document_list(request, kind: str):
    kind = _kind(kind)
    if not request.user.has_perm(_perm(kind, "view")):
        raise Http404
    queryset = restrict(kind.model.objects.all(), request.user, "view")
    filterset_class = type(
        f"{kind.model.__name__}Filter",
        (ListDocumentFilter,),
        {"Meta": type("Meta", (ListDocumentFilter.Meta,), {"model": kind.model})},
    )
    filterset, documents = filter_list(filterset_class, request, queryset)
    can_create = request.user.has_perm(_perm(kind, "add"))
    return render(
        request,
        "catalog/document_list.html",
        {
            "kind": kind,
            "verbose_name": kind.model._meta.verbose_name,
            "verbose_name_plural": kind.model._meta.verbose_name_plural,
            "filter": filterset,
            "documents": documents.order_by("level", "-version"),
            "create_form": ListCreateForm(prefix="new") if can_create else None,
        },
    )


@login_required
@require_POST
def document_create(request, kind: str):
    kind = _kind(kind)
    form = ListCreateForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            document = services.list_create(
                kind.model,
                by=request.user,
                level=form.cleaned_data["level"],
                title=form.cleaned_data["title"],
                note=form.cleaned_data["note"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Draft %(document)s created.") % {"document": document})
            return redirect(_detail_url(kind, document))
    else:
        messages.error(request, _("Give the level, a title and a reason."))
    return redirect("catalog:document_list", kind.slug)


@login_required
def document_detail(request, kind: str, pk: int):
    kind = _kind(kind)
    document = _document(request, kind, pk)
    user = request.user
    entries = document.entries()
    if kind.model is Catalog:
        entries = entries.prefetch_related("providers")
    is_drafter = services.is_drafter(user)
    lifecycle = services.LIST_LIFECYCLE
    previous = document.based_on or (
        kind.model.objects.filter(level=document.level, version__lt=document.version).order_by("-version").first()
    )
    context = {
        "kind": kind,
        "document": document,
        "entries": entries,
        "comments": document.comments.select_related("author", "organization", "replied_by"),
        "previous": previous,
        "is_drafter": is_drafter,
        "can_edit": is_drafter and lifecycle.is_editable(document),
        "can_comment": user.has_perm("catalog.add_consultationcomment") and services.takes_comments(document),
        "state_note": lifecycle.note(document),
        "steps": [(offer, STEPS[offer.name][0]()) for offer in lifecycle.offered(document, user)],
        "comment_form": CommentForm(),
        "reply_form": ReplyForm(),
        "import_form": ImportForm() if kind.model is Catalog else None,
        "history": document.history.select_related("history_user")[:20],
    }
    return render(request, "catalog/document_detail.html", context)


STEPS = {
    "consultation": (
        ConsultationForm,
        lambda d, by, c: services.list_open_consultation(d, by=by, start=c["start"], end=c["end"], reason=c["reason"]),
    ),
    "reopen": (ReasonForm, lambda d, by, c: services.list_reopen(d, by=by, reason=c["reason"])),
    "approve": (
        ApproveForm,
        lambda d, by, c: services.list_approve(d, by=by, approval_document=c["approval_document"], reason=c["reason"]),
    ),
    "publish": (
        PublishForm,
        lambda d, by, c: services.list_publish(d, by=by, effective_date=c["effective_date"], reason=c["reason"]),
    ),
    "new-version": (ReasonForm, lambda d, by, c: services.list_new_version(d, by=by, reason=c["reason"])),
}


@login_required
@require_POST
def document_step(request, kind: str, pk: int, step: str):
    """One lifecycle step; the service checks who may take it and from which status."""
    kind = _kind(kind)
    document = _document(request, kind, pk)
    if step not in STEPS or not services.LIST_LIFECYCLE.has_step(step):
        raise Http404
    form_class, action = STEPS[step]
    form = form_class(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}：{' '.join(errors)}" if label else " ".join(errors))
        return redirect(_detail_url(kind, document))
    try:
        result = action(document, request.user, form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_detail_url(kind, document))
    messages.success(
        request,
        _("Done: %(document)s is now “%(status)s”.") % {"document": result, "status": result.get_status_display()},
    )
    return redirect(_detail_url(kind, result))


@login_required
@require_POST
def comment_add(request, kind: str, pk: int):
    kind = _kind(kind)
    document = _document(request, kind, pk)
    if not request.user.has_perm("catalog.add_consultationcomment"):
        raise Http404
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(
                document,
                by=request.user,
                text=form.cleaned_data["text"],
                on_behalf_of=form.cleaned_data["author_name"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Comment recorded."))
    else:
        messages.error(request, _("Write the comment."))
    return redirect(_detail_url(kind, document))


@login_required
@require_POST
def comment_reply(request, kind: str, pk: int, comment_pk: int):
    kind = _kind(kind)
    document = _document(request, kind, pk)
    comment = get_object_or_404(document.comments.all(), pk=comment_pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.comment_reply(comment, by=request.user, reply=form.cleaned_data["reply"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return redirect(_detail_url(kind, document))


# --- entries -----------------------------------------------------------------------------------


def _save_entry(kind: Kind, entry, form, request, formset=None):
    reason = form.cleaned_data["reason"]
    if kind.model is Catalog:
        entry.record_fields = [d for d in (f.definition() for f in formset.forms) if d]
        return services.catalog_item_save(
            entry, by=request.user, reason=reason, providers=form.cleaned_data["providers"]
        )
    if kind.model is MeasureList:
        return services.measure_save(entry, by=request.user, reason=reason)
    return services.exemption_rule_save(entry, by=request.user, reason=reason)


@login_required
def entry_edit(request, kind: str, pk: int, entry_pk: int | None = None):
    """Add an entry to a draft, or change one (catalog items with the field-schema editor)."""
    kind = _kind(kind)
    document = _document(request, kind, pk)
    if not request.user.has_perm(_perm(kind, "change" if entry_pk else "add", entry=True)):
        raise Http404
    entry = (
        get_object_or_404(document.entries(), pk=entry_pk)
        if entry_pk
        else kind.entry_model(**{kind.parent_field: document})
    )
    if not services.LIST_LIFECYCLE.is_editable(document):
        messages.error(request, str(services.MSG_NOT_DRAFT).format(status=document.get_status_display()))
        return redirect(_detail_url(kind, document))
    is_catalog = kind.model is Catalog
    if request.method == "POST":
        form = kind.entry_form(request.POST, instance=entry)
        formset = FieldFormSet(request.POST, prefix="fields") if is_catalog else None
        if form.is_valid() and (formset is None or formset.is_valid()):
            entry = form.save(commit=False)
            try:
                _save_entry(kind, entry, form, request, formset)
            except Conflict as error:
                messages.error(request, " ".join(error.messages))
                return redirect(_detail_url(kind, document))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Saved %(entry)s.") % {"entry": entry})
                return redirect(_detail_url(kind, document))
    else:
        form = kind.entry_form(instance=entry)
        formset = (
            FieldFormSet(prefix="fields", initial=field_formset_initial(entry.record_fields)) if is_catalog else None
        )
    return render(
        request,
        "catalog/entry_form.html",
        {"kind": kind, "document": document, "entry": entry, "form": form, "formset": formset},
    )


@login_required
@require_POST
def entry_remove(request, kind: str, pk: int, entry_pk: int):
    kind = _kind(kind)
    document = _document(request, kind, pk)
    entry = get_object_or_404(document.entries(), pk=entry_pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for removing the entry."))
    else:
        try:
            services.entry_remove(entry, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Removed %(entry)s.") % {"entry": entry})
    return redirect(_detail_url(kind, document))


# --- comparison, export, import ------------------------------------------------------------------


@login_required
def document_compare(request, kind: str, pk: int, other_pk: int):
    kind = _kind(kind)
    old, new = _document(request, kind, other_pk), _document(request, kind, pk)
    return render(
        request, "catalog/compare.html", {"kind": kind, "old": old, "new": new, "comparison": compare_lists(old, new)}
    )


@login_required
def catalog_export(request, pk: int, fmt: str):
    document = _document(request, KINDS["catalogs"], pk)
    if fmt not in ("xlsx", "csv"):
        raise Http404
    content_type = {
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "csv": "text/csv; charset=utf-8",
    }[fmt]
    response = HttpResponse(export_catalog(document, fmt), content_type=content_type)
    filename = f"catalog-{document.level}-v{document.version}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def catalog_import_view(request, pk: int):
    kind = KINDS["catalogs"]
    document = _document(request, kind, pk)
    if not services.is_drafter(request.user):
        raise PermissionDenied(str(services.MSG_ONLY_DRAFTERS))  # only the credit office imports items
    form = ImportForm(request.POST or None, request.FILES or None)
    row_errors, errors_omitted = [], 0
    if request.method == "POST" and form.is_valid():
        try:
            count = catalog_import(
                document,
                form.cleaned_data["file"],
                by=request.user,
                reason=form.cleaned_data["reason"],
                encoding=form.cleaned_data["encoding"] or None,
            )
        except ImportFailed as error:
            row_errors, errors_omitted = error.row_errors, error.omitted
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(count)d items imported.") % {"count": count})
            return redirect(_detail_url(kind, document))
    return render(
        request,
        "catalog/import.html",
        {"kind": kind, "document": document, "form": form, "row_errors": row_errors, "errors_omitted": errors_omitted},
    )


# --- what is in force ------------------------------------------------------------------------------


@login_required
@permission_required("catalog.view_catalogitem", raise_exception=True)
def published_item_list(request):
    queryset = (
        restrict(published_items(), request.user)
        .prefetch_related("providers")
        .order_by("catalog__level", "position", "code")
    )
    filterset, items = filter_list(CatalogItemFilter, request, queryset)
    return render(request, "catalog/published_items.html", {"filter": filterset, "items": items})


@login_required
@permission_required("catalog.view_measure", raise_exception=True)
def published_measure_list(request):
    queryset = restrict(published_measures(), request.user).select_related("measure_list")
    filterset, measures = filter_list(MeasureFilter, request, queryset)
    return render(request, "catalog/published_measures.html", {"filter": filterset, "measures": measures})
