"""Good information not disclosed on request (Nanjing art. 61, Tianjin art. 43 para. 1, Ningbo
art. 41): the subject asks the credit office not to disclose its awards, volunteering, donations
or acts of bravery; the office stops every outside lookup of them within the Policy's working days
(Nanjing: 2) and tells the providing agency. The records become `hidden`: gone from public,
government and authorised lookups, still in the subject's own (the file keeps them; Tianjin's
"delete" is the same on the platform, recorded as the request's mode). The subject may ask to
publish them again.

    received ─ apply ─→ applied ─ publish-again ─→ withdrawn
             ↘ refuse → refused
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.catalog.choices import Category
from apps.core.audit import audited_save
from apps.core.choices import DeadlineKind, Role
from apps.core.deadlines import Clock, deadline_open, deadlines_of
from apps.core.exceptions import Conflict
from apps.core.models import User
from apps.core.notifications import notify
from apps.core.selectors import active_policy
from apps.core.services import require_reason
from apps.core.workflow import Step, Workflow
from apps.repair.choices import EventKind, GoodInfoStatus
from apps.repair.models import GoodInfoRequest, RepairEvent
from apps.subjects import services as subject_services
from apps.subjects.choices import RecordStatus

MSG_REQUIRED = gettext_lazy("This field is required.")
MSG_ONLY_OFFICE = gettext_lazy("Only the credit office handles requests about good information.")
MSG_NOT_THE_SUBJECTS = gettext_lazy("Record {id} is not one of {subject}'s records.")
MSG_NOT_GOOD = gettext_lazy(
    "Record {id} is “{category}” information: only good information is withheld on request (Nanjing art. 61)."
)
MSG_NOT_ACTIVE = gettext_lazy("Record {id} is “{status}”: it is not disclosed now.")
MSG_NOTHING = gettext_lazy("Name at least one good record.")
MSG_RECEIVED_FUTURE = gettext_lazy("A request cannot be received in the future.")
MSG_LATE_REASON = gettext_lazy("The request was due by {due}: say why it is applied later.")
MSG_PROVIDER_TOLD = gettext_lazy(
    "At {subject}'s request, the platform no longer discloses your record #{id} ({item}) ({article})."
)
MSG_PROVIDER_TOLD_AGAIN = gettext_lazy("At {subject}'s request, your record #{id} ({item}) is disclosed again.")
ARTICLE = {
    "nanjing": gettext_lazy("Nanjing art. 61"),
    "tianjin": gettext_lazy("Tianjin art. 43"),
    "ningbo": gettext_lazy("Ningbo art. 41"),
}


def is_credit_office(request, user) -> bool:
    return user.is_superuser or (user.role == Role.CLERK and user.has_perm("repair.change_goodinforequest"))


def _next_number(year: int) -> str:
    prefix = f"LH-{year}-"
    last = (
        GoodInfoRequest.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:06d}"


def check_good_records(subject, records) -> list:
    """The records are the subject's good information, disclosed now; else a ValidationError
    naming each record and why."""
    records = list(records)
    errors = []
    for record in records:
        if record.subject_id != subject.pk:
            errors.append(str(MSG_NOT_THE_SUBJECTS).format(id=record.pk, subject=subject))
        elif record.category != Category.GOOD:
            errors.append(str(MSG_NOT_GOOD).format(id=record.pk, category=record.get_category_display()))
        elif record.status != RecordStatus.ACTIVE:
            errors.append(str(MSG_NOT_ACTIVE).format(id=record.pk, status=record.get_status_display()))
    if not records:
        errors.append(str(MSG_NOTHING))
    if errors:
        raise ValidationError({"records": errors})
    return records


@transaction.atomic
def good_info_file(
    *,
    by,
    subject,
    records,
    applicant_name: str,
    applicant_contact: str,
    reason: str,
    statement: str = "",
    received_on: datetime.date | None = None,
) -> GoodInfoRequest:
    """Record a subject's request not to disclose its good records; the clock of the Policy's
    working days starts on the day of receipt."""
    reason = require_reason(reason)
    if by is None or not is_credit_office(None, by):
        raise Conflict(str(MSG_ONLY_OFFICE))
    received_on = received_on or timezone.localdate()
    errors: dict[str, list[str]] = {}
    for name, value in (("applicant_name", applicant_name), ("applicant_contact", applicant_contact)):
        if not (value or "").strip():
            errors[name] = [str(MSG_REQUIRED)]
    if received_on > timezone.localdate():
        errors["received_on"] = [str(MSG_RECEIVED_FUTURE)]
    try:
        records = check_good_records(subject, records)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    request = GoodInfoRequest(
        number=_next_number(received_on.year),
        subject=subject,
        applicant_name=applicant_name.strip(),
        applicant_contact=applicant_contact.strip(),
        mode=active_policy().good_info_hiding,
        statement=(statement or "").strip(),
        received_on=received_on,
        status=GoodInfoStatus.RECEIVED,
    )
    audited_save(request, by=by, reason=reason)
    request.records.set(records)
    deadline_open(request, DeadlineKind.GOOD_INFO_HIDE, start=received_on, by=by, reason=reason)
    return request


def _late_due(request) -> datetime.date | None:
    today = timezone.localdate()
    late = [d.due_on for d in deadlines_of(request) if d.running and d.due_on < today]
    return min(late) if late else None


def _apply(request, *, by, reason, late_reason: str = ""):
    due = _late_due(request)
    if due is not None and not (late_reason or "").strip():
        raise ValidationError({"late_reason": str(MSG_LATE_REASON).format(due=due)})
    request.late_reason = (late_reason or "").strip()
    request.applied_on = timezone.localdate()


def _providers_told(request, records, message) -> None:
    article = ARTICLE.get(active_policy().code, ARTICLE["nanjing"])
    for record in records:
        notify(
            User.objects.filter(organization_id=record.provider_id, role=Role.OFFICER, is_active=True),
            message=str(message).format(
                subject=request.subject.display_name, id=record.pk, item=record.item.name, article=article
            ),
            link=reverse("subjects:record_list"),
        )


def _hide_records(request, *, by, reason):
    because = f"{request.number}：{reason}"
    hidden = []
    for record in request.records.select_related("item"):
        if record.status == RecordStatus.ACTIVE:
            subject_services.record_hide(record, by=by, reason=because, follow=True)
            hidden.append(record)
    _providers_told(request, hidden, MSG_PROVIDER_TOLD)
    RepairEvent.objects.create(
        kind=EventKind.HIDDEN, subject=request.subject, good_info_request=request, record_ids=[r.pk for r in hidden]
    )


def _refuse(request, *, by, reason, refusal_reason: str):
    if not (refusal_reason or "").strip():
        raise ValidationError({"refusal_reason": str(MSG_REQUIRED)})
    request.refusal_reason = refusal_reason.strip()


def _publish_again(request, *, by, reason):
    request.withdrawn_on = timezone.localdate()


def _unhide_records(request, *, by, reason):
    because = f"{request.number}：{reason}"
    shown = []
    for record in request.records.select_related("item"):
        if record.status == RecordStatus.HIDDEN:
            subject_services.record_unhide(record, by=by, reason=because, follow=True)
            shown.append(record)
    _providers_told(request, shown, MSG_PROVIDER_TOLD_AGAIN)
    RepairEvent.objects.create(
        kind=EventKind.REPUBLISHED, subject=request.subject, good_info_request=request, record_ids=[r.pk for r in shown]
    )


S = GoodInfoStatus
HIDE = Clock(DeadlineKind.GOOD_INFO_HIDE)

GOOD_INFO_CASE = Workflow(
    name=gettext_lazy("requests about good information"),
    model=GoodInfoRequest,
    states=GoodInfoStatus,
    initial=(S.RECEIVED,),
    refused=MSG_ONLY_OFFICE,
    resting=(S.APPLIED,),
    notes={
        S.RECEIVED: gettext_lazy(
            "Received: stop disclosing the records within the time limit, and tell the providers."
        ),
        S.APPLIED: gettext_lazy("The records are no longer disclosed; the subject may ask to publish them again."),
        S.REFUSED: gettext_lazy("Refused, with the reasons."),
        S.WITHDRAWN: gettext_lazy("Published again at the subject's request."),
    },
    steps=(
        Step(
            "apply",
            gettext_lazy("Stop disclosing"),
            sources=(S.RECEIVED,),
            target=S.APPLIED,
            rule=is_credit_office,
            apply=_apply,
            then=_hide_records,
            meets=(HIDE,),
            help=gettext_lazy(
                "The records leave every outside lookup (they stay in the subject's own); the providing agencies are told."
            ),
        ),
        Step(
            "refuse",
            gettext_lazy("Refuse"),
            sources=(S.RECEIVED,),
            target=S.REFUSED,
            rule=is_credit_office,
            apply=_refuse,
            meets=(HIDE,),
            help=gettext_lazy("Refuse, with the reasons (the records are not the subject's good information)."),
        ),
        Step(
            "publish-again",
            gettext_lazy("Publish again on request"),
            sources=(S.APPLIED,),
            target=S.WITHDRAWN,
            rule=is_credit_office,
            apply=_publish_again,
            then=_unhide_records,
            help=gettext_lazy("The subject asks to disclose them again; the providing agencies are told."),
        ),
    ),
)


def good_info_step(request: GoodInfoRequest, step: str, *, by, reason: str, **data) -> GoodInfoRequest:
    """Take `step` of GOOD_INFO_CASE (apply, refuse, publish-again)."""
    return GOOD_INFO_CASE.transition(request, step, by=by, reason=reason, **data)
