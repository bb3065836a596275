"""Reads of the objections credit service agencies receive: what a user may see, what an
objection's page shows. No credit file is read: the information disputed is the agency's own."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.core.choices import DocumentKind
from apps.core.deadlines import deadlines_of
from apps.core.documents import attachments_of, documents_of
from apps.core.permissions import restrict
from apps.objections.models import AgencyObjection
from apps.objections.selectors import timeline


def visible_agency_objections(user) -> QuerySet[AgencyObjection]:
    """An agency's staff see the objections their agency received; the credit office, the
    authority and auditors see every agency's."""
    return restrict(AgencyObjection.objects.select_related("agency").prefetch_related("deadlines__pauses"), user)


def agency_reply(objection: AgencyObjection):
    """The reply issued to the applicant, or None before the decision."""
    return documents_of(objection, DocumentKind.OBJECTION_REPLY).first()


def agency_objection_page(objection: AgencyObjection) -> dict:
    """Everything the objection's page shows besides the steps."""
    return {
        "clocks": deadlines_of(objection),
        "evidence": list(attachments_of(objection)),
        "documents": list(documents_of(objection)),
        "timeline": timeline(objection),
    }
