"""Filing an objection (异议申请): the checks every channel shares, the writing, and the window's
service. The online intake (`intake.py`) runs the same checks and writes through `store_filing`."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.core.audit import audited_save
from apps.core.choices import AttachmentPurpose, DeadlineKind, OrganizationKind, Role
from apps.core.deadlines import deadline_open
from apps.core.documents import attachment_add, new_tracking_code, validate_upload
from apps.core.exceptions import Conflict
from apps.core.models import Organization, User
from apps.core.notifications import notify
from apps.core.permissions import grant_case
from apps.core.services import require_reason
from apps.objections.choices import Channel, Ground, ObjectionStatus
from apps.objections.models import Objection
from apps.subjects import services as subject_services
from apps.subjects.models import CreditRecord, Subject

MSG_REQUIRED = gettext_lazy("This field is required.")
MSG_NOT_THE_SUBJECTS = gettext_lazy("Record {id} is not one of {subject}'s records.")
MSG_NOTHING_DISPUTED = gettext_lazy("Name at least one record, or say what information is missing.")
MSG_GROUNDS = gettext_lazy("Choose the grounds from the list: {choices}.")
MSG_ONLY_OFFICE = gettext_lazy("Only the credit office handles objections filed with it.")
MSG_RECEIVED_FUTURE = gettext_lazy("An objection cannot be received in the future.")
MSG_FILED_WITH_AGENCY = gettext_lazy("Objection {number} was filed with {agency}, which handles it.")


# --- intake --------------------------------------------------------------------------------------


def _next_number(year: int) -> str:
    prefix = f"YY-{year}-"
    last = (
        Objection.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True).first()
    )
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:06d}"


def check_disputed(subject: Subject, records, missing: str, grounds) -> list[CreditRecord]:
    """The disputed records are the subject's own; something is disputed; the grounds are the
    regulations' (Nanjing art. 58 para. 2). Raises a ValidationError naming the field."""
    errors: dict[str, list[str]] = {}
    records = list(records)
    for record in records:
        if record.subject_id != subject.pk:
            errors.setdefault("records", []).append(str(MSG_NOT_THE_SUBJECTS).format(id=record.pk, subject=subject))
    if not records and not (missing or "").strip():
        errors.setdefault("records", []).append(str(MSG_NOTHING_DISPUTED))
    grounds = list(grounds or [])
    if not grounds or set(grounds) - set(Ground.values):
        choices = "、".join(str(label) for label in Ground.labels)
        errors.setdefault("grounds", []).append(str(MSG_GROUNDS).format(choices=choices))
    if errors:
        raise ValidationError(errors)
    return records


@transaction.atomic
def objection_file(
    *,
    by,
    subject: Subject,
    applicant_name: str,
    applicant_contact: str,
    statement: str,
    grounds,
    channel: str,
    reason: str,
    records=(),
    missing: str = "",
    by_agent: bool = False,
    authorisation=None,
    evidence=(),
    received_on: datetime.date | None = None,
) -> Objection:
    """Record an objection as received (at the window, by letter, forwarded, or — by an agency
    officer — filed with the agency itself). Its clocks start from the day of receipt; nothing is
    marked before the office accepts it. Evidence and an agent's authorisation are checked by
    content (PDF, PNG, JPEG) and size before anything is stored. (An objection filed by the
    subject on the public website: `apps.objections.intake.objection_file_online`.)"""
    reason = require_reason(reason)
    if by is None or not (by.is_superuser or by.role in (Role.CLERK, Role.OFFICER)):
        raise Conflict(str(MSG_ONLY_OFFICE))
    direct = by.role == Role.OFFICER and not by.is_superuser
    channel = Channel.DIRECT if direct else Channel(channel)
    if channel == Channel.DIRECT and not direct:
        raise ValidationError({"channel": str(MSG_ONLY_OFFICE)})
    received_on = received_on or timezone.localdate()
    records = check_filing(
        subject=subject,
        applicant_name=applicant_name,
        applicant_contact=applicant_contact,
        statement=statement,
        grounds=grounds,
        records=records,
        missing=missing,
        evidence=evidence,
        received_on=received_on,
        by_agent=by_agent,
        authorisation=authorisation,
    )
    objection = store_filing(
        by=by,
        reason=reason,
        subject=subject,
        handler=by.organization if direct else credit_office(by),
        channel=channel,
        received_on=received_on,
        records=records,
        evidence=evidence,
        authorisation=authorisation,
        applicant_name=applicant_name,
        applicant_contact=applicant_contact,
        by_agent=by_agent,
        missing=missing,
        grounds=grounds,
        statement=statement,
    )
    if direct:
        grant_case(objection, by.organization)
        # Dalian art. 42: the agency handles it and tells the credit office.
        notify(
            User.objects.filter(role=Role.CLERK, is_active=True),
            message=str(MSG_FILED_WITH_AGENCY).format(number=objection.number, agency=by.organization),
            link=reverse("objections:detail", args=[objection.pk]),
        )
    return objection


def check_filing(
    *,
    subject: Subject,
    applicant_name: str,
    applicant_contact: str,
    statement: str,
    grounds,
    records,
    missing: str,
    evidence,
    received_on: datetime.date,
    by_agent: bool = False,
    authorisation=None,
    errors: dict[str, list[str]] | None = None,
) -> list[CreditRecord]:
    """Every check of a filing, whatever the channel: the applicant, the statement, the day of
    receipt, the records and the grounds (`check_disputed`), the files by content and size.
    `errors` holds what the caller found already. Raises one ValidationError naming every field
    at fault, before anything is written; returns the records."""
    errors = {name: list(messages) for name, messages in (errors or {}).items()}
    for name, value in (("applicant_name", applicant_name), ("applicant_contact", applicant_contact)):
        if not (value or "").strip():
            errors[name] = [str(MSG_REQUIRED)]
    if not (statement or "").strip():
        errors["statement"] = [str(MSG_REQUIRED)]
    if received_on > timezone.localdate():
        errors["received_on"] = [str(MSG_RECEIVED_FUTURE)]
    if by_agent and not authorisation:
        errors["authorisation"] = [str(subject_services.MSG_AUTHORISATION_REQUIRED)]
    try:
        records = check_disputed(subject, records, missing, grounds)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    # Files are checked before anything is written: a refusal leaves nothing behind.
    for name, files in (("evidence", evidence), ("authorisation", [authorisation] if authorisation else [])):
        for file in files:
            try:
                validate_upload(file)
            except ValidationError as error:
                errors.setdefault(name, []).extend(f"{getattr(file, 'name', '')}: {m}" for m in error.messages)
    if errors:
        raise ValidationError(errors)
    return records


def store_filing(
    *,
    by,
    reason: str,
    subject: Subject,
    handler: Organization,
    channel: str,
    received_on: datetime.date,
    records: list[CreditRecord],
    evidence,
    authorisation,
    applicant_name: str,
    applicant_contact: str,
    by_agent: bool,
    missing: str,
    grounds,
    statement: str,
) -> Objection:
    """Write a filing that `check_filing` passed: the objection (received), its records, its
    files and the clocks that start at receipt. `by` is None for a filing by the public."""
    objection = Objection(
        number=_next_number(received_on.year),
        tracking_code=new_tracking_code(),
        subject=subject,
        applicant_name=applicant_name.strip(),
        applicant_contact=applicant_contact.strip(),
        by_agent=by_agent,
        missing=(missing or "").strip(),
        grounds=list(dict.fromkeys(grounds)),
        statement=statement.strip(),
        channel=channel,
        received_on=received_on,
        handler=handler,
        status=ObjectionStatus.RECEIVED,
    )
    audited_save(objection, by=by, reason=reason)
    objection.records.set(records)
    for file in evidence:
        attachment_add(owner=objection, file=file, purpose=AttachmentPurpose.EVIDENCE, by=by)
    if authorisation:
        attachment_add(owner=objection, file=authorisation, purpose=AttachmentPurpose.AUTHORISATION, by=by)
    for kind in _clocks_at_receipt(channel):
        deadline_open(objection, kind, start=received_on, by=by, reason=reason)
    return objection


def credit_office(by) -> Organization:
    """The user's own credit office, else the platform's (the first active one): the handler
    of an objection filed with the office (`by` is None for a filing by the public)."""
    if by is not None and by.organization and by.organization.kind == OrganizationKind.CREDIT_OFFICE:
        return by.organization
    office = Organization.objects.filter(kind=OrganizationKind.CREDIT_OFFICE, is_active=True).order_by("pk").first()
    if office is None:
        raise Conflict(str(MSG_ONLY_OFFICE))
    return office


def _clocks_at_receipt(channel: str) -> tuple[str, ...]:
    if channel == Channel.DIRECT:
        return (DeadlineKind.OBJECTION_MARK, DeadlineKind.OBJECTION_DIRECT)
    return (DeadlineKind.OBJECTION_MARK, DeadlineKind.OBJECTION_DECISION, DeadlineKind.OBJECTION_FORWARD)
