"""The deadline workbench (期限工作台): every running statutory clock a user may see, across apps,
grouped as overdue, due today and due this week.

Core does not know the models that own clocks. Each app that has some says so in a
`workbench.py` module of its own (found by `apps.core.registry.project_submodules`), which
declares `OWNERS`: one `ClockOwner` per model whose rows own clocks. A `ClockOwner` says

- `visible(user)`: the rows the user may see (through `restrict`);
- `label(owner)`, `url(owner)`: how a row is named and where its page is;
- `step(owner, deadline)`: what the clock waits for (the kind's label unless `step_labels`
  names it better);
- `agency_field` / `agency(owner)`: the organisation a row belongs to, for the agency filter;
- `responsible(owner, deadline)`: the users to tell when the clock runs past its due date
  (`apps.core.notifications`).

For example (`apps/sanctions/workbench.py`)::

    class ListingCaseClocks(ClockOwner):
        model = ListingCase
        agency_field = "deciding_org"
        select_related = ("subject", "deciding_org")

        def url(self, owner):
            return reverse("sanctions:case_detail", args=[owner.pk])

        def responsible(self, owner, deadline):
            return User.objects.filter(organization=owner.deciding_org_id, role=Role.OFFICER, is_active=True)

    OWNERS = [ListingCaseClocks()]

`workbench_for(user)` reads one Deadline query and one owner query per owner model, whatever
the number of clocks.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.choices import DeadlineKind, DeadlineStatus
from apps.core.models import Deadline, Organization, User
from apps.core.permissions import restrict
from apps.core.registry import project_submodules
from apps.core.workdays import add_working_days

# "This week" is the next five working days after today (a working week, holidays skipped).
WEEK_WORKING_DAYS = 5


class ClockOwner:
    """What an app tells the workbench about one model whose rows own statutory clocks.

    Subclass it in the app's `workbench.py`, set `model` (and usually `agency_field`), override
    what the defaults do not fit, and list an instance in the module's `OWNERS`."""

    model: type[models.Model]
    # The lookup from a row to its `core.Organization` (the agency filter, the agency column);
    # None: the rows belong to no agency, and an agency filter leaves them out.
    agency_field: str | None = None
    # Relations `label`, `agency` and `responsible` read, fetched with the rows in one query.
    select_related: tuple[str, ...] = ()
    # {DeadlineKind: label} where the app has a better word for the step than the kind's label.
    step_labels: dict[str, str] = {}

    def visible(self, user) -> models.QuerySet:
        """The rows whose clocks `user` may see."""
        return restrict(self.model._default_manager.all(), user, "view")

    def label(self, owner) -> str:
        return str(owner)

    def url(self, owner) -> str:
        get_url = getattr(owner, "get_absolute_url", None)
        return get_url() if get_url else ""

    def step(self, owner, deadline: Deadline) -> str:
        return str(self.step_labels.get(deadline.kind) or deadline.get_kind_display())

    def agency(self, owner) -> Organization | None:
        value = owner
        for name in (self.agency_field or "").split("__"):
            if not name or value is None:
                break
            value = getattr(value, name)
        return value if isinstance(value, Organization) else None

    def responsible(self, owner, deadline: Deadline) -> Iterable[User]:
        """The users to notify when the clock is overdue (active users; none by default)."""
        return []


# This module is core's own `workbench.py` too (found like the apps' ones): core's models own no
# clocks.
OWNERS: list[ClockOwner] = []


def clock_owners() -> list[ClockOwner]:
    """Every app's `OWNERS`, in INSTALLED_APPS order."""
    return [owner for module in project_submodules("workbench") for owner in module.OWNERS]


def clock_owner_for(model: type[models.Model]) -> ClockOwner | None:
    """The `ClockOwner` that declares `model` (None: no app shows its clocks)."""
    for owner in clock_owners():
        if owner.model is model or owner.model._meta.concrete_model is model._meta.concrete_model:
            return owner
    return None


def step_choices() -> list[tuple[str, str]]:
    """(kind, label) of every kind of clock, with the label an app gave the step where it did
    (the workbench's step filter)."""
    labels = {}
    for owner in clock_owners():
        for kind, label in owner.step_labels.items():
            labels.setdefault(str(kind), str(label))
    return [(kind, labels.get(kind, str(label))) for kind, label in DeadlineKind.choices]


# --- the selector ---------------------------------------------------------------------------------


OVERDUE, TODAY, WEEK, LATER = "overdue", "today", "week", "later"
GROUP_TITLES = {
    OVERDUE: _("Overdue"),
    TODAY: _("Due today"),
    WEEK: _("Due this week"),
    LATER: _("Due later"),
}


@dataclass(frozen=True)
class WorkbenchItem:
    """One running clock as the workbench shows it."""

    deadline: Deadline
    owner: models.Model
    label: str
    url: str
    step: str
    agency: Organization | None
    state: str
    late: bool

    @property
    def due_on(self) -> datetime.date:
        return self.deadline.due_on

    @property
    def due_estimated(self) -> bool:
        return self.deadline.due_estimated

    @property
    def basis(self) -> str:
        return self.deadline.basis

    @property
    def kind(self) -> str:
        return self.deadline.kind

    @property
    def state_label(self) -> str:
        # A period granted to the subject or the public that ran out is "period over": nobody is late.
        if self.state == DeadlineStatus.OVERDUE and not self.deadline.binds_office:
            return str(_("Period over"))
        return str(DeadlineStatus(self.state).label)


@dataclass
class WorkbenchGroup:
    key: str
    title: str
    items: list[WorkbenchItem] = field(default_factory=list)


@dataclass
class Workbench:
    today: datetime.date
    week_end: datetime.date
    groups: list[WorkbenchGroup]

    @property
    def count(self) -> int:
        return sum(len(group.items) for group in self.groups)

    @property
    def empty(self) -> bool:
        return self.count == 0

    def group(self, key: str) -> WorkbenchGroup:
        return next(group for group in self.groups if group.key == key)


def _group_of(due_on: datetime.date, today: datetime.date, week_end: datetime.date) -> str:
    if due_on < today:
        return OVERDUE
    if due_on == today:
        return TODAY
    return WEEK if due_on <= week_end else LATER


def workbench_for(
    user,
    *,
    today: datetime.date | None = None,
    kinds: Iterable[str] | None = None,
    agency: Organization | None = None,
    due_from: datetime.date | None = None,
    due_to: datetime.date | None = None,
) -> Workbench:
    """The running clocks of the rows `user` may see that are overdue, due today or due within
    the next `WEEK_WORKING_DAYS` working days, soonest first, grouped.

    `kinds` keeps some kinds of clock, `agency` the rows of one organisation; `due_from` and
    `due_to` keep clocks due in that range (a `due_to` after the week also lists the clocks due
    later, in a group of their own). A paused clock is not due: it waits for its resumption."""
    today = today or timezone.localdate()
    week_end = add_working_days(today, WEEK_WORKING_DAYS)
    until = due_to or week_end
    kinds = list(kinds) if kinds is not None else None
    groups = {key: WorkbenchGroup(key, str(title)) for key, title in GROUP_TITLES.items()}
    for source in clock_owners():
        owners = source.visible(user)
        if agency is not None:
            if not source.agency_field:
                continue
            owners = owners.filter(**{source.agency_field: agency})
        clocks = Deadline.objects.filter(
            owner_type=ContentType.objects.get_for_model(source.model),
            owner_id__in=owners.values("pk"),
            status=DeadlineStatus.OPEN,
            due_on__lte=until,
        )
        if kinds is not None:
            clocks = clocks.filter(kind__in=kinds)
        if due_from is not None:
            clocks = clocks.filter(due_on__gte=due_from)
        clocks = list(clocks.order_by("due_on", "id"))
        if not clocks:
            continue
        rows = (
            source.model._default_manager.select_related(*source.select_related)
            .filter(pk__in={clock.owner_id for clock in clocks})
            .in_bulk()
        )
        for clock in clocks:
            owner = rows.get(clock.owner_id)
            if owner is None:
                continue
            state = clock.state_on(today)
            groups[_group_of(clock.due_on, today, week_end)].items.append(
                WorkbenchItem(
                    deadline=clock,
                    owner=owner,
                    label=source.label(owner),
                    url=source.url(owner),
                    step=source.step(owner, clock),
                    agency=source.agency(owner),
                    state=state,
                    late=clock.binds_office and state == DeadlineStatus.OVERDUE,
                )
            )
    for group in groups.values():
        group.items.sort(key=lambda item: (item.due_on, item.step, item.label, item.deadline.pk))
    return Workbench(today=today, week_end=week_end, groups=list(groups.values()))
