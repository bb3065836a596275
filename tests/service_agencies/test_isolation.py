"""Acceptance (issue 14): the staff of agency A never see B's filings or business information —
web, admin and API answer 404 (or the admin's "does not exist") — and open no credit file; a
clerk sees all; the public registry lists only published agencies."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.core.choices import QueryMode, QueryPurpose
from apps.core.models import QueryLog
from tests.factories import AuthorityUserFactory, ClerkFactory
from tests.service_agencies.factories import (
    AgencyStaffFactory,
    BusinessReportFactory,
    RegistryFilingAcceptedFactory,
    RegistryFilingFactory,
    RegistryFilingPublishedFactory,
)
from tests.subjects.factories import CompanyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_agencies():
    a, b = RegistryFilingFactory(), RegistryFilingPublishedFactory()
    BusinessReportFactory(agency=a.agency)
    BusinessReportFactory(agency=b.agency)
    return a, b, AgencyStaffFactory(organization=a.agency)


def test_staff_of_a_never_see_bs_filing_on_the_web(client, two_agencies):
    a, b, staff = two_agencies
    client.force_login(staff)
    page = client.get(reverse("service_agencies:filing_list"))
    assert page.status_code == 200
    assert a.number.encode() in page.content and b.number.encode() not in page.content
    assert b.agency.name.encode() not in page.content  # nor its business information
    assert client.get(reverse("service_agencies:filing_detail", args=[b.pk])).status_code == 404
    step = reverse("service_agencies:filing_step", args=[b.pk, "remove"])
    assert client.post(step, {"reason": "x", "removal_reason": "x"}).status_code == 404
    assert client.get(reverse("service_agencies:filing_detail", args=[a.pk])).status_code == 200


def test_staff_of_a_never_see_bs_filing_in_the_admin(client, two_agencies):
    a, b, staff = two_agencies
    client.force_login(staff)
    listing = client.get(reverse("admin:service_agencies_registryfiling_changelist"))
    assert listing.status_code == 200
    assert a.number.encode() in listing.content and b.number.encode() not in listing.content
    response = client.get(reverse("admin:service_agencies_registryfiling_change", args=[b.pk]))
    assert response.status_code == 302 and response.url == reverse("admin:index")
    assert client.get(reverse("admin:service_agencies_registryfiling_change", args=[a.pk])).status_code == 200


def test_staff_of_a_never_see_bs_filing_on_the_api(two_agencies):
    a, b, staff = two_agencies
    client = APIClient()
    client.force_authenticate(staff)
    listed = client.get("/api/v1/agencies/filings/").json()["results"]
    assert [row["id"] for row in listed] == [a.pk]
    assert client.get(f"/api/v1/agencies/filings/{b.pk}/").status_code == 404
    assert client.post(f"/api/v1/agencies/filings/{b.pk}/resubmit/", {"reason": "x"}).status_code == 404
    reports = client.get("/api/v1/agencies/business-reports/").json()["results"]
    assert {row["agency"] for row in reports} == {a.agency_id}


def test_agency_staff_open_no_credit_file(client, policy):
    staff, company = AgencyStaffFactory(), CompanyFactory()
    client.force_login(staff)
    lookup = {"mode": QueryMode.GOVERNMENT, "purpose": QueryPurpose.ADMINISTRATIVE_LICENSING}
    assert client.post(reverse("subjects:credit_file", args=[company.pk]), lookup).status_code == 403
    assert client.get(reverse("subjects:search"), {"q": company.name}).status_code == 403
    api = APIClient()
    api.force_authenticate(staff)
    response = api.get("/api/v1/subjects/lookup/", {"identifier": company.identifier, "mode": "government"})
    assert response.status_code == 403
    assert not QueryLog.objects.filter(user=staff).exists()


def test_a_clerk_and_the_authority_see_every_filing(client, two_agencies):
    a, b, _staff = two_agencies
    for user in (ClerkFactory(), AuthorityUserFactory()):
        client.force_login(user)
        page = client.get(reverse("service_agencies:filing_list"))
        assert a.number.encode() in page.content and b.number.encode() in page.content
        assert client.get(reverse("service_agencies:filing_detail", args=[b.pk])).status_code == 200
        api = APIClient()
        api.force_authenticate(user)
        assert {row["id"] for row in api.get("/api/v1/agencies/filings/").json()["results"]} == {a.pk, b.pk}


def test_the_public_registry_shows_only_published_agencies(client):
    published = RegistryFilingPublishedFactory(name="南京公开评级有限公司")
    filed = RegistryFilingFactory(name="南京待审评级有限公司")
    accepted = RegistryFilingAcceptedFactory(name="南京已受理评级有限公司")
    removed = RegistryFilingPublishedFactory(name="南京已移出评级有限公司", status="removed", removal_reason="虚假报告")
    page = client.get(reverse("service_agencies:public_registry"))
    assert page.status_code == 200
    assert published.name.encode() in page.content
    for hidden in (filed, accepted, removed):
        assert hidden.name.encode() not in page.content
