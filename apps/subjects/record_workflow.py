"""A credit record's lifecycle and its objection mark, as two transition tables
(`apps.core.workflow`), and the services that take their steps.

The status (`RECORD_LIFECYCLE`) says whether and why a record is disclosed:

    active ─ repair ─→ repaired   a dishonest record the subject repaired within its disclosure
                                  period (Nanjing art. 60): disclosure stops, the record stays
    active ─ hide ───→ hidden     good information the subject asked not to disclose (Nanjing
                                  art. 61, Tianjin art. 43, Ningbo art. 41)
    hidden ─ unhide ─→ active     the subject asked to publish its good information again
    active ─ expire ─→ expired    the disclosure period ended (Nanjing art. 56, Tianjin art. 42,
                                  Dalian art. 35, Ningbo art. 22), or the listing it records ended
    active, repaired, expired, hidden ─ revoke ─→ revoked
                                  the decision it rests on was revoked (Nanjing art. 59, Dalian
                                  art. 43, Ningbo art. 43); final

The mark (`OBJECTION_MARK`, the `objection_since` field) stands beside the status (异议标注,
Nanjing art. 58, Tianjin art. 41, Dalian art. 42, Ningbo art. 42): an active record is marked when
an objection to it is accepted and unmarked when the objection is settled, whatever its status
has become meanwhile. A marked record is disclosed with the mark, cannot carry a new listing
(`apps.sanctions`), and expires like any other, keeping its mark.

Every step takes the acting user (`by`) and a reason, saves with history, and announces itself
through `events.record_status_changed` (the mark steps too, with the status unchanged). Another
app's step that changes a record as its consequence passes `follow=True` (the other app's table
already decided who may take it); by=None is the platform (a daily job).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.catalog.choices import Category
from apps.core.audit import bulk_update_audited
from apps.core.choices import Role
from apps.core.workflow import Step, Workflow, any_of, nobody
from apps.subjects import events
from apps.subjects.choices import ObjectionMark, RecordStatus
from apps.subjects.models import CreditRecord

MSG_ONLY_PROVIDER_OR_OFFICE = gettext_lazy(
    "Only officers of the providing agency or the credit office may change this record's status."
)
MSG_ONLY_PROVIDER_REPAIRS = gettext_lazy(
    "Only officers of the agency that provided the record decide its repair (Nanjing art. 60)."
)
MSG_ONLY_OFFICE = gettext_lazy("Only the credit office takes this step.")
MSG_REPAIR_NOT_DISHONEST = gettext_lazy(
    "Only dishonest information is repaired (Nanjing art. 60); this record is “{category}”."
)
MSG_HIDE_NOT_GOOD = gettext_lazy(
    "Only good information is hidden on the subject's request (Nanjing art. 61); this record is “{category}”."
)
MSG_MARK_NOT_ACTIVE = gettext_lazy(
    "Only an active record is marked under objection; this one is “{status}” and is no longer disclosed."
)


# --- who may take a step by hand -----------------------------------------------------------------


def is_provider_officer(record: CreditRecord, user) -> bool:
    """Officers of the agency that provided the record (谁认定谁修复: the determining body)."""
    return user.is_superuser or (
        user.role == Role.OFFICER
        and user.organization_id == record.provider_id
        and user.has_perm("subjects.change_creditrecord")
    )


def is_credit_office(record: CreditRecord, user) -> bool:
    """The credit office (信用工作机构) keeps the platform's copy of every record."""
    return user.is_superuser or user.role == Role.CLERK


# --- guards and consequences ---------------------------------------------------------------------


def _dishonest(record: CreditRecord) -> str | None:
    if record.category != Category.DISHONEST:
        return str(MSG_REPAIR_NOT_DISHONEST).format(category=record.get_category_display())
    return None


def _good(record: CreditRecord) -> str | None:
    if record.category != Category.GOOD:
        return str(MSG_HIDE_NOT_GOOD).format(category=record.get_category_display())
    return None


def _active(record: CreditRecord) -> str | None:
    if record.status != RecordStatus.ACTIVE:
        return str(MSG_MARK_NOT_ACTIVE).format(status=record.get_status_display())
    return None


def _announce(record: CreditRecord, *, by, reason: str) -> None:
    events.record_status_changed.send(sender=CreditRecord, records=[record], status=record.status, by=by, reason=reason)


S = RecordStatus

RECORD_LIFECYCLE = Workflow(
    name=gettext_lazy("the lifecycle of a credit record"),
    model=CreditRecord,
    states=RecordStatus,
    initial=(S.ACTIVE,),
    refused=MSG_ONLY_PROVIDER_OR_OFFICE,
    # nothing is due in any state: a record is not a case
    resting=(S.ACTIVE, S.REPAIRED, S.EXPIRED, S.HIDDEN),
    steps=(
        Step(
            "repair",
            gettext_lazy("Mark repaired"),
            # Nanjing art. 60: within the disclosure period (在失信信息查询期限内): an expired
            # record is no longer disclosed, there is nothing to stop.
            sources=(S.ACTIVE,),
            target=S.REPAIRED,
            rule=is_provider_officer,
            refused=MSG_ONLY_PROVIDER_REPAIRS,
            guards=(_dishonest,),
            then=_announce,
            automatic=True,
        ),
        Step(
            "revoke",
            gettext_lazy("Revoke"),
            # The record loses its basis whatever became of it since: an expired record must not
            # come back on a later rule change, a repaired one was never rightly dishonest, a hidden
            # good one (an award) was withdrawn.
            sources=(S.ACTIVE, S.REPAIRED, S.EXPIRED, S.HIDDEN),
            target=S.REVOKED,
            rule=any_of(is_provider_officer, is_credit_office),
            then=_announce,
            automatic=True,
        ),
        Step(
            "hide",
            gettext_lazy("Hide on request"),
            sources=(S.ACTIVE,),
            target=S.HIDDEN,
            rule=is_credit_office,
            refused=MSG_ONLY_OFFICE,
            guards=(_good,),
            then=_announce,
            automatic=True,
        ),
        Step(
            "unhide",
            gettext_lazy("Publish again on request"),
            # The subject asked to publish its good information again (the reverse of `hide`).
            sources=(S.HIDDEN,),
            target=S.ACTIVE,
            rule=is_credit_office,
            refused=MSG_ONLY_OFFICE,
            then=_announce,
            automatic=True,
        ),
        Step(
            "expire",
            gettext_lazy("Expire"),
            sources=(S.ACTIVE,),
            target=S.EXPIRED,
            rule=nobody,
            then=_announce,
            automatic=True,
        ),
    ),
)

M = ObjectionMark

OBJECTION_MARK = Workflow(
    name=gettext_lazy("the objection mark of a credit record"),
    model=CreditRecord,
    states=ObjectionMark,
    field="objection_mark",
    initial=(M.UNMARKED,),
    refused=MSG_ONLY_OFFICE,
    resting=(M.UNMARKED,),
    steps=(
        Step(
            "mark-objection",
            gettext_lazy("Mark under objection"),
            sources=(M.UNMARKED,),
            target=M.MARKED,
            rule=is_credit_office,
            guards=(_active,),
            then=_announce,
            automatic=True,
        ),
        Step(
            "clear-objection",
            gettext_lazy("Remove the objection mark"),
            sources=(M.MARKED,),
            target=M.UNMARKED,
            rule=is_credit_office,
            then=_announce,
            automatic=True,
        ),
    ),
)


# --- the services, one per step ------------------------------------------------------------------


def record_mark_repaired(record: CreditRecord, *, by, reason: str, follow: bool = False) -> CreditRecord:
    """active → repaired: the providing agency decided the repair (Nanjing art. 60; 谁认定谁修复,
    NDRC 《信用修复管理办法》); the platform stops disclosing the record, which stays in the file."""
    return RECORD_LIFECYCLE.transition(record, "repair", by=by, reason=reason, follow=follow)


def record_revoke(record: CreditRecord, *, by, reason: str, follow: bool = False) -> CreditRecord:
    """active, repaired, expired, hidden → revoked: the decision the record rests on was revoked
    by its author or by a review or court (Nanjing art. 59: the credit office acts within 3
    working days of the notice; Dalian art. 43; Ningbo art. 43)."""
    return RECORD_LIFECYCLE.transition(record, "revoke", by=by, reason=reason, follow=follow)


def record_hide(record: CreditRecord, *, by, reason: str, follow: bool = False) -> CreditRecord:
    """active → hidden: good information the subject asked not to disclose (Nanjing art. 61:
    within 2 working days, the provider told; Tianjin art. 43; Ningbo art. 41)."""
    return RECORD_LIFECYCLE.transition(record, "hide", by=by, reason=reason, follow=follow)


def record_unhide(record: CreditRecord, *, by, reason: str, follow: bool = False) -> CreditRecord:
    """hidden → active: the subject asked to publish its good information again."""
    return RECORD_LIFECYCLE.transition(record, "unhide", by=by, reason=reason, follow=follow)


def record_expire(record: CreditRecord, *, by=None, reason: str, follow: bool = False) -> CreditRecord:
    """active → expired: the platform's step, when the disclosure period ended (Nanjing art. 56,
    Tianjin art. 42, Dalian art. 35, Ningbo art. 22; the daily job is `records_expire`) or the
    listing the record stands for ended. A record under objection expires too, and stays marked."""
    return RECORD_LIFECYCLE.transition(record, "expire", by=by, reason=reason, follow=follow)


def record_mark_objection(record: CreditRecord, *, by, reason: str, follow: bool = False) -> CreditRecord:
    """Set the objection mark on an active record (异议标注: Nanjing art. 58, within 1 working
    day of receipt; Tianjin art. 41 and Dalian art. 42 on receipt; Ningbo art. 42 the same day).
    Refused (409) when it is already marked."""
    return OBJECTION_MARK.transition(record, "mark-objection", by=by, reason=reason, follow=follow)


def record_clear_objection(record: CreditRecord, *, by, reason: str, follow: bool = False) -> CreditRecord:
    """Remove the objection mark once the objection is settled, whatever the record's status is
    now (it may have expired or been revoked meanwhile). Refused (409) when it is not marked."""
    return OBJECTION_MARK.transition(record, "clear-objection", by=by, reason=reason, follow=follow)


# --- daily upkeep --------------------------------------------------------------------------------


def records_expire(*, today: datetime.date | None = None, by=None) -> int:
    """The `expire` step for every record whose disclosure period has ended, in bulk (safe to run
    twice). Records under objection expire too; their mark stays."""
    step = RECORD_LIFECYCLE.step("expire")
    reason = _("Disclosure period ended")
    today = today or timezone.localdate()
    total = 0
    with transaction.atomic():
        while True:
            due = list(
                CreditRecord.objects.select_for_update().filter(status__in=step.sources, disclosure_ends_on__lt=today)[
                    :2000
                ]
            )
            if not due:
                return total
            for record in due:
                record.status = step.target
                record.updated_at, record.updated_by = timezone.now(), by
            bulk_update_audited(due, CreditRecord, ["status", "updated_at", "updated_by"], by=by, reason=reason)
            events.record_status_changed.send(
                sender=CreditRecord, records=due, status=step.target, by=by, reason=reason
            )
            total += len(due)
