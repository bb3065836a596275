"""Joint reward and sanction checks (联合奖惩): another government system asks which measures apply
to an applicant in a matter (自动比对), and reports back whether it applied them (自动反馈)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.catalog.choices import Matter
from apps.core.choices import QueryChannel, QueryMode, QueryOutcome, QueryPurpose
from apps.core.db import replica_reads
from apps.core.exceptions import Conflict
from apps.core.querylog import LookupRequest, record_lookup
from apps.sanctions.models import CheckFeedback, SanctionCheck
from apps.sanctions.selectors import check_answer
from apps.sanctions.services.common import (
    MSG_FEEDBACK_TWICE,
    MSG_MATTER,
    MSG_MEASURE_NOT_RETURNED,
    MSG_REASON_NOT_APPLIED,
)

_MATTERS = frozenset(Matter.values)  # (`Matter.values` builds its list on every call)


def sanction_check(*, by, identifier: str, matter: str, channel: str = QueryChannel.API, client_ip: str | None = None):
    """A government system asks which measures apply to an applicant in a matter (Nanjing art.
    34: 自动比对). Logged as a government lookup whose purpose is the matter.

    Two SQL statements on PostgreSQL, no transaction (issue 16): the answer (`check_answer`), then
    the query-volume counter, the log row and the check in one statement (`record_lookup`); four
    in one transaction elsewhere. A refusal (the user's flag, a system's quota) writes
    the refused log row, no check, and raises QueryRefused.

    Returns (check, subject or None, statuses, measures)."""
    from apps.subjects.services import clean_identifier

    if matter not in _MATTERS:
        raise ValidationError({"matter": str(MSG_MATTER).format(matter=matter)})
    try:
        _kind, identifier = clean_identifier(identifier)
    except ValidationError as error:
        raise ValidationError({"identifier": error.messages}) from None
    with replica_reads():  # the answer may come from a read replica; the log row goes to the primary
        answer = check_answer(identifier, matter)
    subject, statuses, measures = answer.subject, answer.statuses, answer.measures
    measure_ids = [m.pk for m in measures]
    lookup = LookupRequest(
        user=by,
        mode=QueryMode.GOVERNMENT,
        purpose=QueryPurpose.JOINT_SANCTION_CHECK,
        channel=channel,
        purpose_detail=str(Matter(matter).label),
        client_ip=client_ip,
    )

    def record_check(entry):
        return SanctionCheck(
            requested_by=by,
            organization_id=by.organization_id,
            identifier=identifier,
            subject=subject,
            matter=matter,
            statuses=statuses,
            measure_ids=measure_ids,
            channel=channel,
            query_log=entry,
        )

    _entry, check, refusal = record_lookup(
        lookup,
        subject_identifier=identifier,
        subject_name=subject.name if subject else "",
        query={"identifier": identifier, "matter": matter},
        outcome=QueryOutcome.FOUND if subject else QueryOutcome.NOT_FOUND,
        result={"statuses": statuses, "measures": measure_ids},
        also=record_check,
    )
    if refusal is not None:
        raise refusal  # after the commit: the refusal stays on record
    return check, subject, statuses, measures


@transaction.atomic
def check_feedback(check: SanctionCheck, *, by, results: list[dict]) -> list[CheckFeedback]:
    """Record whether each returned measure was applied (自动反馈); not applying needs a
    written reason (Nanjing art. 34, Ningbo art. 29)."""
    if by is None or (not by.is_superuser and by.organization_id != check.organization_id):
        raise PermissionDenied
    errors = []
    feedback = []
    seen: set[int] = set()
    for position, result in enumerate(results, start=1):
        measure_id = int(result.get("measure") or 0)
        applied = bool(result.get("applied"))
        reason = (result.get("reason") or "").strip()
        if measure_id not in check.measure_ids:
            errors.append(f"{position}: {str(MSG_MEASURE_NOT_RETURNED).format(id=measure_id)}")
            continue
        if not applied and not reason:
            errors.append(f"{position}: {MSG_REASON_NOT_APPLIED}")
            continue
        if measure_id in seen:
            errors.append(f"{position}: {str(MSG_FEEDBACK_TWICE).format(id=measure_id)}")
            continue
        seen.add(measure_id)
        if CheckFeedback.objects.filter(check_ref=check, measure_id=measure_id).exists():
            raise Conflict(str(MSG_FEEDBACK_TWICE).format(id=measure_id))
        feedback.append(
            CheckFeedback(check_ref=check, measure_id=measure_id, applied=applied, reason=reason, recorded_by=by)
        )
    if errors:
        raise ValidationError({"results": errors})
    if not feedback:
        raise ValidationError({"results": _("Give the feedback on at least one measure.")})
    for item in feedback:
        item.save()
    return feedback
