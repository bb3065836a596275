"""Export of a catalog's items to XLSX or CSV, and import of a draft from the same format.

Columns carry Chinese labels; on import the header may use the labels or the field names, and
choice cells may hold the label or the code. An import is all or nothing: every row is checked
first and the errors come back with row, column and message; nothing is written unless all rows
are good.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.catalog.choices import Category, Disclosure, Frequency, PeriodRule, ReportSection, Severity, SubjectType
from apps.catalog.models import Catalog, CatalogItem
from apps.catalog.services import catalog_item_clean, catalog_item_save, require_draft, require_drafter
from apps.core.models import Organization
from apps.core.tabular import read_table, write_csv, write_xlsx
from apps.core.uploads import upload_limits

COLUMNS = [
    ("code", gettext_lazy("Code")),
    ("name", gettext_lazy("Name")),
    ("category", gettext_lazy("Category")),
    ("severity", gettext_lazy("Severity")),
    ("subject_types", gettext_lazy("Subject types")),
    ("providers", gettext_lazy("Providing organisations")),
    ("disclosure", gettext_lazy("Disclosure")),
    ("sharing_scope", gettext_lazy("Sharing scope")),
    ("frequency", gettext_lazy("Collection frequency")),
    ("period_rule", gettext_lazy("Disclosure period")),
    ("period_months", gettext_lazy("Period of its own (months)")),
    ("publish_minor", gettext_lazy("Minor records published")),
    ("shown_with_organisation", gettext_lazy("Shown under the organisation")),
    ("document_required", gettext_lazy("Document required")),
    ("consent_collected", gettext_lazy("Written consent")),
    ("legal_basis", gettext_lazy("Legal basis")),
    ("record_fields", gettext_lazy("Record fields (JSON)")),
    ("description", gettext_lazy("Description")),
    ("report_section", gettext_lazy("Credit report section")),
]
CHOICES = {
    "category": Category,
    "severity": Severity,
    "disclosure": Disclosure,
    "frequency": Frequency,
    "period_rule": PeriodRule,
    "report_section": ReportSection,
}
LIST_SEPARATORS = re.compile(r"[,，;；、\n]+")
YES = {"是", "yes", "true", "1", "y"}
NO = {"否", "no", "false", "0", "n", ""}


def _label(value, choices) -> str:
    return str(choices(value).label) if value else ""


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def export_rows(catalog: Catalog) -> tuple[list[str], list[list]]:
    headers = [str(label) for _name, label in COLUMNS]
    rows = []
    for item in catalog.items.prefetch_related("providers"):
        rows.append(
            [
                item.code,
                item.name,
                _label(item.category, Category),
                _label(item.severity, Severity),
                "、".join(str(SubjectType(t).label) for t in item.subject_types),
                "、".join(org.unified_code for org in item.providers.all()),
                _label(item.disclosure, Disclosure),
                item.sharing_scope,
                _label(item.frequency, Frequency),
                _label(item.period_rule, PeriodRule),
                item.period_months or "",
                _yes_no(item.publish_minor),
                _yes_no(item.shown_with_organisation),
                _yes_no(item.document_required),
                _yes_no(item.consent_collected),
                item.legal_basis,
                json.dumps(item.record_fields, ensure_ascii=False),
                item.description,
                _label(item.report_section, ReportSection),
            ]
        )
    return headers, rows


def export_catalog(catalog: Catalog, fmt: str) -> bytes:
    headers, rows = export_rows(catalog)
    if fmt == "xlsx":
        return write_xlsx(headers, rows, title=f"{catalog.get_level_display()} v{catalog.version}")
    return write_csv(headers, rows)


@dataclass
class RowError:
    row: int
    column: str
    message: str


class ImportFailed(ValidationError):
    """Carries the row errors (at most UPLOAD_MAX_ROW_ERRORS, `omitted` counts the others);
    nothing was written."""

    def __init__(self, errors: list[RowError], omitted: int = 0):
        self.row_errors = errors
        self.omitted = omitted
        super().__init__([f"{_('Row')} {e.row}, {e.column}: {e.message}" for e in errors], code="import")


def _choice(value, choices, allow_blank=False) -> str:
    text = str(value).strip()
    if not text and allow_blank:
        return ""
    lookup = {v: v for v in choices.values}
    lookup.update({str(label): v for v, label in choices.choices})
    if text not in lookup:
        raise ValueError(
            _("“%(value)s” is not one of %(choices)s.")
            % {"value": text, "choices": "、".join(str(label) for _v, label in choices.choices)}
        )
    return lookup[text]


def _months(value) -> int | None:
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{1,3}(\.0+)?", text):
        raise ValueError(_("“%(value)s” is not a whole number of months.") % {"value": text[:20]})
    return int(text.split(".")[0])


def _yes(value) -> bool:
    text = str(value).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(_("“%(value)s” is not 是 or 否.") % {"value": value})


def _subject_types(value) -> list[str]:
    return [_choice(part, SubjectType) for part in LIST_SEPARATORS.split(str(value)) if part.strip()]


def _providers(value) -> list[Organization]:
    found = []
    for part in LIST_SEPARATORS.split(str(value)):
        part = part.strip()
        if not part:
            continue
        org = (
            Organization.objects.filter(unified_code=part.upper()).first()
            or Organization.objects.filter(name=part).first()
        )
        if org is None:
            raise ValueError(_("No organisation has the code or name “%(value)s”.") % {"value": part})
        found.append(org)
    return found


def _fields(value):
    text = str(value).strip()
    if not text:
        return []
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(_("not valid JSON (%(error)s).") % {"error": error.msg}) from None


PARSERS = {
    "category": lambda v: _choice(v, Category),
    "severity": lambda v: _choice(v, Severity, allow_blank=True),
    "disclosure": lambda v: _choice(v, Disclosure),
    "frequency": lambda v: _choice(v, Frequency),
    "period_rule": lambda v: _choice(v, PeriodRule),
    "report_section": lambda v: _choice(v, ReportSection, allow_blank=True),
    "period_months": _months,
    "publish_minor": _yes,
    "shown_with_organisation": _yes,
    "document_required": _yes,
    "consent_collected": _yes,
    "subject_types": _subject_types,
    "record_fields": _fields,
}


def _column_map(headers: list[str]) -> dict[int, str]:
    names = {name: name for name, _label in COLUMNS}
    names.update({str(label): name for name, label in COLUMNS})
    mapping = {}
    for index, header in enumerate(headers):
        name = names.get(str(header).strip())
        if name:
            mapping[index] = name
    missing = {"code", "name", "category"} - set(mapping.values())
    if missing:
        labels = dict(COLUMNS)
        raise ImportFailed(
            [RowError(1, str(labels[m]), _("The header row lacks this column.")) for m in sorted(missing)]
        )
    return mapping


def parse_items(catalog: Catalog, file, *, encoding: str | None = None) -> list[tuple[CatalogItem, list]]:
    """Read and check every row; returns unsaved items with their providers, or raises ImportFailed."""
    table = read_table(file, encoding=encoding)  # held to the upload limits (apps.core.uploads)
    mapping = _column_map(table.headers)
    labels = {name: str(label) for name, label in COLUMNS}
    existing = {item.code: item for item in catalog.items.all()}
    seen: dict[str, int] = {}
    parsed, errors = [], []
    errors_kept = upload_limits().max_row_errors
    omitted = 0
    for number, cells in table.rows:
        values = {mapping[i]: cell for i, cell in enumerate(cells) if i in mapping}
        code = str(values.get("code", "")).strip()
        item = existing.get(code) or CatalogItem(catalog=catalog)
        providers = []
        row_errors = []
        if code in seen:
            row_errors.append(
                RowError(number, labels["code"], _("The code is also used in row %(row)d.") % {"row": seen[code]})
            )
        seen[code] = number
        for name, raw in values.items():
            try:
                if name == "providers":
                    providers = _providers(raw)
                elif name in PARSERS:
                    setattr(item, name, PARSERS[name](raw))
                else:
                    setattr(item, name, "" if raw is None else str(raw).strip())
            except (ValueError, TypeError, OverflowError) as error:
                row_errors.append(RowError(number, labels[name], str(error)))
        if not row_errors:
            try:
                catalog_item_clean(item)
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    column = labels.get(field, field)
                    row_errors.extend(RowError(number, column, message) for message in messages)
        room = max(errors_kept - len(errors), 0)
        errors.extend(row_errors[:room])
        omitted += len(row_errors[room:])
        parsed.append((item, providers))
    if errors:
        raise ImportFailed(errors, omitted)
    if not parsed:
        raise ImportFailed([RowError(2, labels["code"], _("The file has no rows."))])
    return parsed


@transaction.atomic
def catalog_import(catalog: Catalog, file, *, by, reason: str, encoding: str | None = None) -> int:
    """Import items into a draft catalog, all or nothing; returns how many rows were saved."""
    require_drafter(by)
    require_draft(catalog)
    parsed = parse_items(catalog, file, encoding=encoding)
    for item, providers in parsed:
        catalog_item_save(item, by=by, reason=reason, providers=providers)
    return len(parsed)
