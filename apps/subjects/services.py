"""Writes of the subjects app: subjects and their responsible people, credit records one by one,
commitments, the written authorisations of authorised inquiries. Batch ingestion is in
`ingestion.py`. Every function takes the acting user and, where history is kept, a reason that
lands in it."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.catalog.choices import Category, Level, ListStatus, ReportSection, Severity, SubjectType
from apps.catalog.models import CatalogItem
from apps.catalog.schema import clean_record_values
from apps.catalog.selectors import require_published_item
from apps.core.audit import audited_save
from apps.core.choices import QueryChannel, QueryMode, ResponsibleRole, Role
from apps.core.documents import safe_original_name, stored_name, validate_upload
from apps.core.exceptions import Conflict
from apps.core.identifiers import (
    KIND_CITIZEN_ID,
    identifier_kind,
    validate_citizen_id,
    validate_identifier,
    validate_uscc,
)
from apps.core.models import Organization, User
from apps.core.querylog import LookupRequest
from apps.core.selectors import active_policy
from apps.core.services import require_reason
from apps.subjects import events
from apps.subjects.choices import CommitmentStatus, RecordStatus
from apps.subjects.disclosure import DateOutOfRange, MissingDate, apply_disclosure, extensions_for
from apps.subjects.models import Authorisation, Commitment, CreditRecord, ResponsiblePerson, Subject
from apps.subjects.record_workflow import (  # noqa: F401 (the record's steps, which other apps call here)
    record_clear_objection,
    record_expire,
    record_hide,
    record_mark_objection,
    record_mark_repaired,
    record_revoke,
    record_unhide,
    records_expire,
)
from apps.subjects.selectors import (
    MSG_AUTHORISATION_REQUIRED,
    MSG_MODE_NOT_FOR_ROLE,
    WINDOW_MODES,
    lookup_authorisation,
    lookup_check,
    modes_for,
)

MSG_DOCUMENT_REQUIRED = gettext_lazy(
    "Dishonest information must rest on a legally effective document: give the document number and date."
)
MSG_NOT_PROVIDER = gettext_lazy("Only officers of {provider} may record or correct its records.")
MSG_ITEM_PROVIDER = gettext_lazy("{provider} is not a providing organisation of the catalog item {code}.")
MSG_SUBJECT_TYPE = gettext_lazy("The catalog item {code} does not cover {kind} subjects.")
MSG_SEVERITY = gettext_lazy("Give the severity (minor, general or serious) of this dishonest record.")
MSG_ENDED_ON = gettext_lazy("The city counts disclosure from the end of the conduct: give the date the conduct ended.")
MSG_DETERMINED_ON = gettext_lazy("Give the date the conduct was determined.")
MSG_DATE_OUT_OF_RANGE = gettext_lazy(
    "The disclosure period from this date would end after the year 9999: check the date."
)
MSG_NOT_PERSON = gettext_lazy("A responsible person must be a natural person.")
MSG_NOT_ORGANISATION = gettext_lazy("Responsible people belong to organisations, not to natural persons.")
MSG_NO_BREACH_ITEM = gettext_lazy("No published catalog item records broken commitments as dishonest information.")
MSG_ALREADY_PROVIDED = gettext_lazy("This record was already provided; correct the existing record instead.")
MSG_RECORD_CLOSED = gettext_lazy("A {status} record cannot be corrected.")
MSG_IDENTIFIER_TAKEN = gettext_lazy("A subject with the identifier {identifier} is already on file.")
MSG_VALUES_NOT_OBJECT = gettext_lazy("The values must be a JSON object mapping each field name to its value.")


def notify_records_created(records: list) -> None:
    if records:
        events.record_created.send(sender=CreditRecord, records=records)


RECORD_FIELDS_EDITABLE = (
    "document_number",
    "document_date",
    "determined_on",
    "ended_on",
    "custodial_sentence_end",
    "severity",
    "values",
)


# --- subjects ---------------------------------------------------------------------------------


def clean_identifier(identifier: str, kind: str | None = None) -> tuple[str, str]:
    """(kind, normalised identifier); the kind is taken from the identifier when not given."""
    if kind is None or kind == "":
        kind = (
            SubjectType.NATURAL_PERSON if identifier_kind(identifier) == KIND_CITIZEN_ID else SubjectType.LEGAL_PERSON
        )
    if kind == SubjectType.NATURAL_PERSON:
        return kind, validate_citizen_id(identifier)
    return kind, validate_uscc(identifier)


def subject_clean(subject: Subject) -> None:
    """Normalise the identifier (its kind taken from it when not given) and refuse one that is
    invalid or, once normalised, already another subject's."""
    try:
        subject.kind, subject.identifier = clean_identifier(subject.identifier, subject.kind)
    except ValidationError as error:
        raise ValidationError({"identifier": error.messages}) from None
    if Subject.objects.filter(identifier=subject.identifier).exclude(pk=subject.pk).exists():
        raise ValidationError({"identifier": str(MSG_IDENTIFIER_TAKEN).format(identifier=subject.masked_identifier)})
    subject.name = (subject.name or "").strip()


@transaction.atomic
def subject_save(subject: Subject, *, by, reason: str) -> Subject:
    reason = require_reason(reason)
    subject_clean(subject)
    subject.full_clean()
    return audited_save(subject, by=by, reason=reason)


def subject_get_or_create(
    *, identifier: str, name: str, kind: str | None = None, by, reason: str
) -> tuple[Subject, bool]:
    kind, identifier = clean_identifier(identifier, kind)
    subject = Subject.objects.filter(identifier=identifier).first()
    if subject is not None:
        return subject, False
    try:
        with transaction.atomic():
            return subject_save(Subject(identifier=identifier, name=name, kind=kind), by=by, reason=reason), True
    except IntegrityError:
        return Subject.objects.get(identifier=identifier), False  # created meanwhile by another request


@transaction.atomic
def responsible_person_link(
    *,
    organization: Subject,
    person: Subject,
    role: str,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    by,
    reason: str,
) -> ResponsiblePerson:
    """Link a natural person to an organisation as one of its responsible people (Nanjing art. 43)."""
    link = ResponsiblePerson(
        organization=organization, person=person, role=ResponsibleRole(role), start_date=start_date, end_date=end_date
    )
    return responsible_person_save(link, by=by, reason=reason)


@transaction.atomic
def responsible_person_save(link: ResponsiblePerson, *, by, reason: str) -> ResponsiblePerson:
    """Create or change a link; the organisation must not be a person, the person must be one."""
    reason = require_reason(reason)
    responsible_person_clean(link)
    link.full_clean()
    return audited_save(link, by=by, reason=reason)


def responsible_person_clean(link: ResponsiblePerson) -> None:
    errors = {}
    if link.organization_id and link.organization.is_person:
        errors["organization"] = str(MSG_NOT_ORGANISATION)
    if link.person_id and not link.person.is_person:
        errors["person"] = str(MSG_NOT_PERSON)
    if errors:
        raise ValidationError(errors)


# --- records ------------------------------------------------------------------------------------


def require_provider_officer(by, provider: Organization) -> None:
    """Officers change only their own organisation's records (DESIGN.md section 4)."""
    if by is None:
        return  # system jobs (a broken commitment found by a service already checked)
    if by.is_superuser:
        return
    if by.role != Role.OFFICER or by.organization_id != provider.pk or not by.has_perm("subjects.add_creditrecord"):
        raise PermissionDenied(str(MSG_NOT_PROVIDER).format(provider=provider))


def check_record(
    record: CreditRecord, *, policy=None, raw_values: dict | None = None, extensions: dict | None = None
) -> dict[str, list[str]]:
    """Every rule a record must satisfy; returns {field: [messages]} (empty when fine).

    Used by the one-by-one service and by batch ingestion, so both refuse the same things (the
    set-based check of a batch on PostgreSQL, apps.subjects.ingestion_pg, composes the same three
    parts in the same order).
    """
    policy = policy or active_policy()
    errors = record_rule_errors(record)
    if raw_values is not None:
        record.values, value_errors = clean_record_values(record.item.record_fields, raw_values)
        for field, message in value_errors.items():
            errors.setdefault(field, []).append(message)
    if not errors:
        errors = record_disclosure_errors(record, policy, extensions)
    return errors


def record_rule_errors(record: CreditRecord) -> dict[str, list[str]]:
    """The rules of the record itself, in this order: severity, subject type (under
    "identifier"), providing organisation, document. Sets the record's category and severity
    from its item."""
    errors: dict[str, list[str]] = {}
    item: CatalogItem = record.item
    record.category = item.category
    if item.severity:
        record.severity = item.severity
    if record.category == Category.DISHONEST and record.severity not in Severity.values:
        errors.setdefault("severity", []).append(str(MSG_SEVERITY))
    if record.category != Category.DISHONEST:
        record.severity = ""
    if record.subject.kind not in item.subject_types:
        errors.setdefault("identifier", []).append(
            str(MSG_SUBJECT_TYPE).format(code=item.code, kind=SubjectType(record.subject.kind).label)
        )
    provider_ids = getattr(item, "_provider_ids", None)
    if provider_ids is None:
        provider_ids = item._provider_ids = set(item.providers.values_list("pk", flat=True))
    if provider_ids and record.provider_id not in provider_ids:
        errors.setdefault("provider", []).append(
            str(MSG_ITEM_PROVIDER).format(provider=record.provider, code=item.code)
        )
    if (item.document_required or record.category == Category.DISHONEST) and not (
        record.document_number and record.document_date
    ):
        errors.setdefault("document_number", []).append(str(MSG_DOCUMENT_REQUIRED))
    return errors


def record_disclosure_errors(record: CreditRecord, policy, extensions: dict | None = None) -> dict[str, list[str]]:
    """Set the record's disclosure end; the error of the date it counts from, if unusable."""
    try:
        apply_disclosure(record, policy, extensions)
    except DateOutOfRange as out_of_range:
        return {str(out_of_range): [str(MSG_DATE_OUT_OF_RANGE)]}
    except MissingDate as missing:
        message = MSG_ENDED_ON if str(missing) == "ended_on" else MSG_DETERMINED_ON
        return {str(missing): [str(message)]}
    return {}


@transaction.atomic
def record_create(
    *,
    by,
    subject: Subject,
    item: CatalogItem,
    provider: Organization,
    reason: str,
    values: dict | None = None,
    document_number: str = "",
    document_date: datetime.date | None = None,
    determined_on: datetime.date | None = None,
    ended_on: datetime.date | None = None,
    custodial_sentence_end: datetime.date | None = None,
    severity: str = "",
    source_record_id: str = "",
) -> CreditRecord:
    """Record one fact about a subject under a published catalog item."""
    reason = require_reason(reason)
    require_provider_officer(by, provider)
    require_published_item(item)
    record = CreditRecord(
        subject=subject,
        item=item,
        provider=provider,
        document_number=document_number.strip(),
        document_date=document_date,
        determined_on=determined_on,
        ended_on=ended_on,
        custodial_sentence_end=custodial_sentence_end,
        severity=severity,
        source_record_id=source_record_id.strip(),
    )
    errors = check_record(record, raw_values=values or {})
    if errors:
        raise ValidationError(errors)
    record.dedup_key = CreditRecord.make_dedup_key(
        source_record_id=record.source_record_id,
        item_code=item.code,
        identifier=subject.identifier,
        document_number=record.document_number,
        content=[record.values, record.determined_on, record.document_date, record.ended_on],
    )
    if CreditRecord.objects.filter(provider=provider, dedup_key=record.dedup_key).exists():
        raise Conflict(str(MSG_ALREADY_PROVIDED))
    try:
        with transaction.atomic():
            audited_save(record, by=by, reason=reason)
    except IntegrityError:
        raise Conflict(str(MSG_ALREADY_PROVIDED)) from None
    notify_records_created([record])
    return record


def record_clean(record: CreditRecord) -> None:
    """The checks of `record_correct` on a record whose new values are set (the admin form runs
    them while it validates, so that a refusal shows on the form)."""
    if record.status in (RecordStatus.REVOKED, RecordStatus.EXPIRED):
        raise ValidationError(str(MSG_RECORD_CLOSED).format(status=record.get_status_display()))
    if not isinstance(record.values, dict):
        raise ValidationError({"values": str(MSG_VALUES_NOT_OBJECT)})
    errors = check_record(record, raw_values=dict(record.values))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def record_correct(record: CreditRecord, *, by, reason: str, follow: bool = False, **changes) -> CreditRecord:
    """Correct a record (Nanjing art. 58: the provider corrects its errors); history keeps the
    previous version with the reason. `follow=True`: the correction is the consequence of a
    decision another service has authorised (an objection decided by the credit office)."""
    reason = require_reason(reason)
    record.refresh_from_db(from_queryset=CreditRecord.objects.select_for_update())
    if not follow:
        require_provider_officer(by, record.provider)
    if record.status in (RecordStatus.REVOKED, RecordStatus.EXPIRED):
        raise Conflict(str(MSG_RECORD_CLOSED).format(status=record.get_status_display()))
    raw_values = changes.pop("values", None)
    unknown = set(changes) - set(RECORD_FIELDS_EDITABLE)
    if unknown:
        raise ValueError(f"not correctable: {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(record, name, value)
    errors = check_record(record, raw_values=raw_values if raw_values is not None else dict(record.values))
    if errors:
        raise ValidationError(errors)
    return audited_save(record, by=by, reason=reason)


# --- commitments ---------------------------------------------------------------------------------


@transaction.atomic
def commitment_record(
    *, by, subject: Subject, matter: str, content: str, made_on: datetime.date, made_to: Organization, reason: str
) -> Commitment:
    """Record a commitment made to `made_to` (an officer of that organisation records it)."""
    reason = require_reason(reason)
    require_provider_officer(by, made_to)
    commitment = Commitment(subject=subject, matter=matter, content=content.strip(), made_on=made_on, made_to=made_to)
    commitment.full_clean()
    return audited_save(commitment, by=by, reason=reason)


def breach_item() -> CatalogItem:
    """The published dishonest item under which broken commitments are recorded."""
    item = (
        CatalogItem.objects.filter(
            catalog__status=ListStatus.PUBLISHED, category=Category.DISHONEST, report_section=ReportSection.COMMITMENT
        )
        .annotate(
            specificity=Case(
                When(catalog__level=Level.CITY, then=0), When(catalog__level=Level.PROVINCIAL, then=1), default=2
            )
        )
        .order_by("specificity", "position")
        .first()
    )
    if item is None:
        raise ValidationError(str(MSG_NO_BREACH_ITEM))
    return item


@transaction.atomic
def commitment_resolve(
    commitment: Commitment,
    *,
    by,
    kept: bool,
    finding: str,
    reason: str,
    document_number: str = "",
    document_date: datetime.date | None = None,
    values: dict | None = None,
) -> Commitment:
    """Mark a commitment kept or broken. A broken one becomes a dishonest record of the
    organisation it was made to (Ningbo art. 35: 承诺履约情况记入信用记录), under the published
    item for broken commitments; `values` fills that item's fields (the document number, the
    matter and the date are filled in from the finding when the item declares such fields)."""
    reason = require_reason(reason)
    commitment.refresh_from_db(from_queryset=Commitment.objects.select_for_update())
    require_provider_officer(by, commitment.made_to)
    if commitment.status != CommitmentStatus.PENDING:
        raise Conflict(_("This commitment was already found %(status)s.") % {"status": commitment.get_status_display()})
    today = timezone.localdate()
    commitment.resolved_on = today
    commitment.resolution_note = finding.strip()
    if kept:
        commitment.status = CommitmentStatus.KEPT
    else:
        commitment.status = CommitmentStatus.BROKEN
        item = breach_item()
        commitment.breach_record = record_create(
            by=by,
            subject=commitment.subject,
            item=item,
            values=_breach_values(item, commitment, document_number, document_date or today, values or {}),
            provider=commitment.made_to,
            reason=reason,
            document_number=document_number,
            document_date=document_date,
            determined_on=document_date or today,
            ended_on=document_date or today,
            severity=Severity.GENERAL,
            source_record_id=f"commitment:{commitment.pk}",
        )
    return audited_save(commitment, by=by, reason=reason)


def _breach_values(item: CatalogItem, commitment: Commitment, number: str, day, given: dict) -> dict:
    """The breach item's fields that the finding itself answers, then what the officer gave."""
    known = {"decision_number": number, "document_number": number, "matter": commitment.get_matter_display()}
    filled = {}
    for field in item.record_fields:
        if field["name"] in known:
            filled[field["name"]] = known[field["name"]]
        elif field["type"] == "date":
            filled[field["name"]] = day.isoformat()
    filled.update({k: v for k, v in given.items() if v not in (None, "")})
    return filled


def records_recompute_disclosure(
    subject_ids=None, *, by=None, reason: str, policy=None, today: datetime.date | None = None, settle: bool = False
) -> dict[str, int]:
    """Recompute the disclosure end (and its basis) of dishonest records: of the subjects given
    (a listing began or ended), or of every subject (the policy changed). Only changed rows are
    written, with history carrying `reason`.

    With `settle` (a changed rule), the status follows the new end at once: an active record
    whose new end has passed is expired as `records_expire` does, and a record expired earlier
    whose new end is today or later is active again; both are announced by
    `events.record_status_changed`, as the daily expiry is. Returns counts of changed, expired
    and restored records.
    """
    from apps.core.audit import bulk_update_audited

    reason = require_reason(reason)
    policy = policy or active_policy()
    today = today or timezone.localdate()
    done = {"changed": 0, "expired": 0, "restored": 0}
    # a record under objection is active: its disclosure end moves, and with `settle` it expires, like any other
    statuses = [RecordStatus.ACTIVE] + ([RecordStatus.EXPIRED] if settle else [])
    records = CreditRecord.objects.filter(category=Category.DISHONEST, status__in=statuses)
    if subject_ids is not None:
        records = records.filter(subject_id__in=list(subject_ids))
    ids = list(records.order_by("pk").values_list("pk", flat=True))
    fields = ["disclosure_ends_on", "disclosure_basis", "status", "updated_at", "updated_by"]
    for offset in range(0, len(ids), 2000):
        with transaction.atomic():
            chunk = list(
                CreditRecord.objects.select_for_update()
                .filter(pk__in=ids[offset : offset + 2000], status__in=statuses)
                .select_related("item")
            )
            extensions = extensions_for({r.subject_id for r in chunk})
            changed, expired, restored = [], [], []
            for record in chunk:
                try:
                    moved = apply_disclosure(record, policy, extensions)
                except MissingDate:
                    continue
                if settle:
                    ended = record.disclosure_ends_on is not None and record.disclosure_ends_on < today
                    if record.status == RecordStatus.ACTIVE and ended:
                        record.status = RecordStatus.EXPIRED
                        expired.append(record)
                        moved = True
                    elif record.status == RecordStatus.EXPIRED and not ended:
                        record.status = RecordStatus.ACTIVE
                        restored.append(record)
                        moved = True
                if moved:
                    record.updated_at, record.updated_by = timezone.now(), by
                    changed.append(record)
            bulk_update_audited(changed, CreditRecord, fields, by=by, reason=reason)
            # Announced as `records_expire` announces the daily expiry, with the recompute's reason.
            for records, status in ((expired, RecordStatus.EXPIRED), (restored, RecordStatus.ACTIVE)):
                if records:
                    events.record_status_changed.send(
                        sender=CreditRecord, records=records, status=status, by=by, reason=reason
                    )
            done["changed"] += len(changed)
            done["expired"] += len(expired)
            done["restored"] += len(restored)
    return done


# --- lookups: the written authorisation and the lookup request (Nanjing art. 54) ---------------------


def authorisation_store(*, by: User, subject_identifier: str, file) -> Authorisation:
    """Store the written authorisation (被查询人的书面授权材料) of the subject `subject_identifier`
    for an authorised inquiry (Nanjing art. 54). One authorisation covers that one subject; the
    row is append-only. Only a role that may make authorised inquiries stores one."""
    if QueryMode.AUTHORISED not in modes_for(by):
        raise ValidationError(
            {"mode": str(MSG_MODE_NOT_FOR_ROLE).format(mode=QueryMode.AUTHORISED.label)}, code="mode_not_for_role"
        )
    try:
        _kind, identifier = validate_identifier(subject_identifier)
    except ValidationError as error:
        raise ValidationError({"subject_identifier": error.messages}) from None
    if not file:
        raise ValidationError({"file": str(MSG_AUTHORISATION_REQUIRED)}, code="authorisation_required")
    try:
        # The one check for scans and proofs: PDF, PNG or JPEG by content, within the size limit.
        file_type = validate_upload(file)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    authorisation = Authorisation(
        file_name=safe_original_name(file.name, file_type), subject_identifier=identifier, uploaded_by=by
    )
    # The stored name is the platform's own; the uploader's name is kept for display only.
    authorisation.file.save(stored_name(file_type), file, save=False)
    authorisation.save()
    return authorisation


def lookup_prepare(
    *,
    by: User,
    mode: str,
    purpose: str,
    channel: str = QueryChannel.WEB,
    purpose_detail: str = "",
    client_ip: str | None = None,
    identity_checked: bool = False,
    checked_identifier: str = "",
    authorisation_id: int | None = None,
    authorisation_file=None,
) -> LookupRequest:
    """The LookupRequest of a lookup asked on the workbench, checked against the rules of
    Nanjing art. 54 (`selectors.lookup_check`). An authorised inquiry uses the authorisation this
    user stored under `authorisation_id`, or stores `authorisation_file` for `checked_identifier`
    first. Window modes are logged on the window channel. Raises ValidationError naming the field.

    The selectors check the same rules again against the subject actually opened."""
    authorisation = None
    if mode == QueryMode.AUTHORISED:
        authorisation = lookup_authorisation(by=by, authorisation_id=authorisation_id)
        if authorisation is None and authorisation_file:
            authorisation = authorisation_store(by=by, subject_identifier=checked_identifier, file=authorisation_file)
    lookup = LookupRequest(
        user=by,
        mode=mode,
        purpose=purpose,
        channel=QueryChannel.WINDOW if mode in WINDOW_MODES else channel,
        purpose_detail=purpose_detail,
        # the log's column holds 200 characters; the authorisation row keeps the full name
        authorization_document=f"{_('Authorisation')} #{authorisation.pk} {authorisation.file_name}"[:200]
        if authorisation
        else "",
        client_ip=client_ip,
        identity_checked=identity_checked,
        authorisation_id=authorisation.pk if authorisation else None,
        checked_identifier=checked_identifier,
    )
    lookup_check(lookup)
    return lookup
