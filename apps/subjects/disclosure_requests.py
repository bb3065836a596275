"""Information disclosed on request (依申请公开, Nanjing art. 27: 公共信用信息属于依申请公开的…
应当通过提供复制件、安排查阅等形式予以公开).

Anyone files a request on the public portal without signing in: who asks (name, identity document
number, contact), the organisation asked about, the information asked for and the form of access
(a copy, or an inspection at the service window). It becomes a case for the credit office:

    received ─ accept ─→ accepted ─ answer ─→ answered
        └──────── refuse ──────┴──→ refused

The answer is an issued document (`apps.core.documents`, rendered once and stored) that gives the
information — the organisation's records of items disclosed to the public or on request, each read
through the logged selector `selectors.disclosure_request_records` — or arranges the inspection;
a refusal is a document with the reasons. The requester sees the status and the document on the
public status page with the request number and the tracking code it was given when filing.

Only organisations: a natural person's information is not given to a third party on request
(Tianjin art. 37 para. 2, Dalian art. 20: only with the person's written consent, which is an
authorised inquiry, not this). The time limit for the answer is the Policy's
`disclosure_request_days` (no city sets one: empty, no clock runs, the basis says so).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from apps.catalog.choices import SubjectType
from apps.core.audit import audited_save
from apps.core.choices import DeadlineKind, DocumentKind, QueryChannel, QueryMode, QueryPurpose, Role
from apps.core.deadlines import Clock, deadline_open, deadlines_of
from apps.core.documents import documents_of, new_tracking_code, normalise_code
from apps.core.identifiers import KIND_CITIZEN_ID, identifier_kind, mask_name, normalize_identifier, validate_identifier
from apps.core.querylog import LookupRequest
from apps.core.selectors import active_policy
from apps.core.services import require_reason
from apps.core.workflow import Step, Workflow
from apps.subjects.choices import AccessForm, DisclosureRequestStatus
from apps.subjects.models import DisclosureRequest, Subject

MSG_REQUIRED = gettext_lazy("This field is required.")
MSG_ONLY_OFFICE = gettext_lazy("Only the credit office handles requests for disclosure.")
MSG_PERSON_NOT_DISCLOSED = gettext_lazy(
    "A natural person's credit information is not disclosed to others on request; ask about an organisation "
    "by its unified social credit code."
)
MSG_NO_SUCH_ORGANISATION = gettext_lazy(
    "No organisation with this unified social credit code is on the platform; check the code or leave it empty."
)
MSG_NO_SUBJECT = gettext_lazy(
    "The request names no organisation on the platform: give its unified social credit code, or refuse the "
    "request with the reasons."
)
MSG_NOT_DISCLOSABLE = gettext_lazy(
    "Record #{id} is not this organisation's information disclosed to the public or on request: it cannot be given."
)
MSG_INSPECTION_ARRANGEMENT = gettext_lazy(
    "The requester asked to inspect the information: say when and where it may be inspected."
)
MSG_LATE_REASON = gettext_lazy("The answer was due by {due}: say why it is given later.")

S = DisclosureRequestStatus


def is_credit_office(obj, user) -> bool:
    return user.is_superuser or (user.role == Role.CLERK and user.has_perm("subjects.change_disclosurerequest"))


def _next_number(year: int) -> str:
    prefix = f"YS-{year}-"
    last = (
        DisclosureRequest.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:06d}"


def _organisation(identifier: str, *, field: str) -> tuple[str, Subject | None]:
    """The organisation a code names: (normalised code, subject or None). A citizen ID, or a
    subject that is a natural person, is refused: their information is not disclosed on request."""
    code = normalize_identifier(identifier)
    if not code:
        return "", None
    if identifier_kind(code) == KIND_CITIZEN_ID:
        raise ValidationError({field: [str(MSG_PERSON_NOT_DISCLOSED)]})
    try:
        _kind, code = validate_identifier(code)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None
    subject = Subject.objects.filter(identifier=code).first()
    if subject is not None and subject.kind == SubjectType.NATURAL_PERSON:
        raise ValidationError({field: [str(MSG_PERSON_NOT_DISCLOSED)]})
    return code, subject


@transaction.atomic
def disclosure_request_file(
    *,
    requester_name: str,
    requester_id_number: str,
    requester_contact: str,
    subject_name: str,
    subject_identifier: str = "",
    information: str,
    access_form: str,
    client_ip: str | None = None,
    by=None,
    reason: str = "",
) -> DisclosureRequest:
    """Record a request for information disclosed on request (Nanjing art. 27), filed on the
    public portal (`by=None`) or entered by the credit office. The requester's identity number
    is checked (a citizen ID or an organisation code); a code given for the organisation must be
    an organisation on the platform. The answer clock of the Policy starts on the day of receipt
    when the Policy sets one."""
    reason = require_reason(reason or gettext("Request for disclosure filed on the public portal"))
    errors: dict[str, list[str]] = {}
    values = {
        "requester_name": requester_name,
        "requester_id_number": requester_id_number,
        "requester_contact": requester_contact,
        "subject_name": subject_name,
        "information": information,
    }
    for name, value in values.items():
        if not (value or "").strip():
            errors[name] = [str(MSG_REQUIRED)]
    if access_form not in AccessForm.values:
        errors["access_form"] = [str(MSG_REQUIRED)]
    requester_id = normalize_identifier(requester_id_number)
    if requester_id and "requester_id_number" not in errors:
        try:
            _kind, requester_id = validate_identifier(requester_id)
        except ValidationError as error:
            errors["requester_id_number"] = error.messages
    code, subject = "", None
    try:
        code, subject = _organisation(subject_identifier, field="subject_identifier")
    except ValidationError as error:
        errors.update(error.message_dict)
    if code and subject is None and "subject_identifier" not in errors:
        errors["subject_identifier"] = [str(MSG_NO_SUCH_ORGANISATION)]
    if errors:
        raise ValidationError(errors)
    received_on = timezone.localdate()
    request = DisclosureRequest(
        number=_next_number(received_on.year),
        tracking_code=new_tracking_code(),
        requester_name=requester_name.strip(),
        requester_id_number=requester_id,
        requester_contact=requester_contact.strip(),
        subject_name=subject_name.strip(),
        subject_identifier=code,
        subject=subject,
        information=information.strip(),
        access_form=access_form,
        received_on=received_on,
        client_ip=client_ip,
        status=S.RECEIVED,
    )
    audited_save(request, by=by, reason=reason)
    deadline_open(request, DeadlineKind.DISCLOSURE_ANSWER, start=received_on, by=by, reason=reason)
    return request


def request_lookup(request: DisclosureRequest, *, by, client_ip: str | None = None) -> LookupRequest:
    """The credit office's lookup of the organisation's records to answer `request`: a government
    lookup for the office's own processing, naming the request."""
    return LookupRequest(
        user=by,
        mode=QueryMode.GOVERNMENT,
        purpose=QueryPurpose.DISCLOSURE_REQUEST,
        channel=QueryChannel.WEB,
        purpose_detail=request.number,
        client_ip=client_ip,
    )


# --- the steps -------------------------------------------------------------------------------------


def _late(request, late_reason: str) -> str:
    today = timezone.localdate()
    late = [d.due_on for d in deadlines_of(request) if d.running and d.due_on < today]
    if late and not (late_reason or "").strip():
        raise ValidationError({"late_reason": str(MSG_LATE_REASON).format(due=min(late))})
    return (late_reason or "").strip()


def _accept(request, *, by, reason, subject_identifier: str = ""):
    """Accepting links the organisation when the requester gave no code (the clerk found it)."""
    if subject_identifier:
        code, subject = _organisation(subject_identifier, field="subject_identifier")
        if subject is None:
            raise ValidationError({"subject_identifier": [str(MSG_NO_SUCH_ORGANISATION)]})
        request.subject, request.subject_identifier = subject, code
    if request.subject_id is None:
        raise ValidationError({"subject_identifier": [str(MSG_NO_SUBJECT)]})
    request.accepted_on = timezone.localdate()


def _answer(request, *, by, reason, answer: str, records=(), inspection_arrangement: str = "", late_reason: str = ""):
    """The answer gives the chosen records, each one of the organisation's records disclosable
    on request now, read through the logged selector."""
    from apps.subjects.selectors import disclosure_request_records

    errors: dict[str, list[str]] = {}
    if not (answer or "").strip():
        errors["answer"] = [str(MSG_REQUIRED)]
    if request.access_form == AccessForm.INSPECTION and not (inspection_arrangement or "").strip():
        errors["inspection_arrangement"] = [str(MSG_INSPECTION_ARRANGEMENT)]
    try:
        request.late_reason = _late(request, late_reason)
    except ValidationError as error:
        errors.update(error.message_dict)
    wanted = {int(pk) for pk in records or ()}
    chosen = []
    if wanted:
        available = {r.pk: r for r in disclosure_request_records(request_lookup(request, by=by), request)}
        missing = sorted(wanted - set(available))
        if missing:
            errors["records"] = [str(MSG_NOT_DISCLOSABLE).format(id=pk) for pk in missing]
        chosen = [available[pk] for pk in sorted(wanted) if pk in available]
    if errors:
        raise ValidationError(errors)
    request.answer = answer.strip()
    request.inspection_arrangement = (inspection_arrangement or "").strip()
    request.answered_on = timezone.localdate()
    return {"chosen": chosen}


def _keep_records(request, *, by, reason, chosen=()):
    request.records.set(chosen)


def _refuse(request, *, by, reason, refusal_reason: str, late_reason: str = ""):
    errors: dict[str, list[str]] = {}
    if not (refusal_reason or "").strip():
        errors["refusal_reason"] = [str(MSG_REQUIRED)]
    try:
        request.late_reason = _late(request, late_reason)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    request.refusal_reason = refusal_reason.strip()
    request.answered_on = timezone.localdate()


def document_context(request: DisclosureRequest) -> dict:
    policy = active_policy()
    return {
        "request": request,
        "records": list(request.records.select_related("item", "provider").order_by("-determined_on", "-id")),
        "policy": policy,
        "article": policy.disclosure_request_days_basis,
    }


ANSWER = Clock(DeadlineKind.DISCLOSURE_ANSWER)

DISCLOSURE_REQUEST_CASE = Workflow(
    name=gettext_lazy("requests for disclosure"),
    model=DisclosureRequest,
    states=DisclosureRequestStatus,
    initial=(S.RECEIVED,),
    refused=MSG_ONLY_OFFICE,
    notes={
        S.RECEIVED: gettext_lazy("Received: accept it (linking the organisation), or refuse it with the reasons."),
        S.ACCEPTED: gettext_lazy(
            "Accepted: answer with the information (a copy, or the inspection arranged), or refuse with the reasons."
        ),
        S.ANSWERED: gettext_lazy("Answered: the document is on the requester's status page."),
        S.REFUSED: gettext_lazy("Refused, with the reasons: the document is on the requester's status page."),
    },
    document_context=document_context,
    addressee=lambda request: mask_name(request.requester_name),
    steps=(
        Step(
            "accept",
            gettext_lazy("Accept"),
            sources=(S.RECEIVED,),
            target=S.ACCEPTED,
            rule=is_credit_office,
            apply=_accept,
            help=gettext_lazy("The request names an organisation on the platform and information it holds."),
        ),
        Step(
            "answer",
            gettext_lazy("Answer with the information"),
            sources=(S.ACCEPTED,),
            target=S.ANSWERED,
            rule=is_credit_office,
            apply=_answer,
            then=_keep_records,
            meets=(ANSWER,),
            issues=(DocumentKind.DISCLOSURE_ANSWER, "subjects/document_disclosure_answer.html"),
            help=gettext_lazy("Issue the answer: the records chosen, as a copy or with the inspection arranged."),
        ),
        Step(
            "refuse",
            gettext_lazy("Refuse with reasons"),
            sources=(S.RECEIVED, S.ACCEPTED),
            target=S.REFUSED,
            rule=is_credit_office,
            apply=_refuse,
            meets=(ANSWER,),
            issues=(DocumentKind.DISCLOSURE_ANSWER, "subjects/document_disclosure_refusal.html"),
            help=gettext_lazy("Issue a refusal with the reasons (not disclosable on request, not held, unclear)."),
        ),
    ),
)


def disclosure_request_step(request: DisclosureRequest, step: str, *, by, reason: str, **data) -> DisclosureRequest:
    """Take `step` of DISCLOSURE_REQUEST_CASE (accept, answer, refuse)."""
    return DISCLOSURE_REQUEST_CASE.transition(request, step, by=by, reason=reason, **data)


# --- the requester's status page -------------------------------------------------------------------


@dataclass(frozen=True)
class PublicStep:
    label: str
    on: object


@dataclass(frozen=True)
class PublicClock:
    label: str
    due_on: object
    estimated: bool
    state: str
    met_on: object


def online_status(*, number: str, tracking_code: str) -> DisclosureRequest | None:
    """The request with this number and tracking code; None when either is wrong (the page does
    not say which)."""
    number = (number or "").strip().upper()
    code = normalise_code(tracking_code)
    if not number or not code:
        return None
    return DisclosureRequest.objects.filter(number=number, tracking_code=code).first()


def status_page(request: DisclosureRequest) -> dict:
    """What the requester sees: the steps with their dates, the time limits and the document
    issued (answer or refusal) — nothing a clerk wrote besides what the document says."""
    steps = [PublicStep(gettext("Received"), request.received_on)]
    if request.accepted_on:
        steps.append(PublicStep(gettext("Accepted"), request.accepted_on))
    if request.status == S.ANSWERED:
        steps.append(PublicStep(gettext("Answered"), request.answered_on))
    elif request.status == S.REFUSED:
        steps.append(PublicStep(gettext("Refused, with the reasons"), request.answered_on))
    clocks = [
        PublicClock(d.get_kind_display(), d.due_on, d.due_estimated, d.get_state_display(), d.met_on)
        for d in sorted(deadlines_of(request), key=lambda d: (d.due_on, d.pk))
    ]
    return {
        "disclosure": request,
        "status": request.get_status_display(),
        "steps": steps,
        "clocks": clocks,
        "document": documents_of(request, DocumentKind.DISCLOSURE_ANSWER).first(),
    }
