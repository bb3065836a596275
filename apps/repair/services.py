"""Credit repair (信用修复): the transition table `REPAIR_CASE` and its services.

    received ─ accept ─→ reviewing ─ repair ─────→ repaired ─┐
             ↘ refuse → refused     ─ not-repair ─→ not repaired ─ deliver ─→ delivered
    reviewing ─ request-material ─→ material ─ material-received ─→ reviewing  (the clock pauses)
    reviewing ─ grant-grace ─→ grace ─ end-grace ─→ reviewing   (Tianjin art. 45, where the policy allows)

The agency that determined the records, or decided the listing, accepts and decides
(谁认定谁修复: Nanjing art. 60, Ningbo arts. 44–45, Dalian art. 44, Zhangye art. 52); the
credit office enters window applications and sees all, another agency nothing, and a clerk
cannot decide on the agency's behalf. The acceptance and the decision run on clocks from the
Policy. The decision (信用修复决定书) is issued once and stored.

A repair's effects, in the decision's transaction, each with history and the application as the
reason: every record repaired (kept, no longer disclosed; shown as repaired in the subject's own
lookup, Ningbo art. 45); a serious listing named, or resting only on repaired records, removed by
repair through the sanctions table (its entries end, the responsible people's too, so the public
list and the check API stop naming its measures that day: Tianjin art. 46, Ningbo art. 46);
disclosure ends recomputed; the decision announced on the public page (Ningbo art. 45 para. 2),
sent to the authority and put on the outbound feed (Tianjin art. 45 para. 2).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy

from apps.core.choices import DeadlineKind, DeadlineStatus, DocumentKind, Role
from apps.core.deadlines import Clock, deadlines_of, deadlines_pause, deadlines_resume
from apps.core.models import User
from apps.core.notifications import notify
from apps.core.selectors import active_policy
from apps.core.workflow import Step, Workflow
from apps.repair import checks
from apps.repair.choices import EventKind, Outcome, RefusalGround, RepairStatus
from apps.repair.filing import (  # noqa: F401  (the filing services, re-exported)
    MSG_REQUIRED,
    check_application,
    commitment_text,
    repair_file,
    store_application,
)
from apps.repair.models import RepairApplication, RepairEvent
from apps.repair.selectors import decision_context
from apps.subjects import services as subject_services
from apps.subjects.choices import RecordStatus

MSG_ONLY_AGENCY = gettext_lazy(
    "Only officers of the agency that determined the information decide its repair (谁认定谁修复)."
)
MSG_LATE_REASON = gettext_lazy("The decision is due by {due}: say why it comes later.")
MSG_NO_GRACE = gettext_lazy("The city policy ({policy}) provides no repair grace period.")
MSG_GRACE_PAST = gettext_lazy("The grace period ends after today.")
MSG_DELIVERY_DATE = gettext_lazy("The decision was delivered between its date ({decided}) and today.")
MSG_DECIDED_FOR = gettext_lazy("Repair application {number} was decided: {outcome}.")


# --- who may take a step -----------------------------------------------------------------------


def is_determining_officer(application: RepairApplication, user) -> bool:
    """Officers of the determining agency, holding the object permission on the application."""
    return user.is_superuser or (
        user.role == Role.OFFICER
        and user.organization_id == application.agency_id
        and user.has_perm("repair.change_repairapplication", application)
    )


# --- guards ------------------------------------------------------------------------------------


def _still_repairable(application) -> str | None:
    """The checks of the filing, again: a record may have been repaired, revoked or expired since."""
    policy = active_policy()
    problems = [p for r in application.records.all() for p in checks.record_problems(r, application.subject, policy)]
    if application.listing is not None:
        problems += checks.listing_problems(application.listing, application.subject, policy)
    return " ".join(p.message for p in problems) or None


def _grace_allowed(application) -> str | None:
    policy = active_policy()
    if not policy.repair_grace_period_allowed:
        return str(MSG_NO_GRACE).format(policy=policy)
    return None


# --- what each step checks and sets --------------------------------------------------------------


def _required(**values) -> None:
    errors = {name: [str(MSG_REQUIRED)] for name, value in values.items() if not (value or "").strip()}
    if errors:
        raise ValidationError(errors)


def _accept(application, *, by, reason):
    application.accepted_on = timezone.localdate()


def _refuse(
    application,
    *,
    by,
    reason,
    refusal_reason: str,
    refusal_ground: str = RefusalGround.OTHER,
    earliest_reapply_on: datetime.date | None = None,
):
    _required(refusal_reason=refusal_reason)
    if refusal_ground not in RefusalGround.values:
        raise ValidationError({"refusal_ground": str(MSG_REQUIRED)})
    application.refusal_ground = refusal_ground
    application.refused_on = timezone.localdate()
    if earliest_reapply_on is None:
        policy = active_policy()
        problems = [
            p for r in application.records.all() for p in checks.record_problems(r, application.subject, policy)
        ]
        earliest_reapply_on = checks.earliest_of(problems)
    application.refusal_reason = refusal_reason.strip()
    application.earliest_reapply_on = earliest_reapply_on


def _request_material(application, *, by, reason, material_requested: str):
    _required(material_requested=material_requested)
    application.material_requested = material_requested.strip()


def _pause_decision(application, *, by, reason, **carried):
    """The subject's time does not count where the policy says so (`repair_material_pause`)."""
    if active_policy().repair_material_pause and any(
        d.status == DeadlineStatus.OPEN and d.kind == DeadlineKind.REPAIR_DECISION for d in deadlines_of(application)
    ):
        deadlines_pause(application, why=reason, by=by, reason=reason)


def _resume_decision(application, *, by, reason, **carried):
    if any(d.status == DeadlineStatus.PAUSED for d in deadlines_of(application)):
        deadlines_resume(application, by=by, reason=reason)


def _material_received(application, *, by, reason, proof=()):
    from apps.core.documents import validate_upload

    for file in proof:
        try:
            validate_upload(file)
        except ValidationError as error:
            raise ValidationError({"proof": [f"{getattr(file, 'name', '')}: {m}" for m in error.messages]}) from None
    return {"proof": list(proof)}


def _store_material(application, *, by, reason, proof):
    from apps.core.choices import AttachmentPurpose
    from apps.core.documents import attachment_add

    for file in proof:
        attachment_add(owner=application, file=file, purpose=AttachmentPurpose.PROOF, by=by)
    _resume_decision(application, by=by, reason=reason)


def _grant_grace(application, *, by, reason, grace_until: datetime.date | None, grace_reason: str):
    errors: dict[str, list[str]] = {}
    if grace_until is None:
        errors["grace_until"] = [str(MSG_REQUIRED)]
    elif grace_until <= timezone.localdate():
        errors["grace_until"] = [str(MSG_GRACE_PAST)]
    if not (grace_reason or "").strip():
        errors["grace_reason"] = [str(MSG_REQUIRED)]
    if errors:
        raise ValidationError(errors)
    application.grace_until, application.grace_reason = grace_until, grace_reason.strip()


def _late_due(application) -> datetime.date | None:
    today = timezone.localdate()
    late = [
        d.due_on
        for d in deadlines_of(application)
        if d.kind == DeadlineKind.REPAIR_DECISION and d.running and d.due_on < today
    ]
    return min(late) if late else None


def _decide(outcome):
    def apply(application, *, by, reason, outcome_reason: str, late_reason: str = ""):
        errors: dict[str, list[str]] = {}
        if not (outcome_reason or "").strip():
            errors["outcome_reason"] = [str(MSG_REQUIRED)]
        due = _late_due(application)
        if due is not None and not (late_reason or "").strip():
            errors["late_reason"] = [str(MSG_LATE_REASON).format(due=due)]
        if errors:
            raise ValidationError(errors)
        application.outcome, application.outcome_reason = outcome, outcome_reason.strip()
        application.late_reason = (late_reason or "").strip()
        application.decided_on = timezone.localdate()
        if outcome == Outcome.REPAIRED:
            application.listings_ended = [case.pk for case in _listings_to_end(application)]
        return {}

    return apply


def _listings_to_end(application) -> list:
    """The serious listings the repair ends: the one named, and those in force that rest only on
    records repaired now or before (a listing that still rests on a disclosed record stays for
    its deciding agency to decide)."""
    from apps.sanctions.selectors import listings_resting_on

    repaired_now = {r.pk for r in application.records.all()}
    cases = {}
    if application.listing is not None:
        cases[application.listing.pk] = application.listing
    for case in listings_resting_on(application.records.all()):
        basis = list(case.basis_records.all())
        if basis and all(r.pk in repaired_now or r.status == RecordStatus.REPAIRED for r in basis):
            cases[case.pk] = case
    return [cases[pk] for pk in sorted(cases)]


def _because(application) -> str:
    return f"{application.number}：{application.get_outcome_display()}（{application.outcome_reason}）"


def _apply_repair(application, *, by, reason):
    """The effects, in the decision's transaction (see the module docstring)."""
    from apps.sanctions.choices import CaseStatus, RemovalReason
    from apps.sanctions.models import ListingCase
    from apps.sanctions.services.serious import SERIOUS_CASE

    because = _because(application)
    records = list(application.records.all())
    for record in records:
        subject_services.record_mark_repaired(record, by=by, reason=because, follow=True)
    for case in ListingCase.objects.filter(pk__in=application.listings_ended).order_by("pk"):
        if case.status in (CaseStatus.DECIDED, CaseStatus.PUBLISHED):
            SERIOUS_CASE.transition(
                case,
                "remove",
                by=by,
                follow=True,
                reason=because,
                removal_reason=RemovalReason.REPAIR,
                removal_document=application.number,
            )
    subject_services.records_recompute_disclosure([application.subject_id], by=by, reason=because)
    RepairEvent.objects.create(
        kind=EventKind.REPAIRED,
        subject=application.subject,
        application=application,
        record_ids=[r.pk for r in records],
        listing_ids=list(application.listings_ended),
        decision_number=application.number,
    )
    _tell_authority(application)


def _tell_authority(application):
    """Ningbo art. 45 para. 2: 抄送社会信用主管部门; the credit office stops the disclosure."""
    notify(
        User.objects.filter(role__in=(Role.AUTHORITY, Role.CLERK), is_active=True),
        message=str(MSG_DECIDED_FOR).format(number=application.number, outcome=application.get_outcome_display()),
        link=reverse("repair:detail", args=[application.pk]),
    )


def _deliver(application, *, by, reason, delivered_on: datetime.date | None = None):
    delivered_on = delivered_on or timezone.localdate()
    if delivered_on > timezone.localdate() or (application.decided_on and delivered_on < application.decided_on):
        raise ValidationError({"delivered_on": str(MSG_DELIVERY_DATE).format(decided=application.decided_on)})
    application.delivered_on = delivered_on


S = RepairStatus
DECISION = Clock(DeadlineKind.REPAIR_DECISION, on=lambda a: a.accepted_on)
UNDER_REVIEW = (S.REVIEWING, S.GRACE)

REPAIR_CASE = Workflow(
    name=gettext_lazy("credit repair"),
    model=RepairApplication,
    states=RepairStatus,
    initial=(S.RECEIVED,),
    refused=MSG_ONLY_AGENCY,
    document_context=decision_context,
    addressee=lambda application: application.subject.display_name,
    notes={
        S.RECEIVED: gettext_lazy("Received: the determining agency accepts it or refuses it with the reasons."),
        S.REVIEWING: gettext_lazy(
            "Under review: the agency decides, asks for more material, or (where the city allows) grants a grace period."
        ),
        S.MATERIAL: gettext_lazy("Waiting for the subject's material; the time limit does not run meanwhile."),
        S.GRACE: gettext_lazy("Grace period: the application stays open until its end."),
        S.REPAIRED: gettext_lazy(
            "Repaired: the records are no longer disclosed and the listings have ended; deliver the decision."
        ),
        S.NOT_REPAIRED: gettext_lazy("Not repaired: deliver the decision with its reasons."),
        S.DELIVERED: gettext_lazy("The decision was delivered."),
        S.REFUSED: gettext_lazy("Not accepted; the applicant was told why and from when it may apply again."),
    },
    steps=(
        Step(
            "accept",
            gettext_lazy("Accept"),
            sources=(S.RECEIVED,),
            target=S.REVIEWING,
            rule=is_determining_officer,
            guards=(_still_repairable,),
            apply=_accept,
            meets=(Clock(DeadlineKind.REPAIR_ACCEPT),),
            opens=(DECISION,),
            help=gettext_lazy("Accept the application for review; the time limit for the decision starts."),
        ),
        Step(
            "refuse",
            gettext_lazy("Do not accept"),
            sources=(S.RECEIVED,),
            target=S.REFUSED,
            rule=is_determining_officer,
            apply=_refuse,
            meets=(Clock(DeadlineKind.REPAIR_ACCEPT),),
            issues=(DocumentKind.REPAIR_DECISION, "repair/document_refusal.html"),
            help=gettext_lazy(
                "Refuse to accept it (不予受理) with the reasons and, where waiting helps, the day it may apply again."
            ),
        ),
        Step(
            "request-material",
            gettext_lazy("Ask for more material"),
            sources=(S.REVIEWING,),
            target=S.MATERIAL,
            rule=is_determining_officer,
            apply=_request_material,
            then=_pause_decision,
            help=gettext_lazy("Say what is missing; the time limit pauses until it arrives."),
        ),
        Step(
            "material-received",
            gettext_lazy("Material received"),
            sources=(S.MATERIAL,),
            target=S.REVIEWING,
            rule=is_determining_officer,
            apply=_material_received,
            then=_store_material,
            help=gettext_lazy("The subject supplied the material; the time limit runs again."),
        ),
        Step(
            "grant-grace",
            gettext_lazy("Grant a grace period"),
            sources=(S.REVIEWING,),
            target=S.GRACE,
            rule=is_determining_officer,
            guards=(_grace_allowed,),
            apply=_grant_grace,
            then=_pause_decision,
            help=gettext_lazy(
                "The subject has a good reason it cannot finish the repair in time: the application stays open until the end date."
            ),
        ),
        Step(
            "end-grace",
            gettext_lazy("End the grace period"),
            sources=(S.GRACE,),
            target=S.REVIEWING,
            rule=is_determining_officer,
            then=_resume_decision,
            automatic=True,
            help=gettext_lazy("The grace period is over: the review goes on."),
        ),
        Step(
            "repair",
            pgettext_lazy("repair step", "Decide: repaired"),
            sources=UNDER_REVIEW,
            target=S.REPAIRED,
            rule=is_determining_officer,
            guards=(_still_repairable,),
            apply=_decide(Outcome.REPAIRED),
            then=_apply_repair,
            meets=(DECISION,),
            issues=(DocumentKind.REPAIR_DECISION, "repair/document_decision.html"),
            help=gettext_lazy(
                "Repair: the records stop being disclosed, the listings resting on them end, and the decision is issued and announced."
            ),
        ),
        Step(
            "not-repair",
            gettext_lazy("Decide: not repaired"),
            sources=UNDER_REVIEW,
            target=S.NOT_REPAIRED,
            rule=is_determining_officer,
            apply=_decide(Outcome.NOT_REPAIRED),
            then=lambda application, *, by, reason: _tell_authority(application),
            meets=(DECISION,),
            issues=(DocumentKind.REPAIR_DECISION, "repair/document_decision.html"),
            help=gettext_lazy("Do not repair, with the reasons; the decision is issued."),
        ),
        Step(
            "deliver",
            gettext_lazy("Record the delivery"),
            sources=(S.REPAIRED, S.NOT_REPAIRED),
            target=S.DELIVERED,
            rule=is_determining_officer,
            apply=_deliver,
            help=gettext_lazy("The decision was delivered to the subject (送达)."),
        ),
    ),
)


def repair_step(application: RepairApplication, step: str, *, by, reason: str, **data) -> RepairApplication:
    """Take `step` of REPAIR_CASE (accept, refuse, request-material, material-received,
    grant-grace, end-grace, repair, not-repair, deliver)."""
    return REPAIR_CASE.transition(application, step, by=by, reason=reason, **data)


def repairs_end_grace(*, today: datetime.date | None = None) -> int:
    """The daily job's part: every grace period past its end goes back to review (by the platform)."""
    today = today or timezone.localdate()
    ended = 0
    for application in RepairApplication.objects.filter(status=S.GRACE, grace_until__lt=today):
        REPAIR_CASE.transition(
            application, "end-grace", by=None, reason=str(gettext_lazy("Grace period over")), follow=True
        )
        ended += 1
    return ended
