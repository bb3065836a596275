"""Reads of the catalog app that other apps rely on. Catalogs and measure lists hold no personal
data, so these reads write no query log."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy

from apps.catalog.choices import ListStatus
from apps.catalog.models import Catalog, CatalogItem, ConsultationComment, ExemptionRule, ListDocument, Measure

MSG_ITEM_NOT_PUBLISHED = gettext_lazy(
    "The catalog item {code} “{name}” is not in a published catalog; records can only be made under published items."
)
MSG_ITEM_UNKNOWN = gettext_lazy("No published catalog item has the code {code}.")


def published_items() -> models.QuerySet[CatalogItem]:
    """The effective catalog: the items of the published versions of every level."""
    return CatalogItem.objects.filter(catalog__status=ListStatus.PUBLISHED).select_related("catalog")


def published_item(code: str) -> CatalogItem:
    """The effective item with this code, or ValidationError naming the code."""
    item = published_items().filter(code=code.strip()).first()
    if item is None:
        raise ValidationError(str(MSG_ITEM_UNKNOWN).format(code=code), code="item_unknown")
    return item


def require_published_item(item: CatalogItem) -> CatalogItem:
    """Other apps call this before recording anything under `item` (未经目录不得归集). It asks the
    database, not the item's cached catalog, which may be stale."""
    if not CatalogItem.objects.filter(pk=item.pk, catalog__status=ListStatus.PUBLISHED).exists():
        raise ValidationError(
            str(MSG_ITEM_NOT_PUBLISHED).format(code=item.code, name=item.name), code="item_not_published"
        )
    return item


def measures_for(status: str, matter: str) -> list[Measure]:
    """The published measures that apply to a subject of `status` (a MeasureTarget) in `matter`.

    A measure not published may not be applied (Nanjing art. 33, Tianjin art. 31).
    """
    candidates = Measure.objects.filter(measure_list__status=ListStatus.PUBLISHED, applies_to=status).select_related(
        "measure_list"
    )
    # `matters` is a short JSON list; filtering it in Python works the same on SQLite and PostgreSQL.
    return [measure for measure in candidates if matter in measure.matters]


def published_measures() -> models.QuerySet[Measure]:
    return Measure.objects.filter(measure_list__status=ListStatus.PUBLISHED)


def published_exemption_rules() -> models.QuerySet[ExemptionRule]:
    return ExemptionRule.objects.filter(exemption_list__status=ListStatus.PUBLISHED)


# --- what the public sees (/public/catalog/, no login) ------------------------------------------
# The catalog, the measure lists and the exemption list are published to the public once approved
# (the city's regulation, `Policy.regulation`); a list in public consultation is shown with its
# comments. Nothing else: a draft, an approved list not yet published and a superseded version are
# the workbench's.


def public_documents(model: type[ListDocument]) -> models.QuerySet:
    """The published versions of `model` (one per level at most), national level first."""
    return model.objects.filter(status=ListStatus.PUBLISHED).order_by("level", "-version")


def public_consultations(model: type[ListDocument]) -> models.QuerySet:
    """The versions of `model` in public consultation, newest consultation first."""
    return model.objects.filter(status=ListStatus.CONSULTATION).order_by("-consultation_start", "level")


def public_entries(document: ListDocument) -> models.QuerySet:
    entries = document.entries()
    return entries.prefetch_related("providers") if isinstance(document, Catalog) else entries


def public_item(catalog_pk: int, item_pk: int) -> CatalogItem | None:
    """An item of a published catalog, or None (an item of a draft is not the public's)."""
    return (
        CatalogItem.objects.filter(pk=item_pk, catalog_id=catalog_pk, catalog__status=ListStatus.PUBLISHED)
        .select_related("catalog")
        .prefetch_related("providers")
        .first()
    )


def public_comments(document: ListDocument) -> models.QuerySet[ConsultationComment]:
    """The comments on a list in consultation, oldest first, with the replies."""
    return document.comments.select_related("organization").order_by("created_at", "pk")


# --- version comparison -----------------------------------------------------------------------

COMPARED_FIELDS = {
    "catalog": [
        "name",
        "category",
        "severity",
        "subject_types",
        "disclosure",
        "sharing_scope",
        "frequency",
        "period_rule",
        "period_months",
        "publish_minor",
        "shown_with_organisation",
        "document_required",
        "consent_collected",
        "legal_basis",
        "record_fields",
        "description",
        "report_section",
    ],
    "measurelist": ["name", "kind", "applies_to", "matters", "implementing_body", "legal_basis", "content", "duration"],
    "exemptionlist": ["item_code", "conduct", "conditions", "legal_basis"],
}


@dataclass
class Change:
    code: str
    name: str
    fields: list[tuple[str, object, object]] = field(default_factory=list)  # (label, old, new)


@dataclass
class Comparison:
    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _providers(entry) -> list[str]:
    return sorted(entry.providers.values_list("name", flat=True)) if isinstance(entry, CatalogItem) else []


def compare_lists(old: ListDocument, new: ListDocument) -> Comparison:
    """Entries added, removed and changed (field by field) from `old` to `new`."""
    fields = COMPARED_FIELDS[old._meta.model_name]
    model = old.entries().model
    old_entries = {e.code: e for e in old.entries()}
    new_entries = {e.code: e for e in new.entries()}
    result = Comparison()
    result.added = [new_entries[c] for c in sorted(new_entries.keys() - old_entries.keys())]
    result.removed = [old_entries[c] for c in sorted(old_entries.keys() - new_entries.keys())]
    for code in sorted(old_entries.keys() & new_entries.keys()):
        before, after = old_entries[code], new_entries[code]
        change = Change(code=code, name=getattr(after, "name", "") or getattr(after, "conduct", "")[:40])
        for name in fields:
            if getattr(before, name) != getattr(after, name):
                label = model._meta.get_field(name).verbose_name
                change.fields.append((label, getattr(before, name), getattr(after, name)))
        if _providers(before) != _providers(after):
            change.fields.append(
                (CatalogItem._meta.get_field("providers").verbose_name, _providers(before), _providers(after))
            )
        if change.fields:
            result.changed.append(change)
    return result
