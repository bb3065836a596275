"""Filing a repair application (信用修复申请): the checks every channel shares, the credit
commitment from the platform's template, and the writing. The window (a clerk of the credit
office or an officer of the determining agency) files through `repair_file`; the public website
through `intake.repair_file_online`, which runs the same checks and writes through `store_application`.

What is checked before anything is written, each error naming its field:
- the applicant and what the subject did (`statement`), the means from the city's list, and the
  signed commitment (a scan at the window; online the applicant signs the text shown);
- the records are the subject's, dishonest, within their disclosure period, repairable, past the
  national minimum publication period, in no other open application (`checks`); the listing is
  published and lists the subject;
- they were all determined by one agency, which decides (谁认定谁修复);
- the proof, the commitment scan and an agent's authorisation by content (PDF, PNG, JPEG) and size.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.core.audit import audited_save
from apps.core.choices import AttachmentPurpose, DeadlineKind, Role
from apps.core.deadlines import deadline_open
from apps.core.documents import attachment_add, new_tracking_code, validate_upload
from apps.core.exceptions import Conflict
from apps.core.models import User
from apps.core.notifications import notify
from apps.core.permissions import grant_case
from apps.core.selectors import active_policy
from apps.core.services import require_reason
from apps.repair import checks
from apps.repair.choices import Channel, Means, RepairStatus, means_for
from apps.repair.models import RepairApplication
from apps.subjects import services as subject_services
from apps.subjects.models import Subject

MSG_REQUIRED = gettext_lazy("This field is required.")
MSG_MEANS = gettext_lazy("Choose the means of repair from the city's list: {choices}.")
MSG_COMMITMENT_UNSIGNED = gettext_lazy(
    "The credit commitment must be signed: a repair needs the subject's commitment (national credit repair rules)."
)
MSG_COMMITMENT_SCAN = gettext_lazy("Attach the scan of the commitment the applicant signed at the window.")
MSG_RECEIVED_FUTURE = gettext_lazy("An application cannot be received in the future.")
MSG_WHO_FILES = gettext_lazy(
    "Repair applications are entered by the credit office or by the agency that determined the records."
)
MSG_NOT_YOUR_AGENCY = gettext_lazy(
    "These records were determined by {agency}; only its officers or the credit office enter the application."
)
MSG_NEW_APPLICATION = gettext_lazy(
    "Repair application {number} about {subject} is waiting for your agency to accept it."
)
OPEN_STATES = (RepairStatus.RECEIVED, RepairStatus.REVIEWING, RepairStatus.MATERIAL, RepairStatus.GRACE)


def _next_number(year: int) -> str:
    prefix = f"XF-{year}-"
    last = (
        RepairApplication.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:06d}"


def commitment_text(subject, records, listing=None) -> str:
    """The credit commitment (信用承诺书) from the platform's template, naming the subject and the
    information to repair: what the applicant signs."""
    return render_to_string(
        "repair/commitment.txt",
        {"subject": subject, "records": list(records), "listing": listing, "policy": active_policy()},
    ).strip()


def _pending(records, listing) -> list[checks.Problem]:
    """Records (or the listing) already in an open application: one application at a time."""
    problems = []
    open_ones = RepairApplication.objects.filter(status__in=OPEN_STATES)
    for record in records:
        other = open_ones.filter(records=record).first()
        if other is not None:
            problems.append(
                checks.Problem("records", str(checks.MSG_PENDING).format(id=record.pk, number=other.number))
            )
    if listing is not None:
        other = open_ones.filter(listing=listing).first()
        if other is not None:
            problems.append(
                checks.Problem("listing", str(checks.MSG_PENDING).format(id=f"#{listing.pk}", number=other.number))
            )
    return problems


def check_application(
    *,
    subject,
    records,
    listing,
    means,
    statement: str,
    applicant_name: str,
    applicant_contact: str,
    commitment_signed: bool,
    commitment_scan=None,
    proof=(),
    by_agent: bool = False,
    authorisation=None,
    received_on: datetime.date,
    scan_required: bool = False,
    errors: dict[str, list[str]] | None = None,
):
    """Every check of an application, whatever the channel. Raises one ValidationError naming
    every field at fault (for a record that may be repaired later, the message names the day),
    before anything is written; returns (records, listing, determining agency)."""
    errors = {name: list(messages) for name, messages in (errors or {}).items()}
    policy = active_policy()
    for name, value in (
        ("applicant_name", applicant_name),
        ("applicant_contact", applicant_contact),
        ("statement", statement),
    ):
        if not (value or "").strip():
            errors[name] = [str(MSG_REQUIRED)]
    offered = {str(m) for m in means_for(policy)}
    means = list(means or [])
    if not means or set(means) - offered:
        choices = "、".join(str(Means(m).label) for m in means_for(policy))
        errors.setdefault("means", []).append(str(MSG_MEANS).format(choices=choices))
    if not commitment_signed:
        errors.setdefault("commitment_signed", []).append(str(MSG_COMMITMENT_UNSIGNED))
    elif scan_required and not commitment_scan:
        errors.setdefault("commitment_scan", []).append(str(MSG_COMMITMENT_SCAN))
    if received_on > timezone.localdate():
        errors["received_on"] = [str(MSG_RECEIVED_FUTURE)]
    if by_agent and not authorisation:
        errors["authorisation"] = [str(subject_services.MSG_AUTHORISATION_REQUIRED)]
    records = list(records)
    if not records and listing is None:
        errors.setdefault("records", []).append(str(checks.MSG_NOTHING_NAMED))
    problems = [p for record in records for p in checks.record_problems(record, subject, policy)]
    if listing is not None:
        problems += checks.listing_problems(listing, subject, policy)
    problems += _pending(records, listing)
    for problem in problems:
        errors.setdefault(problem.field, []).append(problem.message)
    agency = None
    if not problems and (records or listing is not None):
        try:
            agency = checks.determining_agency(records, listing)
        except ValueError as error:
            errors.setdefault("records", []).append(str(error))
    for name, files in (
        ("proof", proof),
        ("commitment_scan", [commitment_scan] if commitment_scan else []),
        ("authorisation", [authorisation] if authorisation else []),
    ):
        for file in files:
            try:
                validate_upload(file)
            except ValidationError as error:
                errors.setdefault(name, []).extend(f"{getattr(file, 'name', '')}: {m}" for m in error.messages)
    if errors:
        raise ValidationError(errors)
    return records, listing, agency


def store_application(
    *,
    by,
    reason: str,
    subject,
    agency,
    channel: str,
    received_on: datetime.date,
    records,
    listing,
    means,
    statement: str,
    applicant_name: str,
    applicant_contact: str,
    by_agent: bool,
    proof=(),
    commitment_scan=None,
    authorisation=None,
) -> RepairApplication:
    """Write an application that `check_application` passed: received, routed to the determining
    agency (object permissions for its group, its officers told), its files, and the clock of its
    acceptance. `by` is None for a filing by the public. The subject's row is locked first and the
    records checked again for an open application, so two filings at once cannot both pass."""
    Subject.objects.select_for_update().filter(pk=subject.pk).values_list("pk").first()
    pending = _pending(records, listing)
    if pending:
        raise ValidationError({problem.field: [problem.message] for problem in pending})
    application = RepairApplication(
        number=_next_number(received_on.year),
        tracking_code=new_tracking_code(),
        subject=subject,
        applicant_name=applicant_name.strip(),
        applicant_contact=applicant_contact.strip(),
        by_agent=by_agent,
        listing=listing,
        means=list(dict.fromkeys(means)),
        statement=statement.strip(),
        commitment_text=commitment_text(subject, records, listing),
        commitment_signed_on=received_on,
        channel=channel,
        received_on=received_on,
        agency=agency,
        status=RepairStatus.RECEIVED,
    )
    audited_save(application, by=by, reason=reason)
    application.records.set(records)
    for file in proof:
        attachment_add(owner=application, file=file, purpose=AttachmentPurpose.PROOF, by=by)
    if commitment_scan:
        attachment_add(owner=application, file=commitment_scan, purpose=AttachmentPurpose.COMMITMENT, by=by)
    if authorisation:
        attachment_add(owner=application, file=authorisation, purpose=AttachmentPurpose.AUTHORISATION, by=by)
    grant_case(application, agency)
    deadline_open(application, DeadlineKind.REPAIR_ACCEPT, start=received_on, by=by, reason=reason)
    if by is None or by.organization_id != agency.pk:
        notify(
            User.objects.filter(organization=agency, role=Role.OFFICER, is_active=True),
            message=str(MSG_NEW_APPLICATION).format(number=application.number, subject=subject.display_name),
            link=reverse("repair:detail", args=[application.pk]),
        )
    return application


@transaction.atomic
def repair_file(
    *,
    by,
    subject,
    applicant_name: str,
    applicant_contact: str,
    statement: str,
    means,
    reason: str,
    records=(),
    listing=None,
    channel: str = Channel.WINDOW,
    commitment_signed: bool = False,
    commitment_scan=None,
    proof=(),
    by_agent: bool = False,
    authorisation=None,
    received_on: datetime.date | None = None,
    scan_required: bool = True,
) -> RepairApplication:
    """Enter an application received at the window or forwarded (a clerk of the credit office,
    or an officer of the agency that determined the records). The applicant signed the
    platform's commitment on paper: its scan is required on the pages; an agency system filing
    through the API attests the signature and keeps the letter (`scan_required=False`). Nothing
    is decided before the agency accepts it."""
    reason = require_reason(reason)
    if by is None or not (by.is_superuser or by.role in (Role.CLERK, Role.OFFICER)):
        raise Conflict(str(MSG_WHO_FILES))
    channel = Channel(channel)
    if channel == Channel.ONLINE:
        raise ValidationError({"channel": str(MSG_WHO_FILES)})
    received_on = received_on or timezone.localdate()
    records, listing, agency = check_application(
        subject=subject,
        records=records,
        listing=listing,
        means=means,
        statement=statement,
        applicant_name=applicant_name,
        applicant_contact=applicant_contact,
        commitment_signed=commitment_signed,
        commitment_scan=commitment_scan,
        proof=proof,
        by_agent=by_agent,
        authorisation=authorisation,
        received_on=received_on,
        scan_required=scan_required,
    )
    if by.role == Role.OFFICER and not by.is_superuser and by.organization_id != agency.pk:
        raise ValidationError({"records": str(MSG_NOT_YOUR_AGENCY).format(agency=agency)})
    return store_application(
        by=by,
        reason=reason,
        subject=subject,
        agency=agency,
        channel=channel,
        received_on=received_on,
        records=records,
        listing=listing,
        means=means,
        statement=statement,
        applicant_name=applicant_name,
        applicant_contact=applicant_contact,
        by_agent=by_agent,
        proof=proof,
        commitment_scan=commitment_scan,
        authorisation=authorisation,
    )
