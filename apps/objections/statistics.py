"""Objection statistics (异议处理情况统计) per period and agency: what was received, accepted,
refused and decided, and how each step kept its time limit (issue 12 item 8). Counts only: no
subject, applicant or record is named, so reading them is not a lookup of anyone's credit file.

An objection counts under the organisation that handles it: the providing agency it was forwarded
to, otherwise its handler (the credit office, or the agency it was filed with directly). Each
figure counts what happened in the period, on the day it happened:

- received: the day of receipt;
- accepted: the day it was first marked (its history);
- not accepted: the day the refusal was issued;
- corrected, deleted, kept: the day of the decision;
- per step (one statutory clock each): met on time or met late in the period, and overdue — still
  running, its due date in the period and already past.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, Count, IntegerField, Min, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from apps.core.choices import DeadlineKind, DeadlineStatus, OrganizationKind
from apps.core.models import Organization
from apps.core.models_deadlines import Deadline
from apps.core.permissions import restrict
from apps.objections.choices import ObjectionStatus, Outcome
from apps.objections.models import Objection

# The clocks of an objection, in the order of its steps, with a short name for a column.
STEPS = (
    (DeadlineKind.OBJECTION_MARK, pgettext_lazy("objection step", "Mark")),
    (DeadlineKind.OBJECTION_DECISION, pgettext_lazy("objection step", "Office's own decision")),
    (DeadlineKind.OBJECTION_FORWARD, pgettext_lazy("objection step", "Forwarding")),
    (DeadlineKind.OBJECTION_ANSWER, pgettext_lazy("objection step", "Agency's answer")),
    (DeadlineKind.OBJECTION_OVERALL, pgettext_lazy("objection step", "Overall limit")),
    (DeadlineKind.OBJECTION_INFORM, pgettext_lazy("objection step", "Telling the applicant")),
    (DeadlineKind.OBJECTION_DIRECT, pgettext_lazy("objection step", "Filed with the agency")),
)
COUNTS = (
    ("received", pgettext_lazy("objections counted", "Received")),
    ("accepted", pgettext_lazy("objections counted", "Accepted")),
    ("refused", pgettext_lazy("objections counted", "Not accepted")),
    ("corrected", pgettext_lazy("objections counted", "Corrected")),
    ("deleted", pgettext_lazy("objections counted", "Deleted")),
    ("kept", pgettext_lazy("objections counted", "Kept")),
)
HANDLED_BY = gettext_lazy("Handled by")
TOTAL = gettext_lazy("Total")


@dataclass
class StepCount:
    on_time: int = 0
    late: int = 0
    overdue: int = 0

    def add(self, other: StepCount) -> None:
        self.on_time += other.on_time
        self.late += other.late
        self.overdue += other.overdue


@dataclass
class StatisticsRow:
    """One organisation's figures (`organization` None: the total of the rows above)."""

    organization: Organization | None
    received: int = 0
    accepted: int = 0
    refused: int = 0
    corrected: int = 0
    deleted: int = 0
    kept: int = 0
    steps: dict[str, StepCount] = field(default_factory=lambda: {kind: StepCount() for kind, _label in STEPS})

    @property
    def name(self) -> str:
        return self.organization.name if self.organization else str(TOTAL)

    @property
    def step_counts(self) -> list[StepCount]:
        return [self.steps[kind] for kind, _label in STEPS]

    def cells(self) -> list:
        cells = [self.name, *(getattr(self, name) for name, _label in COUNTS)]
        for count in self.step_counts:
            cells += [count.on_time, count.late, count.overdue]
        return cells


def statistics_headers() -> list[str]:
    """The columns of the exported table, one per figure (the page groups a step's three)."""
    headers = [str(HANDLED_BY), *(str(label) for _name, label in COUNTS)]
    for _kind, label in STEPS:
        headers += [
            _("%(step)s: on time") % {"step": label},
            _("%(step)s: late") % {"step": label},
            _("%(step)s: overdue") % {"step": label},
        ]
    return headers


def statistics_organizations(user) -> QuerySet[Organization]:
    """The organisations that handle objections and that `user` may see (an officer: its own),
    the credit office first."""
    office_first = Case(
        When(kind=OrganizationKind.CREDIT_OFFICE, then=Value(0)), default=1, output_field=IntegerField()
    )
    return restrict(
        Organization.objects.filter(kind__in=(OrganizationKind.CREDIT_OFFICE, OrganizationKind.AGENCY)), user
    ).order_by(office_first, "name")


def _day_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start 00:00, the day after end 00:00) in the local time zone."""
    begin = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    return begin, timezone.make_aware(datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min))


def objection_statistics(
    *,
    user,
    start: datetime.date,
    end: datetime.date,
    organizations: QuerySet[Organization] | None = None,
    today: datetime.date | None = None,
) -> list[StatisticsRow]:
    """One row per organisation `user` may see (of `organizations`, when given), with the
    objections `user` may see, counted over [start, end]; a total row follows when there are
    several."""
    today = today or timezone.localdate()
    shown = statistics_organizations(user)
    if organizations is not None:
        shown = shown.filter(pk__in=organizations.values("pk"))
    rows = {org.pk: StatisticsRow(org) for org in shown}
    objections = (
        restrict(Objection.objects.all(), user)
        .annotate(agency=Coalesce("forwarded_to", "handler"))
        .filter(agency__in=list(rows))
        .order_by()
    )

    def tally(queryset, attribute: str) -> None:
        for agency, count in queryset.values_list("agency").annotate(n=Count("pk")).values_list("agency", "n"):
            setattr(rows[agency], attribute, getattr(rows[agency], attribute) + count)

    tally(objections.filter(received_on__range=(start, end)), "received")
    begin, stop = _day_bounds(start, end)
    first_marked = (
        Objection.history.filter(status=ObjectionStatus.MARKED)
        .values("id")
        .annotate(first=Min("history_date"))
        .filter(first__gte=begin, first__lt=stop)
        .values("id")
    )
    tally(objections.filter(pk__in=first_marked), "accepted")
    tally(objections.filter(status=ObjectionStatus.REFUSED, informed_on__range=(start, end)), "refused")
    for outcome in Outcome:
        tally(objections.filter(outcome=outcome, decided_on__range=(start, end)), outcome.value)

    clocks = (
        Deadline.objects.filter(
            owner_type=ContentType.objects.get_for_model(Objection), kind__in=[kind for kind, _label in STEPS]
        )
        .annotate(agency=Subquery(objections.filter(pk=OuterRef("owner_id")).values("agency")[:1]))
        .filter(agency__isnull=False)
        .order_by()
    )
    met = clocks.filter(status__in=(DeadlineStatus.MET, DeadlineStatus.MET_LATE), met_on__range=(start, end))
    for agency, kind, status, count in met.values_list("agency", "kind", "status").annotate(n=Count("id")):
        step = rows[agency].steps[kind]
        if status == DeadlineStatus.MET:
            step.on_time += count
        else:
            step.late += count
    overdue = clocks.filter(status=DeadlineStatus.OPEN, due_on__range=(start, end), due_on__lt=today)
    for agency, kind, count in overdue.values_list("agency", "kind").annotate(n=Count("id")):
        rows[agency].steps[kind].overdue += count

    result = list(rows.values())
    if len(result) > 1:
        total = StatisticsRow(None)
        for row in result:
            for name, _label in COUNTS:
                setattr(total, name, getattr(total, name) + getattr(row, name))
            for kind, count in row.steps.items():
                total.steps[kind].add(count)
        result.append(total)
    return result
