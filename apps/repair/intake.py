"""Online repair applications (网上信用修复申请) on the public website, with the same identity and
abuse rules as online objections (`apps.objections.intake`): the identifier and the exact
registered name must match one subject; the page shows only what the public inquiry shows (its
dishonest records disclosed to the public, and the serious listings it is on), a logged
own-record inquiry; filings are limited per identifier per day (counted over the applications
filed, the subject's row locked) and per address per hour (the cache); nothing is accepted,
let alone decided, until an officer of the determining agency accepts it. The applicant signs the
commitment shown on the page. The status page answers only to the tracking code with the
identifier and shows the steps and due dates, never the content."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from apps.catalog.choices import Category
from apps.core.choices import QueryOutcome
from apps.core.deadlines import deadlines_of
from apps.objections.intake import (  # noqa: F401  (the shared identity and abuse rules)
    HOUR,
    MSG_NO_SUCH_SUBJECT,
    PublicClock,
    PublicStep,
    RateLimited,
    filings_for_subject,
    filings_from_address,
    find_by_tracking_code,
    lookup_throttle,
    online_lookup_request,
    online_records,
    online_subject,
    rate_count,
)
from apps.repair import filing
from apps.repair.choices import Channel, RepairStatus
from apps.repair.models import RepairApplication
from apps.sanctions.choices import CaseStatus, EntryRole, ListType
from apps.sanctions.models import ListingCase
from apps.subjects.models import Subject
from apps.subjects.selectors import lookup_log

MSG_NOT_OFFERED = gettext_lazy("Record {id} is not one of your dishonest records disclosed now; choose from the list.")
MSG_LISTING_NOT_OFFERED = gettext_lazy("Choose the listing from the list.")
MSG_TOO_MANY_FOR_SUBJECT = gettext_lazy(
    "{limit} repair applications about this subject were already filed online today, the most in one day. "
    "Apply again tomorrow, or at the service window."
)
REASON_ONLINE = gettext_lazy("Filed online")
SCOPE = "repair-filings"


def online_dishonest(subject: Subject, *, today: datetime.date | None = None) -> list:
    """The records the subject may name online: its dishonest records the public inquiry shows."""
    return list(online_records(subject, today=today).filter(category=Category.DISHONEST))


def online_listings(subject: Subject) -> list:
    """The published serious listings of the subject (the public serious list shows them)."""
    return list(
        ListingCase.objects.filter(
            list_type=ListType.SERIOUS,
            status=CaseStatus.PUBLISHED,
            entries__subject=subject,
            entries__role=EntryRole.SUBJECT,
            entries__active=True,
        )
        .select_related("deciding_org")
        .distinct()
        .order_by("-pk")
    )


def online_lookup(lookup, subject: Subject) -> tuple[list, list]:
    """`online_dishonest` and `online_listings`, logged as an own-record inquiry."""
    records, listings = online_dishonest(subject), online_listings(subject)
    lookup_log(
        lookup,
        identifier=subject.identifier,
        name=subject.name,
        query={"online_repair": subject.identifier},
        outcome=QueryOutcome.FOUND if records or listings else QueryOutcome.NOT_FOUND,
        result={"records": [r.pk for r in records], "listings": [c.pk for c in listings]},
    )
    return records, listings


@transaction.atomic
def repair_file_online(
    *,
    subject: Subject,
    applicant_name: str,
    applicant_contact: str,
    statement: str,
    means,
    commitment_signed: bool,
    records=(),
    listing=None,
    proof=(),
    client_ip: str | None = None,
) -> RepairApplication:
    """File the subject's application from the public website: channel online, received today,
    routed to the determining agency, its acceptance clock started. The same checks as at the
    window (`filing.check_application`); the records and the listing must be among those the
    page offers now. Every history row has no user and the reason REASON_ONLINE. Raises
    ValidationError naming each field at fault, RateLimited past the limits; either way nothing
    is written."""
    today = timezone.localdate()
    address_window = filings_from_address(client_ip, SCOPE)
    filings_for_subject(
        RepairApplication.objects.filter(channel=Channel.ONLINE), subject, today, MSG_TOO_MANY_FOR_SUBJECT
    )
    records = list(records)
    offered = {r.pk for r in online_dishonest(subject, today=today)}
    errors: dict[str, list[str]] = {}
    for record in records:
        if record.subject_id == subject.pk and record.pk not in offered:
            errors.setdefault("records", []).append(str(MSG_NOT_OFFERED).format(id=record.pk))
    if listing is not None and listing.pk not in {c.pk for c in online_listings(subject)}:
        errors.setdefault("listing", []).append(str(MSG_LISTING_NOT_OFFERED))
    records, listing, agency = filing.check_application(
        subject=subject,
        records=records,
        listing=listing,
        means=means,
        statement=statement,
        applicant_name=applicant_name,
        applicant_contact=applicant_contact,
        commitment_signed=commitment_signed,
        proof=proof,
        received_on=today,
        errors=errors,
    )
    application = filing.store_application(
        by=None,
        reason=str(REASON_ONLINE),
        subject=subject,
        agency=agency,
        channel=Channel.ONLINE,
        received_on=today,
        records=records,
        listing=listing,
        means=means,
        statement=statement,
        applicant_name=applicant_name,
        applicant_contact=applicant_contact,
        by_agent=False,
        proof=proof,
    )
    rate_count(address_window, HOUR)
    return application


def online_status(*, tracking_code: str, identifier: str) -> RepairApplication | None:
    return find_by_tracking_code(RepairApplication.objects.all(), tracking_code=tracking_code, identifier=identifier)


def status_page(application: RepairApplication) -> dict:
    """The status, each step with its date, each time limit: nothing of the content."""
    steps = [PublicStep(gettext("Received"), application.received_on)]
    if application.status == RepairStatus.REFUSED:
        steps.append(PublicStep(gettext("Not accepted; the reasons were sent to you"), None))
    else:
        steps += [
            PublicStep(gettext("Accepted by the determining agency"), application.accepted_on),
            PublicStep(gettext("Decision made"), application.decided_on),
            PublicStep(gettext("Decision delivered"), application.delivered_on),
        ]
    clocks = [
        PublicClock(d.get_kind_display(), d.due_on, d.due_estimated, d.get_state_display(), d.met_on)
        for d in sorted(deadlines_of(application), key=lambda d: (d.due_on, d.pk))
    ]
    return {
        "tracking_code": application.tracking_code,
        "status": application.get_status_display(),
        "steps": steps,
        "clocks": clocks,
    }
