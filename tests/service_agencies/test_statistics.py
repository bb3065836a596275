"""Statistics of the credit service agencies (issue 14 item 8): agencies on the registry, actions by
kind and spot checks by finding, per agency and period; an agency's staff see their own row."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from apps.service_agencies import services_batch
from apps.service_agencies.choices import ActionKind, FilingStatus, Finding
from apps.service_agencies.statistics import agency_statistics, headers
from tests.factories import AuthorityUserFactory, ClerkFactory
from tests.service_agencies.factories import (
    AgencyStaffFactory,
    BatchQueryApplicationFactory,
    BatchQueryApprovedFactory,
    RegistryFilingPublishedFactory,
    ServiceAgencyOrgFactory,
    SupervisionActionFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]
START, END = datetime.date(2026, 1, 1), datetime.date(2026, 12, 2)


@pytest.fixture
def sector(policy):
    a = RegistryFilingPublishedFactory(published_on=datetime.date(2026, 3, 1)).agency
    b = RegistryFilingPublishedFactory(published_on=datetime.date(2026, 3, 2)).agency
    # removed in the period: not on the registry at its end
    c = RegistryFilingPublishedFactory(
        published_on=datetime.date(2025, 5, 1), status=FilingStatus.REMOVED, removed_on=datetime.date(2026, 6, 1)
    ).agency
    # batch queries: one received in the period, one approved and run in it, one received before it
    BatchQueryApplicationFactory(agency=b, received_on=datetime.date(2026, 8, 1))
    approved = BatchQueryApprovedFactory(
        agency=a, received_on=datetime.date(2026, 8, 2), decided_on=datetime.date(2026, 8, 3)
    )
    services_batch.batch_run(approved, by=AgencyStaffFactory(organization=a))
    BatchQueryApplicationFactory(agency=a, received_on=datetime.date(2025, 12, 1))
    for agency, kind, finding, day in (
        (a, ActionKind.INSPECTION, "", datetime.date(2026, 4, 1)),
        (a, ActionKind.SPOT_CHECK, Finding.COMPLIANT, datetime.date(2026, 5, 1)),
        (a, ActionKind.SPOT_CHECK, Finding.FALSE, datetime.date(2026, 6, 1)),
        (b, ActionKind.SPOT_CHECK, Finding.COMPLIANT, datetime.date(2026, 7, 1)),
        (b, ActionKind.INTERVIEW, "", datetime.date(2025, 12, 31)),  # before the period
        (c, ActionKind.PENALTY, "", datetime.date(2026, 2, 1)),
    ):
        SupervisionActionFactory(agency=agency, kind=kind, finding=finding, taken_on=day)
    return a, b, c


def _cells(rows):
    return {row.cells()[0]: row.cells()[1:] for row in rows}


def test_each_agency_counts_its_actions_and_findings_in_the_period_and_the_total_sums_them(sector):
    a, b, c = sector
    table = _cells(agency_statistics(user=ClerkFactory(), start=START, end=END))
    kinds = list(ActionKind.values)
    width = len(kinds) + 2

    def expected(registered, findings=(0, 0), batch=(0, 0, 0, 0), **actions):
        row = [registered] + [actions.get(kind, 0) for kind in kinds] + list(findings) + list(batch)
        assert len(row) == width + 5
        return row

    # the demo factory's batch holds 3 subjects: one run looks up 3
    assert table[str(a)] == expected("是", findings=(1, 1), batch=(1, 1, 1, 3), inspection=1, spot_check=2)
    assert table[str(b)] == expected("是", findings=(1, 0), batch=(1, 0, 0, 0), spot_check=1)
    assert table[str(c)] == expected("否", penalty=1)
    assert table["合计"] == expected(2, findings=(2, 1), batch=(2, 1, 1, 3), inspection=1, spot_check=3, penalty=1)
    # a period ending before the removal still finds the third agency on the registry
    earlier = _cells(agency_statistics(user=ClerkFactory(), start=START, end=datetime.date(2026, 5, 31)))
    assert earlier["合计"][0] == 3


def test_an_agencys_staff_see_their_own_row_and_the_export_has_the_pages_columns(client, sector):
    a, b, _c = sector
    client.force_login(AgencyStaffFactory(organization=a))
    page = client.get(reverse("service_agencies:statistics"))
    assert page.status_code == 200
    body = page.content.decode()
    assert str(a) in body and str(b) not in body
    client.force_login(AuthorityUserFactory())
    export = client.get(reverse("service_agencies:statistics"), {"format": "csv", "start": "2026-01-01"})
    assert export["Content-Disposition"] == 'attachment; filename="agencies-2026-01-01-2026-12-02.csv"'
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0] == headers() and len(rows) == 5


def test_a_period_ending_before_it_starts_is_refused_naming_the_field(client):
    client.force_login(ClerkFactory())
    page = client.get(reverse("service_agencies:statistics"), {"start": "2026-06-01", "end": "2026-01-01"})
    assert page.status_code == 200
    assert page.context["form"].errors == {"end": ["期间的结束日期须晚于开始日期。"]}
    assert page.context["start"] == START


def test_no_agency_in_view_shows_the_empty_state(client):
    ServiceAgencyOrgFactory()
    client.force_login(ClerkFactory())
    page = client.get(reverse("service_agencies:statistics"))
    assert [row.cells()[:2] for row in page.context["rows"]] == [["合计", 0]]
    assert "本期间没有可查看的在册机构，也没有监管措施。" in page.content.decode()
