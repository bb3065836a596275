"""Reads of subjects' credit information. Every read that shows a subject's data goes through a
function here that writes the query log (DESIGN.md section 4) before returning anything.

What a mode may see follows the catalog item's disclosure attribute:
- public (公开查询): items disclosed to the public, within their disclosure period;
- government (政务共享): items disclosed to the public, on request or shared with government,
  within their disclosure period;
- authorised (授权查询): non-public items too, but like the other outside modes only active
  records within their disclosure period: a third party holding the subject's authorisation is
  still an outside query (Nanjing arts. 56, 60, 61: 不得/不再对外提供查询; Tianjin art. 42;
  Dalian art. 35) — except where the policy shows repaired records there, marked (Ningbo art.
  45: 在提供查询时予以标注, `Policy.repaired_shown_in_authorised`);
- self (本人查询): the whole file, expired, repaired, hidden and revoked records included, each
  with its status mark (the subject's right to know its own file).
A record under objection is active (the mark is not a status) and is shown, in every mode, with
the objection mark beside its status (Nanjing art. 58: 异议标注).

Who may look up in which mode, and the proof a window inquiry needs (Nanjing art. 54), are
checked here too (`lookup_check`), by every lookup that shows a subject's data, whichever page,
API or service calls it: no form is the only guard.
"""

from __future__ import annotations

import datetime
import re
from collections import OrderedDict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from apps.catalog.choices import DEFAULT_REPORT_SECTION, Category, Disclosure, ReportSection
from apps.core.audit_history import HistoryEntry, object_history
from apps.core.choices import (
    PURPOSES_BY_MODE,
    PURPOSES_NEEDING_DETAIL,
    QueryChannel,
    QueryMode,
    QueryOutcome,
    QueryPurpose,
    Role,
)
from apps.core.db import replica_reads
from apps.core.identifiers import normalize_identifier, validate_identifier
from apps.core.models import QueryLog, User
from apps.core.permissions import restrict
from apps.core.querylog import LookupRequest, RepeatedLookup, covering_lookup, log_query
from apps.core.selectors import FIXED_PURPOSES, active_policy, fixed_purpose
from apps.subjects.choices import RecordStatus
from apps.subjects.models import Authorisation, Commitment, CreditRecord, ResponsiblePerson, Subject

DISCLOSURES_BY_MODE = {
    QueryMode.PUBLIC: {Disclosure.PUBLIC},
    QueryMode.GOVERNMENT: {Disclosure.PUBLIC, Disclosure.ON_REQUEST, Disclosure.GOVERNMENT},
    QueryMode.AUTHORISED: set(Disclosure.values),
    QueryMode.SELF: set(Disclosure.values),
}
SHOWN_STATUSES = {
    QueryMode.PUBLIC: {RecordStatus.ACTIVE},
    QueryMode.GOVERNMENT: {RecordStatus.ACTIVE},
    QueryMode.AUTHORISED: {RecordStatus.ACTIVE},
    QueryMode.SELF: set(RecordStatus.values),
}
SEARCH_LIMIT = 50
# Who looked a subject up is told to the subject (Nanjing art. 57): all of it in its own and in
# authorised inquiries; in other modes a user sees only the lookups it may see in the query log
# anyway (an agency its own, the credit office all).
HISTORY_MODES = {QueryMode.SELF, QueryMode.AUTHORISED}


def visible_records(subject: Subject, mode: str, *, today: datetime.date | None = None) -> QuerySet[CreditRecord]:
    """The records of `subject` that a lookup in `mode` may show (no query log: callers log)."""
    statuses = set(SHOWN_STATUSES[mode])
    if mode == QueryMode.AUTHORISED and active_policy().repaired_shown_in_authorised:
        statuses.add(RecordStatus.REPAIRED)  # Ningbo art. 45: 在提供查询时予以标注
    return records_in_mode(CreditRecord.objects.filter(subject=subject), mode, statuses=statuses, today=today)


def records_in_mode(
    records: QuerySet[CreditRecord], mode: str, *, statuses=None, today: datetime.date | None = None
) -> QuerySet[CreditRecord]:
    """Of `records`, those a lookup in `mode` may show: the disclosure attributes and statuses of
    the mode, and (but for the subject's own inquiry) within their disclosure period."""
    today = today or timezone.localdate()
    statuses = SHOWN_STATUSES[mode] if statuses is None else statuses
    records = records.filter(item__disclosure__in=DISCLOSURES_BY_MODE[mode], status__in=statuses)
    if mode != QueryMode.SELF:
        records = records.filter(Q(disclosure_ends_on__isnull=True) | Q(disclosure_ends_on__gte=today))
    return records.select_related("item", "item__catalog", "provider").order_by("-determined_on", "-id")


def _summary(records) -> dict:
    counts: dict[str, int] = {}
    for record in records:
        counts[record.category] = counts.get(record.category, 0) + 1
    return {"records": sum(counts.values()), "by_category": counts, "ids": [r.pk for r in records][:200]}


# --- the lookup rules (Nanjing art. 54) ------------------------------------------------------------

# The modes in which the applicant comes to the window with a proof (identity document, written
# authorisation); each proof covers one subject.
WINDOW_MODES = {QueryMode.SELF, QueryMode.AUTHORISED}

# Who may look up in which mode: the credit office at the window takes the subject's own and
# authorised inquiries (Nanjing art. 54); agencies look up for government work.
MODES_BY_ROLE = {
    Role.CLERK: [QueryMode.GOVERNMENT, QueryMode.SELF, QueryMode.AUTHORISED, QueryMode.PUBLIC],
    Role.OFFICER: [QueryMode.GOVERNMENT, QueryMode.PUBLIC],
    Role.AUTHORITY: [QueryMode.GOVERNMENT, QueryMode.PUBLIC],
    Role.AUDITOR: [QueryMode.GOVERNMENT, QueryMode.PUBLIC],
}

MSG_MODE_NOT_FOR_ROLE = gettext_lazy("Your role may not make a lookup of this kind ({mode}).")
MSG_IDENTITY_REQUIRED = gettext_lazy("An own-record inquiry needs the applicant's identity checked.")
MSG_AUTHORISATION_REQUIRED = gettext_lazy(
    "An authorised inquiry needs the written authorisation of the person looked up."
)
MSG_OTHER_SUBJECT = gettext_lazy(
    "The identity check or the authorisation was made for another subject; start a new inquiry for this one."
)


def modes_for(user: User | None) -> list[QueryMode]:
    """The query modes `user` may use; someone not signed in only the public inquiry."""
    if user is None or not user.is_authenticated:
        return [QueryMode.PUBLIC]
    if user.is_superuser:
        return list(QueryMode)
    return MODES_BY_ROLE.get(user.role, [])


def is_online_self_inquiry(lookup: LookupRequest) -> bool:
    """The subject itself on the public website, signed in to no account (the online objection
    intake, `apps.objections.intake`): an own-record inquiry that still needs its identity
    checked for the one subject it covers, like one at the window."""
    signed_in = lookup.user is not None and lookup.user.is_authenticated
    return lookup.mode == QueryMode.SELF and lookup.channel == QueryChannel.PUBLIC and not signed_in


def lookup_authorisation(*, by: User | None, authorisation_id: int | None) -> Authorisation | None:
    """The written authorisation `by` stored under this id; another user's is not theirs to use."""
    if not authorisation_id or by is None or not by.is_authenticated:
        return None
    return Authorisation.objects.filter(pk=authorisation_id, uploaded_by=by).first()


def lookup_check(lookup: LookupRequest, *, identifier: str | None = None) -> Authorisation | None:
    """Refuse a lookup that the rules of Nanjing art. 54 do not allow; returns the authorisation
    of an authorised inquiry.

    - the user's role must allow the mode (`MODES_BY_ROLE`); signed in to no account, the subject
      itself on the public website makes an own-record inquiry (`is_online_self_inquiry`);
    - an own-record inquiry needs the applicant's identity document checked;
    - an authorised inquiry needs the written authorisation, stored by this user;
    - the identity check or the authorisation covers one subject: with `identifier` (the subject
      looked up), a window inquiry must be for the subject it was checked for.

    Raises ValidationError naming the field (`mode`, `identity_checked`, `authorisation_file`),
    or without a field for another subject. Nothing is logged: a refused rule is not a lookup.
    """
    mode = lookup.mode
    if mode in QueryMode.values and mode not in modes_for(lookup.user) and not is_online_self_inquiry(lookup):
        raise ValidationError(
            {"mode": str(MSG_MODE_NOT_FOR_ROLE).format(mode=QueryMode(mode).label)}, code="mode_not_for_role"
        )
    authorisation = None
    if mode == QueryMode.SELF and not lookup.identity_checked:
        raise ValidationError({"identity_checked": str(MSG_IDENTITY_REQUIRED)}, code="identity_required")
    if mode == QueryMode.AUTHORISED:
        authorisation = lookup_authorisation(by=lookup.user, authorisation_id=lookup.authorisation_id)
        if authorisation is None:
            raise ValidationError(
                {"authorisation_file": str(MSG_AUTHORISATION_REQUIRED)}, code="authorisation_required"
            )
    if mode in WINDOW_MODES and identifier is not None:
        identifier = normalize_identifier(identifier)
        if normalize_identifier(lookup.checked_identifier) != identifier or (
            authorisation is not None and authorisation.subject_identifier != identifier
        ):
            raise ValidationError(str(MSG_OTHER_SUBJECT), code="other_subject")
    return authorisation


def lookup_log(
    lookup: LookupRequest,
    *,
    identifier: str,
    name: str = "",
    query: dict,
    outcome: str = QueryOutcome.FOUND,
    result: dict | None = None,
) -> QueryLog:
    """Check the lookup of the subject `identifier` against the rules (`lookup_check`), then write
    its query-log row (`log_query`: the purpose rules, and the abnormal-volume refusal of Nanjing
    art. 52, QueryRefused). Every lookup of a subject's data in this app goes through here."""
    lookup_check(lookup, identifier=identifier or None)  # "": a search that found no one subject
    return log_query(
        lookup, subject_identifier=identifier, subject_name=name, query=query, outcome=outcome, result=result
    )


def repeated_lookup(
    lookup: LookupRequest,
    *,
    identifier: str,
    name: str = "",
    query: dict,
    outcome: str = QueryOutcome.FOUND,
    result: dict | None = None,
) -> RepeatedLookup:
    """`lookup_log` for a lookup with no user made again and again (a kept public page): the
    rules checked once, here; each `log(client_ip)` of the answer writes the row `lookup_log`
    would write."""
    lookup_check(lookup, identifier=identifier or None)
    return RepeatedLookup(
        lookup, subject_identifier=identifier, subject_name=name, query=query, outcome=outcome, result=result
    )


def lookup_log_once(
    lookup: LookupRequest, *, identifier: str, name: str, query: dict, result: dict
) -> tuple[QueryLog, bool]:
    """`lookup_log` for opening a subject's data, unless the user's own lookup within the repeat
    window already covers it (`core.querylog.covering_lookup`: the search that listed it, or an
    opening of it for the same purpose): (the row, True when it is that earlier row)."""
    lookup_check(lookup, identifier=identifier)
    earlier = covering_lookup(lookup, identifier=identifier)
    if earlier is not None:
        return earlier, True
    entry = log_query(
        lookup, subject_identifier=identifier, subject_name=name, query=query, outcome=QueryOutcome.FOUND, result=result
    )
    return entry, False


# --- search ---------------------------------------------------------------------------------------


def subjects_matching(subjects: QuerySet[Subject], text: str) -> QuerySet[Subject]:
    """The subjects whose identifier is `text` (a full 18-character identifier, through the
    unique index) or whose name contains it (`contains`, not `icontains`: the trigram index
    serves LIKE, not UPPER(name) LIKE; Chinese names have no case). The workbench search and
    the admin's subject search both go through here."""
    identifier = normalize_identifier(text)
    if len(identifier) == 18:
        return subjects.filter(identifier=identifier)
    return subjects.filter(name__contains=text)


def subject_search(lookup: LookupRequest, *, query: str) -> list[Subject]:
    """Subjects whose identifier is `query` or whose name contains it; one query-log row.

    A window inquiry is about the applicant (or the person who authorised it), named by
    identifier (Nanjing art. 54): its query must be that subject's identifier."""
    text = (query or "").strip()
    if lookup.mode in WINDOW_MODES:
        try:
            _kind, applicant = validate_identifier(text)
        except ValidationError as error:
            raise ValidationError({"query": error.messages}) from None
        lookup_check(lookup, identifier=applicant)
    with replica_reads():  # from a read replica where one is configured (apps.core.db)
        matches = list(subjects_matching(Subject.objects.all(), text).order_by("name")[:SEARCH_LIMIT]) if text else []
    lookup_log(
        lookup,
        identifier=matches[0].identifier if len(matches) == 1 else "",
        name=matches[0].name if len(matches) == 1 else "",
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
    query_history_more: bool = False  # older lookups than those shown exist (shown on request)
    log_entry: QueryLog | None = None
    log_covered: bool = False  # the log entry is the user's earlier lookup that covers this opening
    counts_by_category: dict = field(default_factory=dict)  # category label -> all records in view
    shown_per_category: int | None = None  # the newest this many of a category are loaded; None: all

    @property
    def record_count(self) -> int:
        return sum(self.counts_by_category.values())

    @property
    def categories(self) -> list[tuple[str, list, int]]:
        """Each category's label, its records loaded for the page, and how many are in view."""
        return [(label, records, self.counts_by_category[label]) for label, records in self.records_by_category.items()]


# The credit file's lookup history (Nanjing art. 57): the newest this many, up to
# CREDIT_FILE_HISTORY_ROWS on request. Rendering a hundred rows was a good part of every opening's
# fixed cost (issue 16).
CREDIT_FILE_HISTORY_SHOWN = 20
CREDIT_FILE_HISTORY_ROWS = 100


def _query_history(subject: Subject, *, mode: str, user=None, limit: int = 100) -> tuple[list[QueryLog], bool]:
    """Who looked this subject up (Nanjing art. 57): time, organisation, mode and purpose; the
    newest `limit` rows and whether there are more."""
    rows = QueryLog.objects.filter(subject_identifier=subject.identifier).exclude(outcome=QueryOutcome.REFUSED)
    if mode not in HISTORY_MODES:
        rows = restrict(rows, user) if user is not None else rows.none()
    newest = list(rows.select_related("organization").order_by("-id")[: limit + 1])
    return newest[:limit], len(newest) > limit


# The credit file shows this many records of a category (the newest); the rest on request (covered
# by the opening's lookup within the repeat window), and all of them in the credit report. Keeps
# the page's render time near constant (issue 16: 47 ms with 10 records, 215 ms with 500 before).
CREDIT_FILE_RECORDS_SHOWN = 50


def newest_per_category(
    records: QuerySet[CreditRecord], limit: int, *, per: str = "category", counted: bool = False
) -> QuerySet[CreditRecord]:
    """The newest `limit` records of each category (or of each value of the field `per`), in one
    statement (a window over them); `counted`: each with `total`, the records of its category in
    all (a second window over the same partition, counted before the newest are kept)."""
    windows = {"rank": Window(RowNumber(), partition_by=[F(per)], order_by=[F("determined_on").desc(), F("id").desc()])}
    if counted:
        windows["total"] = Window(Count("id"), partition_by=[F(per)])
    return records.annotate(**windows).filter(rank__lte=limit)


def credit_file_for(
    lookup: LookupRequest,
    subject: Subject,
    *,
    shown_per_category: int | None = CREDIT_FILE_RECORDS_SHOWN,
    history_shown: int = CREDIT_FILE_HISTORY_SHOWN,
) -> CreditFile:
    """Open a subject's credit file in the lookup's mode; writes one query-log row first.

    The log row counts every record in view (by category, with the first ids); only the newest
    `shown_per_category` of each category are loaded for the page (None: all of them), so a
    subject with hundreds of records costs a count, not hundreds of rows with their joins."""
    records = visible_records(subject, lookup.mode)
    counts = dict(records.order_by().values_list("category").annotate(n=Count("id")))
    entry, covered = lookup_log_once(
        lookup,
        identifier=subject.identifier,
        name=subject.name,
        query={"file": subject.identifier},
        result={
            "records": sum(counts.values()),
            "by_category": {category: counts[category] for category in Category.values if category in counts},
            "ids": list(records.values_list("pk", flat=True)[:200]),
        },
    )
    credit_file = CreditFile(
        subject=subject, mode=lookup.mode, log_entry=entry, log_covered=covered, shown_per_category=shown_per_category
    )
    with replica_reads():  # the page's rows from a read replica where one is configured (apps.core.db)
        loaded = list(records if shown_per_category is None else newest_per_category(records, shown_per_category))
    for category in Category:
        credit_file.records_by_category[category.label] = [r for r in loaded if r.category == category]
        credit_file.counts_by_category[category.label] = counts.get(category.value, 0)
    # Both sides of the subject's responsible-person links in one statement (issue 16).
    links = list(
        ResponsiblePerson.objects.select_related("organization", "person").filter(
            Q(organization=subject) | Q(person=subject)
        )
    )
    credit_file.responsible_people = [link for link in links if link.organization_id == subject.pk]
    credit_file.responsibilities = [link for link in links if link.person_id == subject.pk]
    credit_file.commitments = list(
        Commitment.objects.filter(subject=subject).select_related("made_to", "breach_record")
    )
    credit_file.query_history, credit_file.query_history_more = _query_history(
        subject, mode=lookup.mode, user=lookup.user, limit=history_shown
    )
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


# The credit report lists the newest lookups of the subject (Nanjing art. 57: 提供个人信用报告应当
# 注明信用信息的使用、查询情况) and says how many there were in all.
REPORT_HISTORY_ROWS = 100
# Who looked, per kind of report. A report to the subject (本人) or to whom it authorised names the
# organisation that looked (never the person: the organisation answers for its staff's lookups); a
# government or public report goes to someone the subject did not choose, and says only what kind
# of body looked (an investigation's lookups are not told to another agency or to the public).
REPORT_HISTORY_NAMES_ORGANISATIONS = {QueryMode.SELF, QueryMode.AUTHORISED}
MSG_HISTORY_SUBJECT_ITSELF = gettext_lazy("The subject itself")
MSG_HISTORY_PUBLIC = gettext_lazy("Public inquiry on the public website")


@dataclass(frozen=True)
class ReportLookup:
    """One lookup as a credit report shows it: when, who (masked per the report's kind), the
    mode and the purpose as their labels."""

    at: datetime.datetime
    who: str
    mode: str
    purpose: str


def _lookup_who(row: QueryLog, report_mode: str) -> str:
    if row.organization_id is None:
        return str(MSG_HISTORY_SUBJECT_ITSELF if row.mode == QueryMode.SELF else MSG_HISTORY_PUBLIC)
    if report_mode in REPORT_HISTORY_NAMES_ORGANISATIONS:
        return row.organization.name
    return row.organization.get_kind_display()


def report_query_history(subject: Subject, mode: str, *, limit: int = REPORT_HISTORY_ROWS):
    """The lookups of `subject` a credit report in `mode` lists: (the newest `limit`, masked per
    the mode, as ReportLookup; how many there were in all). Every lookup that was let through
    counts, whatever wrote it — a page, the API, a service agency's batch query (one row per
    subject, with the batch as purpose) — refused ones do not (nothing was shown). Reads the
    query log by the subject's identifier (no log of its own: issuing the report logs)."""
    rows = QueryLog.objects.filter(subject_identifier=subject.identifier).exclude(outcome=QueryOutcome.REFUSED)
    newest = rows.select_related("organization").order_by("-created_at", "-id")[:limit]
    lookups = [
        ReportLookup(
            at=row.created_at,
            who=_lookup_who(row, mode),
            mode=row.get_mode_display(),
            purpose=row.get_purpose_display(),
        )
        for row in newest
    ]
    return lookups, (rows.count() if len(lookups) == limit else len(lookups))


@dataclass
class ReportContent:
    subject: Subject
    mode: str
    sections: list[tuple[str, list[CreditRecord]]]
    commitments: list[Commitment]
    query_history: list[ReportLookup]
    as_of: datetime.date
    query_history_total: int = 0

    @property
    def commitment_section_label(self) -> str:
        return str(ReportSection.COMMITMENT.label)


def report_content(subject: Subject, mode: str) -> ReportContent:
    """What a credit report in `mode` contains (no query log: issuing the report logs)."""
    records = list(visible_records(subject, mode))
    sections = []
    for section in REPORT_SECTIONS:
        sections.append((section.label, [r for r in records if _section(r) == section]))
    history, total = report_query_history(subject, mode)
    return ReportContent(
        subject=subject,
        mode=mode,
        sections=sections,
        commitments=list(Commitment.objects.filter(subject=subject).select_related("made_to")),
        query_history=history,
        query_history_total=total,
        as_of=timezone.localdate(),
    )


def api_lookup(lookup: LookupRequest, identifier: str) -> tuple[Subject | None, list[CreditRecord]]:
    """Other government systems look a subject up by identifier; one query-log row either way."""
    subject = Subject.objects.filter(identifier=normalize_identifier(identifier)).first()
    records = list(visible_records(subject, lookup.mode)) if subject else []
    lookup_log(
        lookup,
        identifier=normalize_identifier(identifier),
        name=subject.name if subject else "",
        query={"identifier": normalize_identifier(identifier)},
        outcome=QueryOutcome.FOUND if subject else QueryOutcome.NOT_FOUND,
        result=_summary(records),
    )
    return subject, records


# --- the record page and the records list -------------------------------------------------------

# A record page or a records export is a government-sharing lookup on the web (DESIGN.md section
# 4): its purpose is the one the page that linked to it carries (`?purpose=`: an objection's page
# links for objection processing, a repair application's for repair processing …), or else the
# work the role does with records: the credit office and the agencies maintain them (信息归集与
# 维护); an auditor's reading is an audit (issue 17: not "integration").
DEFAULT_RECORD_PURPOSE = FIXED_PURPOSES


def record_purpose(user: User, requested: str = "") -> str:
    """The purpose a record page or records export by `user` is logged under: `requested` when it
    is a government-sharing purpose that needs no written matter, else the role's default."""
    allowed = PURPOSES_BY_MODE[QueryMode.GOVERNMENT] - PURPOSES_NEEDING_DETAIL
    if fixed_purpose(user):
        return fixed_purpose(user)
    if requested in allowed:
        return requested
    return DEFAULT_RECORD_PURPOSE.get(user.role, QueryPurpose.INTEGRATION)


def record_lookup(user: User, *, purpose: str = "", client_ip: str | None = None) -> LookupRequest:
    """The lookup a record page or a records export is: government sharing on the web, for the
    roles that may look up in that mode (every staff role today, `MODES_BY_ROLE`); a public
    inquiry for any other, and the page then masks the subject as a public credit file does."""
    if QueryMode.GOVERNMENT not in modes_for(user):
        return LookupRequest(
            user=user,
            mode=QueryMode.PUBLIC,
            purpose=QueryPurpose.PUBLIC_INFORMATION,
            channel=QueryChannel.WEB,
            client_ip=client_ip,
        )
    return LookupRequest(
        user=user,
        mode=QueryMode.GOVERNMENT,
        purpose=record_purpose(user, purpose),
        channel=QueryChannel.WEB,
        client_ip=client_ip,
    )


def visible_records_of(user: User) -> QuerySet[CreditRecord]:
    """The records `user` may see: platform roles all, an agency's officers those it provided."""
    return restrict(CreditRecord.objects.select_related("subject", "item", "provider", "batch"), user)


def record_history(record: CreditRecord) -> list[HistoryEntry]:
    """Every version of the record, newest first, each with its field diff against the one
    before (the history reading every page shares, `apps.core.audit_history`)."""
    return object_history(record.history.select_related("history_user"), CreditRecord)


def record_lookups(record: CreditRecord, user: User, *, limit: int = 100) -> list[QueryLog] | None:
    """The query-log rows naming this record (its page opened, the admin's page of it), for a
    user who may read the query log (restricted as the query log list is: an agency its own);
    None for a user who may not."""
    if not (user.is_superuser or user.has_perm("core.view_querylog")):
        return None
    rows = QueryLog.objects.filter(subject_identifier=record.subject.identifier).filter(
        Q(query__record=record.pk) | Q(query__admin=f"subjects.CreditRecord:{record.pk}")
    )
    return list(restrict(rows, user).select_related("user", "organization").order_by("-id")[:limit])


@dataclass
class RecordPage:
    record: CreditRecord
    log_entry: QueryLog
    history: list[HistoryEntry]
    objections: list
    links: list  # events.RecordLinks answered by the apps built on this one
    lookups: list[QueryLog] | None
    log_covered: bool = False  # the log entry is the user's earlier lookup that covers this opening


def record_page_for(lookup: LookupRequest, record: CreditRecord) -> RecordPage:
    """Open one record's page: one query-log row first (the page names the subject in full, as
    a credit file does), then its fields, history, cases and lookups.

    The objections come through the relation the objections app declares on the record
    (`CreditRecord.objections`); the listings and repair applications resting on it are asked
    of their apps (`events.record_links`), each restricted to what the user may see."""
    from apps.subjects import events

    entry, covered = lookup_log_once(
        lookup,
        identifier=record.subject.identifier,
        name=record.subject.name,
        query={"record": record.pk},
        result={"records": 1, "ids": [record.pk]},
    )
    user = lookup.user
    objections = list(restrict(record.objections.all(), user).order_by("-id")) if hasattr(record, "objections") else []
    answers = events.record_links.send(sender=CreditRecord, record=record, user=user)
    return RecordPage(
        record=record,
        log_entry=entry,
        log_covered=covered,
        history=record_history(record),
        objections=objections,
        links=[links for _receiver, links in answers if links and links.rows],
        lookups=record_lookups(record, user),
    )


def records_list_lookup(lookup: LookupRequest, *, asked: dict, records: list[CreditRecord], export: bool) -> QueryLog:
    """A records list searched by a subject's name or identifier, or exported: one query-log
    row naming the subject when the rows are one subject's, with what was asked and how many
    rows came back."""
    subjects = {r.subject_id: r.subject for r in records}
    only = next(iter(subjects.values())) if len(subjects) == 1 else None
    return lookup_log(
        lookup,
        identifier=only.identifier if only else "",
        name=only.name if only else "",
        query={"records_export" if export else "records_search": asked},
        outcome=QueryOutcome.FOUND if records else QueryOutcome.NOT_FOUND,
        result={"records": len(records), "ids": [r.pk for r in records][:200]},
    )


def _message_patterns(message) -> list[re.Pattern]:
    """Regular expressions matching `message` (a lazy format string with `{source}`) as stored
    in any of the interface's languages (a row error is stored in the language of its check)."""
    patterns = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            text = str(message)
        pattern = re.escape(text)
        for name in re.findall(r"\{(\w+)\}", text):
            group = f"(?P<{name}>.+?)" if name == "source" else ".+?"
            pattern = pattern.replace(re.escape("{" + name + "}"), group, 1)
        patterns.append(re.compile(f"^{pattern}$"))
    return patterns


def records_named_by_errors(batch, errors) -> dict[int, CreditRecord]:
    """{row error id: the record on file it names} for the problems of `batch` that name one
    (a source record already on file for another subject), so the batch page links to it."""
    from apps.subjects.ingestion import MSG_OTHER_SUBJECT

    patterns = _message_patterns(MSG_OTHER_SUBJECT)
    sources: dict[int, str] = {}
    for error in errors:
        for pattern in patterns:
            if match := pattern.match(error.message):
                sources[error.pk] = match.group("source")
                break
    if not sources:
        return {}
    keys = {f"id:{batch.item.code}:{source}": pk for pk, source in sources.items()}
    found = CreditRecord.objects.filter(provider_id=batch.provider_id, dedup_key__in=list(keys))
    named: dict[int, CreditRecord] = {}
    for record in found:
        for error_pk, source in sources.items():
            if record.dedup_key == f"id:{batch.item.code}:{source}":
                named[error_pk] = record
    return named


# --- a subject's trail (the auditor's workspace, issue 17) ------------------------------------------

TRAIL_VERSIONS_PER_MODEL = 500
TRAIL_LOOKUPS = 200


@dataclass
class SubjectTrail:
    identifier: str
    subject: Subject | None
    changes: list[HistoryEntry]  # newest first, across the subject and every object resting on it
    changes_cut: bool  # a model had more versions than TRAIL_VERSIONS_PER_MODEL: the newest are shown
    lookups: list[QueryLog] | None  # None: the user may not read the query log
    lookups_cut: bool
    log_entry: QueryLog


def _subject_history_sources() -> list[tuple[type, type, str]]:
    """(model, historical model, the lookup to the subject's id) of the subject and of every
    audited model with a foreign key to a subject (records, commitments, listing cases,
    objections, repair applications …), found from the models rather than listed, so that an app
    added later is in the trail too."""
    from apps.core.audit_history import audited_models

    sources = []
    for model, historical in audited_models().values():
        if model is Subject:
            sources.append((model, historical, "id"))
            continue
        for field_ in model._meta.concrete_fields:
            if field_.is_relation and field_.related_model is Subject:
                sources.append((model, historical, field_.attname))
    return sources


def subject_trail(lookup: LookupRequest, *, identifier: str) -> SubjectTrail:
    """Everything that happened to one subject: every change of it and of the objects resting on
    it (each with its field diff), and every lookup of it. One query-log row first, under the
    lookup's purpose (audit for the auditor): the trail shows the subject's data in full."""
    from apps.core.audit_history import history_models_for, object_history

    user = lookup.user
    identifier = normalize_identifier(identifier)
    subject = Subject.objects.filter(identifier=identifier).first()
    readable = {historical for _model, historical in history_models_for(user).values()}
    changes: list[HistoryEntry] = []
    cut = False
    if subject is not None:
        for model, historical, lookup_name in _subject_history_sources():
            if historical not in readable:
                continue
            versions = list(
                historical.objects.filter(**{lookup_name: subject.pk})
                .select_related("history_user", "history_user__organization")
                .order_by("-history_date", "-pk")[: TRAIL_VERSIONS_PER_MODEL + 1]
            )
            cut = cut or len(versions) > TRAIL_VERSIONS_PER_MODEL
            changes.extend(object_history(versions[:TRAIL_VERSIONS_PER_MODEL], model))
    changes.sort(key=lambda e: (e.when, e.version.pk), reverse=True)
    lookups = None
    lookups_cut = False
    if user.is_superuser or user.has_perm("core.view_querylog"):
        rows = list(
            restrict(QueryLog.objects.filter(subject_identifier=identifier), user)
            .select_related("user", "organization")
            .order_by("-id")[: TRAIL_LOOKUPS + 1]
        )
        lookups_cut = len(rows) > TRAIL_LOOKUPS
        lookups = rows[:TRAIL_LOOKUPS]
    entry = lookup_log(
        lookup,
        identifier=identifier,
        name=subject.name if subject else "",
        query={"audit_trail": identifier},
        outcome=QueryOutcome.FOUND if subject else QueryOutcome.NOT_FOUND,
        result={"changes": len(changes), "lookups": len(lookups or [])},
    )
    return SubjectTrail(identifier, subject, changes, cut, lookups, lookups_cut, entry)


# --- disclosure on request -------------------------------------------------------------------------

# Nanjing art. 27: what a request may be answered with is the organisation's public credit
# information disclosed to the public or on request; 政务共享 and 不公开 items never.
DISCLOSED_ON_REQUEST = (Disclosure.PUBLIC, Disclosure.ON_REQUEST)


def disclosure_request_records(lookup: LookupRequest, request) -> list[CreditRecord]:
    """The records of the organisation a request for disclosure names that the answer may give:
    items disclosed to the public or on request, active and within their disclosure period. One
    logged lookup (the credit office's processing of the request), or the earlier one covering it;
    an empty list when the request names no organisation."""
    subject = request.subject
    if subject is None:
        return []
    records = visible_records(subject, QueryMode.GOVERNMENT).filter(item__disclosure__in=DISCLOSED_ON_REQUEST)
    loaded = list(records)
    lookup_log_once(
        lookup,
        identifier=subject.identifier,
        name=subject.name,
        query={"disclosure_request": request.number},
        result={"records": len(loaded), "ids": [r.pk for r in loaded[:200]]},
    )
    return loaded
