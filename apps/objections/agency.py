"""Objections received by a credit service agency (信用服务机构) about its own information: the
recording, the transition table `AGENCY_OBJECTION_CASE`, its services.

    received ─ mark ──→ marked ─ decide ─→ decided   (corrected / not corrected; the reply issued)

Tianjin art. 41 para. 2 and Dalian art. 42 (last sentence): 信用服务机构收到异议申请后，应当作出异议
标注，并及时将处理结果和信息来源书面告知异议申请人；作出不予更正决定的，应当说明理由. Ningbo art. 42
para. 3 gives the days: the mark within one working day of receipt, the decision within five. Both
clocks are opened at receipt and count working days from the day the objection was received (the
Policy's `service_agency_objection_mark_days` and `_decision_days`, with their articles; Tianjin
and Dalian: marked on receipt, 0 days). The decision issues the reply (异议处理结果告知书) once, as a
stored document: the result, the source of the information and — not corrected — the reasons,
which are required. A decision after its due date is allowed, recorded as late with the reason.

Only the staff of the agency that received the objection record it and take its steps; the
credit office, the authority and auditors read them.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.core.audit import audited_save
from apps.core.choices import AttachmentPurpose, DeadlineKind, DocumentKind, OrganizationKind, Role
from apps.core.deadlines import Clock, deadline_of, deadline_open
from apps.core.documents import attachment_add, validate_upload
from apps.core.identifiers import mask_name
from apps.core.services import require_reason
from apps.core.workflow import Step, Workflow
from apps.objections.choices import AgencyObjectionStatus, AgencyOutcome, Ground
from apps.objections.models import AgencyObjection

MSG_REQUIRED = gettext_lazy("This field is required.")
MSG_ONLY_STAFF = gettext_lazy("Only the staff of the credit service agency that received the objection handle it.")
MSG_GROUNDS = gettext_lazy("Choose the grounds from the list: {choices}.")
MSG_RECEIVED_FUTURE = gettext_lazy("An objection cannot be received in the future.")
MSG_KEPT_NEEDS_REASONS = gettext_lazy(
    "A decision not to correct the information states its reasons (Tianjin art. 41 para. 2, Dalian art. 42, "
    "Ningbo art. 42 para. 3)."
)
MSG_SOURCE_REQUIRED = gettext_lazy("The reply names the source of the information: say where it came from.")
MSG_CORRECTION_REQUIRED = gettext_lazy("Say what was corrected.")
MSG_LATE_REASON = gettext_lazy("The decision is due by {due}: say why it comes later.")

CLOCKS_AT_RECEIPT = (DeadlineKind.SERVICE_AGENCY_OBJECTION_MARK, DeadlineKind.SERVICE_AGENCY_OBJECTION_DECISION)


# --- who may act ---------------------------------------------------------------------------------


def is_agency_staff(user) -> bool:
    """Staff of a credit service agency who may record the objections it receives."""
    return (
        user is not None
        and user.is_authenticated
        and user.role == Role.AGENCY_STAFF
        and user.organization is not None
        and user.organization.kind == OrganizationKind.SERVICE_AGENCY
        and user.has_perm("objections.add_agencyobjection")
    )


def is_own_staff(objection: AgencyObjection, user) -> bool:
    """The staff of the agency that received the objection."""
    return (
        user.role == Role.AGENCY_STAFF
        and user.organization_id == objection.agency_id
        and user.has_perm("objections.change_agencyobjection")
    )


# --- recording -----------------------------------------------------------------------------------


def _next_number(year: int) -> str:
    prefix = f"JGYY-{year}-"
    last = (
        AgencyObjection.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:06d}"


@transaction.atomic
def agency_objection_receive(
    *,
    by,
    applicant_name: str,
    applicant_contact: str,
    report_number: str,
    information: str,
    grounds,
    statement: str,
    reason: str,
    received_on: datetime.date | None = None,
    evidence=(),
) -> AgencyObjection:
    """The agency of `by` records an objection it received on `received_on` (today) about its own
    report `report_number`. Both clocks start from the day of receipt. Every field at fault is
    named in one ValidationError, and nothing is written (the evidence is checked by content and
    size first)."""
    reason = require_reason(reason)
    if not is_agency_staff(by):
        raise PermissionDenied(str(MSG_ONLY_STAFF))
    received_on = received_on or timezone.localdate()
    errors: dict[str, list[str]] = {}
    for name, value in (
        ("applicant_name", applicant_name),
        ("applicant_contact", applicant_contact),
        ("report_number", report_number),
        ("information", information),
        ("statement", statement),
    ):
        if not (value or "").strip():
            errors[name] = [str(MSG_REQUIRED)]
    grounds = list(grounds or [])
    if not grounds or set(grounds) - set(Ground.values):
        errors["grounds"] = [str(MSG_GROUNDS).format(choices="、".join(str(label) for label in Ground.labels))]
    if received_on > timezone.localdate():
        errors["received_on"] = [str(MSG_RECEIVED_FUTURE)]
    for file in evidence:
        try:
            validate_upload(file)
        except ValidationError as error:
            errors.setdefault("evidence", []).extend(f"{getattr(file, 'name', '')}: {m}" for m in error.messages)
    if errors:
        raise ValidationError(errors)
    objection = AgencyObjection(
        number=_next_number(received_on.year),
        agency=by.organization,
        applicant_name=applicant_name.strip(),
        applicant_contact=applicant_contact.strip(),
        report_number=report_number.strip(),
        information=information.strip(),
        grounds=list(dict.fromkeys(grounds)),
        statement=statement.strip(),
        received_on=received_on,
        status=AgencyObjectionStatus.RECEIVED,
    )
    audited_save(objection, by=by, reason=reason)
    for file in evidence:
        attachment_add(owner=objection, file=file, purpose=AttachmentPurpose.EVIDENCE, by=by)
    for kind in CLOCKS_AT_RECEIPT:
        deadline_open(objection, kind, start=received_on, by=by, reason=reason)
    return objection


# --- the steps -----------------------------------------------------------------------------------


def _mark(objection, *, by, reason):
    objection.marked_on = timezone.localdate()


def _late_due(objection) -> datetime.date | None:
    clock = deadline_of(objection, DeadlineKind.SERVICE_AGENCY_OBJECTION_DECISION, running=True)
    return clock.due_on if clock is not None and clock.due_on < timezone.localdate() else None


def _decide(
    objection,
    *,
    by,
    reason,
    outcome: str = "",
    source: str = "",
    outcome_reason: str = "",
    correction: str = "",
    late_reason: str = "",
):
    """The decision: corrected (what was corrected) or not (the reasons, required); either way the
    source of the information, which the reply names."""
    errors: dict[str, list[str]] = {}
    if outcome not in AgencyOutcome.values:
        errors["outcome"] = [str(MSG_REQUIRED)]
    if not (source or "").strip():
        errors["source"] = [str(MSG_SOURCE_REQUIRED)]
    if outcome == AgencyOutcome.KEPT and not (outcome_reason or "").strip():
        errors["outcome_reason"] = [str(MSG_KEPT_NEEDS_REASONS)]
    if outcome == AgencyOutcome.CORRECTED and not (correction or "").strip():
        errors["correction"] = [str(MSG_CORRECTION_REQUIRED)]
    due = _late_due(objection)
    if due is not None and not (late_reason or "").strip():
        errors["late_reason"] = [str(MSG_LATE_REASON).format(due=due)]
    if errors:
        raise ValidationError(errors)
    objection.outcome = outcome
    objection.source = source.strip()
    objection.outcome_reason = (outcome_reason or "").strip()
    objection.correction = (correction or "").strip() if outcome == AgencyOutcome.CORRECTED else ""
    objection.late_reason = (late_reason or "").strip()
    objection.decided_on = timezone.localdate()


def reply_context(objection: AgencyObjection) -> dict:
    """What the reply prints (objections/document_agency_reply.html)."""
    return {"objection": objection}


def _addressee(objection: AgencyObjection) -> str:
    """The name the public verification page shows: the applicant, masked (it may be a person)."""
    return mask_name(objection.applicant_name)


S = AgencyObjectionStatus

AGENCY_OBJECTION_CASE = Workflow(
    name=gettext_lazy("objections received by service agencies"),
    model=AgencyObjection,
    states=AgencyObjectionStatus,
    initial=(S.RECEIVED,),
    refused=MSG_ONLY_STAFF,
    document_context=reply_context,
    addressee=_addressee,
    notes={
        S.RECEIVED: gettext_lazy("Received: the agency marks its information as under objection."),
        S.MARKED: gettext_lazy(
            "Marked: the agency checks the information and decides whether to correct it; the reply names the source."
        ),
        S.DECIDED: gettext_lazy("Decided: the reply was issued to the applicant."),
    },
    steps=(
        Step(
            "mark",
            gettext_lazy("Mark as under objection"),
            sources=(S.RECEIVED,),
            target=S.MARKED,
            rule=is_own_staff,
            apply=_mark,
            meets=(Clock(DeadlineKind.SERVICE_AGENCY_OBJECTION_MARK),),
            help=gettext_lazy("Mark the disputed information (异议标注) in the agency's own reports and systems."),
        ),
        Step(
            "decide",
            gettext_lazy("Decide and reply"),
            sources=(S.MARKED,),
            target=S.DECIDED,
            rule=is_own_staff,
            apply=_decide,
            meets=(Clock(DeadlineKind.SERVICE_AGENCY_OBJECTION_DECISION),),
            issues=(DocumentKind.OBJECTION_REPLY, "objections/document_agency_reply.html"),
            help=gettext_lazy(
                "Correct the information or keep it; the reply (issued once) names the source of the information and, when it is not corrected, the reasons."
            ),
        ),
    ),
)


def agency_objection_step(objection: AgencyObjection, step: str, *, by, reason: str, **data) -> AgencyObjection:
    """Take `step` of AGENCY_OBJECTION_CASE (mark, decide)."""
    return AGENCY_OBJECTION_CASE.transition(objection, step, by=by, reason=reason, **data)
