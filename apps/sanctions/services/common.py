"""What the three list workflows share: who acts on a case, the measures and records a case may
name, filing and editing a case, and putting subjects on and off a list.

Rules enforced here, whatever the caller (page, admin, API):
- only measures of a published measure list, and only for the case's list (Nanjing art. 42,
  Tianjin art. 26, Ningbo art. 27: 未经公布不得实施);
- measures only on the listed subject and, for an organisation, its responsible people
  (Nanjing art. 43, Tianjin art. 32, Dalian art. 36, Zhangye art. 48);
- a case rests only on active dishonest records of the subject that the officer may see.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.catalog.choices import Category, ListStatus, Severity
from apps.catalog.models import CatalogItem, ExemptionRule, Measure
from apps.core.audit import audited_save
from apps.core.choices import Role
from apps.core.exceptions import Conflict
from apps.core.permissions import can, grant_case
from apps.core.selectors import active_policy
from apps.core.services import require_reason
from apps.core.workflow import lock
from apps.sanctions import events
from apps.sanctions.choices import MEASURE_TARGET, EntryRole, ListType, RemovalReason
from apps.sanctions.models import ListEntry, ListingCase
from apps.sanctions.selectors import MSG_BASIS_OTHER_SUBJECT, has_active_dishonest_record
from apps.subjects import services as subject_services
from apps.subjects.choices import ObjectionMark, RecordStatus
from apps.subjects.disclosure import add_months
from apps.subjects.models import CreditRecord, Subject
from apps.subjects.record_workflow import RECORD_LIFECYCLE

MSG_ONLY_AGENCY = gettext_lazy("Only officers of the deciding agency act on its list cases.")
MSG_MEASURE_UNPUBLISHED = gettext_lazy(
    "The measure {code} “{name}” is not in a published measure list and may not be applied."
)
MSG_MEASURE_OTHER_LIST = gettext_lazy("The measure {code} “{name}” applies to “{target}”, not to this list.")
MSG_NO_BASIS = gettext_lazy("A case rests on at least one dishonest record of the subject.")
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
MSG_NOT_EDITABLE = gettext_lazy("Only a draft or a proposal can be changed; this case is “{status}”.")
MSG_REQUIRED = gettext_lazy("This is required in the decision.")
MSG_PERIOD = gettext_lazy("The listing period ends after it starts.")
MSG_RED_DISHONEST = gettext_lazy("A subject with an active dishonest record cannot be proposed for the red list.")
MSG_NOT_FIRST = gettext_lazy(
    "The subject already has a dishonest record of this kind: the exemption is for a first occurrence."
)
MSG_RULE_ITEM = gettext_lazy("The record #{id} is not of the catalog item {code} that the exemption rule covers.")
MSG_NOTICE_RUNNING = gettext_lazy("The public notice runs until {end}.")
MSG_REASON_NOT_APPLIED = gettext_lazy("Not applying a measure needs a written reason.")
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


# Who acts on a case its organisation decides (the object permission on the case says which
# organisation): the officers of a deciding agency, and the credit authority on a case it opened
# from its own supervision finding (a false credit rating report, Nanjing art. 69 para. 4).
CASE_ROLES = frozenset({Role.OFFICER, Role.AUTHORITY})


def is_case_officer(case: ListingCase, user) -> bool:
    """The rule of the deciding agency's steps: its officers, holding the object permission."""
    return user.is_superuser or (user.role in CASE_ROLES and user.has_perm("sanctions.change_listingcase", case))


def require_case_officer(by, case: ListingCase | None = None, organization=None, *, from_source: bool = False) -> None:
    """Officers of the deciding agency act on its cases (object permission on the case). The
    credit authority opens a case only from a finding of its own (`from_source`) and then acts
    on that case as its deciding body."""
    if by is None:
        raise PermissionDenied(str(MSG_ONLY_AGENCY))
    if by.is_superuser:
        return
    allowed = CASE_ROLES if (from_source or case is not None) else {Role.OFFICER}
    if by.role not in allowed:
        raise PermissionDenied(str(MSG_ONLY_AGENCY))
    if case is not None and not by.has_perm("sanctions.change_listingcase", case):
        raise PermissionDenied(str(MSG_ONLY_AGENCY))
    if organization is not None and by.organization_id != organization.pk:
        raise PermissionDenied(str(MSG_ONLY_AGENCY))


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


def check_basis(subject: Subject, records, by, list_type: str) -> list[CreditRecord]:
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
        elif record.under_objection:
            # Nanjing art. 58: disputed until the objection is settled (the mark beside the status)
            errors.append(str(MSG_BASIS_NOT_ACTIVE).format(id=record.pk, status=ObjectionMark.MARKED.label))
        elif list_type == ListType.SERIOUS and record.severity == Severity.MINOR:
            errors.append(str(MSG_BASIS_MINOR).format(id=record.pk))
    if errors:
        raise ValidationError({"basis_records": errors})
    return records


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
    source=None,
) -> ListingCase:
    """File a case for the officer's agency. A serious-list case starts as a draft; a red-list
    case as a proposal; a key-attention entry takes effect at once (Nanjing art. 37).

    `source` is the finding of another app the case was opened from (a supervision action on a
    credit service agency that found a false report, Nanjing art. 69 para. 4); the case names it,
    and the credit authority may open such a case (`CASE_ROLES`)."""
    reason = require_reason(reason)
    require_case_officer(by, from_source=source is not None)
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
            basis = check_basis(subject, basis, by, list_type)
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
    from apps.sanctions.workflows import WORKFLOWS  # the tables name this module's steps

    case = ListingCase(
        list_type=list_type,
        subject=subject,
        deciding_org=by.organization,
        status=WORKFLOWS[list_type].initial[0],
        facts=facts.strip(),
        legal_basis=legal_basis.strip(),
        record_item=record_item,
        exemption_rule=exemption_rule,
        source=source,
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
        add_entry(case, case.subject, EntryRole.SUBJECT, by=by, reason=reason)
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
    from apps.sanctions.workflows import workflow_for

    lock(case)
    require_case_officer(by, case)
    if not workflow_for(case).is_editable(case):
        raise Conflict(str(MSG_NOT_EDITABLE).format(status=case.get_status_display()))
    if facts is not None:
        case.facts = facts.strip()
    if legal_basis is not None:
        case.legal_basis = legal_basis.strip()
    if measures is not None:
        case.measures.set(check_measures(case.list_type, measures))
    if basis_records is not None and case.list_type != ListType.RED:
        case.basis_records.set(check_basis(case.subject, basis_records, by, case.list_type))
    return audited_save(case, by=by, reason=reason)


def add_entry(
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


# The step of the record's lifecycle that a removal takes on the listing record, by the status the
# removal reason leads to (REMOVAL_RECORD_STATUS), and the subjects service that takes it.
RECORD_STEP_FOR_STATUS = {
    RecordStatus.REPAIRED: ("repair", subject_services.record_mark_repaired),
    RecordStatus.EXPIRED: ("expire", subject_services.record_expire),
    RecordStatus.REVOKED: ("revoke", subject_services.record_revoke),
}


def _follow_on_record(record: CreditRecord, record_status: str, *, by, reason: str) -> None:
    """The listing record follows the listing's removal, as a consequence of the case's step
    (already authorised by the case's table), when its own lifecycle allows that step from where
    it is: a record already revoked stays revoked, an expired one is not repaired. A record under
    objection follows too; its mark stays."""
    step, service = RECORD_STEP_FOR_STATUS[record_status]
    if RECORD_LIFECYCLE.step(step) in RECORD_LIFECYCLE.steps_from(record.status):
        service(record, by=by, reason=reason, follow=True)


def end_entries(case: ListingCase, *, by, reason: str, record_status: str | None) -> list[int]:
    today = timezone.localdate()
    subject_ids, ended = [], []
    for entry in case.entries.filter(active=True).select_related("record"):
        entry.active, entry.ended_on = False, today
        audited_save(entry, by=by, reason=reason)
        subject_ids.append(entry.subject_id)
        ended.append(entry)
        if entry.record is not None and record_status:
            _follow_on_record(entry.record, record_status, by=by, reason=reason)
    if ended:
        events.listing_ended.send(sender=ListEntry, entries=ended, case=case)
    return subject_ids
