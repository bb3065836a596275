"""Prompt and warning interviews (提示约谈/警示约谈, Tianjin art. 44): during the disclosure period of
a subject's dishonest information, the providing agency urges it to meet its obligations and
remove the effects. The agency records each interview held; officers see it in the subject's
file and on its repair applications."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.catalog.choices import Category
from apps.core.audit import audited_save
from apps.core.choices import Role
from apps.core.exceptions import Conflict
from apps.core.services import require_reason
from apps.repair.choices import InterviewKind
from apps.repair.models import Interview
from apps.subjects.choices import RecordStatus

MSG_REQUIRED = gettext_lazy("This field is required.")
MSG_ONLY_PROVIDER = gettext_lazy("Interviews are recorded by officers of the agency that provided the information.")
MSG_RECORD = gettext_lazy(
    "Record {id} is not a disclosed dishonest record of {subject} provided by your agency (interviews are held during the disclosure period)."
)
MSG_FUTURE = gettext_lazy("An interview is recorded once it has been held, not before.")
MSG_KIND = gettext_lazy("Choose a prompt or a warning interview.")


@transaction.atomic
def interview_record(
    *,
    by,
    subject,
    kind: str,
    held_on: datetime.date,
    participants: str,
    notes: str,
    reason: str,
    records=(),
) -> Interview:
    """Record an interview held by the officer's agency about its own dishonest records of the
    subject that are still disclosed."""
    reason = require_reason(reason)
    if by is None or not (by.is_superuser or (by.role == Role.OFFICER and by.has_perm("repair.add_interview"))):
        raise Conflict(str(MSG_ONLY_PROVIDER))
    errors: dict[str, list[str]] = {}
    if kind not in InterviewKind.values:
        errors["kind"] = [str(MSG_KIND)]
    if held_on is None:
        errors["held_on"] = [str(MSG_REQUIRED)]
    elif held_on > timezone.localdate():
        errors["held_on"] = [str(MSG_FUTURE)]
    for name, value in (("participants", participants), ("notes", notes)):
        if not (value or "").strip():
            errors[name] = [str(MSG_REQUIRED)]
    records = list(records)
    for record in records:
        if (
            record.subject_id != subject.pk
            or record.category != Category.DISHONEST
            or record.status != RecordStatus.ACTIVE
            or (not by.is_superuser and record.provider_id != by.organization_id)
        ):
            errors.setdefault("records", []).append(str(MSG_RECORD).format(id=record.pk, subject=subject))
    if errors:
        raise ValidationError(errors)
    interview = Interview(
        subject=subject,
        agency=by.organization,
        kind=kind,
        held_on=held_on,
        participants=participants.strip(),
        notes=notes.strip(),
    )
    audited_save(interview, by=by, reason=reason)
    interview.records.set(records)
    return interview
