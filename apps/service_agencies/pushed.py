"""Credit reports of service agencies pushed into the platform by the body that used them
(Nanjing art. 65): the write (`pushed_report_push`), what a user may read, and the flag a
report carries while its agency's rating products are restricted (Nanjing art. 69 para. 4).

The flag is computed each time a report is shown, from the agency's restriction
(`supervision.restrictions_of`): a report pushed before the restriction is flagged as soon as
the restriction is recorded, one pushed later while it holds is flagged too."""

from __future__ import annotations

import datetime
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.core.audit import audited_save
from apps.core.choices import OrganizationKind, Role
from apps.core.documents import safe_original_name, stored_name, validate_upload
from apps.core.exceptions import Conflict
from apps.core.permissions import restrict
from apps.core.services import require_reason
from apps.service_agencies.choices import MatterKind
from apps.service_agencies.models import PushedReport, SupervisionAction
from apps.service_agencies.supervision import restrictions_of

MSG_REQUIRED = gettext_lazy("This field is required.")
MSG_ONLY_BODY = gettext_lazy(
    "Reports are pushed by officers of the body that bought or required them in a government matter (Nanjing art. 65)."
)
MSG_NOT_SERVICE_AGENCY = gettext_lazy("Choose a credit service agency of the registry.")
MSG_NO_SUBJECT = gettext_lazy("No subject has the identifier {identifier} in the credit files.")
MSG_REPORT_FUTURE = gettext_lazy("The report date cannot be after today.")
MSG_FILE_REQUIRED = gettext_lazy("Attach the report's file (PDF, PNG or JPEG).")
MSG_MATTER_KIND = gettext_lazy("Choose the kind of matter the report was used in.")
MSG_ALREADY_PUSHED = gettext_lazy(
    "Report {number} of {agency} on this subject was already pushed by your body (#{id})."
)
MSG_RESTRICTED = gettext_lazy(
    "Warning: the rating products of {agency} are restricted since {day} (supervision action #{id}: {summary}); "
    "do not rely on this report (Nanjing art. 69 para. 4)."
)


def may_push(user) -> bool:
    """Officers of a government body (the buying or requiring body) push reports."""
    return (
        user is not None
        and user.is_authenticated
        and user.role == Role.OFFICER
        and bool(user.organization_id)
        and user.has_perm("service_agencies.add_pushedreport")
    )


def _sha256(file) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


@transaction.atomic
def pushed_report_push(
    *,
    by,
    reason: str,
    agency,
    subject_identifier: str,
    matter_kind: str,
    matter: str,
    report_number: str,
    report_date: datetime.date | None,
    conclusion: str,
    file,
) -> PushedReport:
    """The officer's body pushes a credit report a service agency issued for a government matter
    it handled (Nanjing art. 65). Every field is required; the file is judged by its content.
    Nothing is stored when anything is refused."""
    from apps.subjects.models import Subject
    from apps.subjects.services import clean_identifier

    reason = require_reason(reason)
    if not may_push(by):
        raise PermissionDenied(str(MSG_ONLY_BODY))
    errors: dict[str, list[str]] = {}
    if agency is None or agency.kind != OrganizationKind.SERVICE_AGENCY:
        errors["agency"] = [str(MSG_NOT_SERVICE_AGENCY)]
    subject = None
    if not (subject_identifier or "").strip():
        errors["subject_identifier"] = [str(MSG_REQUIRED)]
    else:
        try:
            _kind, identifier = clean_identifier(subject_identifier.strip())
        except ValidationError as error:
            errors["subject_identifier"] = error.messages
        else:
            subject = Subject.objects.filter(identifier=identifier).first()
            if subject is None:
                errors["subject_identifier"] = [str(MSG_NO_SUBJECT).format(identifier=identifier)]
    if matter_kind not in MatterKind.values:
        errors["matter_kind"] = [str(MSG_MATTER_KIND)]
    for name, value in (("matter", matter), ("report_number", report_number), ("conclusion", conclusion)):
        if not (value or "").strip():
            errors[name] = [str(MSG_REQUIRED)]
    if report_date is None:
        errors["report_date"] = [str(MSG_REQUIRED)]
    elif report_date > timezone.localdate():
        errors["report_date"] = [str(MSG_REPORT_FUTURE)]
    file_type = None
    if not file:
        errors["file"] = [str(MSG_FILE_REQUIRED)]
    else:
        try:
            file_type = validate_upload(file)
        except ValidationError as error:
            errors["file"] = error.messages
    if errors:
        raise ValidationError(errors)
    report_number = report_number.strip()
    same = PushedReport.objects.filter(
        pushing_org_id=by.organization_id, agency=agency, report_number=report_number, subject=subject
    )
    existing = same.first()
    if existing is not None:
        raise Conflict(str(MSG_ALREADY_PUSHED).format(number=report_number, agency=agency, id=existing.pk))
    report = PushedReport(
        agency=agency,
        subject=subject,
        matter_kind=matter_kind,
        matter=matter.strip(),
        report_number=report_number,
        report_date=report_date,
        conclusion=conclusion.strip(),
        file_name=safe_original_name(file.name, file_type),
        file_sha256=_sha256(file),
        pushing_org_id=by.organization_id,
        pushed_by=by,
        pushed_on=timezone.localdate(),
    )
    # The stored name is the platform's own; the uploader's name is kept for display only.
    report.file.save(stored_name(file_type), file, save=False)
    try:
        with transaction.atomic():
            audited_save(report, by=by, reason=reason)
    except IntegrityError:  # pushed meanwhile by a colleague
        report.file.delete(save=False)  # nothing half-written: the stored file goes too
        existing_id = same.values_list("pk", flat=True).first()
        raise Conflict(str(MSG_ALREADY_PUSHED).format(number=report_number, agency=agency, id=existing_id)) from None
    return report


# --- reads ---------------------------------------------------------------------------------------


def visible_pushed_reports(user) -> QuerySet[PushedReport]:
    """The pushing body's officers see their body's reports; the credit office and auditors all;
    agency staff none (they hold no permission on them)."""
    return restrict(PushedReport.objects.select_related("agency", "subject", "pushing_org", "pushed_by"), user)


def with_restrictions(reports) -> list[PushedReport]:
    """The reports, each with `restriction` (the restriction in force on its agency, or None)
    and `restriction_warning` (the Chinese warning naming it), in one query for all."""
    reports = list(reports)
    restrictions = restrictions_of({r.agency_id for r in reports})
    for report in reports:
        report.restriction = restrictions.get(report.agency_id)
        report.restriction_warning = restriction_warning(report.restriction)
    return reports


def restriction_warning(restriction: SupervisionAction | None) -> str:
    if restriction is None:
        return ""
    return str(MSG_RESTRICTED).format(
        agency=restriction.agency, day=restriction.taken_on.isoformat(), id=restriction.pk, summary=restriction.summary
    )
