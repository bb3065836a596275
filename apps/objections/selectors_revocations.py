"""Reads of revocation notices (撤销/变更告知): what a user may see, the agency's own records of a
subject to choose from (a logged lookup), the listings resting on the records, and what a
notice's page shows."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from apps.core.choices import QueryOutcome
from apps.core.deadlines import deadlines_of
from apps.core.permissions import restrict
from apps.objections.models import RevocationNotice
from apps.objections.selectors import timeline
from apps.subjects.choices import RecordStatus
from apps.subjects.models import CreditRecord


def visible_revocations(user) -> QuerySet[RevocationNotice]:
    """The credit office, the authority and auditors see every notice; an agency's officers only
    the notices their agency filed."""
    return restrict(
        RevocationNotice.objects.select_related("agency", "subject").prefetch_related("deadlines__pauses"),
        user,
    )


def records_for_revocation(lookup, identifier: str, agency):
    """The subject a notice is filed about, and the records `agency` provided of it that a notice
    may still change (not revoked): a lookup for information maintenance, logged. Returns
    (subject or None, records)."""
    from apps.subjects.models import Subject
    from apps.subjects.selectors import lookup_log
    from apps.subjects.services import clean_identifier

    try:
        _kind, identifier = clean_identifier(identifier)
    except ValidationError as error:
        raise ValidationError({"identifier": error.messages}) from None
    subject = Subject.objects.filter(identifier=identifier).first()
    records = (
        list(
            CreditRecord.objects.filter(subject=subject, provider=agency)
            .exclude(status=RecordStatus.REVOKED)
            .select_related("item")
            .order_by("-id")
        )
        if subject
        else []
    )
    lookup_log(
        lookup,
        identifier=identifier,
        name=subject.name if subject else "",
        query={"revocation_notice": identifier},
        outcome=QueryOutcome.FOUND if subject else QueryOutcome.NOT_FOUND,
        result={"records": [r.pk for r in records]},
    )
    return subject, records


def corrections_of(notice: RevocationNotice, records) -> list[tuple[CreditRecord, list[tuple[str, object]]]]:
    """The corrected values of a change, per record, as (field label, value) pairs."""
    rows = []
    for record in records:
        changes = notice.corrected_values.get(str(record.pk)) or {}
        rows.append(
            (
                record,
                [(str(CreditRecord._meta.get_field(name).verbose_name), value) for name, value in changes.items()],
            )
        )
    return [row for row in rows if row[1]]


def revocation_page(notice: RevocationNotice, user) -> dict:
    """Everything the notice's page shows besides the steps; of the serious-list cases resting on
    its records, those `user` may see."""
    from apps.sanctions.choices import ListType
    from apps.sanctions.models import ListingCase

    records = list(notice.records.select_related("item", "provider").order_by("pk"))
    listings = restrict(
        ListingCase.objects.filter(list_type=ListType.SERIOUS, basis_records__in=records)
        .select_related("deciding_org")
        .distinct()
        .order_by("pk"),
        user,
    )
    return {
        "records": records,
        "corrections": corrections_of(notice, records),
        "clocks": deadlines_of(notice),
        "listings": list(listings),
        "timeline": timeline(notice),
    }
