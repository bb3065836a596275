"""Batch ingestion (归集): an agency's rows for one catalog item, from a CSV/XLSX file or an API post.

1. `batch_upload` / `batch_from_rows` store the file and queue the check (a worker runs it,
   `apps.subjects.ingestion_jobs`): `check_rows` reads every row (streaming) and checks it like
   a record entered by hand (identifier check digits, subject type allowed by the item, required
   document, the item's declared fields, dates the policy counts from); `check_finish` stores
   each problem with its row, column and message. Nothing is written to the credit files.
2. `batch_submit` queues the write; `write_rows` writes the valid rows inside one transaction:
   a failure anywhere leaves nothing behind. Unknown subjects are created from the row
   (identifier + name). The same source row sent again (agency + source record id, or agency +
   item + subject + document number) updates the record instead of adding one. History rows
   carry the officer and reason. On PostgreSQL the check leaves the rows in the batch's staging
   table and the rules that meet the data on file are SQL over it; the submit writes from it with
   `INSERT … SELECT` / `UPDATE … FROM` and history rows by `INSERT … SELECT`, without reading the
   file again when the file and the rules are unchanged since the check (`check_digest`;
   apps.subjects.ingestion_pg). Elsewhere the submit reads and checks the rows again and writes
   them in chunks through the bulk helpers of apps.core.audit.
3. `batch_integrate`: the credit office confirms the integration into the credit files within
   the policy's working days (Ningbo art. 18).

Memory stays bounded: rows are read one at a time and written `CHUNK` at a time; only the keys
already seen in the file are kept, to report duplicates within one file.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from apps.catalog.choices import Category, FieldType, Severity, SubjectType
from apps.catalog.models import CatalogItem
from apps.catalog.schema import clean_record_values, parse_date
from apps.catalog.selectors import require_published_item
from apps.core.audit import audited_save, bulk_create_audited, bulk_update_audited
from apps.core.choices import DeadlineKind, Role
from apps.core.deadlines import deadline_meet, deadline_open
from apps.core.exceptions import Conflict
from apps.core.identifiers import mask_identifier
from apps.core.models import Organization
from apps.core.selectors import active_policy
from apps.core.services import require_reason
from apps.core.tabular import read_table, write_csv, write_xlsx
from apps.core.uploads import check_posted_rows
from apps.subjects import ingestion_pg
from apps.subjects.choices import BatchStatus, BatchStep, Channel, RecordStatus
from apps.subjects.disclosure import extensions_for
from apps.subjects.models import CreditRecord, ImportBatch, Subject
from apps.subjects.services import (
    MSG_RECORD_CLOSED,
    RECORD_FIELDS_EDITABLE,
    check_record,
    clean_identifier,
    notify_records_created,
    require_provider_officer,
)

CHUNK = 1000
DISTINCT_CACHED = 4096  # distinct values (dates, value sets) checked once per file, at most this many kept
# Part of the rules' digest (check_digest): change it when a check changes, so that a batch
# checked before the change is checked again at its submit.
CHECK_VERSION = "2026-12-05"

STANDARD_COLUMNS = [
    ("identifier", gettext_lazy("Subject identifier")),
    ("name", gettext_lazy("Subject name")),
    ("subject_type", gettext_lazy("Subject type")),
    ("document_number", gettext_lazy("Document number")),
    ("document_date", gettext_lazy("Document date")),
    ("determined_on", gettext_lazy("Determined on")),
    ("ended_on", gettext_lazy("Conduct ended on")),
    ("custodial_sentence_end", gettext_lazy("Custodial sentence served on")),
    ("severity", gettext_lazy("Severity")),
    ("source_record_id", gettext_lazy("Source record id")),
]
DATE_COLUMNS = {"document_date", "determined_on", "ended_on", "custodial_sentence_end"}
# What a resent row can change; a row equal on all of these is left alone (no write, no history).
COMPARED_FIELDS = [*RECORD_FIELDS_EDITABLE, "disclosure_ends_on", "disclosure_basis"]
UPDATED_FIELDS = [
    "document_number",
    "document_date",
    "determined_on",
    "ended_on",
    "custodial_sentence_end",
    "severity",
    "values",
    "disclosure_ends_on",
    "disclosure_basis",
    "batch",
    "updated_at",
    "updated_by",
]

MSG_NUL = gettext_lazy("The cell contains a NUL character (\\0); remove it.")
MSG_HEADER_UNKNOWN = gettext_lazy("“{column}” is neither a standard column nor a field of the catalog item {code}.")
MSG_HEADER_MISSING = gettext_lazy("The header row lacks this column.")
MSG_HEADER_COLUMNS = gettext_lazy("The template's columns: {expected}. The file's header row: {found}.")
# A line of the file whose first cell starts with this is a note (the template's explanations),
# never a row: skipped, its number kept so that the rows after it are reported where they are.
NOTE_PREFIX = "#"
MSG_DUPLICATE = gettext_lazy("The same source record as row {row}.")
MSG_OTHER_SUBJECT = gettext_lazy("The source record {source} is already on file for another subject ({owner}).")
MSG_NOT_SUBMITTABLE = gettext_lazy("A batch can be submitted once, after it was checked; this one is “{status}”.")
MSG_NOTHING_VALID = gettext_lazy("No row of this batch is valid; fix the file and upload it again.")
MSG_CONCURRENT = gettext_lazy(
    "Another batch was writing the same subjects or records at the same moment; nothing was written. Submit again."
)
MSG_ONLY_OFFICE = gettext_lazy("Only the credit office integrates batches.")
MSG_RUNNING = gettext_lazy("This batch is being submitted already; wait until it is done.")
MSG_NOT_WITHDRAWABLE = gettext_lazy(
    "Only a batch that was checked and not submitted, or whose job failed, can be withdrawn; this one is “{status}”."
)
WITHDRAWABLE = (BatchStatus.VALIDATED, BatchStatus.HAS_ERRORS, BatchStatus.FAILED)


@dataclass
class ParsedRow:
    number: int
    identifier: str = ""
    kind: str = ""
    name: str = ""
    record: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    source_record_id: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, message)


def template_columns(item: CatalogItem) -> list[str]:
    """The header of an upload template for `item`, in Chinese labels."""
    return [str(label) for _name, label in STANDARD_COLUMNS] + [f["label"] for f in item.record_fields]


@dataclass(frozen=True)
class ColumnGuide:
    label: str
    required: bool
    what: str  # what to write: the format or the allowed values
    example: str


def _choice_labels(choices) -> str:
    return "、".join(str(label) for _value, label in choices.choices)


def template_guide(item: CatalogItem) -> list[ColumnGuide]:
    """What to write in each column of `item`'s template: required or not, the format or the
    allowed values (the same the check accepts), and an example. Shown in the templates (notes
    in the CSV, a second sheet in the XLSX) so an officer needs no error message to learn them."""
    dates = _("A date such as 2026-03-01.")
    standard = {
        "identifier": (
            True,
            _("The 18-character unified social credit code or citizen ID number."),
            "91320100MA1XXXXXXX",
        ),
        "name": (True, _("The subject's full name as registered."), "南京某某科技有限公司"),
        "subject_type": (False, _("One of: %(values)s.") % {"values": _choice_labels(SubjectType)}, ""),
        "document_number": (False, _("The number of the document that made the finding."), "宁市监罚〔2026〕1号"),
        "document_date": (False, dates, "2026-03-01"),
        "determined_on": (False, dates, "2026-03-01"),
        "ended_on": (False, dates, ""),
        "custodial_sentence_end": (False, dates, ""),
        "severity": (
            item.category == Category.DISHONEST,
            _("One of: %(values)s.") % {"values": _choice_labels(Severity)},
            str(Severity.GENERAL.label) if item.category == Category.DISHONEST else "",
        ),
        "source_record_id": (
            False,
            _("Your system's own id of the record: a record sent again with it is updated, not added."),
            "CF-2026-000001",
        ),
    }
    if item.subject_types:
        labels = "、".join(str(SubjectType(t).label) for t in item.subject_types if t in SubjectType.values)
        required, _what, example = standard["subject_type"]
        standard["subject_type"] = (required, _("One of: %(values)s.") % {"values": labels}, example)
    guide = [ColumnGuide(str(label), *standard[name]) for name, label in STANDARD_COLUMNS]
    kinds = {
        FieldType.TEXT: _("Text."),
        FieldType.INTEGER: _("A whole number."),
        FieldType.DECIMAL: _("A number, such as 5000 or 1250.50."),
        FieldType.DATE: dates,
        FieldType.BOOLEAN: _("是 or 否."),
    }
    examples = {
        FieldType.INTEGER: "3",
        FieldType.DECIMAL: "5000",
        FieldType.DATE: "2026-03-01",
        FieldType.BOOLEAN: "是",
    }
    for field_ in item.record_fields:
        kind = field_["type"]
        if kind == FieldType.CHOICE:
            what = _("One of: %(values)s.") % {"values": "、".join(field_["choices"])}
            example = field_["choices"][0]
        else:
            what = str(kinds.get(kind, ""))
            if field_.get("max_length"):
                what += " " + _("At most %(max)d characters.") % {"max": field_["max_length"]}
            example = examples.get(kind, "")
        guide.append(ColumnGuide(field_["label"], bool(field_.get("required")), what, example))
    return guide


def template_csv(item: CatalogItem) -> bytes:
    """The CSV template: the header row, then one note line a column (first cell starting with
    NOTE_PREFIX: skipped when the file is read), saying what to write and giving an example."""
    required, optional = _("required"), _("optional")
    notes = [[f"{NOTE_PREFIX} " + _("Lines starting with # are notes and are not read; delete them or leave them.")]]
    for column in template_guide(item):
        line = f"{NOTE_PREFIX} {column.label}（{required if column.required else optional}）：{column.what}"
        if column.example:
            line += " " + _("Example: %(example)s") % {"example": column.example}
        notes.append([line])
    return write_csv(template_columns(item), notes)


def template_xlsx(item: CatalogItem) -> bytes:
    """The XLSX template: the header row on the first sheet (the only one read), and a second
    sheet with each column's explanation and example."""
    required, optional = _("required"), _("optional")
    guide = [
        [column.label, required if column.required else optional, column.what, column.example]
        for column in template_guide(item)
    ]
    headers = [
        pgettext("template guide", "Column"),
        pgettext("template guide", "Required"),
        pgettext("template guide", "What to write"),
        pgettext("template guide", "Example"),
    ]
    return write_xlsx(template_columns(item), [], title=item.code, sheets=[(str(_("How to fill in")), headers, guide)])


def _header(header) -> str:
    """A header as matched and reported (NUL removed: PostgreSQL cannot store it)."""
    return str(header).replace("\x00", "").strip()


class RowReader:
    """Turns raw rows (dicts keyed by header) into ParsedRows for one item and provider."""

    def __init__(self, item: CatalogItem, headers: list[str]):
        self.item = item
        self.headers = list(headers)
        self.labels = {name: str(label) for name, label in STANDARD_COLUMNS}
        standard = {name: name for name, _label in STANDARD_COLUMNS} | {
            str(label): name for name, label in STANDARD_COLUMNS
        }
        fields = {f["name"]: f["name"] for f in item.record_fields} | {
            f["label"]: f["name"] for f in item.record_fields
        }
        self.field_labels = {f["name"]: f["label"] for f in item.record_fields}
        self.columns: dict[str, tuple[str, str]] = {}  # header -> ("std"|"field", name)
        self.header_errors: list[tuple[str, str]] = []
        for header in headers:
            header = _header(header)
            if not header:
                continue
            if header in standard:
                self.columns[header] = ("std", standard[header])
            elif header in fields:
                self.columns[header] = ("field", fields[header])
            else:
                self.header_errors.append((header, str(MSG_HEADER_UNKNOWN).format(column=header, code=item.code)))
        self._dates: dict[str, datetime.date | None] = {}  # the few distinct dates of a file, parsed once
        self._lookups: dict = {}
        self._targets: dict = {}  # a header as read -> its column
        present = {name for kind, name in self.columns.values() if kind == "std"}
        for required in ("identifier", "name"):
            if required not in present:
                self.header_errors.append((self.labels[required], str(MSG_HEADER_MISSING)))
        if self.header_errors:
            # name what was expected and what was found once, beside the first header error
            found = "、".join(_header(h) for h in headers if _header(h)) or "—"
            column, message = self.header_errors[0]
            summary = str(MSG_HEADER_COLUMNS).format(expected="、".join(template_columns(item)), found=found)
            self.header_errors[0] = (column, f"{message} {summary}")

    def parse(self, number: int, raw: dict) -> ParsedRow:
        row = ParsedRow(number=number)
        kind_text = ""
        targets = self._targets
        for header, value in raw.items():
            if header not in targets:  # once per header of the file
                targets[header] = self.columns.get(_header(header))
            target = targets[header]
            if target is None:
                continue
            if isinstance(value, str) and "\x00" in value:
                row.errors.append((_header(header), str(MSG_NUL)))
                value = value.replace("\x00", "")  # the row is invalid; parse the rest for other errors
            kind, name = target
            if kind == "field":
                row.values[name] = value
                continue
            text = "" if value is None else str(value).strip()
            if name == "identifier":
                row.identifier = text
            elif name == "name":
                row.name = text
            elif name == "subject_type":
                kind_text = text
            elif name == "source_record_id":
                row.source_record_id = text
            elif name in DATE_COLUMNS:
                row.record[name] = self._date(row, name, value, text)
            elif name == "severity":
                row.record[name] = self._choice(row, name, text, Severity)
            else:
                row.record[name] = text
        if kind_text:
            row.kind = self._choice(row, "subject_type", kind_text, SubjectType)
        if not row.name:
            row.errors.append((self.labels["name"], _("The subject's name is required.")))
        if not row.identifier:
            row.errors.append((self.labels["identifier"], _("The subject's identifier is required.")))
        else:
            try:
                row.kind, row.identifier = clean_identifier(row.identifier, row.kind or None)
            except ValidationError as error:
                row.errors.append((self.labels["identifier"], " ".join(error.messages)))
        return row

    def _date(self, row: ParsedRow, name: str, value, text: str):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if not text:
            return None
        day = self._dates.get(text, ...)
        if day is ...:
            day = parse_date(text)
            if len(self._dates) < DISTINCT_CACHED:
                self._dates[text] = day
        if day is not None:
            return day
        row.errors.append((self.labels[name], _("“%(value)s” is not a date such as 2026-03-01.") % {"value": text}))
        return None

    def _choice(self, row: ParsedRow, name: str, text: str, choices) -> str:
        if not text:
            return ""
        lookup = self._lookups.get(choices)
        if lookup is None:
            lookup = self._lookups[choices] = {v: v for v in choices.values} | {
                str(label): v for v, label in choices.choices
            }
        if text not in lookup:
            row.errors.append(
                (
                    self.labels[name],
                    _("“%(value)s” is not one of %(choices)s.")
                    % {"value": text, "choices": "、".join(str(label) for _v, label in choices.choices)},
                )
            )
            return ""
        return lookup[text]

    def column_of(self, field_name: str) -> str:
        """The column label to report an error of a record field or an item field under."""
        if field_name in self.labels:
            return self.labels[field_name]
        if field_name in ("subject", "provider"):
            return self.labels["identifier"]
        return self.field_labels.get(field_name, field_name)


def raw_rows(batch: ImportBatch):
    """(headers, iterator of (row number, {header: value}), fraction()) of a stored batch;
    `fraction()` tells how much of the file was read so far (0–1), for the progress bar."""
    batch.file.open("rb")
    if batch.file.name.endswith(".json"):
        rows = json.load(batch.file)
        batch.file.close()
        headers = list(dict.fromkeys(key for row in rows for key in row))
        done = [0]

        def posted():
            for number, row in enumerate(rows, start=1):
                done[0] = number
                yield number, row

        return headers, posted(), lambda: done[0] / max(len(rows), 1)
    size = max(batch.file.size or 1, 1)
    raw = batch.file.file
    try:
        table = read_table(batch.file, encoding=batch.encoding or None)
    except BaseException:
        batch.file.close()
        raise
    batch.encoding = table.encoding or batch.encoding

    def rows():
        try:
            for number, cells in table.rows:
                if cells and str(cells[0]).lstrip().startswith(NOTE_PREFIX):
                    continue  # the template's notes
                yield number, dict(zip(table.headers, cells, strict=False))
        finally:
            batch.file.close()

    def fraction() -> float:
        try:
            return min(raw.tell() / size, 1.0)
        except (OSError, ValueError):  # closed: read to the end
            return 1.0

    return table.headers, rows(), fraction


def check_digest(batch: ImportBatch, policy) -> str:
    """A digest of the batch's file and of every rule its check applies: the catalog item and
    its providing organisations, the providing organisation of the batch, the policy (disclosure
    periods) and CHECK_VERSION. The data the rows meet (subjects, records on file, listings) is
    not in it: the submit meets it again in any case."""
    digest = rules_digest(batch, policy)
    batch.file.open("rb")
    try:
        for block in iter(lambda: batch.file.read(1 << 20), b""):
            digest.update(block)
    finally:
        batch.file.close()
    return digest.hexdigest()


def rules_digest(batch: ImportBatch, policy):
    """A digest (hashlib object, to be updated further) of every rule the check of the batch's
    rows applies, the file aside: check_digest's first part."""
    digest = hashlib.sha256()
    item = batch.item
    for obj in (item, policy):
        digest.update(repr([(f.attname, getattr(obj, f.attname)) for f in obj._meta.concrete_fields]).encode())
    providers = sorted(item.providers.values_list("pk", flat=True))
    digest.update(repr([CHECK_VERSION, batch.provider_id, providers, batch.encoding]).encode())
    return digest


@dataclass
class Checked:
    """A row ready to write: its subject (saved or not) and its unsaved record."""

    row: ParsedRow
    subject: Subject
    record: CreditRecord


def checked_chunks(
    batch: ImportBatch, reader: RowReader, raw_rows, policy
) -> Iterator[tuple[list[Checked], list[ParsedRow]]]:
    """Chunks of (valid rows, invalid rows), every rule of `check_record` applied."""
    item = batch.item
    seen: dict[str, int] = {}
    chunk: list[ParsedRow] = []

    def flush(rows: list[ParsedRow]):
        identifiers = {r.identifier for r in rows if not r.errors}
        existing = {s.identifier: s for s in Subject.objects.filter(identifier__in=identifiers)}
        extensions = extensions_for([s.pk for s in existing.values()])
        good, bad = [], []
        for row in rows:
            if row.errors:
                # Report the row's other problems too, as far as they do not depend on the subject.
                _cleaned, value_errors = clean_record_values(item.record_fields, row.values)
                row.errors.extend((reader.column_of(name), message) for name, message in value_errors.items())
                bad.append(row)
                continue
            subject = existing.get(row.identifier) or Subject(identifier=row.identifier, name=row.name, kind=row.kind)
            record = CreditRecord(subject=subject, item=item, provider=batch.provider, **row.record)
            record.source_record_id = row.source_record_id
            checked = check_record(record, policy=policy, raw_values=row.values, extensions=extensions)
            for field_name, messages in checked.items():
                for message in messages:
                    row.errors.append((reader.column_of(field_name), message))
            if not row.errors:
                record.dedup_key = CreditRecord.make_dedup_key(
                    source_record_id=row.source_record_id,
                    item_code=item.code,
                    identifier=row.identifier,
                    document_number=record.document_number,
                    content=[record.values, record.determined_on, record.document_date, record.ended_on],
                )
                if record.dedup_key in seen:
                    message = str(MSG_DUPLICATE).format(row=seen[record.dedup_key])
                    row.errors.append((reader.labels["source_record_id"], message))
                else:
                    seen[record.dedup_key] = row.number
            if row.errors:
                bad.append(row)
            else:
                good.append(Checked(row, subject, record))
        # A source record already on file must stay with its subject, and a revoked or expired
        # record is not rewritten (as record_correct refuses it).
        on_file = {
            key: (owner, status)
            for key, owner, status in CreditRecord.objects.filter(
                provider=batch.provider, dedup_key__in=[c.record.dedup_key for c in good]
            ).values_list("dedup_key", "subject__identifier", "status")
        }
        for entry in list(good):
            owner, status = on_file.get(entry.record.dedup_key, (None, None))
            message = None
            if owner is not None and owner != entry.row.identifier:
                message = str(MSG_OTHER_SUBJECT).format(source=entry.row.source_record_id, owner=mask_identifier(owner))
            elif status in (RecordStatus.REVOKED, RecordStatus.EXPIRED):
                message = str(MSG_RECORD_CLOSED).format(status=RecordStatus(status).label)
            if message:
                entry.row.errors.append((reader.labels["source_record_id"], message))
                good.remove(entry)
                bad.append(entry.row)
        return good, bad

    for number, raw in raw_rows:
        chunk.append(reader.parse(number, raw))
        if len(chunk) >= CHUNK:
            yield flush(chunk)
            chunk = []
    if chunk:
        yield flush(chunk)


def require_uploader(by, provider: Organization) -> None:
    require_provider_officer(by, provider)
    if by is not None and not (by.is_superuser or by.has_perm("subjects.add_importbatch")):
        raise PermissionDenied


def _queue(batch: ImportBatch, step: str) -> ImportBatch:
    """Queue the batch's background step (apps.subjects.tasks) once this transaction commits."""
    from apps.subjects.ingestion_jobs import queue_step

    return queue_step(batch, step)


@transaction.atomic
def batch_upload(
    *,
    by,
    item: CatalogItem,
    provider: Organization,
    file,
    encoding: str = "",
    channel: str = Channel.WEB,
    submit_reason: str = "",
) -> ImportBatch:
    """Store an uploaded CSV/XLSX file as a batch and queue its check; returns at once.

    Refused here, before anything is stored: the size, an XLSX's ZIP directory, the encoding and
    the header row (apps.core.uploads). The rows, lines and cells are held to their limits by the
    check, which leaves the batch failed and removes the stored file when one is passed.
    `submit_reason`: submit the valid rows as soon as the check is done (the API's `submit`)."""
    require_uploader(by, provider)
    require_published_item(item)
    table = read_table(file, encoding=encoding or None)  # refuses an empty, unreadable or oversized file
    file.seek(0)
    batch = ImportBatch(
        provider=provider,
        item=item,
        channel=channel,
        file_name=getattr(file, "name", "upload")[:255],
        encoding=encoding or table.encoding or "",
    )
    return _store_and_queue(batch, by=by, content=file, reason=_("File uploaded"), submit_reason=submit_reason)


def _store_and_queue(batch: ImportBatch, *, by, content, reason: str, submit_reason: str) -> ImportBatch:
    """Store the content as the batch's file and queue its check."""
    batch.status, batch.step = BatchStatus.CHECKING, BatchStep.CHECK
    batch.step_started_at = timezone.now()
    if submit_reason.strip():
        batch.submit_reason, batch.submit_by = submit_reason.strip(), by
    batch.file.save(batch.file_name or "upload.csv", content, save=False)
    try:
        audited_save(batch, by=by, reason=reason)
    except BaseException:
        # the batch row rolls back; the stored file (it names people) must not stay behind
        batch.file.delete(save=False)
        raise
    return _queue(batch, BatchStep.CHECK)


@transaction.atomic
def batch_from_rows(
    *, by, item: CatalogItem, provider: Organization, rows: list[dict], submit_reason: str = ""
) -> ImportBatch:
    """An agency system posts the same rows as JSON (keys: column names or labels)."""
    require_uploader(by, provider)
    require_published_item(item)
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValidationError({"rows": _("Send a list of rows, each an object of column: value.")})
    try:
        check_posted_rows(rows)
    except ValidationError as error:
        raise ValidationError({"rows": error.messages}) from None
    batch = ImportBatch(provider=provider, item=item, channel=Channel.API, file_name="rows.json")
    content = ContentFile(json.dumps(rows, ensure_ascii=False, default=str).encode())
    return _store_and_queue(
        batch, by=by, content=content, reason=_("Rows received through the API"), submit_reason=submit_reason
    )


def _write_chunk(batch: ImportBatch, checked: list[Checked], *, by, reason: str, now) -> tuple[int, int, int, int]:
    """Write one chunk of valid rows; returns (subjects created, records created, records updated,
    records unchanged)."""
    new_subjects = {}
    for entry in checked:
        if entry.subject.pk is None:
            # Two rows of one chunk may name the same new subject.
            entry.subject = new_subjects.setdefault(entry.subject.identifier, entry.subject)
    for subject in new_subjects.values():
        subject.created_at = subject.updated_at = now
        subject.created_by = subject.updated_by = by
    create, update = bulk_create_audited, bulk_update_audited
    created_subjects = create(list(new_subjects.values()), Subject, by=by, reason=reason)
    by_identifier = {s.identifier: s for s in created_subjects}
    existing = {
        r.dedup_key: r
        for r in CreditRecord.objects.filter(
            provider=batch.provider, dedup_key__in=[c.record.dedup_key for c in checked]
        )
    }
    to_create, to_update, unchanged = [], [], 0
    for entry in checked:
        record = entry.record
        record.subject = by_identifier.get(entry.subject.identifier, entry.subject)
        record.batch = batch
        record.updated_at, record.updated_by = now, by
        current = existing.get(record.dedup_key)
        if current is None:
            record.created_at, record.created_by = now, by
            to_create.append(record)
        elif all(getattr(current, name) == getattr(record, name) for name in COMPARED_FIELDS):
            unchanged += 1
        else:
            for name in UPDATED_FIELDS:
                setattr(current, name, getattr(record, name))
            to_update.append(current)
    create(to_create, CreditRecord, by=by, reason=reason)
    update(to_update, CreditRecord, UPDATED_FIELDS, by=by, reason=reason)
    notify_records_created(to_create)
    return len(new_subjects), len(to_create), len(to_update), unchanged


@transaction.atomic
def batch_submit(batch: ImportBatch, *, by, reason: str) -> ImportBatch:
    """Queue the write of the batch's valid rows (all or nothing, on a worker); returns at once.

    The batch row is locked and goes to `submitting` here, so a second submit of the same batch,
    at the same moment or while the first runs, is refused (409)."""
    reason = require_reason(reason)
    batch.refresh_from_db(from_queryset=ImportBatch.objects.select_for_update())
    require_uploader(by, batch.provider)
    if batch.status == BatchStatus.SUBMITTING:
        raise Conflict(str(MSG_RUNNING))
    retrying = batch.status == BatchStatus.FAILED and batch.step == BatchStep.SUBMIT
    if batch.status not in (BatchStatus.VALIDATED, BatchStatus.HAS_ERRORS) and not retrying:
        raise Conflict(str(MSG_NOT_SUBMITTABLE).format(status=batch.get_status_display()))
    if batch.rows_valid <= 0:
        raise Conflict(str(MSG_NOTHING_VALID))
    require_published_item(batch.item)
    batch.status, batch.step, batch.failure = BatchStatus.SUBMITTING, BatchStep.SUBMIT, ""
    batch.step_started_at = timezone.now()
    batch.submit_reason, batch.submit_by = reason, by
    audited_save(batch, by=by, reason=reason)
    return _queue(batch, BatchStep.SUBMIT)


@transaction.atomic
def batch_withdraw(batch: ImportBatch, *, by, reason: str) -> ImportBatch:
    """The uploader withdraws a batch it will not submit (the wrong file, the wrong item): nothing
    of it was written, and nothing will be. Its file and its list of problems stay on record; its
    checked rows (the staging table on PostgreSQL) are dropped once the withdrawal commits."""
    reason = require_reason(reason)
    batch.refresh_from_db(from_queryset=ImportBatch.objects.select_for_update())
    require_uploader(by, batch.provider)
    if batch.status not in WITHDRAWABLE:
        raise Conflict(str(MSG_NOT_WITHDRAWABLE).format(status=batch.get_status_display()))
    batch.status = BatchStatus.WITHDRAWN
    audited_save(batch, by=by, reason=reason)
    if ingestion_pg.enabled(CreditRecord):
        transaction.on_commit(lambda: ingestion_pg.drop_stage(batch))
    return batch


def _write_checked(batch: ImportBatch, *, by, reason: str, now, policy, progress) -> list[int]:
    """Read the file again, check every row and write the valid ones chunk by chunk (the path
    other than PostgreSQL's); returns the counts of write_rows."""
    headers, rows, fraction = raw_rows(batch)
    reader = RowReader(batch.item, headers)
    counts = [0, 0, 0, 0]
    read = 0
    with transaction.atomic():
        for good, bad in checked_chunks(batch, reader, rows, policy):
            read += len(good) + len(bad)
            if good:
                for i, n in enumerate(_write_chunk(batch, good, by=by, reason=reason, now=now)):
                    counts[i] += n
            progress(read=read, checked=read, written=sum(counts[1:]), fraction=fraction())
    return counts


def write_rows(batch: ImportBatch, progress) -> ImportBatch:
    """Write the valid rows of a batch in `submitting` (its lock held, inside the caller's
    transaction): subjects and records created or updated with their history rows; then the
    batch is submitted and its integration clock opened. On PostgreSQL the rows the check staged
    are written as they are when the file and the rules are unchanged since the check
    (`check_digest`), and checked again set-based otherwise; elsewhere every row is checked
    again on the way."""
    by, reason = batch.submit_by, batch.submit_reason
    require_published_item(batch.item)
    policy = active_policy()
    now = timezone.now()
    try:
        if ingestion_pg.enabled(CreditRecord):
            counts = ingestion_pg.submit_staged(batch, by=by, reason=reason, now=now, policy=policy, progress=progress)
        else:
            counts = _write_checked(batch, by=by, reason=reason, now=now, policy=policy, progress=progress)
    except IntegrityError:
        # Another batch wrote the same subjects or records meanwhile; nothing of this one was kept.
        raise Conflict(str(MSG_CONCURRENT)) from None
    batch.subjects_created, batch.rows_created, batch.rows_updated, batch.rows_unchanged = counts
    batch.status = BatchStatus.SUBMITTED
    batch.submitted_at = now
    audited_save(batch, by=by, reason=reason)
    # Ningbo art. 18: the credit office integrates within the policy's working days.
    deadline_open(batch, DeadlineKind.INTEGRATION, start=timezone.localdate(now), by=by, reason=reason)
    return batch


@transaction.atomic
def batch_integrate(batch: ImportBatch, *, by, reason: str) -> ImportBatch:
    """The credit office confirms that a submitted batch was checked and integrated."""
    reason = require_reason(reason)
    if by is None or not (by.is_superuser or (by.role == Role.CLERK and by.has_perm("subjects.change_importbatch"))):
        raise PermissionDenied(str(MSG_ONLY_OFFICE))
    batch.refresh_from_db(from_queryset=ImportBatch.objects.select_for_update())
    if batch.status != BatchStatus.SUBMITTED:
        raise Conflict(str(MSG_NOT_SUBMITTABLE).format(status=batch.get_status_display()))
    batch.status = BatchStatus.INTEGRATED
    batch.integrated_at, batch.integrated_by = timezone.now(), by
    audited_save(batch, by=by, reason=reason.strip())
    deadline_meet(batch, DeadlineKind.INTEGRATION, on=timezone.localdate(batch.integrated_at), by=by, reason=reason)
    return batch
