"""The red list (守信激励对象名单, Ningbo art. 28): a proposal is put to public notice (公示) for the
policy's working days, confirmed when the notice ends without objection, and goes back to the
proposer when someone objects."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.core.choices import DeadlineKind, Role
from apps.core.deadlines import Clock
from apps.core.exceptions import Conflict
from apps.core.workflow import Step, Workflow, any_of
from apps.sanctions.choices import CaseStatus, EntryRole
from apps.sanctions.models import ListingCase
from apps.sanctions.selectors import has_active_dishonest_record
from apps.sanctions.services.common import (
    MSG_NOTICE_RUNNING,
    MSG_ONLY_AGENCY,
    MSG_RED_DISHONEST,
    MSG_REQUIRED,
    add_entry,
    is_case_officer,
)


def red_start_notice(case: ListingCase, *, by, reason: str) -> ListingCase:
    """proposed → public_notice, for the policy's notice period (Ningbo art. 28: 予以公示)."""
    return RED_CASE.transition(case, "red-notice", by=by, reason=reason)


def red_record_objection(case: ListingCase, *, by, objection: str, reason: str) -> ListingCase:
    """public_notice → returned: an objection during the notice goes back to the proposer."""
    return RED_CASE.transition(case, "red-objection", by=by, reason=reason, objection=objection)


def red_confirm(case: ListingCase, *, by, reason: str, today: datetime.date | None = None) -> ListingCase:
    """public_notice → confirmed once the notice ended without objection (by=None: the daily job)."""
    return RED_CASE.transition(case, "red-confirm", by=by, reason=reason, today=today)


def _no_dishonest_record(case) -> str | None:
    return str(MSG_RED_DISHONEST) if has_active_dishonest_record(case.subject) else None


def _start_notice(case, *, by, reason):
    case.notice_start = timezone.localdate()
    case.objection = ""


def _record_objection(case, *, by, reason, objection):
    if not (objection or "").strip():
        raise ValidationError({"objection": str(MSG_REQUIRED)})
    case.objection = objection.strip()


def _takes_objections(case, user) -> bool:
    """Objections reach the credit office's window or the proposing agency."""
    return user.role == Role.CLERK


def _confirm(case, *, by, reason, today=None):
    today = today or timezone.localdate()
    notice = case.red_notice
    if notice is not None and notice.running and today <= notice.due_on:
        raise Conflict(str(MSG_NOTICE_RUNNING).format(end=notice.due_on))
    case.listing_start = today


def _list(case, *, by, reason):
    add_entry(case, case.subject, EntryRole.SUBJECT, by=by, reason=reason)


S = CaseStatus

RED_CASE = Workflow(
    name=gettext_lazy("the red list"),
    model=ListingCase,
    states=CaseStatus,
    initial=(S.PROPOSED,),
    editable=(S.PROPOSED, S.RETURNED),
    refused=MSG_ONLY_AGENCY,
    resting=(S.CONFIRMED,),
    notes={
        S.PROPOSED: gettext_lazy("Proposed: the agency puts it to public notice."),
        S.PUBLIC_NOTICE: gettext_lazy("In public notice: confirmed when the notice ends without objection."),
        S.RETURNED: gettext_lazy("Returned after an objection: the agency revises it and gives notice again."),
        S.CONFIRMED: gettext_lazy("Confirmed: the subject is on the red list."),
    },
    steps=(
        Step(
            "red-notice",
            gettext_lazy("Start the public notice"),
            sources=(S.PROPOSED, S.RETURNED),
            target=S.PUBLIC_NOTICE,
            rule=is_case_officer,
            guards=(_no_dishonest_record,),
            apply=_start_notice,
            opens=(Clock(DeadlineKind.RED_NOTICE),),
            help=gettext_lazy("Put the proposal to public notice for the policy's notice period."),
        ),
        Step(
            "red-objection",
            gettext_lazy("Record an objection"),
            sources=(S.PUBLIC_NOTICE,),
            target=S.RETURNED,
            rule=any_of(is_case_officer, _takes_objections),
            apply=_record_objection,
            closes=(DeadlineKind.RED_NOTICE,),
            help=gettext_lazy(
                "Record an objection received during the notice: the proposal goes back to the proposer."
            ),
        ),
        Step(
            "red-confirm",
            gettext_lazy("Confirm"),
            sources=(S.PUBLIC_NOTICE,),
            target=S.CONFIRMED,
            rule=is_case_officer,
            guards=(_no_dishonest_record,),
            apply=_confirm,
            then=_list,
            closes=(DeadlineKind.RED_NOTICE,),
            automatic=True,
            help=gettext_lazy("Confirm the red-list entry after a notice without objection."),
        ),
    ),
)
