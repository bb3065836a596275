"""Objections (异议): intake, the transition table `OBJECTION_CASE`, and its services.

    received → marked (异议标注) → forwarded → answered → decided → closed (applicant informed)
             ↘ refused (不予受理)   ↘ decided (the office's own error)

Every time limit is a statutory clock on the objection (`apps.core.deadlines`), counted from the
active Policy: the mark (Nanjing art. 58: 1 working day; Tianjin art. 41, Dalian art. 42 on
receipt; Ningbo art. 42 the same day), the office's own decision (Tianjin 3, Dalian 3, Ningbo 5),
the forwarding (Ningbo 2), the agency's answer (Dalian 5, Ningbo 5), the overall limit when it
needs the agency (Nanjing 15, Tianjin 10), and telling the applicant (Dalian 2 after the answer).
A decision after its due date is allowed, recorded as late with the reason. Where the policy
allows it (Tianjin art. 41: testing, inspection, expert review), the handling clocks pause.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy

from apps.core.choices import DeadlineKind, DeadlineStatus, DocumentKind, OrganizationKind, Role
from apps.core.deadlines import Clock, deadlines_of, deadlines_pause, deadlines_resume
from apps.core.models import Organization, User
from apps.core.notifications import notify
from apps.core.permissions import grant_case
from apps.core.selectors import active_policy
from apps.core.workflow import Step, Workflow, any_of
from apps.objections.choices import Channel, ObjectionStatus, Outcome
from apps.objections.filing import (  # noqa: F401  (the filing services, re-exported)
    MSG_ONLY_OFFICE,
    MSG_REQUIRED,
    check_disputed,
    check_filing,
    credit_office,
    objection_file,
    store_filing,
)
from apps.objections.models import Objection
from apps.objections.selectors import reply_context
from apps.subjects import services as subject_services
from apps.subjects.choices import RecordStatus
from apps.subjects.models import CreditRecord

MSG_NOT_AN_AGENCY = gettext_lazy("Objections are forwarded to a providing agency.")
MSG_LATE_REASON = gettext_lazy("The decision is due by {due}: say why it comes later.")
MSG_CORRECTION_FOR = gettext_lazy("Corrections can only change the disputed records (not record {id}).")
MSG_CORRECTION_NEEDED = gettext_lazy("A correction names the corrected values of at least one disputed record.")
MSG_FORWARDED_TO_YOU = gettext_lazy("Objection {number} was forwarded to your agency for its check and answer.")
MSG_NOT_CORRECTABLE = gettext_lazy("this field cannot be corrected here.")
MSG_NO_PAUSE = gettext_lazy("The city policy ({policy}) does not let an objection's time limits pause.")
MSG_NOT_PAUSED = gettext_lazy("The objection's time limits are not paused.")
MSG_ALREADY_PAUSED = gettext_lazy("The objection's time limits are already paused.")


HANDLING = (
    DeadlineKind.OBJECTION_DECISION,
    DeadlineKind.OBJECTION_OVERALL,
    DeadlineKind.OBJECTION_DIRECT,
    DeadlineKind.OBJECTION_ANSWER,
)
EVERY_CLOCK = (DeadlineKind.OBJECTION_MARK, DeadlineKind.OBJECTION_FORWARD, DeadlineKind.OBJECTION_INFORM, *HANDLING)


# --- who may take a step -----------------------------------------------------------------------


def is_office(objection: Objection, user) -> bool:
    """The credit office's clerks handle the objections filed with the office."""
    if user.is_superuser:
        return True
    return (
        user.role == Role.CLERK and objection.channel != Channel.DIRECT and user.has_perm("objections.change_objection")
    )


def is_direct_handler(objection: Objection, user) -> bool:
    """An agency that received an objection itself handles it (Dalian art. 42: 5 working days)."""
    return (
        objection.channel == Channel.DIRECT
        and user.role == Role.OFFICER
        and user.organization_id == objection.handler_id
        and user.has_perm("objections.change_objection", objection)
    )


def is_answering_agency(objection: Objection, user) -> bool:
    """The officers of the agency the objection was forwarded to."""
    return (
        user.role == Role.OFFICER
        and objection.forwarded_to_id is not None
        and user.organization_id == objection.forwarded_to_id
        and user.has_perm("objections.change_objection", objection)
    )


handles = any_of(is_office, is_direct_handler)


# --- the steps ---------------------------------------------------------------------------------------


def _required(**values) -> None:
    errors = {name: [str(MSG_REQUIRED)] for name, value in values.items() if not (value or "").strip()}
    if errors:
        raise ValidationError(errors)


def _mark_records(objection, *, by, reason, **carried):
    """Every disputed record carries the objection mark (a record already marked by another
    objection keeps its mark)."""
    for record in objection.records.all():
        if record.status == RecordStatus.ACTIVE and not record.under_objection:
            subject_services.record_mark_objection(record, by=by, reason=reason, follow=True)


def _refuse(objection, *, by, reason, refusal_reason: str):
    _required(refusal_reason=refusal_reason)
    objection.refusal_reason = refusal_reason.strip()
    objection.informed_on = timezone.localdate()


def _forward(objection, *, by, reason, agency: Organization | None = None):
    if agency is None:
        raise ValidationError({"agency": str(MSG_REQUIRED)})
    if agency.kind != OrganizationKind.AGENCY or not agency.is_active:
        raise ValidationError({"agency": str(MSG_NOT_AN_AGENCY)})
    objection.forwarded_to = agency
    objection.forwarded_on = timezone.localdate()


def _grant_agency(objection, *, by, reason, **carried):
    grant_case(objection, objection.forwarded_to)
    notify(
        User.objects.filter(organization=objection.forwarded_to, role=Role.OFFICER, is_active=True),
        message=str(MSG_FORWARDED_TO_YOU).format(number=objection.number),
        link=reverse("objections:detail", args=[objection.pk]),
    )


def _answer(objection, *, by, reason, answer: str, answer_reason: str):
    if answer not in Outcome.values:
        raise ValidationError({"answer": str(MSG_REQUIRED)})
    _required(answer_reason=answer_reason)
    objection.answer, objection.answer_reason = answer, answer_reason.strip()
    objection.answered_on = timezone.localdate()


def _late_due(objection) -> datetime.date | None:
    """The earliest due date of a handling clock already past, if any."""
    today = timezone.localdate()
    late = [d.due_on for d in deadlines_of(objection) if d.kind in HANDLING and d.running and d.due_on < today]
    return min(late) if late else None


def _decide(
    objection, *, by, reason, outcome: str, outcome_reason: str, corrections: dict | None = None, late_reason: str = ""
):
    errors: dict[str, list[str]] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = [str(MSG_REQUIRED)]
    if not (outcome_reason or "").strip():
        errors["outcome_reason"] = [str(MSG_REQUIRED)]
    due = _late_due(objection)
    if due is not None and not (late_reason or "").strip():
        errors["late_reason"] = [str(MSG_LATE_REASON).format(due=due)]
    corrections = _clean_corrections(corrections or {}, errors)
    disputed = {r.pk for r in objection.records.all()}
    if outcome == Outcome.CORRECTED and disputed and not corrections:
        errors["corrections"] = [str(MSG_CORRECTION_NEEDED)]
    for pk in set(corrections) - disputed:
        errors.setdefault("corrections", []).append(str(MSG_CORRECTION_FOR).format(id=pk))
    if errors:
        raise ValidationError(errors)
    objection.outcome, objection.outcome_reason = outcome, outcome_reason.strip()
    objection.corrected_values = (
        {str(pk): values for pk, values in corrections.items()} if outcome == Outcome.CORRECTED else {}
    )
    objection.late_reason = (late_reason or "").strip()
    objection.decided_on = timezone.localdate()
    return {"corrections": corrections}


def _clean_corrections(corrections: dict, errors: dict) -> dict[int, dict]:
    """{record id: {field: value}} with each value as its field takes it; what is wrong is named
    in `errors["corrections"]` (the record, the field and why)."""
    cleaned: dict[int, dict] = {}
    for key, values in corrections.items():
        try:
            pk = int(key)
        except (TypeError, ValueError):
            errors.setdefault("corrections", []).append(str(MSG_CORRECTION_FOR).format(id=key))
            continue
        if not isinstance(values, dict):
            errors.setdefault("corrections", []).append(f"#{pk}: {MSG_CORRECTION_NEEDED}")
            continue
        cleaned[pk] = {}
        for name, value in values.items():
            if name not in subject_services.RECORD_FIELDS_EDITABLE:
                errors.setdefault("corrections", []).append(f"#{pk} {name}: {MSG_NOT_CORRECTABLE}")
                continue
            try:
                cleaned[pk][name] = CreditRecord._meta.get_field(name).to_python(value)
            except ValidationError as error:
                errors.setdefault("corrections", []).extend(f"#{pk} {name}: {m}" for m in error.messages)
    return cleaned


def _apply_decision(objection, *, by, reason, corrections):
    """The decision reaches the records through the subjects services, with the objection as
    the reason in their history; then every mark is removed (Tianjin art. 41: 异议处理完毕后，
    应当取消异议标注)."""
    because = f"{objection.number}：{objection.get_outcome_display()}（{objection.outcome_reason}）"
    for record in objection.records.all():
        if objection.outcome == Outcome.CORRECTED and record.pk in corrections:
            try:
                subject_services.record_correct(record, by=by, reason=because, follow=True, **corrections[record.pk])
            except ValidationError as error:
                raise ValidationError({"corrections": [f"#{record.pk}: {m}" for m in error.messages]}) from None
            except ValueError as error:
                raise ValidationError({"corrections": [f"#{record.pk}: {error}"]}) from None
        elif objection.outcome == Outcome.DELETED and record.status != RecordStatus.REVOKED:
            subject_services.record_revoke(record, by=by, reason=because, follow=True)
    _clear_marks(objection, by=by, reason=because)


def _clear_marks(objection, *, by, reason):
    for record in objection.records.all():
        record.refresh_from_db()
        if record.under_objection and not _still_disputed(record, objection):
            subject_services.record_clear_objection(record, by=by, reason=reason, follow=True)


def _still_disputed(record: CreditRecord, objection: Objection) -> bool:
    """Another objection on the record is still open: the mark stays until the last is settled."""
    return (
        record.objections.exclude(pk=objection.pk)
        .filter(status__in=(ObjectionStatus.MARKED, ObjectionStatus.FORWARDED, ObjectionStatus.ANSWERED))
        .exists()
    )


def _inform_counts_from(objection) -> datetime.date:
    """Where the city gives days for telling the applicant, a forwarded objection counts them
    from the agency's answer (Dalian art. 42: 收到核查回复后二个工作日内…告知申请人); where it
    gives none (0: told with the decision, Nanjing art. 58), from the decision."""
    if objection.answered_on and active_policy().objection_applicant_notice_days:
        return objection.answered_on
    return objection.decided_on


def _inform(objection, *, by, reason):
    objection.informed_on = timezone.localdate()


def _pausable(objection) -> str | None:
    policy = active_policy()
    if not policy.objection_clock_pause_allowed:
        return str(MSG_NO_PAUSE).format(policy=policy)
    if any(d.status == DeadlineStatus.PAUSED for d in deadlines_of(objection)):
        return str(MSG_ALREADY_PAUSED)
    return None


def _paused(objection) -> str | None:
    if not any(d.status == DeadlineStatus.PAUSED for d in deadlines_of(objection)):
        return str(MSG_NOT_PAUSED)
    return None


def _pause(objection, *, by, reason, why: str, start: datetime.date | None = None):
    _required(why=why)
    return {"why": why.strip(), "start": start}


def _stop_clocks(objection, *, by, reason, why, start):
    deadlines_pause(objection, start=start, why=why, by=by, reason=reason)


def _resume(objection, *, by, reason, end: datetime.date | None = None):
    return {"end": end}


def _restart_clocks(objection, *, by, reason, end):
    deadlines_resume(objection, end=end, by=by, reason=reason)


S = ObjectionStatus
OPEN = (S.MARKED, S.FORWARDED, S.ANSWERED)
TODAY = Clock(DeadlineKind.OBJECTION_MARK)

OBJECTION_CASE = Workflow(
    name=gettext_lazy("objections"),
    model=Objection,
    states=ObjectionStatus,
    initial=(S.RECEIVED,),
    refused=MSG_ONLY_OFFICE,
    document_context=reply_context,
    addressee=lambda objection: objection.subject.display_name,
    notes={
        S.RECEIVED: gettext_lazy("Received: the credit office accepts it (the records are marked) or refuses it."),
        S.MARKED: gettext_lazy(
            "Marked: the office decides an error of its own, or forwards it to the agency that provided the record."
        ),
        S.FORWARDED: gettext_lazy("Forwarded: the providing agency checks it and answers."),
        S.ANSWERED: gettext_lazy("Answered: the credit office decides on the agency's answer."),
        S.DECIDED: gettext_lazy("Decided, the marks removed: the applicant is told the result."),
        S.CLOSED: gettext_lazy("Closed: the applicant was told the result."),
        S.REFUSED: gettext_lazy("Not accepted; the applicant was told why."),
    },
    steps=(
        Step(
            "accept",
            gettext_lazy("Accept and mark"),
            sources=(S.RECEIVED,),
            target=S.MARKED,
            rule=handles,
            then=_mark_records,
            meets=(TODAY,),
            help=gettext_lazy("Accept the objection: every disputed record is marked as under objection."),
        ),
        Step(
            "refuse",
            gettext_lazy("Do not accept"),
            sources=(S.RECEIVED,),
            target=S.REFUSED,
            rule=handles,
            apply=_refuse,
            closes=EVERY_CLOCK,
            issues=(DocumentKind.OBJECTION_REPLY, "objections/document_refusal.html"),
            help=gettext_lazy(
                "Refuse to accept it (not the subject and no authorisation, nothing named, a settled objection repeated without new evidence); the applicant receives the reasons."
            ),
        ),
        Step(
            "forward",
            gettext_lazy("Forward to the providing agency"),
            sources=(S.MARKED,),
            target=S.FORWARDED,
            rule=is_office,
            apply=_forward,
            then=_grant_agency,
            meets=(Clock(DeadlineKind.OBJECTION_FORWARD),),
            closes=(DeadlineKind.OBJECTION_DECISION,),
            opens=(
                Clock(DeadlineKind.OBJECTION_ANSWER, on=lambda o: o.forwarded_on),
                Clock(DeadlineKind.OBJECTION_OVERALL, on=lambda o: o.received_on),
            ),
            help=gettext_lazy("Send it to the agency that provided the information, which checks and answers."),
        ),
        Step(
            "answer",
            gettext_lazy("Answer"),
            sources=(S.FORWARDED,),
            target=S.ANSWERED,
            rule=is_answering_agency,
            apply=_answer,
            meets=(Clock(DeadlineKind.OBJECTION_ANSWER),),
            refused=gettext_lazy("Only the agency the objection was forwarded to answers it."),
            help=gettext_lazy("The providing agency's answer: corrected, deleted or kept, with its reasons."),
        ),
        Step(
            "decide",
            pgettext_lazy("objection step", "Decide"),
            sources=(S.MARKED, S.ANSWERED),
            target=S.DECIDED,
            rule=handles,
            apply=_decide,
            then=_apply_decision,
            meets=(
                Clock(DeadlineKind.OBJECTION_DECISION),
                Clock(DeadlineKind.OBJECTION_OVERALL),
                Clock(DeadlineKind.OBJECTION_DIRECT),
            ),
            closes=(DeadlineKind.OBJECTION_FORWARD,),
            opens=(Clock(DeadlineKind.OBJECTION_INFORM, on=_inform_counts_from),),
            help=gettext_lazy(
                "Decide: correct the record, delete it from disclosure, or keep it with the reasons; the marks are removed."
            ),
        ),
        Step(
            "inform",
            gettext_lazy("Tell the applicant"),
            sources=(S.DECIDED,),
            target=S.CLOSED,
            rule=handles,
            apply=_inform,
            meets=(Clock(DeadlineKind.OBJECTION_INFORM),),
            issues=(DocumentKind.OBJECTION_REPLY, "objections/document_reply.html"),
            help=gettext_lazy(
                "Issue the reply (异议处理结果告知书): the result, the reasons, the source of the information and the remedies."
            ),
        ),
        Step(
            "pause",
            gettext_lazy("Pause the time limits"),
            sources=OPEN,
            rule=handles,
            guards=(_pausable,),
            apply=_pause,
            then=_stop_clocks,
            help=gettext_lazy("Testing, inspection or expert review: the time it takes does not count."),
        ),
        Step(
            "resume",
            gettext_lazy("Resume the time limits"),
            sources=OPEN,
            rule=handles,
            guards=(_paused,),
            apply=_resume,
            then=_restart_clocks,
            help=gettext_lazy("The review is over: the time limits run again, moved by the days paused."),
        ),
    ),
)


def objection_step(objection: Objection, step: str, *, by, reason: str, **data) -> Objection:
    """Take `step` of OBJECTION_CASE (accept, refuse, forward, answer, decide, inform, pause, resume)."""
    return OBJECTION_CASE.transition(objection, step, by=by, reason=reason, **data)
