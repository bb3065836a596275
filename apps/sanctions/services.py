"""Writes of the sanctions app: list cases and their workflow steps, the joint sanction check
and its feedback, the daily upkeep. Every step takes the acting user and a reason.

Rules enforced here, whatever the caller (page, admin, API):
- only measures of a published measure list, and only for the case's list (Nanjing art. 42,
  Tianjin art. 26, Ningbo art. 27: 未经公布不得实施);
- measures only on the listed subject and, for an organisation, its responsible people
  (Nanjing art. 43, Tianjin art. 32, Dalian art. 36, Zhangye art. 48);
- a serious-list case rests on at least one dishonest record of the subject, is decided only
  after a statement was received or the statement period lapsed, and is published only once
  decided; removal stops the measures the same day.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.catalog.choices import Category, ListStatus, Matter, ReportSection, Severity
from apps.catalog.models import CatalogItem, ExemptionRule, Measure
from apps.catalog.selectors import measures_for, require_published_item
from apps.core.audit import audited_save
from apps.core.choices import QueryChannel, QueryMode, QueryOutcome, QueryPurpose, Role
from apps.core.exceptions import Conflict
from apps.core.permissions import can, grant_case, restrict
from apps.core.querylog import LookupRequest, log_query
from apps.core.selectors import active_policy
from apps.core.services import require_reason
from apps.core.workdays import add_working_days
from apps.sanctions import events
from apps.sanctions.choices import MEASURE_TARGET, CaseStatus, EntryRole, ListType, RemovalReason, ReviewOutcome
from apps.sanctions.models import CheckFeedback, ListEntry, ListingCase, SanctionCheck
from apps.subjects import services as subject_services
from apps.subjects.choices import RecordStatus
from apps.subjects.disclosure import add_months
from apps.subjects.models import CreditRecord, ResponsiblePerson, Subject

MSG_ONLY_AGENCY = gettext_lazy("Only officers of the deciding agency act on its list cases.")
MSG_MEASURE_UNPUBLISHED = gettext_lazy(
    "The measure {code} “{name}” is not in a published measure list and may not be applied."
)
MSG_MEASURE_OTHER_LIST = gettext_lazy("The measure {code} “{name}” applies to “{target}”, not to this list.")
MSG_NO_BASIS = gettext_lazy("A case rests on at least one dishonest record of the subject.")
MSG_BASIS_OTHER_SUBJECT = gettext_lazy("The record #{id} is not a record of this subject that you may see.")
MSG_NO_REVIEW = gettext_lazy("{policy} provides no review of listings by the credit authority.")
MSG_REVIEW_AUTHORITY = gettext_lazy("Only the credit authority reviews a listing.")
MSG_REVIEWED = gettext_lazy("This listing was already reviewed: {outcome}.")
MSG_REVIEW_NEEDS_OBJECTION = gettext_lazy(
    "A review follows an objection the deciding agency has answered; this case received no statement."
)
MSG_REVIEW_DATE = gettext_lazy("The application date lies between the decision and today.")
MSG_STATEMENT_FINDING = gettext_lazy(
    "A statement was received: say what was checked and whether it is accepted, and why."
)
MSG_NOT_DELIVERED = gettext_lazy(
    "The notice has not been delivered yet: record its delivery; the statement period runs from delivery."
)
MSG_ALREADY_DELIVERED = gettext_lazy("The notice's delivery on {day} is already recorded.")
MSG_PERSON_HAS_NO_RESPONSIBLE = gettext_lazy("A natural person has no responsible people to record.")
MSG_NOT_RESPONSIBLE_OF = gettext_lazy("The link #{id} is not one of {subject}'s responsible people.")
MSG_ROLE_NOT_ALLOWED = gettext_lazy("{policy} does not record a listing for the role “{role}” ({person}).")
MSG_NOT_IN_ROLE_THEN = gettext_lazy(
    "{person} was not “{role}” on {day}, when the conduct the case rests on took place."
)
MSG_NO_KEY_ATTENTION = gettext_lazy(
    "{policy} keeps no key-attention list (only Nanjing art. 37 provides one); no such case can be filed."
)
MSG_BASIS_NOT_ACTIVE = gettext_lazy(
    "The record #{id} is “{status}”: a case rests only on active records, not on records under objection, "
    "repaired, revoked or expired."
)
MSG_BASIS_MINOR = gettext_lazy(
    "The record #{id} is minor: minor first-time conduct is exempt from sanctions and goes to the key-attention "
    "list (Nanjing art. 37), not to the serious list."
)
MSG_NO_MEASURES = gettext_lazy("Name at least one published measure.")
MSG_STATEMENT_PENDING = gettext_lazy(
    "The subject may state a defence until {due}; decide after a statement was received or the period lapsed."
)
MSG_NOT_LAPSED = gettext_lazy("The statement period runs until {due}.")
MSG_WRONG_STATUS = gettext_lazy("This step needs the status “{needed}”; the case is “{status}”.")
MSG_REQUIRED = gettext_lazy("This is required in the decision.")
MSG_PERIOD = gettext_lazy("The listing period ends after it starts.")
MSG_RED_DISHONEST = gettext_lazy("A subject with an active dishonest record cannot be proposed for the red list.")
MSG_NOT_FIRST = gettext_lazy(
    "The subject already has a dishonest record of this kind: the exemption is for a first occurrence."
)
MSG_RULE_ITEM = gettext_lazy("The record #{id} is not of the catalog item {code} that the exemption rule covers.")
MSG_NOTICE_RUNNING = gettext_lazy("The public notice runs until {end}.")
MSG_REASON_NOT_APPLIED = gettext_lazy("Not applying a measure needs a written reason (Nanjing art. 34).")
MSG_MEASURE_NOT_RETURNED = gettext_lazy("The measure #{id} was not returned by this check.")
MSG_FEEDBACK_TWICE = gettext_lazy("Feedback on the measure #{id} was already recorded.")
MSG_MATTER = gettext_lazy("Unknown matter “{matter}”.")
MSG_LISTING_ITEM = gettext_lazy(
    "Choose the published catalog item under which the listing is recorded in the credit files."
)
MSG_LISTING_VALUES = gettext_lazy("The catalog item {code} needs {fields}, which the decision does not give.")

REMOVAL_RECORD_STATUS = {
    RemovalReason.REPAIR: RecordStatus.REPAIRED,
    RemovalReason.EXPIRY: RecordStatus.EXPIRED,
    RemovalReason.REVOCATION: RecordStatus.REVOKED,
    RemovalReason.COURT: RecordStatus.REVOKED,
}
ROLE_BY_RESPONSIBILITY = {
    "legal_representative": EntryRole.LEGAL_REPRESENTATIVE,
    "actual_controller": EntryRole.ACTUAL_CONTROLLER,
    "principal": EntryRole.PRINCIPAL,
    "directly_responsible": EntryRole.DIRECTLY_RESPONSIBLE,
}


def require_case_officer(by, case: ListingCase | None = None, organization=None) -> None:
    """Officers of the deciding agency act on its cases (object permission on the case)."""
    if by is None:
        raise PermissionDenied(str(MSG_ONLY_AGENCY))
    if by.is_superuser:
        return
    if by.role != Role.OFFICER:
        raise PermissionDenied(str(MSG_ONLY_AGENCY))
    if case is not None and not by.has_perm("sanctions.change_listingcase", case):
        raise PermissionDenied(str(MSG_ONLY_AGENCY))
    if organization is not None and by.organization_id != organization.pk:
        raise PermissionDenied(str(MSG_ONLY_AGENCY))


def _lock(case: ListingCase) -> ListingCase:
    case.refresh_from_db(from_queryset=ListingCase.objects.select_for_update())
    return case


def _require_status(case: ListingCase, *statuses: str) -> None:
    if case.status not in statuses:
        raise Conflict(
            str(MSG_WRONG_STATUS).format(
                needed="、".join(str(CaseStatus(s).label) for s in statuses), status=case.get_status_display()
            )
        )


def check_measures(list_type: str, measures) -> list[Measure]:
    """Only published measures for this list (Nanjing art. 42: 未经法定程序设定和公布的…不得实施)."""
    measures = list(measures)
    target = MEASURE_TARGET[ListType(list_type)]
    errors = []
    for measure in measures:
        if measure.measure_list.status != ListStatus.PUBLISHED:
            errors.append(str(MSG_MEASURE_UNPUBLISHED).format(code=measure.code, name=measure.name))
        elif measure.applies_to != target:
            errors.append(
                str(MSG_MEASURE_OTHER_LIST).format(
                    code=measure.code, name=measure.name, target=measure.get_applies_to_display()
                )
            )
    if errors:
        raise ValidationError({"measures": errors})
    return measures


def visible_records(user, ids) -> list[CreditRecord]:
    """The records with these ids that `user` may see; an id the user may not see is reported
    like one that does not exist (no oracle on other agencies' records)."""
    ids = list(ids)
    found = {r.pk: r for r in restrict(CreditRecord.objects.filter(pk__in=ids), user).select_related("item")}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError({"basis_records": [str(MSG_BASIS_OTHER_SUBJECT).format(id=i) for i in missing]})
    return [found[i] for i in ids]


def _check_basis(subject: Subject, records, by, list_type: str) -> list[CreditRecord]:
    """The dishonest records a case rests on: the subject's, active (not disputed in an objection,
    repaired, revoked or expired), and for the serious list not minor (Nanjing art. 37: minor
    first-time conduct is exempt from sanctions and goes to the key-attention list instead)."""
    records = list(records)
    if not records:
        raise ValidationError({"basis_records": str(MSG_NO_BASIS)})
    errors = []
    for record in records:
        if record.subject_id != subject.pk or not can(by, "view", record):
            errors.append(str(MSG_BASIS_OTHER_SUBJECT).format(id=record.pk))
        elif record.category != Category.DISHONEST:
            errors.append(str(MSG_NO_BASIS))
        elif record.status != RecordStatus.ACTIVE:
            errors.append(str(MSG_BASIS_NOT_ACTIVE).format(id=record.pk, status=record.get_status_display()))
        elif list_type == ListType.SERIOUS and record.severity == Severity.MINOR:
            errors.append(str(MSG_BASIS_MINOR).format(id=record.pk))
    if errors:
        raise ValidationError({"basis_records": errors})
    return records


def has_active_dishonest_record(subject: Subject, today: datetime.date | None = None) -> bool:
    from django.db.models import Q

    today = today or timezone.localdate()
    return (
        CreditRecord.objects.filter(
            subject=subject, category=Category.DISHONEST, status__in=[RecordStatus.ACTIVE, RecordStatus.OBJECTION]
        )
        .filter(Q(disclosure_ends_on__isnull=True) | Q(disclosure_ends_on__gte=today))
        .exclude(severity=Severity.MINOR)
        .exists()
    )


# --- opening a case -------------------------------------------------------------------------


@transaction.atomic
def case_open(
    *,
    by,
    list_type: str,
    subject: Subject,
    facts: str,
    legal_basis: str,
    reason: str,
    basis_records=(),
    measures=(),
    record_item: CatalogItem | None = None,
    exemption_rule: ExemptionRule | None = None,
) -> ListingCase:
    """File a case for the officer's agency. A serious-list case starts as a draft; a red-list
    case as a proposal; a key-attention entry takes effect at once (Nanjing art. 37)."""
    reason = require_reason(reason)
    require_case_officer(by)
    list_type = ListType(list_type)
    errors: dict[str, list[str]] = {}
    if not facts.strip():
        errors.setdefault("facts", []).append(str(MSG_REQUIRED))
    if not legal_basis.strip():
        errors.setdefault("legal_basis", []).append(str(MSG_REQUIRED))
    try:
        measures = check_measures(list_type, measures)
    except ValidationError as error:
        errors.update(error.message_dict)
    basis = list(basis_records)
    if list_type != ListType.RED:
        try:
            basis = _check_basis(subject, basis, by, list_type)
        except ValidationError as error:
            errors.update(error.message_dict)
    if list_type == ListType.RED and has_active_dishonest_record(subject):
        errors.setdefault("subject", []).append(str(MSG_RED_DISHONEST))
    if list_type == ListType.KEY_ATTENTION:
        if active_policy().key_attention_months is None:
            raise ValidationError({"list_type": str(MSG_NO_KEY_ATTENTION).format(policy=active_policy())})
        errors.update(_check_exemption(subject, exemption_rule, basis))
    if errors:
        raise ValidationError(errors)
    status = {
        ListType.SERIOUS: CaseStatus.DRAFT,
        ListType.RED: CaseStatus.PROPOSED,
        ListType.KEY_ATTENTION: CaseStatus.ACTIVE,
    }
    case = ListingCase(
        list_type=list_type,
        subject=subject,
        deciding_org=by.organization,
        status=status[list_type],
        facts=facts.strip(),
        legal_basis=legal_basis.strip(),
        record_item=record_item,
        exemption_rule=exemption_rule,
    )
    if list_type == ListType.KEY_ATTENTION:
        # Nanjing art. 37: on the key-attention list for the policy's validity (3 months).
        today = timezone.localdate()
        case.listing_start = today
        case.listing_end = add_months(today, active_policy().key_attention_months)
    audited_save(case, by=by, reason=reason)
    case.basis_records.set(basis)
    case.measures.set(measures)
    grant_case(case, by.organization)
    if list_type == ListType.KEY_ATTENTION:
        _add_entry(case, case.subject, EntryRole.SUBJECT, by=by, reason=reason)
    return case


def _check_exemption(subject: Subject, rule: ExemptionRule | None, basis: list[CreditRecord]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if rule is None or rule.exemption_list.status != ListStatus.PUBLISHED:
        errors["exemption_rule"] = [_("Choose a published exemption rule.")]
        return errors
    for record in basis:
        if record.item.code != rule.item_code:
            errors.setdefault("basis_records", []).append(str(MSG_RULE_ITEM).format(id=record.pk, code=rule.item_code))
    earlier = (
        CreditRecord.objects.filter(subject=subject, item__code=rule.item_code, category=Category.DISHONEST)
        .exclude(pk__in=[r.pk for r in basis])
        .exclude(status=RecordStatus.REVOKED)
    )
    if earlier.exists():
        errors.setdefault("basis_records", []).append(str(MSG_NOT_FIRST))
    return errors


@transaction.atomic
def case_update(
    case: ListingCase, *, by, reason: str, facts=None, legal_basis=None, basis_records=None, measures=None
) -> ListingCase:
    """Change a draft (serious list) or a proposal (red list)."""
    reason = require_reason(reason)
    _lock(case)
    require_case_officer(by, case)
    _require_status(case, CaseStatus.DRAFT, CaseStatus.PROPOSED, CaseStatus.RETURNED)
    if facts is not None:
        case.facts = facts.strip()
    if legal_basis is not None:
        case.legal_basis = legal_basis.strip()
    if measures is not None:
        case.measures.set(check_measures(case.list_type, measures))
    if basis_records is not None and case.list_type != ListType.RED:
        case.basis_records.set(_check_basis(case.subject, basis_records, by, case.list_type))
    return audited_save(case, by=by, reason=reason)


# --- the serious list ---------------------------------------------------------------------------


@transaction.atomic
def case_issue_notice(
    case: ListingCase,
    *,
    by,
    notice_number: str,
    reason: str,
    issued_on: datetime.date | None = None,
    delivered_on: datetime.date | None = None,
    responsible_people=(),
) -> ListingCase:
    """draft → notice_issued: the prior notice (事前告知; Ningbo art. 28, Dalian art. 33). It names
    the responsible people of an organisation who bear responsibility for the conduct and will be
    recorded with it (Nanjing art. 43: 负有责任的…), among the roles the city's policy allows. The
    statement deadline, in working days from the policy, runs from the notice's delivery (送达):
    given here when it was delivered on the spot, or recorded later (`case_record_delivery`)."""
    reason = require_reason(reason)
    _lock(case)
    require_case_officer(by, case)
    _require_status(case, CaseStatus.DRAFT)
    if not notice_number.strip():
        raise ValidationError({"notice_number": str(MSG_REQUIRED)})
    if not case.measures.exists():
        raise ValidationError({"measures": str(MSG_NO_MEASURES)})
    check_measures(case.list_type, case.measures.select_related("measure_list"))
    issued_on = issued_on or timezone.localdate()
    if issued_on > timezone.localdate():
        raise ValidationError({"issued_on": _("A notice cannot be dated in the future.")})
    if issued_on < timezone.localdate(case.created_at):
        # Backdating would shorten, or skip, the subject's statement period.
        raise ValidationError({"issued_on": _("A notice cannot be dated before the case was filed.")})
    # the records may have gone under objection, been repaired or revoked since the filing
    _check_basis(case.subject, case.basis_records.select_related("item"), by, case.list_type)
    people = _check_responsible_people(case, list(responsible_people))
    case.status = CaseStatus.NOTICE_ISSUED
    case.notice_number = notice_number.strip()
    case.notice_issued_on = issued_on
    if delivered_on is not None:
        _set_delivery(case, delivered_on)
    audited_save(case, by=by, reason=reason)
    case.responsible_people.set(people)
    return case


def _check_responsible_people(case: ListingCase, links: list[ResponsiblePerson]) -> list[ResponsiblePerson]:
    """The named links are the subject's, in a role the city allows, and held that role when the
    conduct took place (a successor is not responsible for a predecessor's conduct)."""
    if not links:
        return []
    if case.subject.is_person:
        raise ValidationError({"responsible_people": str(MSG_PERSON_HAS_NO_RESPONSIBLE)})
    allowed = set(active_policy().listing_responsible_roles or [])
    basis = list(case.basis_records.all())
    conduct_on = max((r.ended_on or r.determined_on for r in basis if r.ended_on or r.determined_on), default=None)
    errors = []
    for link in links:
        if link.organization_id != case.subject_id:
            errors.append(str(MSG_NOT_RESPONSIBLE_OF).format(id=link.pk, subject=case.subject))
        elif link.role not in allowed:
            errors.append(
                str(MSG_ROLE_NOT_ALLOWED).format(
                    person=link.person, role=link.get_role_display(), policy=active_policy()
                )
            )
        elif conduct_on is not None and not link.is_current(conduct_on):
            errors.append(
                str(MSG_NOT_IN_ROLE_THEN).format(person=link.person, role=link.get_role_display(), day=conduct_on)
            )
    if errors:
        raise ValidationError({"responsible_people": errors})
    return links


def _set_delivery(case: ListingCase, delivered_on: datetime.date) -> None:
    if delivered_on > timezone.localdate():
        raise ValidationError({"delivered_on": _("A delivery cannot be dated in the future.")})
    if delivered_on < case.notice_issued_on:
        raise ValidationError({"delivered_on": _("A notice cannot be delivered before it was issued.")})
    due = add_working_days(delivered_on, active_policy().listing_statement_days)
    case.notice_delivered_on = delivered_on
    case.statement_due, case.statement_due_estimated = due, due.estimated


@transaction.atomic
def case_record_delivery(case: ListingCase, *, by, delivered_on: datetime.date, reason: str) -> ListingCase:
    """The notice reached the subject (送达): the statement period starts."""
    reason = require_reason(reason)
    _lock(case)
    require_case_officer(by, case)
    _require_status(case, CaseStatus.NOTICE_ISSUED, CaseStatus.STATEMENT_RECEIVED)
    if case.notice_delivered_on is not None or case.statement_due is not None:
        # (cases noticed before deliveries were recorded have a due date from the issue)
        raise Conflict(str(MSG_ALREADY_DELIVERED).format(day=case.notice_delivered_on or case.notice_issued_on))
    _set_delivery(case, delivered_on)
    return audited_save(case, by=by, reason=reason)


@transaction.atomic
def case_record_statement(
    case: ListingCase, *, by, statement: str, reason: str, received_on: datetime.date | None = None
) -> ListingCase:
    """notice_issued → statement_received (陈述申辩, Tianjin art. 28)."""
    reason = require_reason(reason)
    _lock(case)
    require_case_officer(by, case)
    _require_status(case, CaseStatus.NOTICE_ISSUED)
    if not statement.strip():
        raise ValidationError({"statement": str(MSG_REQUIRED)})
    case.status = CaseStatus.STATEMENT_RECEIVED
    case.statement = statement.strip()
    case.statement_received_on = received_on or timezone.localdate()
    return audited_save(case, by=by, reason=reason)


@transaction.atomic
def case_record_lapse(case: ListingCase, *, by, reason: str) -> ListingCase:
    """notice_issued → statement_lapsed, once the statement deadline has passed."""
    reason = require_reason(reason)
    _lock(case)
    require_case_officer(by, case)
    _require_status(case, CaseStatus.NOTICE_ISSUED)
    if case.statement_due is None:
        raise Conflict(str(MSG_NOT_DELIVERED))
    if timezone.localdate() <= case.statement_due:
        raise Conflict(str(MSG_NOT_LAPSED).format(due=case.statement_due))
    case.status = CaseStatus.STATEMENT_LAPSED
    return audited_save(case, by=by, reason=reason)


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


def listing_values(case: ListingCase, item: CatalogItem) -> dict:
    """The listing record's fields, from the decision (the item declares which it needs)."""
    known = {
        "list_name": str(case.get_list_type_display()),
        "decision_number": case.decision_number,
        "org": case.deciding_org.name,
        "cause": case.cause,
        "start": case.listing_start.isoformat() if case.listing_start else "",
        "removal_conditions": case.removal_conditions,
    }
    values, missing = {}, []
    for field in item.record_fields:
        source = LISTING_VALUE_SOURCES.get(field["name"])
        if source and known[source]:
            values[field["name"]] = known[source]
        elif field["required"]:
            missing.append(field["label"])
    if missing:
        raise ValidationError(
            {"record_item": str(MSG_LISTING_VALUES).format(code=item.code, fields="、".join(missing))}
        )
    return values


def listing_items_for(organization):
    """Published items under which a serious listing can be recorded by this organisation, the
    most fitting first: those the decision fills entirely and that cover natural persons too (the
    responsible people of an organisation are recorded under the same item)."""
    from apps.catalog.selectors import published_items

    items = published_items().filter(report_section=ReportSection.SERIOUS_LIST, category=Category.DISHONEST)
    allowed = [
        i for i in items.prefetch_related("providers") if not i.providers.all() or organization in i.providers.all()
    ]

    def fit(item):
        fillable = all(f["name"] in LISTING_VALUE_SOURCES or not f["required"] for f in item.record_fields)
        return (not fillable, "natural_person" not in item.subject_types, item.position)

    return sorted(allowed, key=fit)


@transaction.atomic
def case_decide(
    case: ListingCase,
    *,
    by,
    decision_number: str,
    cause: str,
    listing_start: datetime.date,
    listing_end: datetime.date,
    removal_conditions: str,
    remedies: str,
    repair_notice: str,
    reason: str,
    record_item: CatalogItem | None = None,
    measures=None,
    statement_finding: str = "",
) -> ListingCase:
    """→ decided: the decision (认定决定书) names cause, basis, measures, the listing period, the
    removal conditions and procedure and the remedies, and the credit repair notice goes with it
    (两书同达). The subject, and the responsible people of an organisation (Nanjing art. 43), are
    put on the list, with a record in each credit file."""
    reason = require_reason(reason)
    _lock(case)
    require_case_officer(by, case)
    if case.status == CaseStatus.NOTICE_ISSUED:
        if case.statement_due is None:
            raise Conflict(str(MSG_NOT_DELIVERED))
        if timezone.localdate() <= case.statement_due:
            raise Conflict(str(MSG_STATEMENT_PENDING).format(due=case.statement_due))
        case.status = CaseStatus.STATEMENT_LAPSED
    _require_status(case, CaseStatus.STATEMENT_RECEIVED, CaseStatus.STATEMENT_LAPSED)
    errors: dict[str, list[str]] = {}
    for name, value in (
        ("decision_number", decision_number),
        ("cause", cause),
        ("removal_conditions", removal_conditions),
        ("remedies", remedies),
        ("repair_notice", repair_notice),
    ):
        if not (value or "").strip():
            errors.setdefault(name, []).append(str(MSG_REQUIRED))
    if case.statement and not (statement_finding or "").strip():
        # Dalian art. 33 (异议…予以核实并…反馈结果), Ningbo art. 28 (由认定机关…核查处理).
        errors.setdefault("statement_finding", []).append(str(MSG_STATEMENT_FINDING))
    if not listing_start or not listing_end:
        errors.setdefault("listing_end", []).append(str(MSG_REQUIRED))
    elif listing_end <= listing_start:
        errors.setdefault("listing_end", []).append(str(MSG_PERIOD))
    if measures is not None:
        try:
            case.measures.set(check_measures(case.list_type, measures))
        except ValidationError as error:
            errors.update(error.message_dict)
    elif not case.measures.exists():
        errors.setdefault("measures", []).append(str(MSG_NO_MEASURES))
    item = record_item or case.record_item
    if item is None:
        errors.setdefault("record_item", []).append(str(MSG_LISTING_ITEM))
    try:
        _check_basis(case.subject, case.basis_records.select_related("item"), by, case.list_type)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    require_published_item(item)
    case.record_item = item
    case.decision_number, case.cause = decision_number.strip(), cause.strip()
    case.statement_finding = (statement_finding or "").strip() if case.statement else ""
    case.listing_start, case.listing_end = listing_start, listing_end
    case.removal_conditions, case.remedies, case.repair_notice = (
        removal_conditions.strip(),
        remedies.strip(),
        repair_notice.strip(),
    )
    case.decided_on = timezone.localdate()
    case.status = CaseStatus.DECIDED
    values = listing_values(case, item)
    audited_save(case, by=by, reason=reason)
    people = [(case.subject, EntryRole.SUBJECT)]
    # Only the responsible people the notice named (Nanjing art. 43: 负有责任的…), so each was told.
    for link in case.responsible_people.select_related("person").order_by("role", "pk"):
        if all(person.pk != link.person_id for person, _role in people):  # one entry per person
            people.append((link.person, ROLE_BY_RESPONSIBILITY[link.role]))
    try:
        for subject, role in people:
            _add_entry(case, subject, role, by=by, reason=reason, record_values=values)
    except ValidationError as error:
        # The listing's record counts its disclosure from the listing's first day.
        if set(getattr(error, "error_dict", {})) & {"determined_on", "ended_on"}:
            raise ValidationError({"listing_start": error.messages}) from None
        raise
    subject_services.records_recompute_disclosure([s.pk for s, _r in people], by=by, reason=reason)
    return case


def _add_entry(
    case: ListingCase, subject: Subject, role: str, *, by, reason: str, record_values: dict | None = None
) -> ListEntry:
    record = None
    if record_values is not None:
        record = subject_services.record_create(
            by=by,
            subject=subject,
            item=case.record_item,
            provider=case.deciding_org,
            reason=reason,
            values=record_values,
            document_number=case.decision_number,
            document_date=case.decided_on,
            determined_on=case.listing_start,
            ended_on=case.listing_start,
            severity=Severity.SERIOUS,
            source_record_id=f"case:{case.pk}:{subject.identifier}",
        )
    entry = ListEntry(
        case=case,
        subject=subject,
        role=role,
        start=case.listing_start or timezone.localdate(),
        end=case.listing_end,
        record=record,
    )
    audited_save(entry, by=by, reason=reason)
    events.listing_started.send(sender=ListEntry, entries=[entry], case=case)
    return entry


@transaction.atomic
def case_drop(case: ListingCase, *, by, drop_reason: str, reason: str) -> ListingCase:
    reason = require_reason(reason)
    _lock(case)
    require_case_officer(by, case)
    _require_status(
        case, CaseStatus.DRAFT, CaseStatus.NOTICE_ISSUED, CaseStatus.STATEMENT_RECEIVED, CaseStatus.STATEMENT_LAPSED
    )
    if not drop_reason.strip():
        raise ValidationError({"drop_reason": str(MSG_REQUIRED)})
    case.status = CaseStatus.DROPPED
    case.drop_reason = drop_reason.strip()
    return audited_save(case, by=by, reason=reason)


@transaction.atomic
def case_publish(case: ListingCase, *, by, reason: str) -> ListingCase:
    """decided → published (Nanjing art. 40: 严重失信主体名单应当向社会公布)."""
    reason = require_reason(reason)
    _lock(case)
    require_case_officer(by, case)
    _require_status(case, CaseStatus.DECIDED)
    case.status = CaseStatus.PUBLISHED
    case.published_on = timezone.localdate()
    return audited_save(case, by=by, reason=reason)


def _end_entries(case: ListingCase, *, by, reason: str, record_status: str | None) -> list[int]:
    today = timezone.localdate()
    subject_ids, ended = [], []
    for entry in case.entries.filter(active=True).select_related("record"):
        entry.active, entry.ended_on = False, today
        audited_save(entry, by=by, reason=reason)
        subject_ids.append(entry.subject_id)
        ended.append(entry)
        if (
            entry.record is not None
            and record_status
            and entry.record.status in (RecordStatus.ACTIVE, RecordStatus.OBJECTION)
        ):
            subject_services.record_set_status(entry.record, status=record_status, by=by, reason=reason)
    if ended:
        events.listing_ended.send(sender=ListEntry, entries=ended, case=case)
    return subject_ids


@transaction.atomic
def case_remove(case: ListingCase, *, by, removal_reason: str, removal_document: str, reason: str) -> ListingCase:
    """→ removed (移出): by repair, end of period, revocation or court ruling, each with its
    document. The measures stop the same day; the listing records take the matching status."""
    reason = require_reason(reason)
    _lock(case)
    if removal_reason != RemovalReason.EXPIRY or by is not None:
        require_case_officer(by, case)
    return _remove(case, by=by, removal_reason=removal_reason, removal_document=removal_document, reason=reason)


def _remove(case: ListingCase, *, by, removal_reason: str, removal_document: str, reason: str) -> ListingCase:
    _require_status(case, CaseStatus.DECIDED, CaseStatus.PUBLISHED)
    removal_reason = RemovalReason(removal_reason)
    if not removal_document.strip():
        raise ValidationError({"removal_document": str(MSG_REQUIRED)})
    case.status = CaseStatus.REMOVED
    case.removed_on = timezone.localdate()
    case.removal_reason, case.removal_document = removal_reason, removal_document.strip()
    audited_save(case, by=by, reason=reason)
    subject_ids = _end_entries(case, by=by, reason=reason, record_status=REMOVAL_RECORD_STATUS[removal_reason])
    subject_services.records_recompute_disclosure(subject_ids, by=by, reason=reason)
    return case


@transaction.atomic
def case_review(
    case: ListingCase,
    *,
    by,
    applied_on: datetime.date,
    outcome: str,
    review_document: str,
    review_note: str,
    reason: str,
) -> ListingCase:
    """The credit authority reviews a listing whose subject still objects to the deciding agency's
    finding on its statement (Ningbo art. 28 para. 4: 可以向市社会信用工作主管部门申请复核). Only
    where the city's policy provides this review; once per case. Overturned: the listing is
    revoked and removed the same day."""
    reason = require_reason(reason)
    _lock(case)
    policy = active_policy()
    if not policy.listing_review_by_authority:
        raise ValidationError(str(MSG_NO_REVIEW).format(policy=policy))
    if by is None or (not by.is_superuser and by.role != Role.AUTHORITY):
        raise PermissionDenied(str(MSG_REVIEW_AUTHORITY))
    _require_status(case, CaseStatus.DECIDED, CaseStatus.PUBLISHED)
    if case.review_outcome:
        raise Conflict(str(MSG_REVIEWED).format(outcome=case.get_review_outcome_display()))
    if not case.statement:
        raise ValidationError(str(MSG_REVIEW_NEEDS_OBJECTION))
    errors: dict[str, list[str]] = {}
    if outcome not in ReviewOutcome.values:
        errors["outcome"] = [str(MSG_REQUIRED)]
    if not review_document.strip():
        errors["review_document"] = [str(MSG_REQUIRED)]
    if not review_note.strip():
        errors["review_note"] = [str(MSG_REQUIRED)]
    if applied_on is None or applied_on > timezone.localdate() or (case.decided_on and applied_on < case.decided_on):
        errors["applied_on"] = [str(MSG_REVIEW_DATE)]
    if errors:
        raise ValidationError(errors)
    case.review_applied_on, case.review_outcome = applied_on, outcome
    case.review_document, case.review_note = review_document.strip(), review_note.strip()
    audited_save(case, by=by, reason=reason)
    if outcome == ReviewOutcome.OVERTURNED:
        _remove(
            case, by=by, removal_reason=RemovalReason.REVOCATION, removal_document=case.review_document, reason=reason
        )
    return case


# --- the red list --------------------------------------------------------------------------------


@transaction.atomic
def red_start_notice(case: ListingCase, *, by, reason: str) -> ListingCase:
    """proposed → public_notice, for the policy's notice period (Ningbo art. 28: 予以公示)."""
    reason = require_reason(reason)
    _lock(case)
    require_case_officer(by, case)
    _require_status(case, CaseStatus.PROPOSED, CaseStatus.RETURNED)
    if has_active_dishonest_record(case.subject):
        raise ValidationError({"subject": str(MSG_RED_DISHONEST)})
    today = timezone.localdate()
    case.status = CaseStatus.PUBLIC_NOTICE
    case.notice_start = today
    case.notice_end = add_working_days(today, active_policy().red_list_notice_days)
    case.objection = ""
    return audited_save(case, by=by, reason=reason)


@transaction.atomic
def red_record_objection(case: ListingCase, *, by, objection: str, reason: str) -> ListingCase:
    """public_notice → returned: an objection during the notice goes back to the proposer."""
    reason = require_reason(reason)
    _lock(case)
    if by is None or not (by.is_superuser or by.role in (Role.CLERK, Role.OFFICER)):
        raise PermissionDenied
    _require_status(case, CaseStatus.PUBLIC_NOTICE)
    if not objection.strip():
        raise ValidationError({"objection": str(MSG_REQUIRED)})
    case.status = CaseStatus.RETURNED
    case.objection = objection.strip()
    return audited_save(case, by=by, reason=reason)


@transaction.atomic
def red_confirm(case: ListingCase, *, by, reason: str, today: datetime.date | None = None) -> ListingCase:
    """public_notice → confirmed once the notice ended without objection."""
    reason = require_reason(reason)
    today = today or timezone.localdate()
    _lock(case)
    if by is not None:
        require_case_officer(by, case)
    _require_status(case, CaseStatus.PUBLIC_NOTICE)
    if today <= case.notice_end:
        raise Conflict(str(MSG_NOTICE_RUNNING).format(end=case.notice_end))
    if has_active_dishonest_record(case.subject):
        raise ValidationError({"subject": str(MSG_RED_DISHONEST)})
    case.status = CaseStatus.CONFIRMED
    case.listing_start = today
    audited_save(case, by=by, reason=reason)
    _add_entry(case, case.subject, EntryRole.SUBJECT, by=by, reason=reason)
    return case


# --- the key-attention list -------------------------------------------------------------------------


@transaction.atomic
def key_attention_end(case: ListingCase, *, converted: bool, by=None, reason: str) -> ListingCase:
    """active → ended (validity over) or converted (a new dishonest record, Nanjing art. 37:
    发生失信行为的，应当转为失信主体)."""
    _lock(case)
    _require_status(case, CaseStatus.ACTIVE)
    case.status = CaseStatus.CONVERTED if converted else CaseStatus.ENDED
    case.removed_on = timezone.localdate()
    audited_save(case, by=by, reason=reason)
    _end_entries(case, by=by, reason=reason, record_status=None)
    return case


# --- joint sanction checks ---------------------------------------------------------------------------


def subject_statuses(subject: Subject | None, today: datetime.date | None = None) -> list[str]:
    """The lists and status a subject has now, as MeasureTarget values."""
    if subject is None:
        return []
    today = today or timezone.localdate()
    statuses = []
    live = {CaseStatus.DECIDED, CaseStatus.PUBLISHED, CaseStatus.ACTIVE, CaseStatus.CONFIRMED}
    for entry in ListEntry.objects.filter(subject=subject, active=True).select_related("case"):
        # Measures apply from the first day of the listing, not from the decision (Nanjing art. 40).
        if entry.case.status in live and entry.start <= today and (entry.end is None or today <= entry.end):
            target = str(MEASURE_TARGET[ListType(entry.case.list_type)])
            if target not in statuses:
                statuses.append(target)
    dishonest = has_active_dishonest_record(subject, today)
    if dishonest:
        statuses.append("dishonest")
    elif "serious" not in statuses:
        statuses.append("no_dishonest")
    return statuses


def sanction_check(*, by, identifier: str, matter: str, channel: str = QueryChannel.API, client_ip: str | None = None):
    """A government system asks which measures apply to an applicant in a matter (Nanjing art.
    34: 自动比对). Logged as a government lookup whose purpose is the matter.

    Returns (check, subject or None, statuses, measures)."""
    from apps.subjects.services import clean_identifier

    if matter not in Matter.values:
        raise ValidationError({"matter": str(MSG_MATTER).format(matter=matter)})
    try:
        _kind, identifier = clean_identifier(identifier)
    except ValidationError as error:
        raise ValidationError({"identifier": error.messages}) from None
    subject = Subject.objects.filter(identifier=identifier).first()
    statuses = subject_statuses(subject)
    measures = []
    for status in statuses:
        for measure in measures_for(status, matter):
            if measure not in measures:
                measures.append(measure)
    lookup = LookupRequest(
        user=by,
        mode=QueryMode.GOVERNMENT,
        purpose=QueryPurpose.JOINT_SANCTION_CHECK,
        channel=channel,
        purpose_detail=str(Matter(matter).label),
        client_ip=client_ip,
    )
    # Logged outside any transaction of ours: a refusal and its flag must stay on record.
    entry = log_query(
        lookup,
        subject_identifier=identifier,
        subject_name=subject.name if subject else "",
        query={"identifier": identifier, "matter": matter},
        outcome=QueryOutcome.FOUND if subject else QueryOutcome.NOT_FOUND,
        result={"statuses": statuses, "measures": [m.pk for m in measures]},
    )
    check = SanctionCheck.objects.create(
        requested_by=by,
        organization=by.organization,
        identifier=identifier,
        subject=subject,
        matter=matter,
        statuses=statuses,
        measure_ids=[m.pk for m in measures],
        channel=channel,
        query_log=entry,
    )
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


# --- daily upkeep -------------------------------------------------------------------------------------


def daily_upkeep(today: datetime.date | None = None) -> dict[str, int]:
    """End expired listings and key-attention entries, confirm red-list proposals whose notice
    ended without objection, recompute disclosure ends. Safe to run twice."""
    today = today or timezone.localdate()
    done = {"serious_expired": 0, "key_attention_ended": 0, "red_confirmed": 0, "records_expired": 0}
    reason = _("Daily upkeep")
    for case in ListingCase.objects.filter(
        list_type=ListType.SERIOUS, status__in=[CaseStatus.DECIDED, CaseStatus.PUBLISHED], listing_end__lt=today
    ):
        case_remove(
            case,
            by=None,
            removal_reason=RemovalReason.EXPIRY,
            removal_document=_("End of the listing period"),
            reason=reason,
        )
        done["serious_expired"] += 1
    for case in ListingCase.objects.filter(
        list_type=ListType.KEY_ATTENTION, status=CaseStatus.ACTIVE, listing_end__lt=today
    ):
        key_attention_end(case, converted=False, reason=reason)
        done["key_attention_ended"] += 1
    for case in ListingCase.objects.filter(
        list_type=ListType.RED, status=CaseStatus.PUBLIC_NOTICE, notice_end__lt=today
    ):
        if has_active_dishonest_record(case.subject, today):
            continue  # a dishonest record arrived during the notice: the proposer decides
        red_confirm(case, by=None, reason=reason, today=today)
        done["red_confirmed"] += 1
    done["records_expired"] = subject_services.records_expire(today=today)
    return done
