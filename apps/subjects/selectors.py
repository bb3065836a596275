"""Reads of subjects' credit information. Every read that shows a subject's data goes through a
function here that writes the query log (DESIGN.md section 4) before returning anything.

What a mode may see follows the catalog item's disclosure attribute:
- public (公开查询): items disclosed to the public, within their disclosure period;
- government (政务共享): items disclosed to the public, on request or shared with government,
  within their disclosure period;
- authorised (授权查询): non-public items too, but like the other outside modes only active
  records and records under objection within their disclosure period: a third party holding the
  subject's authorisation is still an outside query (Nanjing arts. 56, 60, 61: 不得/不再对外提供
  查询; Tianjin art. 42; Dalian art. 35);
- self (本人查询): the whole file, expired, repaired, hidden and revoked records included, each
  with its status mark (the subject's right to know its own file).
Records under objection are shown with the objection mark.
"""

from __future__ import annotations

import datetime
from collections import OrderedDict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.catalog.choices import DEFAULT_REPORT_SECTION, Category, Disclosure, ReportSection
from apps.core.choices import QueryMode, QueryOutcome
from apps.core.identifiers import normalize_identifier
from apps.core.models import QueryLog
from apps.core.permissions import restrict
from apps.core.querylog import LookupRequest, log_query
from apps.subjects.choices import RecordStatus
from apps.subjects.models import Commitment, CreditRecord, ResponsiblePerson, Subject

DISCLOSURES_BY_MODE = {
    QueryMode.PUBLIC: {Disclosure.PUBLIC},
    QueryMode.GOVERNMENT: {Disclosure.PUBLIC, Disclosure.ON_REQUEST, Disclosure.GOVERNMENT},
    QueryMode.AUTHORISED: set(Disclosure.values),
    QueryMode.SELF: set(Disclosure.values),
}
SHOWN_STATUSES = {
    QueryMode.PUBLIC: {RecordStatus.ACTIVE, RecordStatus.OBJECTION},
    QueryMode.GOVERNMENT: {RecordStatus.ACTIVE, RecordStatus.OBJECTION},
    QueryMode.AUTHORISED: {RecordStatus.ACTIVE, RecordStatus.OBJECTION},
    QueryMode.SELF: set(RecordStatus.values),
}
SEARCH_LIMIT = 50
# Who looked a subject up is told to the subject (Nanjing art. 57): all of it in its own and in
# authorised inquiries; in other modes a user sees only the lookups it may see in the query log
# anyway (an agency its own, the credit office all).
HISTORY_MODES = {QueryMode.SELF, QueryMode.AUTHORISED}


def visible_records(subject: Subject, mode: str, *, today: datetime.date | None = None) -> QuerySet[CreditRecord]:
    """The records of `subject` that a lookup in `mode` may show (no query log: callers log)."""
    today = today or timezone.localdate()
    records = CreditRecord.objects.filter(
        subject=subject, item__disclosure__in=DISCLOSURES_BY_MODE[mode], status__in=SHOWN_STATUSES[mode]
    )
    if mode != QueryMode.SELF:
        records = records.filter(Q(disclosure_ends_on__isnull=True) | Q(disclosure_ends_on__gte=today))
    return records.select_related("item", "item__catalog", "provider").order_by("-determined_on", "-id")


def _summary(records) -> dict:
    counts: dict[str, int] = {}
    for record in records:
        counts[record.category] = counts.get(record.category, 0) + 1
    return {"records": sum(counts.values()), "by_category": counts, "ids": [r.pk for r in records][:200]}


# --- search ---------------------------------------------------------------------------------------


def subject_search(lookup: LookupRequest, *, query: str) -> list[Subject]:
    """Subjects whose identifier is `query` or whose name contains it; one query-log row."""
    text = (query or "").strip()
    identifier = normalize_identifier(text)
    if len(identifier) == 18:
        matches = list(Subject.objects.filter(identifier=identifier))
    else:
        # `contains`, not `icontains`: a trigram index serves LIKE (Chinese names have no case).
        matches = list(Subject.objects.filter(name__contains=text).order_by("name")[:SEARCH_LIMIT]) if text else []
    log_query(
        lookup,
        subject_identifier=matches[0].identifier if len(matches) == 1 else "",
        subject_name=matches[0].name if len(matches) == 1 else "",
        query={"search": text},
        outcome=QueryOutcome.FOUND if matches else QueryOutcome.NOT_FOUND,
        result={"matches": len(matches), "identifiers": [s.identifier for s in matches]},
    )
    return matches


# --- the credit file --------------------------------------------------------------------------------


@dataclass
class CreditFile:
    subject: Subject
    mode: str
    records_by_category: OrderedDict = field(default_factory=OrderedDict)  # category label -> [records]
    responsible_people: list = field(default_factory=list)  # for organisations: ResponsiblePerson
    responsibilities: list = field(default_factory=list)  # for persons: ResponsiblePerson
    commitments: list = field(default_factory=list)
    query_history: list = field(default_factory=list)
    log_entry: QueryLog | None = None

    @property
    def record_count(self) -> int:
        return sum(len(records) for records in self.records_by_category.values())


def _query_history(subject: Subject, *, mode: str, user=None, limit: int = 100) -> list[QueryLog]:
    """Who looked this subject up (Nanjing art. 57): time, organisation, mode and purpose."""
    rows = QueryLog.objects.filter(subject_identifier=subject.identifier).exclude(outcome=QueryOutcome.REFUSED)
    if mode not in HISTORY_MODES:
        rows = restrict(rows, user) if user is not None else rows.none()
    return list(rows.select_related("organization").order_by("-id")[:limit])


def credit_file_for(lookup: LookupRequest, subject: Subject) -> CreditFile:
    """Open a subject's credit file in the lookup's mode; writes one query-log row first."""
    records = list(visible_records(subject, lookup.mode))
    entry = log_query(
        lookup,
        subject_identifier=subject.identifier,
        subject_name=subject.name,
        query={"file": subject.identifier},
        outcome=QueryOutcome.FOUND,
        result=_summary(records),
    )
    credit_file = CreditFile(subject=subject, mode=lookup.mode, log_entry=entry)
    for category in Category:
        credit_file.records_by_category[category.label] = [r for r in records if r.category == category]
    links = ResponsiblePerson.objects.select_related("organization", "person")
    credit_file.responsible_people = list(links.filter(organization=subject))
    credit_file.responsibilities = list(links.filter(person=subject))
    credit_file.commitments = list(
        Commitment.objects.filter(subject=subject).select_related("made_to", "breach_record")
    )
    credit_file.query_history = _query_history(subject, mode=lookup.mode, user=lookup.user)
    return credit_file


# --- the credit report -----------------------------------------------------------------------------

REPORT_SECTIONS = [
    ReportSection.BASIC,
    ReportSection.LICENCE,
    ReportSection.PENALTY,
    ReportSection.SERIOUS_LIST,
    ReportSection.COMMITMENT,
    ReportSection.GOOD,
    ReportSection.OTHER,
]


def _section(record: CreditRecord) -> str:
    return record.item.report_section or DEFAULT_REPORT_SECTION.get(record.category, ReportSection.OTHER)


@dataclass
class ReportContent:
    subject: Subject
    mode: str
    sections: list[tuple[str, list[CreditRecord]]]
    commitments: list[Commitment]
    query_history: list[QueryLog]
    as_of: datetime.date

    @property
    def commitment_section_label(self) -> str:
        return str(ReportSection.COMMITMENT.label)


def report_content(subject: Subject, mode: str) -> ReportContent:
    """What a credit report in `mode` contains (no query log: issuing the report logs)."""
    records = list(visible_records(subject, mode))
    sections = []
    for section in REPORT_SECTIONS:
        sections.append((section.label, [r for r in records if _section(r) == section]))
    return ReportContent(
        subject=subject,
        mode=mode,
        sections=sections,
        commitments=list(Commitment.objects.filter(subject=subject).select_related("made_to")),
        query_history=_query_history(subject, mode=mode),
        as_of=timezone.localdate(),
    )


def api_lookup(lookup: LookupRequest, identifier: str) -> tuple[Subject | None, list[CreditRecord]]:
    """Other government systems look a subject up by identifier; one query-log row either way."""
    subject = Subject.objects.filter(identifier=normalize_identifier(identifier)).first()
    records = list(visible_records(subject, lookup.mode)) if subject else []
    log_query(
        lookup,
        subject_identifier=normalize_identifier(identifier),
        subject_name=subject.name if subject else "",
        query={"identifier": normalize_identifier(identifier)},
        outcome=QueryOutcome.FOUND if subject else QueryOutcome.NOT_FOUND,
        result=_summary(records),
    )
    return subject, records
