"""The serious dishonesty list (严重失信主体名单): its transition table and its steps.

Nanjing arts. 40–43, Tianjin art. 28, Dalian art. 33, Ningbo art. 28: a case is noticed before it
is decided (事前告知), the subject may state a defence within the policy's working days from the
notice's delivery (陈述申辩), the decision names cause, basis, measures, period, removal
conditions and remedies with the repair notice delivered together (两书同达), it is published,
and it is removed by repair, expiry, revocation or a court ruling; where the city provides it, the
credit authority reviews a listing the subject still objects to (Ningbo art. 28 para. 4).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.catalog.models import CatalogItem
from apps.catalog.selectors import require_published_item
from apps.core.choices import DeadlineKind, DocumentKind, Role
from apps.core.deadlines import Clock
from apps.core.selectors import active_policy
from apps.core.workflow import Step, Workflow
from apps.sanctions.choices import CaseStatus, EntryRole, RemovalReason, ReviewOutcome
from apps.sanctions.models import ListingCase
from apps.sanctions.selectors import LISTING_VALUE_SOURCES, case_document_context
from apps.sanctions.services.common import (
    MSG_ALREADY_DELIVERED,
    MSG_LISTING_ITEM,
    MSG_LISTING_VALUES,
    MSG_NO_MEASURES,
    MSG_NO_REVIEW,
    MSG_NOT_DELIVERED,
    MSG_NOT_IN_ROLE_THEN,
    MSG_NOT_LAPSED,
    MSG_NOT_RESPONSIBLE_OF,
    MSG_ONLY_AGENCY,
    MSG_PERIOD,
    MSG_PERSON_HAS_NO_RESPONSIBLE,
    MSG_REQUIRED,
    MSG_REVIEW_AUTHORITY,
    MSG_REVIEW_DATE,
    MSG_REVIEW_NEEDS_OBJECTION,
    MSG_REVIEWED,
    MSG_ROLE_NOT_ALLOWED,
    MSG_STATEMENT_FINDING,
    MSG_STATEMENT_PENDING,
    REMOVAL_RECORD_STATUS,
    ROLE_BY_RESPONSIBILITY,
    add_entry,
    check_basis,
    check_measures,
    end_entries,
    is_case_officer,
)
from apps.subjects import services as subject_services
from apps.subjects.models import ResponsiblePerson

# --- the services, one per step (their names are the app's interface) ---------------------------


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
    return SERIOUS_CASE.transition(
        case,
        "notice",
        by=by,
        reason=reason,
        notice_number=notice_number,
        issued_on=issued_on,
        delivered_on=delivered_on,
        responsible_people=responsible_people,
    )


def case_record_delivery(case: ListingCase, *, by, delivered_on: datetime.date, reason: str) -> ListingCase:
    """The notice reached the subject (送达): the statement period starts."""
    return SERIOUS_CASE.transition(case, "delivery", by=by, reason=reason, delivered_on=delivered_on)


def case_record_statement(
    case: ListingCase, *, by, statement: str, reason: str, received_on: datetime.date | None = None
) -> ListingCase:
    """notice_issued → statement_received (陈述申辩, Tianjin art. 28)."""
    return SERIOUS_CASE.transition(
        case, "statement", by=by, reason=reason, statement=statement, received_on=received_on
    )


def case_record_lapse(case: ListingCase, *, by, reason: str) -> ListingCase:
    """notice_issued → statement_lapsed, once the statement deadline has passed."""
    return SERIOUS_CASE.transition(case, "lapse", by=by, reason=reason)


def case_decide(case: ListingCase, *, by, reason: str, **decision) -> ListingCase:
    """→ decided: the decision (认定决定书) names cause, basis, measures, the listing period, the
    removal conditions and procedure and the remedies, and the credit repair notice goes with it
    (两书同达). The subject, and the responsible people of an organisation (Nanjing art. 43), are
    put on the list, with a record in each credit file. See `_decide` for the fields."""
    return SERIOUS_CASE.transition(case, "decide", by=by, reason=reason, **decision)


def case_drop(case: ListingCase, *, by, drop_reason: str, reason: str) -> ListingCase:
    return SERIOUS_CASE.transition(case, "drop", by=by, reason=reason, drop_reason=drop_reason)


def case_publish(case: ListingCase, *, by, reason: str) -> ListingCase:
    """decided → published (Nanjing art. 40: 严重失信主体名单应当向社会公布)."""
    return SERIOUS_CASE.transition(case, "publish", by=by, reason=reason)


def case_remove(case: ListingCase, *, by, removal_reason: str, removal_document: str, reason: str) -> ListingCase:
    """→ removed (移出): by repair, end of period, revocation or court ruling, each with its
    document. The measures stop the same day; the listing records take the matching status.
    The daily job removes a listing at the end of its period with by=None."""
    return SERIOUS_CASE.transition(
        case, "remove", by=by, reason=reason, removal_reason=removal_reason, removal_document=removal_document
    )


def case_review(case: ListingCase, *, by, reason: str, **review) -> ListingCase:
    """The credit authority reviews a listing whose subject still objects to the deciding agency's
    finding on its statement (Ningbo art. 28 para. 4: 可以向市社会信用工作主管部门申请复核). Only
    where the city's policy provides this review; once per case. Overturned: the listing is
    revoked and removed the same day. See `_review` for the fields."""
    policy = active_policy()
    if not policy.listing_review_by_authority:
        raise ValidationError(str(MSG_NO_REVIEW).format(policy=policy))
    return SERIOUS_CASE.transition(case, "review", by=by, reason=reason, **review)


# --- what each step checks and sets ------------------------------------------------------------


def _issue_notice(case, *, by, reason, notice_number, issued_on, delivered_on, responsible_people):
    if not (notice_number or "").strip():
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
    check_basis(case.subject, case.basis_records.select_related("item"), by, case.list_type)
    people = _check_responsible_people(case, list(responsible_people or ()))
    case.notice_number = notice_number.strip()
    case.notice_issued_on = issued_on
    if delivered_on is not None:
        _set_delivery(case, delivered_on)
    return {"people": people}


def _name_responsible_people(case, *, by, reason, people):
    case.responsible_people.set(people)


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
    if delivered_on is None:
        raise ValidationError({"delivered_on": str(MSG_REQUIRED)})
    if delivered_on > timezone.localdate():
        raise ValidationError({"delivered_on": _("A delivery cannot be dated in the future.")})
    if delivered_on < case.notice_issued_on:
        raise ValidationError({"delivered_on": _("A notice cannot be delivered before it was issued.")})
    case.notice_delivered_on = delivered_on


def _record_delivery(case, *, by, reason, delivered_on):
    _set_delivery(case, delivered_on)


def _not_delivered_yet(case) -> str | None:
    if case.notice_delivered_on is not None or case.statement_period is not None:
        # (cases noticed before deliveries were recorded count their period from the issue)
        return str(MSG_ALREADY_DELIVERED).format(day=case.notice_delivered_on or case.notice_issued_on)
    return None


def _record_statement(case, *, by, reason, statement, received_on=None):
    if not (statement or "").strip():
        raise ValidationError({"statement": str(MSG_REQUIRED)})
    case.statement = statement.strip()
    case.statement_received_on = received_on or timezone.localdate()


def _period_over(case) -> str | None:
    """The statement period ran out (it runs from the delivery; before that, nothing lapses)."""
    return _period_running(case, MSG_NOT_LAPSED)


def _statement_settled(case) -> str | None:
    """A decision waits for the statement or for the end of its period."""
    if case.status != CaseStatus.NOTICE_ISSUED:
        return None
    return _period_running(case, MSG_STATEMENT_PENDING)


def _period_running(case, message) -> str | None:
    period = case.statement_period
    if period is None:
        return str(MSG_NOT_DELIVERED)
    if period.running and timezone.localdate() <= period.due_on:
        return str(message).format(due=period.due_on)
    return None


def _decide(
    case,
    *,
    by,
    reason,
    decision_number: str,
    cause: str,
    listing_start: datetime.date,
    listing_end: datetime.date,
    removal_conditions: str,
    remedies: str,
    repair_notice: str,
    record_item: CatalogItem | None = None,
    measures=None,
    statement_finding: str = "",
):
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
        check_basis(case.subject, case.basis_records.select_related("item"), by, case.list_type)
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
    return {"values": listing_values(case, item)}


def _put_on_the_list(case, *, by, reason, values):
    people = [(case.subject, EntryRole.SUBJECT)]
    # Only the responsible people the notice named (Nanjing art. 43: 负有责任的…), so each was told.
    for link in case.responsible_people.select_related("person").order_by("role", "pk"):
        if all(person.pk != link.person_id for person, _role in people):  # one entry per person
            people.append((link.person, ROLE_BY_RESPONSIBILITY[link.role]))
    try:
        for subject, role in people:
            add_entry(case, subject, role, by=by, reason=reason, record_values=values)
    except ValidationError as error:
        # The listing's record counts its disclosure from the listing's first day.
        if set(getattr(error, "error_dict", {})) & {"determined_on", "ended_on"}:
            raise ValidationError({"listing_start": error.messages}) from None
        raise
    subject_services.records_recompute_disclosure([s.pk for s, _r in people], by=by, reason=reason)


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


def _drop(case, *, by, reason, drop_reason):
    if not (drop_reason or "").strip():
        raise ValidationError({"drop_reason": str(MSG_REQUIRED)})
    case.drop_reason = drop_reason.strip()


def _publish(case, *, by, reason):
    case.published_on = timezone.localdate()


def _remove(case, *, by, reason, removal_reason, removal_document):
    if removal_reason not in RemovalReason.values:
        raise ValidationError({"removal_reason": str(MSG_REQUIRED)})
    removal_reason = RemovalReason(removal_reason)
    if by is None and removal_reason != RemovalReason.EXPIRY:
        raise PermissionDenied(str(MSG_ONLY_AGENCY))  # the platform itself only ends expired listings
    if not (removal_document or "").strip():
        raise ValidationError({"removal_document": str(MSG_REQUIRED)})
    case.removed_on = timezone.localdate()
    case.removal_reason, case.removal_document = removal_reason, removal_document.strip()
    return {"record_status": REMOVAL_RECORD_STATUS[removal_reason]}


def _take_off_the_list(case, *, by, reason, record_status):
    subject_ids = end_entries(case, by=by, reason=reason, record_status=record_status)
    subject_services.records_recompute_disclosure(subject_ids, by=by, reason=reason)


def _is_reviewer(case, user) -> bool:
    """Ningbo art. 28 para. 4: the credit authority, where the city provides the review."""
    return (user.is_superuser or user.role == Role.AUTHORITY) and bool(active_policy().listing_review_by_authority)


def _not_reviewed(case) -> str | None:
    if case.review_outcome:
        return str(MSG_REVIEWED).format(outcome=case.get_review_outcome_display())
    return None


def _has_statement(case) -> str | None:
    return None if case.statement else str(MSG_REVIEW_NEEDS_OBJECTION)


def _review(case, *, by, reason, applied_on, outcome, review_document, review_note):
    errors: dict[str, list[str]] = {}
    if outcome not in ReviewOutcome.values:
        errors["outcome"] = [str(MSG_REQUIRED)]
    if not (review_document or "").strip():
        errors["review_document"] = [str(MSG_REQUIRED)]
    if not (review_note or "").strip():
        errors["review_note"] = [str(MSG_REQUIRED)]
    if applied_on is None or applied_on > timezone.localdate() or (case.decided_on and applied_on < case.decided_on):
        errors["applied_on"] = [str(MSG_REVIEW_DATE)]
    if errors:
        raise ValidationError(errors)
    case.review_applied_on, case.review_outcome = applied_on, outcome
    case.review_document, case.review_note = review_document.strip(), review_note.strip()
    return {"outcome": outcome}


def _revoke_when_overturned(case, *, by, reason, outcome):
    if outcome == ReviewOutcome.OVERTURNED:
        SERIOUS_CASE.transition(
            case,
            "remove",
            by=by,
            follow=True,
            reason=reason,
            removal_reason=RemovalReason.REVOCATION,
            removal_document=case.review_document,
        )


S = CaseStatus
BEFORE_DECISION = (S.DRAFT, S.NOTICE_ISSUED, S.STATEMENT_RECEIVED, S.STATEMENT_LAPSED)

# The statement period runs from the notice's delivery (送达); the statement meets it.
STATEMENT_FROM_DELIVERY = Clock(DeadlineKind.STATEMENT, on=lambda case: case.notice_delivered_on)
STATEMENT_RECEIVED = Clock(DeadlineKind.STATEMENT, on=lambda case: case.statement_received_on)

SERIOUS_CASE = Workflow(
    name=gettext_lazy("the serious dishonesty list"),
    model=ListingCase,
    states=CaseStatus,
    initial=(S.DRAFT,),
    editable=(S.DRAFT,),
    refused=MSG_ONLY_AGENCY,
    resting=(S.PUBLISHED,),
    document_context=case_document_context,
    addressee=lambda case: case.subject.display_name,
    notes={
        S.DRAFT: gettext_lazy("A draft: the deciding agency issues the prior notice or drops the case."),
        S.NOTICE_ISSUED: gettext_lazy(
            "The prior notice is issued; the subject may state a defence within the period from its delivery."
        ),
        S.STATEMENT_RECEIVED: gettext_lazy("A statement was received: the decision must answer it."),
        S.STATEMENT_LAPSED: gettext_lazy("The statement period lapsed without a statement."),
        S.DECIDED: gettext_lazy("Decided: the subject is on the list from the listing's first day."),
        S.PUBLISHED: gettext_lazy("Published on the public list."),
        S.DROPPED: gettext_lazy("Dropped; kept for the record."),
        S.REMOVED: gettext_lazy("Removed from the list; the measures stopped that day."),
    },
    steps=(
        Step(
            "notice",
            gettext_lazy("Issue the prior notice"),
            sources=(S.DRAFT,),
            target=S.NOTICE_ISSUED,
            rule=is_case_officer,
            apply=_issue_notice,
            then=_name_responsible_people,
            opens=(STATEMENT_FROM_DELIVERY,),
            issues=(DocumentKind.LISTING_NOTICE, "sanctions/document_notice.html"),
            help=gettext_lazy(
                "Issue the prior notice: facts, basis, proposed measures, the responsible people who bear responsibility, and the right to state a defence; the statement deadline is counted in working days from delivery."
            ),
        ),
        Step(
            "delivery",
            gettext_lazy("Record the delivery"),
            sources=(S.NOTICE_ISSUED, S.STATEMENT_RECEIVED),
            rule=is_case_officer,
            guards=(_not_delivered_yet,),
            apply=_record_delivery,
            opens=(STATEMENT_FROM_DELIVERY,),
            meets=(STATEMENT_RECEIVED,),
            help=gettext_lazy("Record the day the notice reached the subject: the statement period starts then."),
        ),
        Step(
            "statement",
            gettext_lazy("Record the statement"),
            sources=(S.NOTICE_ISSUED,),
            target=S.STATEMENT_RECEIVED,
            rule=is_case_officer,
            apply=_record_statement,
            meets=(STATEMENT_RECEIVED,),
            help=gettext_lazy("Record the statement and defence received."),
        ),
        Step(
            "lapse",
            gettext_lazy("Record that the period lapsed"),
            sources=(S.NOTICE_ISSUED,),
            target=S.STATEMENT_LAPSED,
            rule=is_case_officer,
            guards=(_period_over,),
            closes=(DeadlineKind.STATEMENT,),
            help=gettext_lazy("Record that the statement period lapsed without a statement."),
        ),
        Step(
            "decide",
            gettext_lazy("Decide"),
            sources=(S.NOTICE_ISSUED, S.STATEMENT_RECEIVED, S.STATEMENT_LAPSED),
            target=S.DECIDED,
            rule=is_case_officer,
            guards=(_statement_settled,),
            apply=_decide,
            closes=(DeadlineKind.STATEMENT,),
            then=_put_on_the_list,
            issues=(DocumentKind.LISTING_DECISION, "sanctions/document_decision.html"),
            help=gettext_lazy(
                "Decide: the decision names the cause, basis, measures, listing period, removal conditions and remedies; the credit repair notice is delivered with it."
            ),
        ),
        Step(
            "drop",
            gettext_lazy("Drop the case"),
            sources=BEFORE_DECISION,
            target=S.DROPPED,
            rule=is_case_officer,
            apply=_drop,
            closes=(DeadlineKind.STATEMENT,),
            help=gettext_lazy("Drop the case."),
        ),
        Step(
            "publish",
            gettext_lazy("Publish"),
            sources=(S.DECIDED,),
            target=S.PUBLISHED,
            rule=is_case_officer,
            apply=_publish,
            help=gettext_lazy("Publish the listing on the public serious list."),
        ),
        Step(
            "remove",
            gettext_lazy("Remove from the list"),
            sources=(S.DECIDED, S.PUBLISHED),
            target=S.REMOVED,
            rule=is_case_officer,
            apply=_remove,
            then=_take_off_the_list,
            automatic=True,
            help=gettext_lazy("Remove from the list: the measures stop today."),
        ),
        Step(
            "review",
            gettext_lazy("Record the review"),
            sources=(S.DECIDED, S.PUBLISHED),
            rule=_is_reviewer,
            guards=(_has_statement, _not_reviewed),
            apply=_review,
            then=_revoke_when_overturned,
            refused=MSG_REVIEW_AUTHORITY,
            help=gettext_lazy(
                "Review by the credit authority of a listing the subject still objects to: upheld, or overturned and revoked today."
            ),
        ),
    ),
)
