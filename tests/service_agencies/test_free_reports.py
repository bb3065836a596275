"""Free credit reports to natural persons (Tianjin art. 39 para. 2, Zhangye art. 50): the third in a
year from one agency to the same person is refused under those presets, citing the article;
Nanjing sets no number."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from apps.service_agencies.free_reports import free_report_record
from apps.service_agencies.models import FreeReport
from tests.factories import ClerkFactory, make_citizen_id
from tests.service_agencies.factories import AgencyStaffFactory, FreeReportFactory

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]

PERSON = make_citizen_id(7)


def _give(staff, identifier=PERSON, day=None):
    return free_report_record(
        by=staff, person_identifier=identifier, person_name="张三", given_on=day, reason="免费提供本人信用报告"
    )


@pytest.mark.parametrize(("city", "article"), [("tianjin", "第三十九条"), ("zhangye", "第五十条")])
def test_the_third_free_report_in_a_year_to_the_same_person_is_refused_citing_the_article(
    settings, policy, city, article
):
    settings.CREDIT_POLICY = city
    staff = AgencyStaffFactory()
    _give(staff, day=datetime.date(2026, 1, 5))
    _give(staff, day=datetime.date(2026, 6, 5))
    with pytest.raises(ValidationError) as refused:
        _give(staff)
    assert article in refused.value.messages[0]
    assert FreeReport.objects.count() == 2
    # another person, the next year, another agency: each has its own count
    _give(staff, identifier=make_citizen_id(8))
    _give(staff, day=datetime.date(2025, 12, 31))
    _give(AgencyStaffFactory())
    assert FreeReport.objects.count() == 5


def test_nanjing_sets_no_number(policy):
    staff = AgencyStaffFactory()
    for _ in range(3):
        _give(staff)
    assert FreeReport.objects.count() == 3


def test_natural_persons_only_and_agency_staff_only(policy):
    staff = AgencyStaffFactory()
    with pytest.raises(ValidationError) as error:
        _give(staff, identifier=staff.organization.unified_code)
    assert "person_identifier" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        _give(ClerkFactory())


def test_tianjin_refusal_on_the_api_and_the_page(settings, policy, client):
    settings.CREDIT_POLICY = "tianjin"
    staff = AgencyStaffFactory()
    FreeReportFactory.create_batch(2, agency=staff.organization, person_identifier=PERSON)
    api = APIClient()
    api.force_authenticate(staff)
    body = {"person_identifier": PERSON, "person_name": "张三", "reason": "免费报告"}
    response = api.post("/api/v1/agencies/free-reports/", body, format="json")
    assert response.status_code == 400 and "第三十九条" in response.content.decode()
    client.force_login(staff)
    page = client.post(reverse("service_agencies:free_report_list"), body | {"given_on": "2026-12-02"})
    assert page.status_code == 200 and "第三十九条" in page.content.decode()
    # the identifiers are masked in the list and on the API
    listed = client.get(reverse("service_agencies:free_report_list")).content.decode()
    assert PERSON not in listed and PERSON[:6] in listed
    assert PERSON not in api.get("/api/v1/agencies/free-reports/").content.decode()
