"""Reads of the sanctions app: what is published (public pages), the lists and status a subject
has now (joint sanction checks), the records a case may rest on, the items a listing is recorded
under, and the statistics of joint sanctions per agency and period (定期通报, Nanjing art. 34)."""

from __future__ import annotations

import datetime
import functools
import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.catalog.choices import Category, ReportSection, Severity
from apps.catalog.models import Measure
from apps.catalog.selectors import published_items, published_measures
from apps.core.choices import DocumentKind
from apps.core.db import CompiledQuery
from apps.core.documents import documents_of
from apps.core.models import Organization
from apps.core.permissions import restrict
from apps.core.querylog import LookupRequest, log_query
from apps.sanctions.choices import MEASURE_TARGET, CaseStatus, EntryRole, ListType
from apps.sanctions.models import CheckFeedback, ListEntry, ListingCase, SanctionCheck
from apps.subjects.choices import RecordStatus
from apps.subjects.models import CreditRecord, Subject

MSG_BASIS_OTHER_SUBJECT = gettext_lazy("The record #{id} is not a record of this subject that you may see.")

# The statuses of a case whose entries are on a list (measures apply from the entry's first day).
LIVE = (CaseStatus.DECIDED, CaseStatus.PUBLISHED, CaseStatus.ACTIVE, CaseStatus.CONFIRMED)

# Where each field a listing record's item may ask for comes from in the decision.
LISTING_VALUE_SOURCES = {
    "list_name": "list_name",
    "decision_number": "decision_number",
    "case_number": "decision_number",
    "determining_body": "org",
    "deciding_authority": "org",
    "authority": "org",
    "listing_reason": "cause",
    "reason": "cause",
    "violation": "cause",
    "listing_date": "start",
    "decision_date": "start",
    "determination_date": "start",
    "finding_date": "start",
    "removal_conditions": "removal_conditions",
}


def remedies_notice(policy) -> str:
    """The remedies a decision names, from the policy's periods (its `remedies_basis`: the
    Administrative Reconsideration Law art. 20, the Administrative Litigation Law art. 46)."""
    parts = []
    if policy.remedies_reconsideration_days:
        parts.append(
            _("administrative reconsideration within %(days)s days of receipt")
            % {"days": policy.remedies_reconsideration_days}
        )
    if policy.remedies_lawsuit_months:
        parts.append(
            _("an administrative lawsuit within %(months)s months") % {"months": policy.remedies_lawsuit_months}
        )
    return capfirst(_("%(remedies)s.") % {"remedies": _(", or ").join(parts)}) if parts else ""


# The lists the public sees, and the status in which a case's entries are published on them.
PUBLISHED_LIST_STATUS = {ListType.SERIOUS: CaseStatus.PUBLISHED, ListType.RED: CaseStatus.CONFIRMED}


def _published_now(entries: QuerySet[ListEntry], today: datetime.date | None = None) -> QuerySet[ListEntry]:
    # Shown from the listing's first day until its period ends, even before the nightly job
    # removes the entry.
    today = today or timezone.localdate()
    return entries.filter(Q(end__isnull=True) | Q(end__gte=today), start__lte=today)


def published_entries_of(subject, *, today: datetime.date | None = None) -> QuerySet[ListEntry]:
    """The subject's entries on the published lists now (the public portal's subject page): the
    same rule as `published_entries`, for one subject, on every published list."""
    published = Q()
    for list_type, status in PUBLISHED_LIST_STATUS.items():
        published |= Q(case__list_type=list_type, case__status=status)
    entries = ListEntry.objects.filter(published, subject=subject, active=True, role=EntryRole.SUBJECT)
    return _published_now(entries.select_related("case", "case__deciding_org"), today).order_by("-start", "-id")


# `published_entries_of` compiled once per process (`CompiledQuery`): it is read on every public
# organisation page rendered afresh, and only the subject and the day change. The stand-ins are an
# id and a day no row has.
_published_entries_of = CompiledQuery(
    ListEntry,
    lambda subject, today: published_entries_of(subject, today=today),
    -1_000_000_007,
    datetime.date(1901, 2, 3),
)


def published_entries_listed(subject) -> list[ListEntry]:
    """The rows of `published_entries_of(subject)` today."""
    return _published_entries_of(subject.pk, timezone.localdate())


def published_entries(list_type: str, query: str = "") -> QuerySet[ListEntry]:
    """What the public may see now: the listed subjects (not the responsible people) of
    published serious-list cases, or of confirmed red-list cases."""
    status = PUBLISHED_LIST_STATUS[ListType(list_type)]
    entries = ListEntry.objects.filter(
        case__list_type=list_type, case__status=status, active=True, role=EntryRole.SUBJECT
    ).select_related("subject", "case", "case__deciding_org")
    query = (query or "").strip()
    if query:
        entries = entries.filter(Q(subject__name__contains=query) | Q(subject__identifier=query.upper()))
    # The serious list states the removal conditions and the remedies (Tianjin art. 28:
    # 列明…移出条件和救济途径).
    return _published_now(entries).order_by("-start", "-id")


def visible_records(user, ids) -> list[CreditRecord]:
    """The records with these ids that `user` may see; an id the user may not see is reported
    like one that does not exist (no oracle on other agencies' records)."""
    ids = list(ids)
    found = {r.pk: r for r in restrict(CreditRecord.objects.filter(pk__in=ids), user).select_related("item")}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError({"basis_records": [str(MSG_BASIS_OTHER_SUBJECT).format(id=i) for i in missing]})
    return [found[i] for i in ids]


def eligible_basis_records(user, subject: Subject, list_type: str) -> QuerySet[CreditRecord]:
    """The records of `subject` a case on `list_type` may rest on, as the officer chooses them:
    what `check_basis` accepts (dishonest, active, not under objection, not minor for the serious
    list) among those `user` may see. The service checks them again when the case is filed."""
    records = restrict(
        CreditRecord.objects.filter(
            subject=subject, category=Category.DISHONEST, status=RecordStatus.ACTIVE, objection_since__isnull=True
        ),
        user,
    )
    if list_type == ListType.SERIOUS:
        records = records.exclude(severity=Severity.MINOR)
    return records.select_related("item").order_by("-determined_on", "-id")


def list_measures(list_type: str) -> QuerySet[Measure]:
    """The published measures of one list (Nanjing art. 42: only measures set and published by law)."""
    return published_measures().filter(applies_to=MEASURE_TARGET[ListType(list_type)]).order_by("position", "code")


def _active_dishonest_records(subject, today: datetime.date) -> QuerySet[CreditRecord]:
    return (
        CreditRecord.objects.filter(subject=subject, category=Category.DISHONEST, status=RecordStatus.ACTIVE)
        .filter(Q(disclosure_ends_on__isnull=True) | Q(disclosure_ends_on__gte=today))
        .exclude(severity=Severity.MINOR)
    )


def has_active_dishonest_record(subject: Subject, today: datetime.date | None = None) -> bool:
    """A disclosed general or serious dishonest record; one under objection counts (it stays
    active, with the mark beside its status)."""
    return _active_dishonest_records(subject, today or timezone.localdate()).exists()


def _live_entries(subject, today: datetime.date) -> QuerySet[ListEntry]:
    # Measures apply from the first day of the listing, not from the decision (Nanjing art. 40).
    return ListEntry.objects.filter(subject=subject, active=True, case__status__in=LIVE, start__lte=today).filter(
        Q(end__isnull=True) | Q(end__gte=today)
    )


@dataclass
class CheckAnswer:
    """What a joint sanction check answers: the subject (None when unknown), its lists and status
    as MeasureTarget values, and the published measures that apply in the matter."""

    subject: Subject | None
    statuses: list[str]
    measures: list[Measure]


# The columns of a measure a check returns (the API's answer and the web page show them).
CHECK_MEASURE_FIELDS = (
    "id",
    "code",
    "name",
    "kind",
    "applies_to",
    "implementing_body",
    "legal_basis",
    "content",
    "duration",
)
_LISTS = (ListType.SERIOUS, ListType.KEY_ATTENTION, ListType.RED)


# Stand-ins compiled into the check's SQL once per process, replaced by the call's values.
_IDENTIFIER = "\x00identifier"
_TODAY = datetime.date(1, 1, 2)
_TODAY_TEXT = _TODAY.isoformat()
_CHECK_FLAGS = [str(MEASURE_TARGET[list_type]) for list_type in _LISTS]


@functools.cache
def _check_sql(vendor: str) -> tuple[str, list]:
    """The check's one statement, compiled by the ORM once per process (compiling it took a third
    of the request): the subject with one EXISTS per list and one for a dishonest record, joined
    to the published measures for any of them."""
    from django.db.models import Exists, F, OuterRef

    flags = {
        str(MEASURE_TARGET[list_type]): Exists(_live_entries(OuterRef("pk"), _TODAY).filter(case__list_type=list_type))
        for list_type in _LISTS
    }
    flags["dishonest"] = Exists(_active_dishonest_records(OuterRef("pk"), _TODAY))
    subject_sql, subject_params = (
        Subject.objects.filter(identifier=_IDENTIFIER)
        .order_by()
        .annotate(**{f"s_{name}": expression for name, expression in flags.items()})
        .values("id", "kind", "identifier", "name", *(f"s_{name}" for name in flags))
        .query.sql_with_params()
    )
    measure_columns = (*CHECK_MEASURE_FIELDS, "matters", "measure_list_id", "position")
    measure_sql, measure_params = (
        published_measures()
        .order_by()
        .annotate(**{f"m_{name}": F(name) for name in measure_columns})
        .values(*(f"m_{name}" for name in measure_columns))
        .query.sql_with_params()
    )
    # A measure for "no_dishonest" applies to a subject with no dishonest record, not seriously listed.
    applies = " OR ".join(
        [f"(m.m_applies_to = '{name}' AND s.s_{name})" for name in flags]
        + ["(m.m_applies_to = 'no_dishonest' AND NOT s.s_dishonest AND NOT s.s_serious)"]
    )
    sql = f"SELECT s.*, m.* FROM ({subject_sql}) s LEFT JOIN ({measure_sql}) m ON {applies}"  # noqa: S608
    return sql, [*subject_params, *measure_params]


@functools.cache
def _check_plan(vendor: str) -> tuple[str, list, list[tuple[int, object]]]:
    """The check's statement, its parameters, and where in them each stand-in sits (a call puts
    its identifier and date there; nothing else of the list changes between calls)."""
    sql, params = _check_sql(vendor)
    stand_ins = (_IDENTIFIER, _TODAY, _TODAY_TEXT)
    slots = [
        (position, value)
        for position, value in enumerate(params)
        if isinstance(value, str | datetime.date) and value in stand_ins
    ]
    return sql, params, slots


# The position of each column of the check's result, by the statement's text: read from the
# first result's description (psycopg builds a column object for each of the twenty on every call).
_check_columns: dict[str, dict[str, int]] = {}


def check_answer(identifier: str, matter: str, today: datetime.date | None = None) -> CheckAnswer:
    """The subject, its lists and status and the published measures that apply in `matter`, in one
    SQL statement (the check API's hot path, DESIGN.md section 9): the subject with one EXISTS per
    list and one for a dishonest record, joined to the published measures for any of them. Gives
    the same answer as `subject_statuses` and `measures_for` (the statuses in the order serious,
    key-attention, red, then dishonest or no_dishonest; the measures by status, then list order).
    """
    from django.db import connections

    from apps.core.db import preparing_cursor, read_alias

    today = today or timezone.localdate()
    using = read_alias(Subject)  # the replica inside `replica_reads()` where one is configured
    sql, params, slots = _check_plan(connections[using].vendor)
    # The call's values in the stand-ins' places (SQLite's parameters carry dates as ISO text).
    values = {_IDENTIFIER: identifier, _TODAY: today, _TODAY_TEXT: today.isoformat()}
    params = params.copy()
    for position, stand_in in slots:
        params[position] = values[stand_in]
    # Prepared once per connection: planning the four EXISTS and the join took longer than
    # running them (issue 16).
    with preparing_cursor(using) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        if not rows:
            return CheckAnswer(None, [], [])
        column = _check_columns.get(sql)
        if column is None:
            column = _check_columns[sql] = {c[0]: n for n, c in enumerate(cursor.description)}
    first = rows[0]
    subject = Subject(
        id=first[column["id"]],
        kind=first[column["kind"]],
        identifier=first[column["identifier"]],
        name=first[column["name"]],
    )
    statuses = [name for name in _CHECK_FLAGS if first[column[f"s_{name}"]]]
    dishonest = first[column["s_dishonest"]]
    if dishonest:
        statuses.append("dishonest")
    elif not first[column["s_serious"]]:
        statuses.append("no_dishonest")
    order = {status: position for position, status in enumerate(statuses)}
    at = {name: column[f"m_{name}"] for name in (*CHECK_MEASURE_FIELDS, "matters", "measure_list_id", "position")}
    measures = []
    for row in rows:
        if row[at["id"]] is None or row[at["applies_to"]] not in order:
            continue
        matters = row[at["matters"]]
        if isinstance(matters, str):  # SQLite hands JSON back as text
            matters = json.loads(matters)
        if matter in matters:
            measures.append(row)
    measures.sort(
        key=lambda m: (order[m[at["applies_to"]]], m[at["measure_list_id"]], m[at["position"]], m[at["code"]])
    )
    return CheckAnswer(
        subject,
        statuses,
        [Measure(**{name: m[at[name]] for name in CHECK_MEASURE_FIELDS}) for m in measures],
    )


# --- opening a case -------------------------------------------------------------------------


def listing_items_for(organization):
    """Published items under which a serious listing can be recorded by this organisation, the
    most fitting first: those the decision fills entirely and that cover natural persons too (the
    responsible people of an organisation are recorded under the same item)."""
    items = published_items().filter(report_section=ReportSection.SERIOUS_LIST, category=Category.DISHONEST)
    allowed = [
        i for i in items.prefetch_related("providers") if not i.providers.all() or organization in i.providers.all()
    ]

    def fit(item):
        fillable = all(f["name"] in LISTING_VALUE_SOURCES or not f["required"] for f in item.record_fields)
        return (not fillable, "natural_person" not in item.subject_types, item.position)

    return sorted(allowed, key=fit)


def subject_statuses(subject: Subject | None, today: datetime.date | None = None) -> list[str]:
    """The lists and status a subject has now, as MeasureTarget values."""
    if subject is None:
        return []
    today = today or timezone.localdate()
    statuses = []
    for entry in ListEntry.objects.filter(subject=subject, active=True).select_related("case"):
        # Measures apply from the first day of the listing, not from the decision (Nanjing art. 40).
        if entry.case.status in LIVE and entry.start <= today and (entry.end is None or today <= entry.end):
            target = str(MEASURE_TARGET[ListType(entry.case.list_type)])
            if target not in statuses:
                statuses.append(target)
    dishonest = has_active_dishonest_record(subject, today)
    if dishonest:
        statuses.append("dishonest")
    elif "serious" not in statuses:
        statuses.append("no_dishonest")
    return statuses


def case_document_context(case: ListingCase) -> dict:
    """What the prior notice and the decision print (their templates, sanctions/document_*.html)."""
    from apps.core.selectors import active_policy

    policy = active_policy()
    return {
        "case": case,
        "measures": list(case.measures.select_related("measure_list")),
        "basis": list(case.basis_records.select_related("item")),
        "responsible": list(case.responsible_people.select_related("person")),
        "statement_days": policy.listing_statement_days,
        # Ningbo art. 28: 对核查处理结果仍有异议的，可以向市社会信用工作主管部门申请复核
        "review_by_authority": policy.listing_review_by_authority,
    }


CASE_DOCUMENTS = {"notice": DocumentKind.LISTING_NOTICE, "decision": DocumentKind.LISTING_DECISION}


def case_document_for(lookup: LookupRequest, case: ListingCase, document: str):
    """The prior notice or the decision of `case` as issued (None for a case noticed or decided
    before documents were stored). The documents name the subject in full: opening one is a
    lookup, logged with the caller's purpose (a refusal for volume raises QueryRefused, a 403)."""
    log_query(
        lookup,
        subject_identifier=case.subject.identifier,
        subject_name=case.subject.name,
        query={"case_document": document, "case": case.pk},
        result={"case": case.pk},
    )
    return documents_of(case, CASE_DOCUMENTS[document]).first()


@dataclass
class AgencyStatistics:
    organization: Organization
    checks: int = 0
    hits: int = 0
    applied: int = 0
    not_applied: int = 0
    reasons: list[str] = field(default_factory=list)
    cases_opened: int = 0
    cases_decided: int = 0
    cases_removed: int = 0


def statistics(
    start: datetime.date, end: datetime.date, organizations: QuerySet[Organization]
) -> list[AgencyStatistics]:
    """Per agency, within [start, end]: checks made, hits, measures applied and not applied (with
    the written reasons), serious-list cases opened, decided and removed."""
    rows = {org.pk: AgencyStatistics(org) for org in organizations}
    checks = SanctionCheck.objects.filter(organization__in=organizations, created_at__date__range=(start, end))
    for org_id, measure_ids in checks.values_list("organization_id", "measure_ids"):
        rows[org_id].checks += 1
        rows[org_id].hits += bool(measure_ids)
    feedback = CheckFeedback.objects.filter(
        check_ref__organization__in=organizations, recorded_at__date__range=(start, end)
    )
    reasons = defaultdict(list)
    for org_id, applied, reason in feedback.values_list("check_ref__organization_id", "applied", "reason"):
        if applied:
            rows[org_id].applied += 1
        else:
            rows[org_id].not_applied += 1
            reasons[org_id].append(reason)
    cases = ListingCase.objects.filter(deciding_org__in=organizations, list_type=ListType.SERIOUS)
    opened = cases.filter(created_at__date__range=(start, end))  # dates in Asia/Shanghai (USE_TZ)
    for org_id in opened.values_list("deciding_org_id", flat=True):
        rows[org_id].cases_opened += 1
    for org_id in cases.filter(decided_on__range=(start, end)).values_list("deciding_org_id", flat=True):
        rows[org_id].cases_decided += 1
    for org_id in cases.filter(removed_on__range=(start, end)).values_list("deciding_org_id", flat=True):
        rows[org_id].cases_removed += 1
    for org_id, texts in reasons.items():
        rows[org_id].reasons = texts
    return list(rows.values())


def listings_resting_on(records) -> QuerySet:
    """The serious-list cases in force (decided or published) that rest on any of `records`: a
    revocation or a repair of all their basis records removes them."""
    return (
        ListingCase.objects.filter(
            list_type=ListType.SERIOUS,
            status__in=(CaseStatus.DECIDED, CaseStatus.PUBLISHED),
            basis_records__in=list(records),
        )
        .distinct()
        .order_by("pk")
    )


def cases_opened_from(source) -> QuerySet[ListingCase]:
    """The cases opened from `source`, another app's finding (`ListingCase.source`)."""
    return ListingCase.objects.filter(source_type=ContentType.objects.get_for_model(source), source_id=source.pk)
