"""`seed_demo` (apps.demo): organisations, one user per role, then each app's demo data, the same
on every run; never outside DEBUG."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.catalog.models import Catalog, CatalogItem
from apps.core.choices import DeadlineStatus
from apps.core.deadlines import deadlines_of
from apps.core.models import Organization, User
from apps.core.workdays import add_working_days
from apps.objections.choices import ObjectionStatus
from apps.objections.models import Objection
from apps.repair.models import RepairApplication
from apps.sanctions.choices import CaseStatus, ListType
from apps.sanctions.models import ListingCase
from apps.subjects.models import Commitment, CreditRecord, ImportBatch, Subject

pytestmark = pytest.mark.django_db

DEMO_USERNAMES = ["clerk", "officer_market", "officer_tax", "authority", "auditor", "agency_rating", "agency_report"]


def _counts() -> dict[str, int]:
    models = [
        Organization,
        User,
        Catalog,
        CatalogItem,
        Subject,
        CreditRecord,
        ImportBatch,
        Commitment,
        ListingCase,
        Objection,
    ]
    counts = {model.__name__: model.objects.count() for model in models}
    counts["ListingCase history"] = ListingCase.history.count()
    counts["Objection history"] = Objection.history.count()
    counts["RepairApplication history"] = RepairApplication.history.count()
    return counts


# The demo's records carry 2026 dates; the objections step disputes only records still disclosed.
@pytest.mark.today("2026-12-05T10:00")
def test_seed_demo_is_idempotent(settings):
    settings.DEBUG = True
    first = io.StringIO()
    call_command("seed_demo", stdout=first)
    after_first = _counts()
    second = io.StringIO()
    call_command("seed_demo", stdout=second)

    assert _counts() == after_first, second.getvalue()
    assert User.objects.filter(username__in=DEMO_USERNAMES).count() == 7
    # two credit service agencies with one staff user each
    assert Organization.objects.count() == 6
    # The sanctions step ran on the first run only, on the subjects step's records.
    cases = ListingCase.objects.values_list("list_type", "status")
    assert sorted(cases) == sorted(
        [
            (ListType.SERIOUS, CaseStatus.PUBLISHED),
            (ListType.SERIOUS, CaseStatus.NOTICE_ISSUED),
            (ListType.RED, CaseStatus.PUBLIC_NOTICE),
        ]
    ), first.getvalue()
    assert "nothing to add" in second.getvalue()
    assert "objections: demo objections already present; nothing to add" in second.getvalue()
    _one_objection_at_each_step_and_one_overdue()
    assert "repair: demo repair data already present; nothing to add" in second.getvalue()
    _one_repair_application_at_each_step()
    # The logins are printed on every run.
    for output in (first.getvalue(), second.getvalue()):
        assert all(f" {username} " in output for username in DEMO_USERNAMES)


def _one_objection_at_each_step_and_one_overdue():
    """The objections step: one objection in each state of its workflow, on the demo's records,
    and one received 20 working days ago and never handled, whose clocks are overdue."""
    today = timezone.localdate()
    objections = list(Objection.objects.select_related("subject").prefetch_related("records"))
    assert sorted(o.status for o in objections) == sorted([*ObjectionStatus.values, ObjectionStatus.RECEIVED])
    assert all(o.records.get().subject_id == o.subject_id for o in objections)
    overdue = [o for o in objections if any(d.state == DeadlineStatus.OVERDUE for d in deadlines_of(o))]
    assert len(overdue) == 1 and overdue[0].status == ObjectionStatus.RECEIVED
    # received on the 20th working day before today (a weekend counts from the Friday)
    received = overdue[0].received_on
    assert add_working_days(received, 19) < today <= add_working_days(received, 20)
    marked = Objection.objects.filter(status__in=(ObjectionStatus.MARKED, ObjectionStatus.FORWARDED))
    assert all(r.under_objection for o in marked for r in o.records.all())
    closed = Objection.objects.get(status=ObjectionStatus.CLOSED)
    assert closed.late_reason and not any(r.under_objection for r in closed.records.all())


def test_seed_demo_refuses_to_run_outside_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.filter(username__in=DEMO_USERNAMES).exists()


def _one_repair_application_at_each_step():
    """The repair step: one application in each state a demo walks to, each routed to the agency
    that determined its record, the repaired one's record no longer disclosed."""
    from apps.repair.choices import RepairStatus
    from apps.subjects.choices import RecordStatus

    applications = list(RepairApplication.objects.select_related("agency").prefetch_related("records"))
    assert sorted(a.status for a in applications) == sorted(
        [
            RepairStatus.RECEIVED,
            RepairStatus.REVIEWING,
            RepairStatus.MATERIAL,
            RepairStatus.DELIVERED,
            RepairStatus.NOT_REPAIRED,
            RepairStatus.REFUSED,
        ]
    )
    assert all(r.provider_id == a.agency_id for a in applications for r in a.records.all())
    delivered = RepairApplication.objects.get(status=RepairStatus.DELIVERED)
    assert {r.status for r in delivered.records.all()} == {RecordStatus.REPAIRED}


@pytest.mark.today("2026-12-05T10:00")
def test_seed_demo_publishes_one_agency_and_leaves_one_for_review(settings):
    from apps.service_agencies.choices import FilingStatus
    from apps.service_agencies.models import BusinessReport, RegistryFiling

    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    statuses = dict(RegistryFiling.objects.values_list("agency__short_name", "status"))
    assert statuses == {"诚信评级": FilingStatus.PUBLISHED, "明鉴信用": FilingStatus.FILED}
    assert BusinessReport.objects.count() == 1
    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert "service agencies: demo registry already present; nothing to add" in again.getvalue()
    assert RegistryFiling.objects.count() == 2
