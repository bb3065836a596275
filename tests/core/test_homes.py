"""The role homes list the work waiting for the user (issue 17 item 6): the objections and repair
applications with a step the user may take (as their transition tables offer it), the reports the
window issued, an agency's checks whose feedback is due (Nanjing art. 34, Ningbo art. 29)."""

import pytest
from django.urls import reverse

from apps.core.choices import QueryChannel, QueryMode, QueryPurpose
from apps.core.querylog import LookupRequest
from apps.subjects.reports import credit_report_issue
from tests.objections import factories as objection_factories
from tests.repair import factories as repair_factories

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]


def _home(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("core:home")).content.decode()


def test_the_clerk_home_lists_the_objections_waiting_for_the_clerk_and_the_reports_issued(client, policy):
    world = objection_factories.make_world()
    received = objection_factories.file_objection(world)
    forwarded = objection_factories.forwarded(world, records=[world.record_b], agency=world.agency_b)
    page = _home(client, world.clerk)
    assert received.number in page  # the clerk accepts it
    assert forwarded.number not in page  # the agency answers it: not the clerk's step
    assert "信用报告" in page and "窗口出具的信用报告将列在这里" in page
    report, _html = credit_report_issue(
        LookupRequest(
            user=world.clerk,
            mode=QueryMode.GOVERNMENT,
            purpose=QueryPurpose.OBJECTION_PROCESSING,
            channel=QueryChannel.WEB,
        ),
        world.subject,
    )
    page = _home(client, world.clerk)
    assert report.code in page and "窗口出具的信用报告将列在这里" not in page


def test_a_repair_application_is_on_the_home_of_whoever_takes_its_next_step(client, policy):
    repairs = repair_factories.make_world()
    application = repair_factories.file_application(repairs)
    # Filed at the window, it waits for the determining agency's acceptance.
    assert application.number not in _home(client, repairs.clerk)
    assert application.number in _home(client, repairs.officer_a)
    assert application.number not in _home(client, repairs.officer_b)


def test_the_officer_home_lists_the_objections_forwarded_to_its_agency_only(client, policy):
    world = objection_factories.make_world()
    to_a = objection_factories.forwarded(world)
    to_b = objection_factories.forwarded(world, records=[world.record_b], agency=world.agency_b)
    page = _home(client, world.officer_a)
    assert to_a.number in page and to_b.number not in page
    assert to_b.number in _home(client, world.officer_b)


def test_the_officer_home_lists_its_checks_whose_feedback_is_due(client, policy):
    from rest_framework.test import APIClient

    from tests.factories import OfficerFactory
    from tests.sanctions.factories import make_world
    from tests.sanctions.test_api_views import _case

    world = make_world()
    _case(world, decide=True)
    checker, other = OfficerFactory(), OfficerFactory()
    api = APIClient()
    api.force_authenticate(checker)
    response = api.get(reverse("check-list"), {"identifier": world.company.identifier, "matter": "bidding"})
    assert response.status_code == 200 and response.json()["measures"]
    link = reverse("sanctions:check_detail", args=[response.json()["check_id"]])
    assert link in _home(client, checker)
    assert link not in _home(client, other)
    feedback = reverse("check-feedback", args=[response.json()["check_id"]])
    results = [{"measure": m["id"], "applied": True} for m in response.json()["measures"]]
    assert api.post(feedback, {"results": results}, format="json").status_code == 201
    assert link not in _home(client, checker)  # fed back: no longer waiting
