"""The agency staff role (信用服务机构工作人员): its organisation kind, no lookup mode, no credit file,
nothing of the credit records on the API."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from apps.core.choices import QueryMode, Role
from apps.subjects.selectors import modes_for
from tests.factories import OfficerFactory, OrganizationFactory
from tests.service_agencies.factories import AgencyStaffFactory, ServiceAgencyOrgFactory

pytestmark = pytest.mark.django_db


def test_agency_staff_get_no_lookup_mode():
    staff = AgencyStaffFactory()
    assert modes_for(staff) == []
    assert QueryMode.GOVERNMENT in modes_for(OfficerFactory())


def test_agency_staff_belong_to_a_service_agency_only():
    staff = AgencyStaffFactory.build(organization=OrganizationFactory())
    with pytest.raises(ValidationError) as error:
        staff.clean()
    assert "role" in error.value.message_dict
    # and an officer does not belong to a service agency
    officer = OfficerFactory.build(organization=ServiceAgencyOrgFactory(), role=Role.OFFICER)
    with pytest.raises(ValidationError):
        officer.clean()


@pytest.mark.parametrize(
    "url", ["/api/v1/records/", "/api/v1/checks/", "/api/v1/objections/", "/api/v1/cases/", "/api/v1/users/"]
)
def test_agency_staff_read_nothing_of_the_credit_records_on_the_api(url):
    client = APIClient()
    client.force_authenticate(AgencyStaffFactory())
    assert client.get(url).status_code == 403


def test_agency_staff_cannot_look_a_subject_up_on_the_api(policy):
    client = APIClient()
    client.force_authenticate(AgencyStaffFactory())
    response = client.get("/api/v1/subjects/lookup/", {"identifier": "91320100MA1XY0001L", "mode": "government"})
    assert response.status_code == 403
