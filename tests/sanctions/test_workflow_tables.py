"""The three list lifecycles, walked from their transition tables (Nanjing arts. 37 and 40–43,
Tianjin art. 28, Ningbo art. 28): for every (state, step) pair, a step from a state the table does
not list is a 409 that changes nothing, and a step from a state it lists is offered to the user its
rule names (open, or saying why not yet). The end-to-end tests in test_services.py take each step."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from apps.core.audit import audited_save
from apps.core.exceptions import Conflict
from apps.core.workflow import walk
from apps.sanctions import services
from apps.sanctions.choices import CaseStatus, ListType
from apps.sanctions.workflows import WORKFLOWS, open_states, workflow_for
from tests.factories import AuditorFactory, AuthorityUserFactory, ClerkFactory, OfficerFactory
from tests.sanctions.factories import make_world

pytestmark = pytest.mark.django_db

TABLES = {workflow: list_type for list_type, workflow in WORKFLOWS.items()}


@pytest.fixture
def world(policy):
    return make_world()


def _case(world, list_type: str, state: str):
    """A case of `list_type` put straight into `state` (the table test is about the table, not
    about how the case got there)."""
    case = services.case_open(
        by=world.officer,
        list_type=ListType.SERIOUS,
        subject=world.company,
        facts="事实",
        legal_basis="依据",
        basis_records=[world.record],
        measures=[],
        reason="立案",
    )
    case.list_type, case.status, case.statement = list_type, state, "不服"
    return audited_save(case, by=None, reason="test: set the state")


def _actor(world, step, case):
    """Someone the step's rule admits, or None for a step only the platform takes."""
    for user in (world.officer, ClerkFactory(), AuthorityUserFactory()):
        if step.rule(case, user):
            return user
    return None


@pytest.mark.parametrize(
    ("workflow", "state", "step"),
    walk(WORKFLOWS.values()),
    ids=lambda v: getattr(v, "name", v) if not hasattr(v, "steps") else TABLES[v],
)
def test_every_state_and_step(world, settings, workflow, state, step):
    settings.CREDIT_POLICY = "ningbo"  # the city with every step (the authority's review)
    case = _case(world, TABLES[workflow], state)
    actor = _actor(world, step, case)
    assert actor is not None or step.automatic, f"{step.name}: nobody may take it, and no job does"
    before = case.history.count()
    if state not in step.sources:
        with pytest.raises(Conflict) as refused:
            workflow.transition(case, step.name, by=actor, reason="按表逐步检查", follow=actor is None)
        assert str(CaseStatus(state).label) in str(refused.value.messages[0])
        case.refresh_from_db()
        assert (case.status, case.history.count()) == (state, before)
    elif actor is not None:
        offered = {offer.name: offer for offer in workflow.offered(case, actor)}
        assert step.name in offered
        for other in (AuditorFactory(), OfficerFactory()):  # another agency's officer: no step
            assert workflow.offered(case, other) == []
            with pytest.raises(PermissionDenied):
                workflow.transition(case, step.name, by=other, reason="越权")
    else:
        with pytest.raises(PermissionDenied):  # a platform step is nobody's to take by hand
            workflow.transition(case, step.name, by=world.officer, reason="手工")


def test_every_state_of_a_table_is_reached_from_its_first():
    for workflow in WORKFLOWS.values():
        reached, frontier = set(workflow.initial), list(workflow.initial)
        while frontier:
            for step in workflow.steps_from(frontier.pop()):
                if step.target and step.target not in reached:
                    reached.add(step.target)
                    frontier.append(step.target)
        assert reached == workflow.used_states, workflow


def test_the_statuses_of_the_lists_are_the_three_tables():
    """One status list carries three lifecycles: every status belongs to exactly one table."""
    owners = {}
    for workflow in WORKFLOWS.values():
        for state in workflow.used_states:
            owners.setdefault(state, []).append(workflow)
    assert set(owners) == set(CaseStatus.values)
    assert all(len(tables) == 1 for tables in owners.values())
    assert open_states() == sorted(
        [
            CaseStatus.DRAFT,
            CaseStatus.NOTICE_ISSUED,
            CaseStatus.STATEMENT_RECEIVED,
            CaseStatus.STATEMENT_LAPSED,
            CaseStatus.DECIDED,
            CaseStatus.PROPOSED,
            CaseStatus.PUBLIC_NOTICE,
            CaseStatus.RETURNED,
        ]
    )


def test_a_noticed_case_is_offered_what_its_delivery_allows(world):
    """Before the delivery is recorded the statement period has not started: the decision and the
    lapse are offered with the reason they are not open (Ningbo art. 28, Dalian art. 33)."""
    case = _case(world, ListType.SERIOUS, CaseStatus.DRAFT)
    case.statement = ""
    audited_save(case, by=None, reason="test")
    case.status, case.notice_issued_on = CaseStatus.NOTICE_ISSUED, timezone.localdate()
    audited_save(case, by=None, reason="test: noticed")
    offers = {o.name: o for o in workflow_for(case).offered(case, world.officer)}
    assert set(offers) == {"delivery", "statement", "lapse", "decide", "drop"}
    assert offers["delivery"].open and offers["statement"].open and offers["drop"].open
    assert str(services.MSG_NOT_DELIVERED) == offers["lapse"].blocked == offers["decide"].blocked
    services.case_record_delivery(case, by=world.officer, delivered_on=timezone.localdate(), reason="送达")
    offers = {o.name: o for o in workflow_for(case).offered(case, world.officer)}
    assert not offers["delivery"].open
    assert str(case.statement_period.due_on) in offers["decide"].blocked


def test_the_api_tells_each_caller_its_steps(world):
    """The API answers with the steps the table allows the caller, like the case page."""
    from rest_framework.test import APIClient

    case = _case(world, ListType.SERIOUS, CaseStatus.DECIDED)
    client = APIClient()
    client.force_authenticate(world.officer)
    assert client.get(f"/api/v1/cases/{case.pk}/").json()["steps"] == ["publish", "remove"]
    client.force_authenticate(ClerkFactory())
    assert client.get(f"/api/v1/cases/{case.pk}/").json()["steps"] == []
