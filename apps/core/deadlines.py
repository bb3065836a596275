"""Statutory clocks (法定期限), one way for every app (models in `models_deadlines.py`).

`CLOCKS` says, for each kind, which Policy figure it counts (the figure and its legal basis are
copied onto the clock when it opens, so a page can show "5 working days, Nanjing art. 43"),
whether it binds the office (`office=True`: past the due date the office is late) or is a period
granted to the subject or the public (a statement period, a public notice: past the due date it
has run out and the case may go on), and the Policy switch that allows pausing it (none: a pause
is refused).

Workflow steps open, meet and close clocks through their table (`Step.opens`, `Step.meets`,
`Step.closes`, see `apps.core.workflow`); services without a table call `deadline_open` /
`deadline_meet` themselves. After a change of the city policy or of a holiday override,
`deadlines_recompute()` (run by `apps.core.recompute`) counts every running clock again, and a
clock whose due date moves is saved with the cause in its history and `recomputed_at` set.

The due date: `started_on` plus `figure` working days (`add_working_days`: the n-th working day
after the start), plus one working day for each working day the clock stood paused. A pause still
open holds the clock: it is not overdue while paused, and its due date moves when it resumes.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.core.audit import audited_save
from apps.core.choices import DeadlineKind, DeadlineStatus, DeadlineUnit
from apps.core.exceptions import Conflict
from apps.core.models_deadlines import RUNNING, Deadline, DeadlinePause
from apps.core.workdays import WorkingDate, add_working_days, working_days_between

MSG_ALREADY_RUNNING = gettext_lazy("A “{kind}” clock is already running here (due {due}).")
MSG_NO_PAUSE = gettext_lazy("The city policy ({policy}) does not allow the “{kind}” clock to be paused.")
MSG_NOT_RUNNING = gettext_lazy("This clock is not running (it is “{status}”).")
MSG_NOT_PAUSED = gettext_lazy("This clock is not paused.")
MSG_PAUSE_DATE = gettext_lazy("A pause starts between the clock's start ({start}) and today.")
MSG_RESUME_DATE = gettext_lazy("A clock resumes between the pause's start ({start}) and today.")
MSG_PAUSE_REASON = gettext_lazy("Say why the clock stands still.")


@dataclass(frozen=True)
class ClockRule:
    """How one kind of clock counts: the Policy figure, its unit, who it binds, and the Policy
    switch that allows a pause (None: never)."""

    policy_field: str
    unit: str = DeadlineUnit.WORKING_DAYS
    office: bool = True
    pause_field: str | None = None


CLOCKS: dict[str, ClockRule] = {
    # Nanjing art. 43, Tianjin art. 32 …: the subject may state a defence within the period.
    DeadlineKind.STATEMENT: ClockRule("listing_statement_days", office=False),
    # Ningbo art. 28: a red-list proposal is put to public notice for the period.
    DeadlineKind.RED_NOTICE: ClockRule("red_list_notice_days", office=False),
    # Ningbo art. 18: the credit office integrates submitted information within the period.
    DeadlineKind.INTEGRATION: ClockRule("integration_days"),
    # Objections (Nanjing art. 58, Tianjin art. 41, Dalian art. 42, Ningbo art. 42). Tianjin art. 41:
    # time for testing, inspection or expert review does not count — where the policy allows it,
    # the handling clocks pause; the mark and the forwarding do not.
    DeadlineKind.OBJECTION_MARK: ClockRule("objection_mark_days"),
    DeadlineKind.OBJECTION_DECISION: ClockRule(
        "objection_office_decision_days", pause_field="objection_clock_pause_allowed"
    ),
    DeadlineKind.OBJECTION_FORWARD: ClockRule("objection_forward_days"),
    DeadlineKind.OBJECTION_ANSWER: ClockRule(
        "objection_agency_answer_days", pause_field="objection_clock_pause_allowed"
    ),
    DeadlineKind.OBJECTION_OVERALL: ClockRule(
        "objection_forwarded_overall_days", pause_field="objection_clock_pause_allowed"
    ),
    DeadlineKind.OBJECTION_INFORM: ClockRule("objection_applicant_notice_days"),
    DeadlineKind.OBJECTION_DIRECT: ClockRule(
        "objection_agency_direct_days", pause_field="objection_clock_pause_allowed"
    ),
    # Nanjing art. 59, Tianjin art. 43, Dalian art. 43, Ningbo art. 43: the office changes or
    # deletes the record within the days from the agency's notice.
    DeadlineKind.REVOCATION_CHANGE: ClockRule("revocation_office_change_days"),
    # Tianjin art. 43 para. 2, Ningbo art. 43: the agency tells the office within the days from the
    # revoking document (Nanjing art. 59, Dalian art. 43: "promptly", the preset's figure). It binds
    # the agency, not the subject: opened from the document's date and met when the notice is
    # filed, it records whether the agency was late.
    DeadlineKind.REVOCATION_AGENCY_NOTICE: ClockRule("revocation_agency_notice_days"),
    # Credit repair (Nanjing art. 60, Tianjin art. 45, Ningbo arts. 44–45): the determining agency
    # accepts or refuses an application, then decides it; the regulations give no days, the
    # presets take the national practice. The time the subject takes to supply more material
    # does not count where the policy says so.
    DeadlineKind.REPAIR_ACCEPT: ClockRule("repair_accept_days"),
    DeadlineKind.REPAIR_DECISION: ClockRule("repair_decision_days", pause_field="repair_material_pause"),
    # Nanjing art. 61: external queries stop within 2 working days of the request; Ningbo art. 41
    # para. 2: self-declared information within 5; Tianjin art. 43 deletes (the preset's days).
    DeadlineKind.GOOD_INFO_HIDE: ClockRule("good_info_hide_days"),
    # Nanjing art. 69, Ningbo art. 52, Tianjin art. 47: a supervised service agency provides the
    # materials the authority asks for; no city fixes the period (the preset's figure). It binds
    # the agency (like the revoking agency's notice): met when the authority records the
    # materials received; overdue, it is on the authority's workbench to follow up.
    DeadlineKind.AGENCY_MATERIALS: ClockRule("agency_materials_days"),
    # Tianjin art. 41 para. 2, Dalian art. 42, Ningbo art. 42 para. 3: a credit service agency that
    # received an objection to its own information marks it and decides, both counted from receipt
    # (`apps.objections.agency`). They bind the agency.
    DeadlineKind.SERVICE_AGENCY_OBJECTION_MARK: ClockRule("service_agency_objection_mark_days"),
    DeadlineKind.SERVICE_AGENCY_OBJECTION_DECISION: ClockRule("service_agency_objection_decision_days"),
    # Nanjing art. 27: information disclosed on request is given by a copy or an inspection. No
    # city sets a period for the answer; an empty Policy figure opens no clock (the basis says so),
    # and an authority that adopts one fills it in.
    DeadlineKind.DISCLOSURE_ANSWER: ClockRule("disclosure_request_days"),
}


def rule_for(kind: str) -> ClockRule:
    return CLOCKS[DeadlineKind(kind)]


@dataclass(frozen=True)
class Clock:
    """A clock a workflow step opens or meets: `kind`, and `on(obj)` the day it counts from (or
    is met on); None skips it (the delivery is not recorded yet), no `on` means today."""

    kind: str
    on: Callable[[Any], datetime.date | None] | None = None

    def day(self, obj) -> datetime.date | None:
        return self.on(obj) if self.on else timezone.localdate()


# --- counting ---------------------------------------------------------------------------------


def paused_days(deadline: Deadline, *, today: datetime.date | None = None) -> tuple[int, bool]:
    """Working days the clock stood still (an open pause counts up to today), and whether an
    estimated holiday schedule was involved."""
    today = today or timezone.localdate()
    total, estimated = 0, False
    for pause in deadline.pauses.all():
        end = pause.ended_on or today
        if end < pause.started_on:
            continue
        count = working_days_between(pause.started_on - datetime.timedelta(days=1), end)
        total += count
        estimated |= count.estimated
    return total, estimated


def count_due(start: datetime.date, figure: int, unit: str, *, extra: int = 0) -> WorkingDate:
    if unit == DeadlineUnit.DAYS:
        return WorkingDate.of(start + datetime.timedelta(days=figure + extra), estimated=False)
    return add_working_days(start, figure + extra)


def _count(deadline: Deadline, policy) -> bool:
    """Set the figure from `policy` and the due date from the calendar; whether anything moved."""
    rule = rule_for(deadline.kind)
    figure = getattr(policy, rule.policy_field)
    if figure is None:
        return False  # the policy no longer sets a limit: the clock keeps the one it opened with
    extra, pause_estimated = paused_days(deadline) if deadline.pk else (0, False)
    due = count_due(deadline.started_on, figure, rule.unit, extra=extra)
    before = (deadline.figure, deadline.due_on, deadline.due_estimated, deadline.policy_code)
    deadline.figure, deadline.unit = figure, rule.unit
    deadline.policy_code, deadline.policy_field = policy.code, rule.policy_field
    deadline.basis = getattr(policy, f"{rule.policy_field}_basis", "") or ""
    deadline.due_on, deadline.due_estimated = due, due.estimated or pause_estimated
    return before != (deadline.figure, deadline.due_on, deadline.due_estimated, deadline.policy_code)


# --- services ---------------------------------------------------------------------------------


def _active_policy():
    from apps.core.selectors import active_policy

    return active_policy()


def deadline_open(owner: models.Model, kind: str, *, start: datetime.date, by, reason: str) -> Deadline | None:
    """Open the `kind` clock of `owner`, counted from `start` under the active policy; nothing
    when the policy sets no limit for it (an empty figure, e.g. no overall limit)."""
    policy = _active_policy()
    if getattr(policy, rule_for(kind).policy_field) is None:
        return None
    running = deadline_of(owner, kind, running=True)
    if running is not None:
        raise Conflict(str(MSG_ALREADY_RUNNING).format(kind=running.get_kind_display(), due=running.due_on))
    deadline = Deadline(
        owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk, kind=kind, started_on=start
    )
    _count(deadline, policy)
    audited_save(deadline, by=by, reason=reason)
    _forget(owner)
    return deadline


def deadline_meet(
    owner: models.Model, kind: str, *, on: datetime.date | None = None, by, reason: str
) -> Deadline | None:
    """The act the clock waits for happened on `on` (today): met on time, or late. Nothing when
    no `kind` clock runs (the step may come before the clock was opened)."""
    deadline = deadline_of(owner, kind, running=True)
    if deadline is None:
        return None
    on = on or timezone.localdate()
    deadline.met_on = on
    deadline.status = DeadlineStatus.MET if on <= deadline.due_on else DeadlineStatus.MET_LATE
    _end_open_pause(deadline, on, by=by, reason=reason)
    audited_save(deadline, by=by, reason=reason)
    _forget(owner)
    return deadline


def deadline_close(owner: models.Model, kind: str, *, by, reason: str) -> Deadline | None:
    """The `kind` clock stops without being met: the case went on after the period ran out, or
    ended otherwise (dropped, withdrawn)."""
    deadline = deadline_of(owner, kind, running=True)
    if deadline is None:
        return None
    today = timezone.localdate()
    deadline.status, deadline.met_on = DeadlineStatus.CLOSED, today
    _end_open_pause(deadline, today, by=by, reason=reason)
    audited_save(deadline, by=by, reason=reason)
    _forget(owner)
    return deadline


@transaction.atomic
def deadline_pause(deadline: Deadline, *, start: datetime.date | None = None, why: str, by, reason: str) -> Deadline:
    """Stop the clock from `start` (today), where the active policy allows it for the kind."""
    deadline = Deadline.objects.select_for_update().get(pk=deadline.pk)
    policy = _active_policy()
    rule = rule_for(deadline.kind)
    if rule.pause_field is None or not getattr(policy, rule.pause_field, False):
        raise Conflict(str(MSG_NO_PAUSE).format(policy=policy, kind=deadline.get_kind_display()))
    if deadline.status != DeadlineStatus.OPEN:
        raise Conflict(str(MSG_NOT_RUNNING).format(status=deadline.get_state_display()))
    today = timezone.localdate()
    start = start or today
    if not deadline.started_on <= start <= today:
        raise ValidationError({"start": str(MSG_PAUSE_DATE).format(start=deadline.started_on)})
    if not (why or "").strip():
        raise ValidationError({"why": str(MSG_PAUSE_REASON)})
    audited_save(DeadlinePause(deadline=deadline, started_on=start, reason=why.strip()), by=by, reason=reason)
    deadline.status = DeadlineStatus.PAUSED
    return audited_save(deadline, by=by, reason=reason)


@transaction.atomic
def deadline_resume(deadline: Deadline, *, end: datetime.date | None = None, by, reason: str) -> Deadline:
    """The clock runs again after `end` (yesterday's pause ends today by default); the due date
    moves by the working days it stood still."""
    deadline = Deadline.objects.select_for_update().get(pk=deadline.pk)
    if deadline.status != DeadlineStatus.PAUSED:
        raise Conflict(str(MSG_NOT_PAUSED))
    pause = deadline.pauses.filter(ended_on__isnull=True).get()
    today = timezone.localdate()
    end = end or today
    if not pause.started_on <= end <= today:
        raise ValidationError({"end": str(MSG_RESUME_DATE).format(start=pause.started_on)})
    pause.ended_on = end
    audited_save(pause, by=by, reason=reason)
    deadline.status = DeadlineStatus.OPEN
    _count(deadline, _active_policy())
    return audited_save(deadline, by=by, reason=reason)


def deadlines_pause(owner: models.Model, *, start=None, why: str, by, reason: str) -> list[Deadline]:
    """Stop every running clock of `owner` that may pause (testing, expert review: Tianjin art.
    41); refused, naming the policy, where the policy allows no pause or nothing may pause."""
    policy = _active_policy()
    running = [d for d in deadlines_of(owner) if d.status == DeadlineStatus.OPEN]
    pausable = [d for d in running if rule_for(d.kind).pause_field]
    allowed = [d for d in pausable if getattr(policy, rule_for(d.kind).pause_field, False)]
    if not allowed:
        kind = (pausable or running or [None])[0]
        label = kind.get_kind_display() if kind else "—"
        raise Conflict(str(MSG_NO_PAUSE).format(policy=policy, kind=label))
    done = [deadline_pause(d, start=start, why=why, by=by, reason=reason) for d in allowed]
    _forget(owner)
    return done


def deadlines_resume(owner: models.Model, *, end=None, by, reason: str) -> list[Deadline]:
    """Run again every paused clock of `owner`; each due date moves by the working days paused."""
    paused = [d for d in deadlines_of(owner) if d.status == DeadlineStatus.PAUSED]
    if not paused:
        raise Conflict(str(MSG_NOT_PAUSED))
    done = [deadline_resume(d, end=end, by=by, reason=reason) for d in paused]
    _forget(owner)
    return done


def _end_open_pause(deadline: Deadline, day: datetime.date, *, by, reason: str) -> None:
    for pause in deadline.pauses.filter(ended_on__isnull=True):
        pause.ended_on = max(day, pause.started_on)
        audited_save(pause, by=by, reason=reason)


def deadlines_recompute(*, policy, by, reason: str) -> int:
    """Count every running clock again under `policy` and the holiday calendar as it is now;
    each clock whose figure or due date moves is saved with `reason` and marked recomputed."""
    changed = 0
    for pk in Deadline.objects.filter(status__in=RUNNING).values_list("pk", flat=True):
        with transaction.atomic():
            deadline = Deadline.objects.select_for_update().filter(pk=pk, status__in=RUNNING).first()
            if deadline is None or not _count(deadline, policy):
                continue
            deadline.recomputed_at = timezone.now()
            audited_save(deadline, by=by, reason=reason)
            changed += 1
    return changed


# --- selectors ----------------------------------------------------------------------------------


def _forget(owner) -> None:
    """Drop the owner's prefetched clocks, so that the next read sees the change."""
    cache = getattr(owner, "_prefetched_objects_cache", None)
    if cache:
        cache.pop("deadlines", None)


def deadlines_of(owner: models.Model) -> list[Deadline]:
    """Every clock of `owner`, oldest first (prefetched through a `deadlines` GenericRelation)."""
    cache = getattr(owner, "_prefetched_objects_cache", {})
    if "deadlines" in cache:
        return sorted(cache["deadlines"], key=lambda d: (d.started_on, d.pk))
    if owner.pk is None:
        return []
    return list(
        Deadline.objects.filter(owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk)
        .prefetch_related("pauses")
        .order_by("started_on", "pk")
    )


def deadline_of(owner: models.Model, kind: str, *, running: bool = False) -> Deadline | None:
    """The latest `kind` clock of `owner` (the running one, with `running=True`)."""
    found = [d for d in deadlines_of(owner) if d.kind == kind and (d.running or not running)]
    return found[-1] if found else None


def with_state(queryset: models.QuerySet, *, today: datetime.date | None = None) -> models.QuerySet:
    """Annotate `state`: the stored status, or overdue for an open clock past its due date."""
    today = today or timezone.localdate()
    return queryset.annotate(
        current_state=Case(
            When(status=DeadlineStatus.OPEN, due_on__lt=today, then=Value(DeadlineStatus.OVERDUE.value)),
            default="status",
            output_field=models.CharField(),
        )
    )


def deadlines_due(
    *, within_days: int = 3, kinds=None, owners: models.QuerySet | None = None, today: datetime.date | None = None
) -> models.QuerySet:
    """Running clocks due within `within_days` working days, or already past due — what the
    workbench lists, across apps, soonest first. `owners` limits them to one model's rows (the
    ones the user may see), `kinds` to some kinds."""
    today = today or timezone.localdate()
    horizon = add_working_days(today, within_days)
    found = Deadline.objects.filter(status=DeadlineStatus.OPEN, due_on__lte=horizon)
    if kinds is not None:
        found = found.filter(kind__in=list(kinds))
    if owners is not None:
        found = found.filter(
            owner_type=ContentType.objects.get_for_model(owners.model), owner_id__in=owners.values("pk")
        )
    return with_state(found, today=today).order_by("due_on", "id")


def running_past_due(model: type[models.Model], kind: str, *, today: datetime.date) -> Q:
    """A filter for `model` rows whose running `kind` clock was due before `today`."""
    return Q(
        Exists(
            Deadline.objects.filter(
                owner_type=ContentType.objects.get_for_model(model),
                owner_id=OuterRef("pk"),
                kind=kind,
                status=DeadlineStatus.OPEN,
                due_on__lt=today,
            )
        )
    )


def due_on_of(model: type[models.Model], kind: str):
    """A subquery expression: the due date of the latest `kind` clock of each `model` row (for
    ordering a list by it)."""
    from django.db.models import Subquery

    return Subquery(
        Deadline.objects.filter(owner_type=ContentType.objects.get_for_model(model), owner_id=OuterRef("pk"), kind=kind)
        .order_by("-started_on", "-id")
        .values("due_on")[:1]
    )


class WithClocks:
    """A mixin for the models whose rows own statutory clocks: `next_clock`, the running clock due
    first (what a list shows beside each row), or None."""

    @property
    def next_clock(self):
        running = [d for d in deadlines_of(self) if d.running]
        return min(running, key=lambda d: d.due_on) if running else None
