"""Reads of the objections app: what a user may see, the reply's content, the timeline."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from apps.core.choices import QueryOutcome
from apps.core.deadlines import deadlines_of
from apps.core.documents import attachments_of, documents_of
from apps.core.permissions import restrict
from apps.objections.models import Objection


def visible_objections(user) -> QuerySet[Objection]:
    """The credit office, the authority and auditors see every objection; an agency's officers
    only those forwarded to their agency or filed with it (object permissions)."""
    return restrict(
        Objection.objects.select_related("subject", "handler", "forwarded_to").prefetch_related("deadlines__pauses"),
        user,
    )


def reply_context(objection: Objection) -> dict:
    """What the reply and the refusal print (templates objections/document_*.html)."""
    from apps.core.selectors import active_policy
    from apps.sanctions.selectors import remedies_notice

    policy = active_policy()
    return {
        "objection": objection,
        "records": list(objection.records.select_related("item", "provider")),
        "remedies": remedies_notice(policy),
        "policy": policy,
    }


@dataclass
class TimelineEntry:
    when: object
    who: object
    what: str
    reason: str


def timeline(objection: Objection) -> list[TimelineEntry]:
    """Every step of the objection, in order: who, when, what it became and why. Setting its
    records writes a history row of its own with the same status, user and reason: one line."""
    entries: list[TimelineEntry] = []
    last = None
    for row in objection.history.select_related("history_user").order_by("history_date", "history_id"):
        key = (row.status, row.history_user_id, row.history_change_reason)
        if key == last:
            continue
        last = key
        entries.append(
            TimelineEntry(row.history_date, row.history_user, row.get_status_display(), row.history_change_reason or "")
        )
    return entries


def objection_page(objection: Objection) -> dict:
    """Everything the objection's page shows besides the steps."""
    return {
        "clocks": deadlines_of(objection),
        "evidence": list(attachments_of(objection)),
        "documents": list(documents_of(objection)),
        "timeline": timeline(objection),
        "records": list(objection.records.select_related("item", "provider")),
    }


def subject_for_objection(lookup, identifier: str):
    """The subject an objection is filed for, and its records to choose from: a lookup of its
    credit file for objection processing, logged (refused for volume like any lookup). Returns
    (subject or None, records)."""
    from apps.subjects.models import CreditRecord, Subject
    from apps.subjects.selectors import lookup_log
    from apps.subjects.services import clean_identifier

    try:
        _kind, identifier = clean_identifier(identifier)
    except ValidationError as error:
        raise ValidationError({"identifier": error.messages}) from None
    subject = Subject.objects.filter(identifier=identifier).first()
    records = (
        list(CreditRecord.objects.filter(subject=subject).select_related("item", "provider").order_by("-id"))
        if subject
        else []
    )
    lookup_log(
        lookup,
        identifier=identifier,
        name=subject.name if subject else "",
        query={"objection_intake": identifier},
        outcome=QueryOutcome.FOUND if subject else QueryOutcome.NOT_FOUND,
        result={"records": [r.pk for r in records]},
    )
    return subject, records


def reply_for(lookup, objection: Objection):
    """The reply (or refusal) issued to the applicant. It names the subject in full: opening it
    is a logged lookup with the caller's purpose."""
    from apps.core.choices import DocumentKind
    from apps.subjects.selectors import lookup_log

    lookup_log(
        lookup,
        identifier=objection.subject.identifier,
        name=objection.subject.name,
        query={"objection_reply": objection.pk},
        result={"objection": objection.pk},
    )
    return documents_of(objection, DocumentKind.OBJECTION_REPLY).first()
