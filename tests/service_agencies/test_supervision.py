"""Supervision of credit service agencies (Ningbo art. 52, Nanjing art. 69, Tianjin art. 47): the
authority's actions, the materials' clock, spot checks published on the registry, and a false
report restricting the agency."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from apps.core.choices import DeadlineKind, DeadlineStatus
from apps.core.deadlines import deadline_of
from apps.core.exceptions import Conflict
from apps.core.workdays import add_working_days
from apps.service_agencies import supervision
from apps.service_agencies.choices import ActionKind, Finding
from apps.service_agencies.models import SupervisionAction
from tests.factories import AuthorityUserFactory, ClerkFactory, OrganizationFactory
from tests.service_agencies.factories import (
    AgencyStaffFactory,
    RegistryFilingPublishedFactory,
    SupervisionActionFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]


def _spot_check(agency, finding, reasons=""):
    return supervision.supervision_record(
        by=AuthorityUserFactory(),
        agency=agency,
        kind=ActionKind.SPOT_CHECK,
        summary="抽查2026年度信用评级报告",
        report_number="CX-PJ-2026-018",
        report_date=datetime.date(2026, 10, 9),
        finding=finding,
        finding_reasons=reasons,
        basis="《南京市社会信用条例》第六十九条",
        reason="年度抽查",
    )


def test_a_request_for_materials_runs_on_the_shared_clock_until_received(policy):
    agency = AgencyStaffFactory().organization
    authority = AuthorityUserFactory()
    action = supervision.supervision_record(
        by=authority, agency=agency, kind=ActionKind.MATERIALS, summary="提交评级业务底稿", reason="调取材料"
    )
    clock = deadline_of(action, DeadlineKind.AGENCY_MATERIALS)
    assert clock.due_on == add_working_days(datetime.date(2026, 12, 2), policy.agency_materials_days)
    assert clock.status == DeadlineStatus.OPEN
    supervision.materials_receive(action, by=authority, reason="已收到")
    clock = deadline_of(action, DeadlineKind.AGENCY_MATERIALS)
    assert clock.status == DeadlineStatus.MET and action.materials_received_on == datetime.date(2026, 12, 2)
    with pytest.raises(Conflict):
        supervision.materials_receive(action, by=authority, reason="再次")


def test_a_compliant_spot_check_is_published_and_restricts_nothing(client, policy):
    filing = RegistryFilingPublishedFactory()
    check = _spot_check(filing.agency, Finding.COMPLIANT)
    assert check.published_on == datetime.date(2026, 12, 2)
    assert supervision.restriction_in_force(filing.agency) is None
    page = client.get(reverse("service_agencies:public_registry")).content.decode()
    assert "CX-PJ-2026-018" in page and str(Finding.COMPLIANT.label) in page


def test_a_false_report_needs_reasons_and_restricts_the_agency(client, policy):
    filing = RegistryFilingPublishedFactory()
    with pytest.raises(ValidationError) as error:
        _spot_check(filing.agency, Finding.FALSE)
    assert "finding_reasons" in error.value.message_dict
    check = _spot_check(filing.agency, Finding.FALSE, reasons="评级结论与财务数据严重不符")
    restriction = supervision.restriction_in_force(filing.agency)
    assert restriction.kind == ActionKind.RESTRICTION and restriction.because_of == check
    # a second false report does not record a second restriction
    _spot_check(filing.agency, Finding.FALSE, reasons="再次发现")
    assert SupervisionAction.objects.filter(kind=ActionKind.RESTRICTION).count() == 1
    page = client.get(reverse("service_agencies:public_registry")).content.decode()
    assert "评级结论与财务数据严重不符" in page
    assert str(Finding.FALSE.label) in page


def test_a_spot_check_names_the_report_and_the_finding(policy):
    agency = AgencyStaffFactory().organization
    with pytest.raises(ValidationError) as error:
        supervision.supervision_record(
            by=AuthorityUserFactory(), agency=agency, kind=ActionKind.SPOT_CHECK, summary="抽查", reason="抽查"
        )
    assert {"report_number", "report_date", "finding"} <= set(error.value.message_dict)


def test_only_the_authority_records_and_only_on_service_agencies(policy):
    agency = AgencyStaffFactory().organization
    for user in (ClerkFactory(), AgencyStaffFactory(organization=agency)):
        with pytest.raises(PermissionDenied):
            supervision.supervision_record(
                by=user, agency=agency, kind=ActionKind.INSPECTION, summary="检查", reason="检查"
            )
    with pytest.raises(ValidationError) as error:
        supervision.supervision_record(
            by=AuthorityUserFactory(),
            agency=OrganizationFactory(),
            kind=ActionKind.INSPECTION,
            summary="检查",
            reason="x",
        )
    assert "agency" in error.value.message_dict


def test_agency_staff_see_the_actions_on_their_own_agency_only(client):
    mine, theirs = SupervisionActionFactory(), SupervisionActionFactory()
    staff = AgencyStaffFactory(organization=mine.agency)
    client.force_login(staff)
    assert client.get(reverse("service_agencies:action_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("service_agencies:action_detail", args=[theirs.pk])).status_code == 404
    api = APIClient()
    api.force_authenticate(staff)
    assert [row["id"] for row in api.get("/api/v1/agencies/supervision/").json()["results"]] == [mine.pk]
    assert api.get(f"/api/v1/agencies/supervision/{theirs.pk}/").status_code == 404
    clerk = APIClient()
    clerk.force_authenticate(ClerkFactory())
    assert {row["id"] for row in clerk.get("/api/v1/agencies/supervision/").json()["results"]} == {mine.pk, theirs.pk}
