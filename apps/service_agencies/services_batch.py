"""Batch-query applications of credit service agencies (批量查询, Nanjing art. 67; Ningbo art. 37
para. 2) and their transition table `BATCH_QUERY`.

    received ─ approve ─→ approved ─ run ─→ run ─ run ─→ run
             └ refuse ──→ refused     └──────┴─ expire ─→ expired

The agency's staff apply (`batch_apply`: the agreement, the purpose, the legal basis, the number
of subjects and the identifiers file, every bad identifier named with its row) and run
(`batch_run`); the credit office's clerk approves — how many subjects, until which day — or
refuses with the reasons. The regulations set no time limit for the decision (Nanjing art. 67
says only 依法依约为其提供便利化服务; Ningbo art. 37 para. 2 likewise), so no statutory clock runs.

A run looks the subjects up as an authorised inquiry (the agreement is the authorisation) and
returns what that mode may see: active records of any disclosure attribute within their
disclosure period — nothing expired, repaired (unless the city shows repaired records marked,
Ningbo art. 45), hidden or revoked (`apps.subjects.selectors`). Every subject looked up is one
query-log row with the batch as its purpose, written through the query log's bulk path; the
approval bounds the lookups of all runs (a run beyond it is refused whole, and the refusal is
logged) and their days. The daily abnormal-volume control (Nanjing art. 52) does not count these
lookups and does not block them; it still governs every lookup outside the batch.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
import itertools
import json
import tempfile
from collections.abc import Iterator

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from apps.catalog.choices import Category, Severity
from apps.core.audit import audited_save
from apps.core.choices import AttachmentPurpose, QueryChannel, QueryMode, QueryOutcome, QueryPurpose, Role
from apps.core.documents import attachment_add, attachments_of, validate_upload
from apps.core.exceptions import Conflict
from apps.core.identifiers import normalize_identifier, validate_identifier
from apps.core.querylog import BulkLookup, LookupRequest, log_lookups_bulk
from apps.core.selectors import active_policy
from apps.core.services import require_reason
from apps.core.tabular import read_table
from apps.core.uploads import upload_limits
from apps.core.workflow import Step, Workflow
from apps.service_agencies.models_batch import BatchQueryApplication, BatchQueryRun, BatchStatus
from apps.service_agencies.services import is_agency_staff
from apps.subjects.choices import RecordStatus

MSG_REQUIRED = gettext_lazy("This field is required.")
MSG_ONLY_STAFF = gettext_lazy("Only the staff of a credit service agency apply for and run its batch queries.")
MSG_ONLY_CLERK = gettext_lazy("Only the credit office approves or refuses a batch-query application.")
MSG_ONLY_OWN_STAFF = gettext_lazy("Only the staff of the agency that applied run its batch query.")
MSG_DOWNLOAD_OWN = gettext_lazy("Only the staff of the agency that ran the batch query download its result.")
MSG_SUBJECT_COUNT = gettext_lazy("Give the number of subjects, 1 or more.")
MSG_COUNT_MISMATCH = gettext_lazy("The application names {declared} subjects, but the identifiers file holds {found}.")
MSG_NO_IDENTIFIERS = gettext_lazy("The identifiers file holds no identifier.")
MSG_ROW = gettext_lazy("Row {row}: {message}")
MSG_DUPLICATE = gettext_lazy("Row {row}: {identifier} is already in row {first}.")
MSG_MORE_ERRORS = gettext_lazy("… and {count} more rows with errors.")
MSG_NOT_IN_APPLICATION = gettext_lazy(
    "Row {row}: {identifier} is not among the identifiers of the approved application."
)
MSG_APPROVED_COUNT = gettext_lazy("Approve between 1 and {max} subjects (the number applied for).")
MSG_VALID_UNTIL = gettext_lazy("The approval is valid until today or a later day.")
MSG_EXPIRED = gettext_lazy("The approval was valid until {date}; the batch query may no longer be run.")
MSG_NOT_EXPIRED = gettext_lazy("The approval is valid until {date}; it expires after that day.")
MSG_OVER_BOUND = gettext_lazy(
    "The approval covers {approved} subjects; {done} were looked up already and {left} are left, but this run "
    "asks for {asked}. Lookups beyond the approval are refused (Nanjing art. 67); apply again for more."
)

# Identifiers are read and looked up this many at a time (one subjects query, one records query,
# one bulk insert into the query log each): memory stays flat whatever the batch's size.
CHUNK = 2000
# Header names under which the identifiers file may hold them (else the first column is read).
IDENTIFIER_HEADERS = {
    "identifier",
    "id",
    "code",
    "uscc",
    "标识",
    "统一社会信用代码",
    "身份证号",
    "身份证号码",
    "证件号码",
    "证件号",
}


class BatchRefused(Conflict):
    """A run beyond the approval: nothing was looked up; the refusal is in the query log."""


# --- who may act ---------------------------------------------------------------------------------


def is_own_staff(application: BatchQueryApplication, user) -> bool:
    return (
        is_agency_staff(user)
        and user.organization_id == application.agency_id
        and user.has_perm("service_agencies.add_batchqueryrun")
    )


def is_clerk(application: BatchQueryApplication, user) -> bool:
    return user.is_superuser or (
        user.role == Role.CLERK and user.has_perm("service_agencies.change_batchqueryapplication")
    )


# --- the identifiers file ------------------------------------------------------------------------


def _identifier_limits():
    """The upload limits, but for the number of rows: an identifiers file is one short column,
    and a batch may hold more subjects than an ingestion file rows (`BATCH_QUERY_MAX_SUBJECTS`,
    default 200,000; the file's size limit still applies)."""
    import dataclasses

    from django.conf import settings

    return dataclasses.replace(upload_limits(), max_rows=getattr(settings, "BATCH_QUERY_MAX_SUBJECTS", 200_000))


def _identifier_rows(file) -> tuple[list[tuple[int, str]], list[str]]:
    """(row, normalised identifier) of every identifier of the uploaded CSV/XLSX file, and the
    errors: each bad or repeated identifier named with its row. The column is the one headed like
    `IDENTIFIER_HEADERS`, else the first; without such a header the first row is data unless its
    cell holds more than ASCII letters and digits (a header such as “名单”)."""
    table = read_table(file, limits=_identifier_limits())
    headers = [normalize_identifier(h).lower() for h in table.headers]
    named = next((i for i, h in enumerate(headers) if h in IDENTIFIER_HEADERS), None)
    column = named or 0
    # The first row is data when its cell could be an identifier (ASCII letters and digits only):
    # a mistyped first identifier is then reported, not taken for a header.
    cell = headers[column] if column < len(headers) else ""
    first_cells = [] if named is not None or not (cell.isascii() and cell.isalnum()) else [(1, list(table.headers))]
    rows, errors, seen = [], [], {}
    limit = upload_limits().max_row_errors
    extra_errors = 0

    def error(message: str) -> None:
        nonlocal extra_errors
        if len(errors) < limit:
            errors.append(message)
        else:
            extra_errors += 1

    for number, cells in itertools.chain(first_cells, table.rows):
        value = str(cells[column]).strip() if column < len(cells) and cells[column] is not None else ""
        if not value:
            error(str(MSG_ROW).format(row=number, message=MSG_REQUIRED))
            continue
        try:
            _kind, identifier = validate_identifier(value)
        except ValidationError as invalid:
            error(str(MSG_ROW).format(row=number, message=" ".join(invalid.messages)))
            continue
        if identifier in seen:
            error(str(MSG_DUPLICATE).format(row=number, identifier=identifier, first=seen[identifier]))
            continue
        seen[identifier] = number
        rows.append((number, identifier))
    if extra_errors:
        errors.append(str(MSG_MORE_ERRORS).format(count=extra_errors))
    return rows, errors


def stored_identifiers(application: BatchQueryApplication) -> Iterator[str]:
    """The application's identifiers as stored (one a line), read as a stream."""
    with application.identifiers.open("rb") as stored:
        for line in stored:
            identifier = line.strip().decode("ascii")
            if identifier:
                yield identifier


# --- applying ------------------------------------------------------------------------------------


def _next_number(year: int) -> str:
    prefix = f"PL-{year}-"
    last = (
        BatchQueryApplication.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:05d}"


@transaction.atomic
def batch_apply(
    *, by, reason: str, purpose: str, legal_basis: str, subject_count, agreement, identifiers
) -> BatchQueryApplication:
    """The agency of `by` applies for a batch query (Nanjing art. 67) with its agreement (a PDF,
    PNG or JPEG scan, judged by its content), the purpose, the legal basis, the number of
    subjects and the identifiers file (CSV or XLSX). The ValidationError names each field that
    is wrong — for the identifiers file every bad or repeated identifier with its row — and
    nothing is stored then."""
    reason = require_reason(reason)
    if not (is_agency_staff(by) and by.has_perm("service_agencies.add_batchqueryapplication")):
        raise PermissionDenied(str(MSG_ONLY_STAFF))
    errors: dict[str, list[str]] = {}
    purpose, legal_basis = (purpose or "").strip(), (legal_basis or "").strip()
    for name, value in (("purpose", purpose), ("legal_basis", legal_basis)):
        if not value:
            errors[name] = [str(MSG_REQUIRED)]
    try:
        subject_count = int(subject_count)
        if subject_count < 1:
            raise ValueError
    except (TypeError, ValueError):
        errors["subject_count"] = [str(MSG_SUBJECT_COUNT)]
        subject_count = None
    if agreement is None:
        errors["agreement"] = [str(MSG_REQUIRED)]
    else:
        try:
            validate_upload(agreement)
        except ValidationError as invalid:
            errors["agreement"] = invalid.messages
    rows: list[tuple[int, str]] = []
    if identifiers is None:
        errors["identifiers"] = [str(MSG_REQUIRED)]
    else:
        try:
            rows, row_errors = _identifier_rows(identifiers)
        except ValidationError as unreadable:
            rows, row_errors = [], unreadable.messages
        if not row_errors and not rows:
            row_errors = [str(MSG_NO_IDENTIFIERS)]
        if row_errors:
            errors["identifiers"] = row_errors
        elif subject_count is not None and subject_count != len(rows):
            errors["subject_count"] = [str(MSG_COUNT_MISMATCH).format(declared=subject_count, found=len(rows))]
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    application = BatchQueryApplication(
        number=_next_number(today.year),
        agency=by.organization,
        purpose=purpose,
        legal_basis=legal_basis,
        subject_count=subject_count,
        identifiers_name=str(getattr(identifiers, "name", ""))[-255:],
        status=BatchStatus.RECEIVED,
        received_on=today,
    )
    content = "".join(f"{identifier}\n" for _row, identifier in rows).encode("ascii")
    application.identifiers.save(f"{application.number}.txt", ContentFile(content), save=False)
    audited_save(application, by=by, reason=reason)
    attachment_add(owner=application, file=agreement, purpose=AttachmentPurpose.AGREEMENT, by=by)
    return application


def agreement_of(application: BatchQueryApplication):
    return attachments_of(application).filter(purpose=AttachmentPurpose.AGREEMENT).first()


# --- the steps -----------------------------------------------------------------------------------


def _approve(application, *, by, reason, approved_count=None, valid_until=None):
    errors = {}
    try:
        count = int(approved_count if approved_count not in (None, "") else application.subject_count)
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= application.subject_count:
        errors["approved_count"] = [str(MSG_APPROVED_COUNT).format(max=application.subject_count)]
    if not isinstance(valid_until, datetime.date) or valid_until < timezone.localdate():
        errors["valid_until"] = [str(MSG_VALID_UNTIL)]
    if errors:
        raise ValidationError(errors)
    application.approved_count, application.valid_until = count, valid_until
    application.decided_on, application.decided_by = timezone.localdate(), by
    application.refusal_reasons = ""


def _refuse(application, *, by, reason, refusal_reasons: str = ""):
    if not (refusal_reasons or "").strip():
        raise ValidationError({"refusal_reasons": str(MSG_REQUIRED)})
    application.refusal_reasons = refusal_reasons.strip()
    application.decided_on, application.decided_by = timezone.localdate(), by


def still_valid(application) -> str | None:
    """The run's guard: the approval's last day has not passed."""
    if application.valid_until is not None and application.valid_until < timezone.localdate():
        return str(MSG_EXPIRED).format(date=application.valid_until.isoformat())
    return None


def past_validity(application) -> str | None:
    """The expiry's guard: the approval's last day has passed."""
    if application.valid_until is not None and application.valid_until >= timezone.localdate():
        return str(MSG_NOT_EXPIRED).format(date=application.valid_until.isoformat())
    return None


def _run(application, *, by, reason, identifiers=None, channel: str = QueryChannel.WEB, client_ip=None):
    return {"run": _look_up(application, by=by, file=identifiers, channel=channel, client_ip=client_ip)}


def _expire(application, *, by, reason):
    application.expired_on = timezone.localdate()


S = BatchStatus

BATCH_QUERY = Workflow(
    name=gettext_lazy("batch-query applications"),
    model=BatchQueryApplication,
    states=BatchStatus,
    initial=(S.RECEIVED,),
    refused=MSG_ONLY_CLERK,
    resting=(S.APPROVED, S.RUN),
    notes={
        S.RECEIVED: gettext_lazy(
            "Received: the credit office approves it (how many subjects, until when) or refuses it."
        ),
        S.APPROVED: gettext_lazy("Approved: the agency may run the query within the approved number and days."),
        S.REFUSED: gettext_lazy("Refused, with the reasons; nothing may be looked up."),
        S.RUN: gettext_lazy("Run: the agency may run it again within what is left of the approval."),
        S.EXPIRED: gettext_lazy("Expired: the approval's last day has passed; nothing more may be looked up."),
    },
    steps=(
        Step(
            "approve",
            gettext_lazy("Approve"),
            sources=(S.RECEIVED,),
            target=S.APPROVED,
            rule=is_clerk,
            apply=_approve,
            help=gettext_lazy("Approve the batch query for a number of subjects until a day."),
        ),
        Step(
            "refuse",
            gettext_lazy("Refuse with reasons"),
            sources=(S.RECEIVED,),
            target=S.REFUSED,
            rule=is_clerk,
            apply=_refuse,
            help=gettext_lazy("Refuse the application, giving the reasons."),
        ),
        Step(
            "run",
            gettext_lazy("Run the query"),
            sources=(S.APPROVED, S.RUN),
            target=S.RUN,
            rule=is_own_staff,
            guards=(still_valid,),
            apply=_run,
            refused=MSG_ONLY_OWN_STAFF,
            help=gettext_lazy("Look the approved subjects up and receive the result file."),
        ),
        Step(
            "expire",
            gettext_lazy("Expire"),
            sources=(S.APPROVED, S.RUN),
            target=S.EXPIRED,
            guards=(past_validity,),
            apply=_expire,
            automatic=True,
            help=gettext_lazy("The approval's last day has passed."),
        ),
    ),
)


def batch_step(application: BatchQueryApplication, step: str, *, by, reason: str, **data) -> BatchQueryApplication:
    """Take `step` of BATCH_QUERY (approve, refuse) on the application."""
    if step == "run":
        raise ValueError("run through batch_run()")
    return BATCH_QUERY.transition(application, step, by=by, reason=reason, **data)


def batch_expire_due(*, today: datetime.date | None = None) -> int:
    """The daily job: approvals whose last day has passed expire. Returns how many."""
    today = today or timezone.localdate()
    due = BatchQueryApplication.objects.filter(status__in=(S.APPROVED, S.RUN), valid_until__lt=today)
    count = 0
    for application in due:
        BATCH_QUERY.transition(application, "expire", by=None, reason="Approval's last day passed", follow=True)
        count += 1
    return count


# --- the run -------------------------------------------------------------------------------------


def _lookup_request(application, *, by, channel, client_ip, run: int) -> LookupRequest:
    agreement = agreement_of(application)
    return LookupRequest(
        user=by,
        mode=QueryMode.AUTHORISED,
        purpose=QueryPurpose.BATCH_QUERY,
        channel=channel,
        purpose_detail=f"{application.number} #{run}: {application.purpose}"[:500],
        authorization_document=f"{application.number} {agreement.original_name if agreement else ''}".strip()[:200],
        client_ip=client_ip,
    )


def _run_identifiers(application, file) -> list[str] | None:
    """The identifiers an uploaded run file names, each among the application's; None: the run
    looks up the application's own file (streamed)."""
    if file is None:
        return None
    try:
        rows, errors = _identifier_rows(file)
    except ValidationError as unreadable:
        raise ValidationError({"identifiers": unreadable.messages}) from None
    approved = set(stored_identifiers(application))
    for number, identifier in rows:
        if identifier not in approved:
            errors.append(str(MSG_NOT_IN_APPLICATION).format(row=number, identifier=identifier))
    if not errors and not rows:
        errors = [str(MSG_NO_IDENTIFIERS)]
    if errors:
        raise ValidationError({"identifiers": errors})
    return [identifier for _number, identifier in rows]


def _chunks(identifiers) -> Iterator[list[str]]:
    chunk = []
    for identifier in identifiers:
        chunk.append(identifier)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


RESULT_COLUMNS = (
    gettext_lazy("Identifier"),
    gettext_lazy("Name"),
    gettext_lazy("Subject found"),
    gettext_lazy("Category"),
    gettext_lazy("Catalog item"),
    gettext_lazy("Severity"),
    gettext_lazy("Status"),
    gettext_lazy("Document number"),
    gettext_lazy("Document date"),
    gettext_lazy("Determined on"),
    gettext_lazy("Providing organisation"),
    gettext_lazy("Disclosed until"),
    gettext_lazy("Under objection"),
    gettext_lazy("Details"),
)
RECORD_VALUES = (
    "subject_id",
    "category",
    "item__name",
    "severity",
    "status",
    "document_number",
    "document_date",
    "determined_on",
    "provider__name",
    "disclosure_ends_on",
    "objection_since",
    "values",
)


def _records_query(mode: str, today: datetime.date):
    """What an authorised inquiry may see, for many subjects at once: the rules of
    `apps.subjects.selectors.visible_records`, set-based."""
    from apps.subjects.models import CreditRecord
    from apps.subjects.selectors import DISCLOSURES_BY_MODE, SHOWN_STATUSES

    statuses = set(SHOWN_STATUSES[mode])
    if mode == QueryMode.AUTHORISED and active_policy().repaired_shown_in_authorised:
        statuses.add(RecordStatus.REPAIRED)  # Ningbo art. 45: shown, marked
    return CreditRecord.objects.filter(item__disclosure__in=DISCLOSURES_BY_MODE[mode], status__in=statuses).filter(
        Q(disclosure_ends_on__isnull=True) | Q(disclosure_ends_on__gte=today)
    )


def _look_up(application, *, by, file, channel, client_ip) -> BatchQueryRun:
    """Run the batch under the application's lock: check the bound, look the subjects up chunk by
    chunk, write their query-log rows in bulk and the result CSV to a temporary file, store it."""
    from apps.subjects.models import Subject

    identifiers = _run_identifiers(application, file)
    asked = len(identifiers) if identifiers is not None else application.subject_count
    if asked > application.lookups_left:
        raise BatchRefused(
            str(MSG_OVER_BOUND).format(
                approved=application.approved_count,
                done=application.lookups_done,
                left=application.lookups_left,
                asked=asked,
            ),
            code="batch_bound",
            params={"asked": asked},
        )
    sequence = application.runs + 1
    lookup = _lookup_request(application, by=by, channel=channel, client_ip=client_ip, run=sequence)
    today = timezone.localdate()
    records = _records_query(QueryMode.AUTHORISED, today)
    labels = {
        "category": dict(Category.choices),
        "severity": dict(Severity.choices),
        "status": dict(RecordStatus.choices),
    }
    yes, no, not_found = gettext("Yes"), gettext("No"), gettext("No such subject")
    counts = {"found": 0, "records": 0}
    digest = hashlib.sha256()
    with tempfile.TemporaryFile() as spool:
        spool.write(codecs.BOM_UTF8)
        digest.update(codecs.BOM_UTF8)
        buffer = io.StringIO()
        writer = csv.writer(buffer)

        def write(row) -> None:
            writer.writerow(row)
            if buffer.tell() > 1 << 16:
                flush()

        def flush() -> None:
            data = buffer.getvalue().encode("utf-8")
            spool.write(data)
            digest.update(data)
            buffer.seek(0)
            buffer.truncate()

        write([str(c) for c in RESULT_COLUMNS])

        def lookups() -> Iterator[BulkLookup]:
            source = identifiers if identifiers is not None else stored_identifiers(application)
            for chunk in _chunks(source):
                subjects = {
                    identifier: (pk, name)
                    for pk, identifier, name in Subject.objects.filter(identifier__in=chunk).values_list(
                        "pk", "identifier", "name"
                    )
                }
                by_subject: dict[int, list[dict]] = {}
                if subjects:
                    ids = [pk for pk, _name in subjects.values()]
                    for record in (
                        records.filter(subject_id__in=ids)
                        .order_by("subject_id", "-determined_on", "-id")
                        .values(*RECORD_VALUES)
                    ):
                        by_subject.setdefault(record["subject_id"], []).append(record)
                for identifier in chunk:
                    query = {"batch": application.number, "run": sequence, "identifier": identifier}
                    if identifier not in subjects:
                        write([identifier, "", not_found] + [""] * (len(RESULT_COLUMNS) - 3))
                        yield BulkLookup(identifier, "", query, QueryOutcome.NOT_FOUND, {"records": 0})
                        continue
                    pk, name = subjects[identifier]
                    found = by_subject.get(pk, [])
                    counts["found"] += 1
                    counts["records"] += len(found)
                    if not found:
                        write([identifier, name, yes] + [""] * (len(RESULT_COLUMNS) - 3))
                    by_category: dict[str, int] = {}
                    for record in found:
                        by_category[record["category"]] = by_category.get(record["category"], 0) + 1
                        write(
                            [
                                identifier,
                                name,
                                yes,
                                str(labels["category"].get(record["category"], record["category"])),
                                record["item__name"],
                                str(labels["severity"].get(record["severity"], "")) if record["severity"] else "",
                                str(labels["status"].get(record["status"], record["status"])),
                                record["document_number"],
                                record["document_date"] or "",
                                record["determined_on"] or "",
                                record["provider__name"],
                                record["disclosure_ends_on"] or "",
                                yes if record["objection_since"] else no,
                                json.dumps(record["values"], ensure_ascii=False) if record["values"] else "",
                            ]
                        )
                    yield BulkLookup(
                        identifier, name, query, QueryOutcome.FOUND, {"records": len(found), "by_category": by_category}
                    )

        looked_up, first_id, last_id = log_lookups_bulk(lookup, lookups())
        flush()
        spool.seek(0)
        run = BatchQueryRun(
            application=application,
            sequence=sequence,
            ran_at=timezone.now(),
            ran_by=by,
            channel=channel,
            subjects=looked_up,
            found=counts["found"],
            records=counts["records"],
            first_log_id=first_id,
            last_log_id=last_id,
            result_sha256=digest.hexdigest(),
        )
        run.result_csv.save(f"{application.number}-{sequence}.csv", File(spool), save=False)
    audited_save(run, by=by, reason=f"{application.number} run {sequence}")
    application.runs = sequence
    application.lookups_done += looked_up
    return run


def _log_refusal(application, *, by, channel, client_ip, asked: int, message: str) -> None:
    """A run refused beyond the approval stays on record: one refused query-log row."""
    lookup = _lookup_request(application, by=by, channel=channel, client_ip=client_ip, run=application.runs + 1)
    query = {"batch": application.number, "asked": asked}
    log_lookups_bulk(
        lookup,
        [BulkLookup("", "", query, QueryOutcome.REFUSED, {"refused": "batch_bound", "detail": message})],
    )


def batch_run(
    application: BatchQueryApplication,
    *,
    by,
    reason: str = "",
    identifiers=None,
    channel: str = QueryChannel.WEB,
    client_ip: str | None = None,
) -> BatchQueryRun:
    """The agency runs its approved batch query (Nanjing art. 67): the subjects of the uploaded
    `identifiers` file (each among the application's), or all of the application's. Refused
    (409) unless approved and within the approval's last day; refused whole (409, BatchRefused,
    logged) when it asks for more subjects than the approval has left. Returns the run, with its
    result file stored."""
    reason = (reason or "").strip() or f"Batch query {application.number}"
    try:
        BATCH_QUERY.transition(
            application, "run", by=by, reason=reason, identifiers=identifiers, channel=channel, client_ip=client_ip
        )
    except BatchRefused as refusal:
        _log_refusal(
            application,
            by=by,
            channel=channel,
            client_ip=client_ip,
            asked=refusal.params["asked"],
            message=refusal.message,
        )
        raise
    return application.run_set.order_by("-sequence").first()


# --- the result files ----------------------------------------------------------------------------

RESULT_FORMATS = ("csv", "xlsx")


def _check_download(run: BatchQueryRun, by) -> None:
    if not (is_agency_staff(by) and by.organization_id == run.application.agency_id):
        raise PermissionDenied(str(MSG_DOWNLOAD_OWN))


def batch_result(run: BatchQueryRun, *, by, fmt: str = "csv") -> tuple[File, str, str]:
    """The stored result of a run for the agency that ran it: (file, file name, content type).
    The XLSX copy is made once from the stored CSV, at its first download, and kept."""
    _check_download(run, by)
    if fmt not in RESULT_FORMATS:
        raise ValidationError({"type": gettext("Choose csv or xlsx.")})
    name = f"{run.application.number}-{run.sequence}.{fmt}"
    if fmt == "csv":
        return run.result_csv.open("rb"), name, "text/csv; charset=utf-8"
    if not run.result_xlsx:
        with transaction.atomic(), tempfile.TemporaryFile() as out:
            run = BatchQueryRun.objects.select_for_update().select_related("application").get(pk=run.pk)
            if not run.result_xlsx:
                _csv_to_xlsx(run, out)
                run.result_xlsx.save(name, File(out), save=False)
                audited_save(run, by=by, reason="XLSX copy of the stored result")
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return run.result_xlsx.open("rb"), name, content_type


def _csv_to_xlsx(run: BatchQueryRun, out) -> None:
    """Write the stored CSV result of `run` as an XLSX workbook into `out` (streaming both)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=run.application.number[:31])
    with run.result_csv.open("rb") as stored:
        lines = codecs.iterdecode(stored, "utf-8-sig")
        for row in csv.reader(lines):
            sheet.append(row)
    workbook.save(out)
    out.seek(0)
