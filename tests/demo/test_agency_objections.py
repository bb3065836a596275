"""The demo step of the objections service agencies receive (`apps.demo.agency_objections`): one
open objection at the rating agency, marked, its decision on the clock; a second run adds nothing."""

import io

import pytest

from apps.core.choices import DeadlineKind, DeadlineStatus
from apps.core.deadlines import deadlines_of
from apps.demo import agency_objections
from apps.objections.choices import AgencyObjectionStatus
from apps.objections.models import AgencyObjection
from tests.service_agencies.factories import AgencyStaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]


def test_one_open_objection_at_the_rating_agency(policy):
    staff = AgencyStaffFactory(username="agency_rating")
    agency_objections.seed(io.StringIO())
    objection = AgencyObjection.objects.get()
    assert objection.agency == staff.organization and objection.status == AgencyObjectionStatus.MARKED
    clocks = {clock.kind: clock.status for clock in deadlines_of(objection)}
    assert clocks == {
        DeadlineKind.SERVICE_AGENCY_OBJECTION_MARK: DeadlineStatus.MET,
        DeadlineKind.SERVICE_AGENCY_OBJECTION_DECISION: DeadlineStatus.OPEN,
    }
    again = io.StringIO()
    agency_objections.seed(again)
    assert "nothing to add" in again.getvalue() and AgencyObjection.objects.count() == 1


def test_no_demo_staff_no_objection(policy):
    out = io.StringIO()
    agency_objections.seed(out)
    assert not AgencyObjection.objects.exists() and "no demo agency staff" in out.getvalue()
