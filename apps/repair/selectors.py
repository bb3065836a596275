"""Reads of the repair app: what a user may see, the decision's content, the page, the subject's
information to choose from at intake (a logged lookup), and the public announcement."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from apps.core.choices import DocumentKind, QueryOutcome
from apps.core.deadlines import deadlines_of
from apps.core.documents import attachments_of, documents_of
from apps.core.permissions import restrict
from apps.objections.selectors import timeline
from apps.repair.choices import Outcome, RepairStatus
from apps.repair.models import GoodInfoRequest, Interview, RepairApplication, RepairEvent


def visible_applications(user) -> QuerySet[RepairApplication]:
    """The credit office, the authority and auditors see every application; an agency's officers
    only those routed to their agency (object permissions)."""
    return restrict(
        RepairApplication.objects.select_related("subject", "agency", "listing").prefetch_related("deadlines__pauses"),
        user,
    )


def visible_good_info_requests(user) -> QuerySet[GoodInfoRequest]:
    return restrict(GoodInfoRequest.objects.select_related("subject").prefetch_related("deadlines__pauses"), user)


def visible_interviews(user) -> QuerySet[Interview]:
    return restrict(Interview.objects.select_related("subject", "agency"), user)


def decision_context(application: RepairApplication) -> dict:
    """What the decision and the refusal print (templates repair/document_*.html)."""
    from apps.core.selectors import active_policy
    from apps.sanctions.models import ListingCase
    from apps.sanctions.selectors import remedies_notice

    policy = active_policy()
    return {
        "application": application,
        "repaired": application.outcome == Outcome.REPAIRED,
        "records": list(application.records.select_related("item", "provider").order_by("pk")),
        "listings": list(ListingCase.objects.filter(pk__in=application.listings_ended).order_by("pk")),
        "remedies": remedies_notice(policy),
        "policy": policy,
    }


def application_page(application: RepairApplication, user) -> dict:
    """Everything the application's page shows besides the steps."""
    return {
        "clocks": deadlines_of(application),
        "files": list(attachments_of(application)),
        "documents": list(documents_of(application)),
        "timeline": timeline(application),
        "records": list(application.records.select_related("item", "provider").order_by("pk")),
        "interviews": list(
            visible_interviews(user).filter(subject=application.subject).prefetch_related("records")[:50]
        ),
    }


def subject_for_repair(lookup, identifier: str):
    """The subject a repair application is entered for, with its dishonest records still
    disclosed and the serious listings it is on: a logged lookup of its credit file for repair
    processing. Returns (subject or None, records, listings)."""
    from apps.catalog.choices import Category
    from apps.sanctions.choices import CaseStatus, EntryRole, ListType
    from apps.sanctions.models import ListingCase
    from apps.subjects.choices import RecordStatus
    from apps.subjects.models import CreditRecord, Subject
    from apps.subjects.selectors import lookup_log
    from apps.subjects.services import clean_identifier

    try:
        _kind, identifier = clean_identifier(identifier)
    except ValidationError as error:
        raise ValidationError({"identifier": error.messages}) from None
    subject = Subject.objects.filter(identifier=identifier).first()
    records, listings = [], []
    if subject is not None:
        records = list(
            CreditRecord.objects.filter(subject=subject, category=Category.DISHONEST, status=RecordStatus.ACTIVE)
            .select_related("item", "provider")
            .order_by("-determined_on", "-id")
        )
        listings = list(
            ListingCase.objects.filter(
                list_type=ListType.SERIOUS,
                status=CaseStatus.PUBLISHED,
                entries__subject=subject,
                entries__role=EntryRole.SUBJECT,
            )
            .select_related("deciding_org")
            .distinct()
            .order_by("-pk")
        )
    lookup_log(
        lookup,
        identifier=identifier,
        name=subject.name if subject else "",
        query={"repair_intake": identifier},
        outcome=QueryOutcome.FOUND if subject else QueryOutcome.NOT_FOUND,
        result={"records": [r.pk for r in records], "listings": [c.pk for c in listings]},
    )
    return subject, records, listings


def decision_for(lookup, application: RepairApplication):
    """The decision (or refusal) issued to the subject. It names the subject in full: opening it
    is a logged lookup with the caller's purpose."""
    from apps.subjects.selectors import lookup_log

    lookup_log(
        lookup,
        identifier=application.subject.identifier,
        name=application.subject.name,
        query={"repair_decision": application.pk},
        result={"repair_application": application.pk},
    )
    return documents_of(application, DocumentKind.REPAIR_DECISION).first()


def announcements() -> QuerySet[RepairApplication]:
    """The repair decisions announced on the public page (Ningbo art. 45 para. 2: 信用修复决定
    应当在公共信用信息平台公告): the repaired ones, newest first. The page shows the subject's
    display name (a person's masked) and the information repaired, nothing of the reasons."""
    return (
        RepairApplication.objects.filter(
            outcome=Outcome.REPAIRED, status__in=(RepairStatus.REPAIRED, RepairStatus.DELIVERED)
        )
        .select_related("subject", "agency")
        .prefetch_related("records__item")
        .order_by("-decided_on", "-id")
    )


def events_after(after: int = 0, *, limit: int = 100) -> list[RepairEvent]:
    """The outbound feed from the line after `after`, oldest first."""
    return list(RepairEvent.objects.filter(pk__gt=after).select_related("subject").order_by("pk")[:limit])


def subject_good_records(lookup, identifier: str):
    """The subject a good-information request is entered for, with its good records disclosed
    now: a logged lookup for repair processing. Returns (subject or None, records)."""
    from apps.catalog.choices import Category
    from apps.subjects.choices import RecordStatus
    from apps.subjects.models import CreditRecord, Subject
    from apps.subjects.selectors import lookup_log
    from apps.subjects.services import clean_identifier

    try:
        _kind, identifier = clean_identifier(identifier)
    except ValidationError as error:
        raise ValidationError({"identifier": error.messages}) from None
    subject = Subject.objects.filter(identifier=identifier).first()
    records = (
        list(
            CreditRecord.objects.filter(subject=subject, category=Category.GOOD, status=RecordStatus.ACTIVE)
            .select_related("item", "provider")
            .order_by("-determined_on", "-id")
        )
        if subject
        else []
    )
    lookup_log(
        lookup,
        identifier=identifier,
        name=subject.name if subject else "",
        query={"good_info_request": identifier},
        outcome=QueryOutcome.FOUND if subject else QueryOutcome.NOT_FOUND,
        result={"records": [r.pk for r in records]},
    )
    return subject, records


def good_info_page(request_: GoodInfoRequest) -> dict:
    return {
        "clocks": deadlines_of(request_),
        "timeline": timeline(request_),
        "records": list(request_.records.select_related("item", "provider").order_by("pk")),
    }
