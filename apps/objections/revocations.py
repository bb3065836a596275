"""Revocation notices (撤销/变更告知): filing, the transition table `REVOCATION_CASE`, its services.

    filed ─ apply ──→ applied    the credit office revokes or corrects every record of the notice
          └ return ─→ returned   back to the agency, with the reason (e.g. not the record revoked)

When the decision a record rests on is revoked, changed, or found unlawful or void, the agency that
provided the record tells the credit office, and the office changes or deletes the record within
the Policy's working days from the notice (Nanjing art. 59: 3; Tianjin art. 43 para. 2: 3; Dalian
art. 43: 3; Ningbo art. 43: 5). Two clocks on each notice:

- `REVOCATION_AGENCY_NOTICE`, the agency's own: from the revoking document's date (Tianjin art. 43
  para. 2: 3 working days; Ningbo art. 43: 5; Nanjing and Dalian say "promptly", the preset's
  figure). Opened and met at the filing, so it records whether the agency told the office late.
- `REVOCATION_CHANGE`, the office's: from the filing, met when the notice is applied. An
  application after the due date is allowed and recorded as late, with the reason.

Applying a notice of a revoked or void decision revokes each record (`record_revoke`; nothing is
physically deleted); a changed decision corrects each record with the values the agency gave
(`record_correct`). Both go through the subjects services with the notice as the reason in the
records' history. A serious listing in force (decided or published) whose every basis record is
then revoked — typically the one record it rests on — is removed by revocation, with the revoking
document as the removal document (`apps.sanctions`' own "remove" step, as a consequence).
"""

from __future__ import annotations

import copy
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.core.audit import audited_save
from apps.core.choices import DeadlineKind, OrganizationKind, Role
from apps.core.deadlines import Clock, deadline_meet, deadline_of, deadline_open
from apps.core.exceptions import Conflict
from apps.core.services import require_reason
from apps.core.workflow import Step, Workflow
from apps.objections.choices import RevocationKind, RevocationStatus
from apps.objections.models import RevocationNotice
from apps.subjects import services as subject_services
from apps.subjects.choices import RecordStatus
from apps.subjects.models import CreditRecord, Subject

MSG_REQUIRED = gettext_lazy("This field is required.")
MSG_ONLY_AGENCY = gettext_lazy("Only an officer of the agency that provided the records files a revocation notice.")
MSG_ONLY_OFFICE = gettext_lazy("Only the credit office applies or returns a revocation notice.")
MSG_NO_RECORDS = gettext_lazy("Name at least one record the revoked or changed decision is the basis of.")
MSG_NOT_PROVIDED = gettext_lazy("Record {id} is not one of the records your agency provided.")
MSG_OTHER_SUBJECT = gettext_lazy("Record {id} is not a record of {subject}.")
MSG_ALREADY_REVOKED = gettext_lazy("Record {id} is already revoked.")
MSG_PENDING = gettext_lazy("Record {id} is already named in notice {number}, not yet applied.")
MSG_DOCUMENT_FUTURE = gettext_lazy("The revoking document cannot be dated after today.")
MSG_ONLY_CHANGE_CORRECTS = gettext_lazy("Only a changed decision carries corrected values.")
MSG_CORRECTION_FOR = gettext_lazy("Corrected values can only be given for the records of the notice (not {id}).")
MSG_CORRECTION_MISSING = gettext_lazy("A changed decision gives the corrected values of record {id}.")
MSG_NOT_CORRECTABLE = gettext_lazy("this field cannot be corrected here.")
MSG_NOT_AN_OBJECT = gettext_lazy("give the corrected values as field: value.")
MSG_LATE_REASON = gettext_lazy("The records were to be changed by {due}: say why it comes later.")

# The records' lifecycle cannot correct these (record_correct refuses them).
CLOSED_TO_CORRECTION = (RecordStatus.REVOKED, RecordStatus.EXPIRED)


# --- who may act -----------------------------------------------------------------------------------


def is_agency_officer(user) -> bool:
    """An officer of a providing agency, who may file notices about its records."""
    return (
        user is not None
        and user.is_authenticated
        and user.role == Role.OFFICER
        and user.organization is not None
        and user.organization.kind == OrganizationKind.AGENCY
        and user.has_perm("objections.add_revocationnotice")
    )


def is_office(notice: RevocationNotice, user) -> bool:
    """The credit office's clerks apply or return every notice."""
    return user.is_superuser or (user.role == Role.CLERK and user.has_perm("objections.change_revocationnotice"))


# --- filing --------------------------------------------------------------------------------------------


def _next_number(year: int) -> str:
    prefix = f"CX-{year}-"
    last = (
        RevocationNotice.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:06d}"


def _check_records(agency, subject: Subject, records: list[CreditRecord], errors: dict) -> list[CreditRecord]:
    """The records are the agency's own, of the one subject, not revoked and not waiting in
    another notice; returns those that are."""
    fine = []
    if not records:
        errors.setdefault("records", []).append(str(MSG_NO_RECORDS))
    pending = dict(
        RevocationNotice.records.through.objects.filter(
            creditrecord__in=records, revocationnotice__status=RevocationStatus.FILED
        ).values_list("creditrecord_id", "revocationnotice__number")
    )
    for record in records:
        if record.provider_id != agency.pk:
            message = str(MSG_NOT_PROVIDED).format(id=record.pk)
        elif record.subject_id != subject.pk:
            message = str(MSG_OTHER_SUBJECT).format(id=record.pk, subject=subject.display_name)
        elif record.status == RecordStatus.REVOKED:
            message = str(MSG_ALREADY_REVOKED).format(id=record.pk)
        elif record.pk in pending:
            message = str(MSG_PENDING).format(id=record.pk, number=pending[record.pk])
        else:
            fine.append(record)
            continue
        errors.setdefault("records", []).append(message)
    return fine


def _clean_value(record: CreditRecord, name: str, value):
    """A corrected value as the record's field takes it (raises ValidationError)."""
    if name == "values":
        if not isinstance(value, dict):
            raise ValidationError(str(MSG_NOT_AN_OBJECT))
        return value
    return CreditRecord._meta.get_field(name).clean(value, record)


def _clean_corrections(kind: str, records: list[CreditRecord], given, errors: dict) -> dict[str, dict]:
    """{record id: {field: value}} for a change, each value as its field takes it and the record
    as corrected still passing the record's rules (`check_record`); what is wrong is named in
    `errors["corrected_values"]` (the record, the field and why)."""
    problems: list[str] = []
    given = given or {}
    cleaned: dict[str, dict] = {}
    if kind != RevocationKind.CHANGED:
        if given:
            problems.append(str(MSG_ONLY_CHANGE_CORRECTS))
    elif not isinstance(given, dict):
        problems.append(str(MSG_NOT_AN_OBJECT))
    else:
        by_pk = {record.pk: record for record in records}
        for key in given:
            try:
                known = int(key) in by_pk
            except (TypeError, ValueError):
                known = False
            if not known:
                problems.append(str(MSG_CORRECTION_FOR).format(id=key))
        for record in records:
            fields = given.get(str(record.pk), given.get(record.pk))
            if record.status in CLOSED_TO_CORRECTION:
                closed = str(subject_services.MSG_RECORD_CLOSED).format(status=record.get_status_display())
                problems.append(f"#{record.pk}: {closed}")
            elif not fields:
                problems.append(str(MSG_CORRECTION_MISSING).format(id=record.pk))
            elif not isinstance(fields, dict):
                problems.append(f"#{record.pk}: {MSG_NOT_AN_OBJECT}")
            else:
                changes = _clean_record_corrections(record, fields, problems)
                if changes is not None:
                    cleaned[str(record.pk)] = changes
    if problems:
        errors["corrected_values"] = problems
    return cleaned


def _clean_record_corrections(record: CreditRecord, fields: dict, problems: list[str]) -> dict | None:
    """One record's corrected values, checked field by field and then as a whole record."""
    changes, probe, fine = {}, copy.copy(record), True
    for name, value in fields.items():
        if name not in subject_services.RECORD_FIELDS_EDITABLE:
            problems.append(f"#{record.pk} {name}: {MSG_NOT_CORRECTABLE}")
            fine = False
            continue
        try:
            changes[name] = _clean_value(probe, name, value)
        except ValidationError as error:
            problems.extend(f"#{record.pk} {name}: {m}" for m in error.messages)
            fine = False
    if not fine:
        return None
    for name, value in changes.items():
        if name != "values":
            setattr(probe, name, value)
    merged = {**record.values, **changes.get("values", {})}
    found = subject_services.check_record(probe, raw_values=merged)
    for field, messages in found.items():
        problems.extend(f"#{record.pk} {field}: {m}" for m in messages)
    return None if found else changes


@transaction.atomic
def revocation_file(
    *,
    by,
    subject: Subject,
    records,
    kind: str,
    document_number: str,
    document_date: datetime.date | None,
    document_body: str,
    reason: str,
    document_text: str = "",
    corrected_values: dict | None = None,
) -> RevocationNotice:
    """An agency officer tells the credit office that the decision `records` (its agency's own
    records of `subject`) rest on was revoked, changed, or found unlawful or void, by the document
    given (Nanjing art. 59, Tianjin art. 43 para. 2, Dalian art. 43, Ningbo art. 43). A change
    gives the corrected values of each record. Filed today: the office's clock starts, and the
    agency's own clock runs from the document's date to today. Nothing is written when anything is
    wrong; the ValidationError names each field."""
    reason = require_reason(reason)
    if not is_agency_officer(by):
        raise PermissionDenied(str(MSG_ONLY_AGENCY))
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    records = _check_records(by.organization, subject, list(records), errors)
    if kind not in RevocationKind.values:
        errors["kind"] = [str(MSG_REQUIRED)]
    for name, value in (("document_number", document_number), ("document_body", document_body)):
        if not (value or "").strip():
            errors[name] = [str(MSG_REQUIRED)]
    if document_date is None:
        errors["document_date"] = [str(MSG_REQUIRED)]
    elif document_date > today:
        errors["document_date"] = [str(MSG_DOCUMENT_FUTURE)]
    corrections = _clean_corrections(kind, records, corrected_values, errors) if "kind" not in errors else {}
    if errors:
        raise ValidationError(errors)
    notice = RevocationNotice(
        number=_next_number(today.year),
        agency=by.organization,
        subject=subject,
        kind=kind,
        document_number=document_number.strip(),
        document_date=document_date,
        document_body=document_body.strip(),
        document_text=(document_text or "").strip(),
        corrected_values=corrections,
        filed_on=today,
        status=RevocationStatus.FILED,
    )
    audited_save(notice, by=by, reason=reason)
    notice.records.set(records)
    # The agency's clock counts from the revoking document and is met by this filing.
    deadline_open(notice, DeadlineKind.REVOCATION_AGENCY_NOTICE, start=document_date, by=by, reason=reason)
    deadline_meet(notice, DeadlineKind.REVOCATION_AGENCY_NOTICE, on=today, by=by, reason=reason)
    deadline_open(notice, DeadlineKind.REVOCATION_CHANGE, start=today, by=by, reason=reason)
    return notice


# --- the steps ------------------------------------------------------------------------------------


def _late_due(notice: RevocationNotice) -> datetime.date | None:
    """The office's due date, when it has passed and the clock still runs."""
    clock = deadline_of(notice, DeadlineKind.REVOCATION_CHANGE, running=True)
    return clock.due_on if clock is not None and clock.due_on < timezone.localdate() else None


def _apply(notice, *, by, reason, late_reason: str = ""):
    due = _late_due(notice)
    if due is not None and not (late_reason or "").strip():
        raise ValidationError({"late_reason": str(MSG_LATE_REASON).format(due=due)})
    notice.applied_on = timezone.localdate()
    notice.late_reason = (late_reason or "").strip()


def _because(notice: RevocationNotice) -> str:
    """The reason the records' and the listings' history carry."""
    return f"{notice.number}：{notice.document_body}{notice.document_number}（{notice.get_kind_display()}）"


def _corrections_for(notice: RevocationNotice, record: CreditRecord) -> dict:
    """The stored corrected values of `record`, as its fields take them; the record's details
    (`values`) are merged with the corrected ones."""
    changes = {}
    for name, value in (notice.corrected_values.get(str(record.pk)) or {}).items():
        if name == "values":
            changes[name] = {**record.values, **value}
        else:
            changes[name] = CreditRecord._meta.get_field(name).to_python(value)
    return changes


def _change_records(notice, *, by, reason, **carried):
    """Each record through the subjects services, then the listings that rested on them."""
    because = _because(notice)
    for record in notice.records.select_related("item", "subject").order_by("pk"):
        if notice.kind == RevocationKind.CHANGED:
            try:
                subject_services.record_correct(
                    record, by=by, reason=because, follow=True, **_corrections_for(notice, record)
                )
            except Conflict as error:
                raise Conflict(f"#{record.pk}: {' '.join(error.messages)}") from None
            except ValidationError as error:
                raise ValidationError({"corrected_values": [f"#{record.pk}: {m}" for m in error.messages]}) from None
        elif record.status != RecordStatus.REVOKED:
            subject_services.record_revoke(record, by=by, reason=because, follow=True)
    if notice.kind != RevocationKind.CHANGED:
        _remove_listings(notice, by=by, reason=because)


def _remove_listings(notice: RevocationNotice, *, by, reason: str) -> None:
    """A serious listing in force loses its basis when every record it rests on is revoked: its
    removal by revocation follows, as the consequence of this step (the sanctions table's own
    automatic "remove" step, with the revoking document). A listing that still rests on another
    record stays for its deciding agency to decide."""
    from apps.sanctions.choices import RemovalReason
    from apps.sanctions.selectors import listings_resting_on
    from apps.sanctions.services.serious import SERIOUS_CASE

    for case in listings_resting_on(notice.records.all()):
        basis = list(case.basis_records.all())
        if basis and all(record.status == RecordStatus.REVOKED for record in basis):
            SERIOUS_CASE.transition(
                case,
                "remove",
                by=by,
                follow=True,
                reason=reason,
                removal_reason=RemovalReason.REVOCATION,
                removal_document=notice.document_number,
            )


def _return(notice, *, by, reason, return_reason: str = ""):
    if not (return_reason or "").strip():
        raise ValidationError({"return_reason": str(MSG_REQUIRED)})
    notice.return_reason = return_reason.strip()
    notice.returned_on = timezone.localdate()


S = RevocationStatus

REVOCATION_CASE = Workflow(
    name=gettext_lazy("revocation notices"),
    model=RevocationNotice,
    states=RevocationStatus,
    initial=(S.FILED,),
    refused=MSG_ONLY_OFFICE,
    notes={
        S.FILED: gettext_lazy(
            "Filed: the credit office changes or revokes the records within the time limit, or returns the notice."
        ),
        S.APPLIED: gettext_lazy("Applied: the records were revoked or corrected."),
        S.RETURNED: gettext_lazy("Returned to the agency with the reason; it may file a new notice."),
    },
    steps=(
        Step(
            "apply",
            gettext_lazy("Apply to the records"),
            sources=(S.FILED,),
            target=S.APPLIED,
            rule=is_office,
            apply=_apply,
            then=_change_records,
            meets=(Clock(DeadlineKind.REVOCATION_CHANGE, on=lambda notice: notice.applied_on),),
            help=gettext_lazy(
                "Revoke each record (revoked, or found unlawful or void) or correct it (changed); a serious listing that rests on nothing else is removed by revocation."
            ),
        ),
        Step(
            "return",
            gettext_lazy("Return to the agency"),
            sources=(S.FILED,),
            target=S.RETURNED,
            rule=is_office,
            apply=_return,
            closes=(DeadlineKind.REVOCATION_CHANGE,),
            help=gettext_lazy(
                "Send the notice back with the reason (for example: not the record the decision revoked)."
            ),
        ),
    ),
)


def revocation_step(notice: RevocationNotice, step: str, *, by, reason: str, **data) -> RevocationNotice:
    """Take `step` of REVOCATION_CASE (apply, return)."""
    return REVOCATION_CASE.transition(notice, step, by=by, reason=reason, **data)


def revocation_apply(notice: RevocationNotice, *, by, reason: str, late_reason: str = "") -> RevocationNotice:
    """filed → applied: the office changes or revokes the records (Nanjing art. 59: within 3
    working days of the notice; Tianjin art. 43, Dalian art. 43: 3; Ningbo art. 43: 5). After
    the due date, `late_reason` says why."""
    return revocation_step(notice, "apply", by=by, reason=reason, late_reason=late_reason)


def revocation_return(notice: RevocationNotice, *, by, reason: str, return_reason: str) -> RevocationNotice:
    """filed → returned: the notice goes back to the agency with `return_reason`."""
    return revocation_step(notice, "return", by=by, reason=reason, return_reason=return_reason)
