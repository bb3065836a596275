from django import template
from django.utils.hashable import make_hashable
from django.utils.translation import get_language, gettext

from apps.core.identifiers import KIND_CITIZEN_ID, identifier_kind, mask_identifier, mask_name

register = template.Library()


@register.filter
def masked(value: str) -> str:
    """A citizen ID shown as 320102********1234; organisation codes unchanged."""
    return mask_identifier(value or "")


@register.filter
def masked_name(value: str) -> str:
    return mask_name(value or "")


@register.filter
def logged_subject_name(entry) -> str:
    """The name on a query-log row as lists show it: a person's masked (张**), an organisation's
    in full — organisations' names are public (issue 17)."""
    name = entry.subject_name or ""
    return mask_name(name) if identifier_kind(entry.subject_identifier) == KIND_CITIZEN_ID else name


@register.filter
def query_mode_label(value: str) -> str:
    from apps.core.choices import QueryMode

    return QueryMode(value).label if value in QueryMode.values else value


@register.filter
def record_details(record) -> list[tuple[str, object]]:
    """(label, value) of a record's declared fields, in the item's order."""
    return declared_details(record.values, record.item.record_fields)


def declared_details(values: dict | None, record_fields: list[dict]) -> list[tuple[str, object]]:
    """(label, value) of the `values` an item's `record_fields` declare, in their order; a yes/no
    as 是/否."""
    values = values or {}
    shown = []
    for field in record_fields:
        if field["name"] in values:
            value = values[field["name"]]
            if isinstance(value, bool):
                value = gettext("Yes") if value else gettext("No")
            shown.append((field["label"], value))
    return shown


@register.filter
def measure_target_label(value: str) -> str:
    from apps.catalog.choices import MeasureTarget

    return MeasureTarget(value).label if value in MeasureTarget.values else value


@register.filter
def disclosure_end(record) -> str:
    """The last day a record is disclosed as the pages show it: 不公开 for a record that is not
    published at all (minor dishonest information: its end is the day before its period starts,
    which read as a date would say it was disclosed until before it was determined), — for one
    kept current, else the date."""
    return disclosure_end_shown(record.disclosure_basis, record.disclosure_ends_on)


def disclosure_end_shown(basis: str, ends_on) -> str:
    """`disclosure_end` of a record's disclosure basis and end read apart from the record."""
    from apps.subjects.choices import DisclosureBasis

    if basis == DisclosureBasis.NOT_PUBLISHED:
        return gettext("Not disclosed")
    if ends_on is None:
        return "—"
    return ends_on.isoformat()


@register.filter
def verbose_name_of(model) -> str:
    """A model's name as the interface shows it (templates cannot read `_meta`)."""
    return str(model._meta.verbose_name)


@register.filter
def app_name_of(model) -> str:
    return str(model._meta.app_config.verbose_name)


_choice_labels: dict[tuple, dict] = {}


@register.filter
def label(obj, field_name: str):
    """`{{ row|label:"purpose" }}`: what `row.get_purpose_display` gives, from a table of the
    field's labels built once per language. Django's rebuilds the field's whole choice list and
    translates every label of it on each call: on the credit file's records and lookup history
    that was most of the render time (issue 16)."""
    key = (type(obj), field_name, get_language())
    table = _choice_labels.get(key)
    if table is None:
        field = obj._meta.get_field(field_name)
        table = _choice_labels[key] = {make_hashable(value): str(text) for value, text in field.flatchoices}
    value = getattr(obj, field_name)
    return table.get(make_hashable(value), value)
