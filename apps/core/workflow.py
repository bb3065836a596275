"""Case workflows declared once, as transition tables.

A `Workflow` is the whole lifecycle of one kind of case: its states, and for each step the states
it starts from, the state it leads to, who may take it (`rule`), what must hold first (`guards`),
what it checks and sets (`apply`) and what follows in other tables once it is saved (`then`).
`transition()` is the only way a step is taken — from a page, the admin, the API or a job — and
`offered()` / `allowed_steps()` are the only way a page, the API or a role home learns which steps
a user may take, so no status is named anywhere else.

Every step runs the same way, in one transaction:
    reason required → row locked (select_for_update) → the user may take it (else 403) → the case
    is in one of the step's states (else 409) → its guards hold (else 409) → `apply` checks the
    data (a ValidationError names the field) and sets the fields → the new state is saved with the
    acting user and the reason in the history → `then` → the clocks it opens, meets and closes
    (`apps.core.deadlines`) → the document it issues, stored → the `step_taken` event.

Why not django-fsm-2 or viewflow's fsm: both declare transitions as decorated model methods, so
the rules would live on the models instead of the services (STYLE.md), and their permission hook
asks `user.has_perm(perm)` without the object, the organisation or the city policy, which every
rule here needs. Neither locks the row before checking the state (two clerks could take the same
step twice), nor carries the change reason into simple-history, nor gives the API a 409 for the
wrong state; fsm-2's protected field also breaks `refresh_from_db`, which the lock relies on. What
remains after that is the table itself, which is small and is what we need to walk in tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models, transaction
from django.dispatch import Signal
from django.utils.translation import gettext_lazy

from apps.core.audit import audited_save
from apps.core.deadlines import Clock, deadline_close, deadline_meet, deadline_open
from apps.core.documents import document_issue
from apps.core.exceptions import Conflict
from apps.core.services import require_reason

MSG_WRONG_STATE = gettext_lazy("This step needs the status “{needed}”; it is “{status}”.")
MSG_NOT_YOURS = gettext_lazy("You may not take this step.")
MSG_UNKNOWN_STEP = gettext_lazy("There is no step “{step}” in {workflow}.")

# Sent after every step, once its transaction commits: sender is the workflow, with `obj`, `step`
# (the Step), `by` and `reason`. Apps that react to another app's cases listen here.
step_taken = Signal()

Rule = Callable[[Any, Any], bool]
Guard = Callable[[Any], "str | None"]


def nobody(obj, user) -> bool:
    """The rule of a step that only the platform takes (a job, or the consequence of another step)."""
    return False


@dataclass(frozen=True)
class Step:
    """One step of a workflow.

    name     the step's slug, as in URLs and API actions (`notice`, `decide`)
    label    the button's text
    sources  the states it may be taken from
    target   the state it leads to; None when it records something without changing the state
    rule     rule(obj, user) → may this user take it (role, object permission, policy)
    guards   guard(obj) → None when the step is open now, else why not (shown beside it, 409)
    apply    apply(obj, *, by, reason, **data) → dict | None: checks the data, sets the fields;
             what it returns is passed on to `then`
    then     then(obj, *, by, reason, **carried): what follows once the new state is saved
    automatic  the platform may take it with by=None (a daily job) or as the consequence of
             another step (`follow=True`), without asking `rule`
    help     one sentence for the page, saying what the step does
    refused  the 403 message when `rule` says no (else the workflow's)
    issues   (document kind, template): the document the step issues to the subject, rendered
             once and stored (`apps.core.documents`); the text never changes afterwards
    opens    the statutory clocks the step starts (`apps.core.deadlines.Clock`: kind, and the
             day it counts from; a day of None skips it)
    meets    the clocks the step meets (the act they wait for, on the clock's day)
    closes   the kinds of clock the step stops unmet (the period ran out, the case ended)
    """

    name: str
    label: Any
    sources: tuple[str, ...]
    target: str | None = None
    rule: Rule = nobody
    guards: tuple[Guard, ...] = ()
    apply: Callable[..., dict | None] | None = None
    then: Callable[..., Any] | None = None
    automatic: bool = False
    help: Any = ""
    refused: Any = None
    issues: tuple[str, str] | None = None
    opens: tuple[Clock, ...] = ()
    meets: tuple[Clock, ...] = ()
    closes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Offer:
    """A step a user may take on an object, and why it is not open yet (None when it is)."""

    step: Step
    blocked: str | None = None

    @property
    def name(self) -> str:
        return self.step.name

    @property
    def open(self) -> bool:
        return self.blocked is None


class Workflow:
    """The transition table of one lifecycle. `states` is the TextChoices of the status field;
    `initial` the states a new case starts in; `editable` those in which its content may still be
    changed (outside the steps); `notes` one sentence per state for the page (what happens next,
    who acts); `resting` the states in which a case is in force and nothing is due (a published
    listing), so it is not open work; `final` the states no step leaves. `document_context(obj)`
    is what the templates of the documents its steps issue receive, `addressee(obj)` the name the
    public verification page may show."""

    def __init__(
        self,
        *,
        name,
        model: type[models.Model],
        states: type[models.TextChoices],
        initial: tuple[str, ...],
        steps: tuple[Step, ...],
        field: str = "status",
        refused=MSG_NOT_YOURS,
        editable: tuple[str, ...] = (),
        notes: dict | None = None,
        resting: tuple[str, ...] = (),
        document_context: Callable[[Any], dict] | None = None,
        addressee: Callable[[Any], str] | None = None,
    ):
        self.name, self.model, self.states, self.field, self.refused = name, model, states, field, refused
        self.initial, self.steps, self.editable = tuple(initial), tuple(steps), tuple(editable)
        self.notes = dict(notes or {})
        self.resting = tuple(resting)
        self.document_context, self.addressee = document_context, addressee
        self._by_name: dict[str, Step] = {}
        known = set(states.values)
        for step in self.steps:
            if step.name in self._by_name:
                raise ImproperlyConfigured(f"{name}: step {step.name!r} declared twice")
            unknown = {*step.sources, *([step.target] if step.target else [])} - known
            if unknown or not step.sources:
                raise ImproperlyConfigured(f"{name}: step {step.name!r} names unknown states {unknown}")
            if step.issues and document_context is None:
                raise ImproperlyConfigured(
                    f"{name}: step {step.name!r} issues a document but nothing gives its context"
                )
            self._by_name[step.name] = step
        if {*self.initial, *self.editable, *self.notes, *self.resting} - known:
            raise ImproperlyConfigured(f"{name}: unknown initial or editable states")

    # --- reading the table ------------------------------------------------------------------

    def __str__(self) -> str:
        return str(self.name)

    def step(self, name: str) -> Step:
        try:
            return self._by_name[name]
        except KeyError:
            raise LookupError(str(MSG_UNKNOWN_STEP).format(step=name, workflow=self.name)) from None

    def has_step(self, name: str) -> bool:
        return name in self._by_name

    @property
    def used_states(self) -> set[str]:
        """The states this lifecycle uses (a status field may be shared by several lifecycles)."""
        states = set(self.initial)
        for step in self.steps:
            states.update(step.sources)
            if step.target:
                states.add(step.target)
        return states

    @property
    def final(self) -> set[str]:
        """The states no step leaves."""
        left = {s for step in self.steps for s in step.sources}
        return self.used_states - left

    def open_states(self) -> list[str]:
        """The states that still need a step: what the workbench lists as open work."""
        return sorted(self.used_states - self.final - set(self.resting))

    def note(self, obj) -> str:
        return self.notes.get(self.state_of(obj), "")

    def is_editable(self, obj) -> bool:
        return self.state_of(obj) in self.editable

    def state_of(self, obj) -> str:
        return getattr(obj, self.field)

    def steps_from(self, state: str) -> list[Step]:
        return [step for step in self.steps if state in step.sources]

    def _blocked(self, step: Step, obj) -> str | None:
        for guard in step.guards:
            why = guard(obj)
            if why:
                return str(why)
        return None

    def offered(self, obj, user) -> list[Offer]:
        """The steps `user` may take on `obj` in its current state, each with the reason it is not
        open yet (a deadline still running, a delivery not recorded). Pages show these."""
        if user is None or not getattr(user, "is_authenticated", False):
            return []
        return [
            Offer(step, self._blocked(step, obj))
            for step in self.steps_from(self.state_of(obj))
            if step.rule(obj, user)
        ]

    def allowed_steps(self, obj, user) -> list[Step]:
        """The steps `user` can take on `obj` right now."""
        return [offer.step for offer in self.offered(obj, user) if offer.open]

    def may(self, obj, user, name: str) -> bool:
        return any(step.name == name for step in self.allowed_steps(obj, user))

    # --- taking a step ----------------------------------------------------------------------

    def check(self, obj, step: Step, *, by, follow: bool = False) -> None:
        """Raise PermissionDenied (403) or Conflict (409) unless `by` may take `step` on `obj` now."""
        if by is None or follow:
            if not step.automatic:
                raise PermissionDenied(str(step.refused or self.refused))
        elif not step.rule(obj, by):
            raise PermissionDenied(str(step.refused or self.refused))
        state = self.state_of(obj)
        if state not in step.sources:
            raise Conflict(
                str(MSG_WRONG_STATE).format(
                    needed="、".join(str(self.states(s).label) for s in step.sources),
                    status=self.states(state).label if state in self.states.values else state,
                )
            )
        blocked = self._blocked(step, obj)
        if blocked:
            raise Conflict(blocked)

    @transaction.atomic
    def transition(self, obj, name: str, *, by, reason: str, follow: bool = False, **data):
        """Take the step `name` on `obj` for `by`, with `reason` in the history; returns `obj`.

        `follow=True`: the step is the consequence of another step (a review that overturns a
        listing removes it) or of a job; it must be declared `automatic`, and `by` is recorded as
        its author without being asked the rule."""
        step = self.step(name)
        reason = require_reason(reason)
        lock(obj)
        self.check(obj, step, by=by, follow=follow)
        carried = step.apply(obj, by=by, reason=reason, **data) if step.apply else None
        if step.target:
            setattr(obj, self.field, step.target)
        audited_save(obj, by=by, reason=reason)
        if step.then:
            step.then(obj, by=by, reason=reason, **(carried or {}))
        self._run_clocks(obj, step, by=by, reason=reason)
        if step.issues:
            kind, template = step.issues
            document_issue(
                kind=kind,
                owner=obj,
                template=template,
                context=self.document_context(obj),
                by=by,
                masked_name=self.addressee(obj) if self.addressee else "",
            )
        transaction.on_commit(
            lambda: step_taken.send(sender=self, obj=obj, step=step, by=by, reason=reason), robust=True
        )
        return obj

    def _run_clocks(self, obj, step: Step, *, by, reason: str) -> None:
        for clock in step.opens:
            day = clock.day(obj)
            if day is not None:
                deadline_open(obj, clock.kind, start=day, by=by, reason=reason)
        for clock in step.meets:
            day = clock.day(obj)
            if day is not None:
                deadline_meet(obj, clock.kind, on=day, by=by, reason=reason)
        for kind in step.closes:
            deadline_close(obj, kind, by=by, reason=reason)


def awaiting(workflow: Workflow, objects, user, *, limit: int = 10, scan: int = 200) -> list:
    """Up to `limit` of `objects` (already restricted to what `user` sees, in the order wanted) in
    an open state with a step `user` may take now (its guards pass) — the work a role home lists.
    The table's rules and guards decide, so a home never lists what the case page would refuse or
    what waits on someone else; at most `scan` candidates are read."""
    found = []
    for obj in objects.filter(**{f"{workflow.field}__in": workflow.open_states()})[:scan]:
        if workflow.allowed_steps(obj, user):
            found.append(obj)
            if len(found) == limit:
                break
    return found


def lock(obj):
    """Lock the row and refresh the caller's instance in place, so that every check sees the
    current state and the caller's object reflects the step."""
    obj.refresh_from_db(from_queryset=type(obj)._base_manager.select_for_update())
    return obj


def any_of(*rules: Rule) -> Rule:
    return lambda obj, user: any(rule(obj, user) for rule in rules)


def walk(workflows: Iterable[Workflow]) -> list[tuple[Workflow, str, Step]]:
    """Every (workflow, state, step) triple: what the per-table tests go through."""
    return [(wf, state, step) for wf in workflows for state in sorted(wf.used_states) for step in wf.steps]
