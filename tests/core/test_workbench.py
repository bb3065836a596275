"""The deadline workbench (`apps.core.workbench`, `/workbench/`): the running clocks of what a
user may see across apps, grouped as overdue, due today and due this week; its filters; the
apps' `workbench.py` declarations."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from apps.core.audit import audited_save
from apps.core.choices import DeadlineKind, DeadlineStatus
from apps.core.deadlines import deadline_meet, deadline_open
from apps.core.permissions import grant_case
from apps.core.workbench import LATER, OVERDUE, TODAY, WEEK, clock_owner_for, clock_owners, step_choices, workbench_for
from apps.sanctions.choices import CaseStatus, ListType
from apps.sanctions.models import ListingCase
from apps.sanctions.workbench import ListingCaseClocks
from apps.subjects.choices import BatchStatus
from apps.subjects.models import ImportBatch
from apps.subjects.workbench import ImportBatchClocks
from tests.catalog.factories import CatalogItemFactory
from tests.factories import AuditorFactory, ClerkFactory, OfficerFactory, OrganizationFactory
from tests.subjects.factories import CompanyFactory

D = dt.date
pytestmark = pytest.mark.django_db

# Monday 2 November 2026; five working days on is Monday 9 November.
MONDAY = "2026-11-02T10:00"


def _case(org) -> ListingCase:
    """A list case of `org`, granted to its officers as the services grant a filed case."""
    case = ListingCase(
        list_type=ListType.SERIOUS,
        subject=CompanyFactory(),
        deciding_org=org,
        status=CaseStatus.NOTICE_ISSUED,
        facts="事实",
        legal_basis="依据",
    )
    audited_save(case, by=None, reason="test case")
    grant_case(case, org)
    return case


def _batch(org) -> ImportBatch:
    batch = ImportBatch(provider=org, item=CatalogItemFactory(), status=BatchStatus.SUBMITTED)
    return audited_save(batch, by=None, reason="test batch")


def _clock(owner, kind, start):
    deadline_open(owner, kind, start=start, by=None, reason="test: clock opened")
    return owner


@pytest.fixture
def scene(policy):
    """Agencies A and B, with clocks of both apps (Nanjing: 5 working days each)."""
    a = OrganizationFactory(name="甲市场监督管理局", short_name="甲局")
    b = OrganizationFactory(name="乙税务局", short_name="乙局")
    s = SimpleNamespace(a=a, b=b)
    s.late_batch = _clock(_batch(a), DeadlineKind.INTEGRATION, D(2026, 10, 23))  # due 10-30: overdue
    s.lapsed_case = _clock(_case(b), DeadlineKind.STATEMENT, D(2026, 10, 20))  # due 10-27: period over
    s.today_batch = _clock(_batch(b), DeadlineKind.INTEGRATION, D(2026, 10, 26))  # due 11-02
    s.week_case = _clock(_case(a), DeadlineKind.STATEMENT, D(2026, 11, 2))  # due 11-09
    s.later_case = _clock(_case(a), DeadlineKind.STATEMENT, D(2026, 11, 3))  # due 11-10: after the week
    s.met_batch = _clock(_batch(a), DeadlineKind.INTEGRATION, D(2026, 10, 20))
    deadline_meet(s.met_batch, DeadlineKind.INTEGRATION, on=D(2026, 10, 21), by=None, reason="整合")
    return s


def _owners(workbench, key):
    return [item.owner for item in workbench.group(key).items]


def _all_owners(workbench):
    return [item.owner for group in workbench.groups for item in group.items]


# --- the registry -------------------------------------------------------------------------------


def test_the_apps_declare_their_clock_owners():
    declared = {type(owner) for owner in clock_owners()}
    assert {ListingCaseClocks, ImportBatchClocks} <= declared
    assert isinstance(clock_owner_for(ListingCase), ListingCaseClocks)
    assert isinstance(clock_owner_for(ImportBatch), ImportBatchClocks)
    # The step filter names each kind as the workbench's step column does.
    steps = dict(step_choices())
    assert steps[DeadlineKind.INTEGRATION] == str(ImportBatchClocks.step_labels[DeadlineKind.INTEGRATION])
    assert set(steps) == set(DeadlineKind.values)


@pytest.mark.today(MONDAY)
def test_the_responsible_users_are_the_deciding_agencys_officers_and_the_clerks(scene):
    mine, colleague, other = (
        OfficerFactory(organization=scene.a),
        OfficerFactory(organization=scene.a),
        OfficerFactory(),
    )
    clerk, _inactive = ClerkFactory(), ClerkFactory(is_active=False)
    case_clock = scene.week_case.deadlines.get()
    batch_clock = scene.late_batch.deadlines.get()
    assert set(ListingCaseClocks().responsible(scene.week_case, case_clock)) == {mine, colleague}
    assert other not in set(ListingCaseClocks().responsible(scene.week_case, case_clock))
    assert set(ImportBatchClocks().responsible(scene.late_batch, batch_clock)) == {clerk}


# --- the selector -------------------------------------------------------------------------------


@pytest.mark.today(MONDAY)
def test_clocks_are_grouped_as_overdue_due_today_and_due_this_week(scene):
    clerk = ClerkFactory()
    workbench = workbench_for(clerk)
    assert workbench.today == D(2026, 11, 2) and workbench.week_end == D(2026, 11, 9)
    assert _owners(workbench, OVERDUE) == [scene.lapsed_case, scene.late_batch]  # 10-27, 10-30
    assert _owners(workbench, TODAY) == [scene.today_batch]
    assert _owners(workbench, WEEK) == [scene.week_case]
    assert _owners(workbench, LATER) == []  # 11-10 is after the week; met clocks never show
    assert workbench.count == 4

    lapsed, late = workbench.group(OVERDUE).items
    # The office is late on an integration; a statement period that ran out is nobody's fault.
    assert late.state == DeadlineStatus.OVERDUE and late.late
    assert lapsed.state == DeadlineStatus.OVERDUE and not lapsed.late
    assert lapsed.state_label != late.state_label
    assert late.step == str(ImportBatchClocks.step_labels[DeadlineKind.INTEGRATION])
    assert lapsed.step == str(ListingCaseClocks.step_labels[DeadlineKind.STATEMENT])
    assert late.url == reverse("subjects:batch_detail", args=[scene.late_batch.pk])
    assert lapsed.url == reverse("sanctions:case_detail", args=[scene.lapsed_case.pk])
    assert (late.agency, lapsed.agency) == (scene.a, scene.b)
    assert late.due_on == D(2026, 10, 30) and not late.due_estimated and late.basis
    assert late.label.startswith(f"#{scene.late_batch.pk} ")
    assert scene.lapsed_case.subject.display_name in lapsed.label


@pytest.mark.today("2026-11-06T10:00")
def test_the_week_is_counted_in_working_days(scene):
    """On Friday 6 November, five working days reach Friday 13 November: the clock due on
    Monday 9 and the one due Tuesday 10 are both this week; on Monday they were not."""
    workbench = workbench_for(ClerkFactory())
    assert workbench.week_end == D(2026, 11, 13)
    assert _owners(workbench, WEEK) == [scene.week_case, scene.later_case]
    assert scene.today_batch in _owners(workbench, OVERDUE)


@pytest.mark.today(MONDAY)
def test_an_officer_never_sees_another_agencys_clocks(scene):
    officer_a, officer_b = OfficerFactory(organization=scene.a), OfficerFactory(organization=scene.b)
    seen_by_a = _all_owners(workbench_for(officer_a))
    assert seen_by_a == [scene.late_batch, scene.week_case]
    assert scene.lapsed_case not in seen_by_a and scene.today_batch not in seen_by_a
    assert _all_owners(workbench_for(officer_b)) == [scene.lapsed_case, scene.today_batch]
    # Asking for B's agency does not reveal B's clocks to A.
    assert _all_owners(workbench_for(officer_a, agency=scene.b)) == []
    # The auditor reads everything.
    assert len(_all_owners(workbench_for(AuditorFactory()))) == 4


@pytest.mark.today(MONDAY)
def test_filters_narrow_by_kind_agency_and_due_range(scene):
    clerk = ClerkFactory()
    assert _all_owners(workbench_for(clerk, kinds=[DeadlineKind.INTEGRATION])) == [
        scene.late_batch,
        scene.today_batch,
    ]
    assert _all_owners(workbench_for(clerk, agency=scene.a)) == [scene.late_batch, scene.week_case]
    assert _all_owners(workbench_for(clerk, due_from=D(2026, 10, 28), due_to=D(2026, 11, 2))) == [
        scene.late_batch,
        scene.today_batch,
    ]
    # A range past the week lists the clocks due later in a group of their own.
    later = workbench_for(clerk, due_from=D(2026, 11, 3), due_to=D(2026, 11, 30))
    assert _owners(later, WEEK) == [scene.week_case] and _owners(later, LATER) == [scene.later_case]


@pytest.mark.today(MONDAY)
def test_one_deadline_query_and_one_owner_query_per_model_whatever_the_number_of_clocks(scene):
    clerk = ClerkFactory()
    workbench_for(clerk)  # content types cached, as in a running server
    with CaptureQueriesContext(connection) as few:
        workbench_for(clerk)
    for day in (26, 27, 28):
        _clock(_batch(scene.a), DeadlineKind.INTEGRATION, D(2026, 10, day))
        _clock(_case(scene.b), DeadlineKind.STATEMENT, D(2026, 10, day))
    with CaptureQueriesContext(connection) as many:
        assert workbench_for(clerk).count == 10
    assert len(many) == len(few)
    assert len(few) <= 2 * len(clock_owners()) + 2  # permission lookups of the user: cached after the first


# --- the page -----------------------------------------------------------------------------------


@pytest.mark.today(MONDAY)
def test_the_page_lists_the_officers_own_clocks_only(client, scene):
    client.force_login(OfficerFactory(organization=scene.a))
    response = client.get(reverse("core:workbench"))
    page = response.content.decode()
    assert response.status_code == 200
    assert reverse("subjects:batch_detail", args=[scene.late_batch.pk]) in page
    assert reverse("sanctions:case_detail", args=[scene.week_case.pk]) in page
    assert reverse("sanctions:case_detail", args=[scene.lapsed_case.pk]) not in page
    assert reverse("subjects:batch_detail", args=[scene.today_batch.pk]) not in page
    assert 'id="group-overdue"' in page and 'id="group-week"' in page and 'id="group-today"' not in page
    assert "2026-10-30" in page and "甲局" in page and "乙局" not in page


@pytest.mark.today(MONDAY)
def test_the_page_filters_and_reports_bad_input_as_form_errors(client, scene):
    client.force_login(ClerkFactory())
    url = reverse("core:workbench")
    narrowed = client.get(url, {"kind": "integration", "agency": scene.b.pk}).content.decode()
    assert reverse("subjects:batch_detail", args=[scene.today_batch.pk]) in narrowed
    assert reverse("subjects:batch_detail", args=[scene.late_batch.pk]) not in narrowed
    assert reverse("sanctions:case_detail", args=[scene.lapsed_case.pk]) not in narrowed
    for bad in ({"due_from": "2026-13-45"}, {"kind": "bogus"}, {"agency": "999999"}, {"agency": "x"}):
        response = client.get(url, bad)
        assert response.status_code == 200, bad
        page = response.content.decode()
        assert 'class="errors"' in page, bad
        # Invalid input leaves the list unfiltered.
        assert reverse("subjects:batch_detail", args=[scene.late_batch.pk]) in page, bad


@pytest.mark.today(MONDAY)
def test_an_officer_cannot_pick_another_agency_in_the_filter(client, scene):
    client.force_login(OfficerFactory(organization=scene.a))
    page = client.get(reverse("core:workbench"), {"agency": scene.b.pk}).content.decode()
    assert 'class="errors"' in page and "乙税务局" not in page
    assert reverse("sanctions:case_detail", args=[scene.lapsed_case.pk]) not in page


@pytest.mark.today(MONDAY)
def test_the_page_says_when_nothing_is_due(client, policy):
    client.force_login(OfficerFactory())
    page = client.get(reverse("core:workbench")).content.decode()
    with translation.override("zh-hans"):
        nothing = gettext("Nothing is due: no deadline you can see is overdue, due today or due this week.")
    assert nothing in page and "<table" not in page
    assert nothing != "Nothing is due: no deadline you can see is overdue, due today or due this week."


@pytest.mark.today(MONDAY)
def test_the_page_is_in_the_navigation_of_every_role(client, policy):
    for user in (ClerkFactory(), OfficerFactory(), AuditorFactory()):
        client.force_login(user)
        assert f'href="{reverse("core:workbench")}"' in client.get(reverse("core:home")).content.decode()
    client.logout()
    assert client.get(reverse("core:workbench")).status_code == 302
