"""The registry filing's lifecycle, walked from its transition table: for every (state, step)
pair, a step from a state the table does not list is a 409 that changes nothing, and a step from a
state it lists is offered to the user its rule names and to nobody else (another agency's staff,
an officer, a clerk, an auditor)."""

import pytest
from django.core.exceptions import PermissionDenied

from apps.core.audit import audited_save
from apps.core.exceptions import Conflict
from apps.core.workflow import walk
from apps.service_agencies.choices import FilingStatus
from apps.service_agencies.services import REGISTRY_FILING
from tests.factories import AuditorFactory, AuthorityUserFactory, ClerkFactory, OfficerFactory
from tests.service_agencies.factories import AgencyStaffFactory, RegistryFilingFactory

pytestmark = pytest.mark.django_db


def _filing(state: str):
    filing = RegistryFilingFactory()
    filing.status = state
    return audited_save(filing, by=None, reason="test: set the state")


@pytest.mark.parametrize(
    ("workflow", "state", "step"), walk([REGISTRY_FILING]), ids=lambda v: getattr(v, "name", str(v))
)
def test_every_state_and_step(workflow, state, step):
    filing = _filing(state)
    own_staff = AgencyStaffFactory(organization=filing.agency)
    actor = next((u for u in (own_staff, AuthorityUserFactory()) if step.rule(filing, u)), None)
    assert actor is not None, f"{step.name}: nobody may take it"
    before = filing.history.count()
    if state not in step.sources:
        with pytest.raises(Conflict) as refused:
            workflow.transition(filing, step.name, by=actor, reason="按表逐步检查")
        assert str(FilingStatus(state).label) in str(refused.value.messages[0])
        filing.refresh_from_db()
        assert (filing.status, filing.history.count()) == (state, before)
        return
    assert step.name in {offer.name for offer in workflow.offered(filing, actor)}
    for other in (AgencyStaffFactory(), OfficerFactory(), ClerkFactory(), AuditorFactory()):
        assert workflow.offered(filing, other) == []
        with pytest.raises(PermissionDenied):
            workflow.transition(filing, step.name, by=other, reason="越权")
    data = {"return": {"return_reason": "不全"}, "remove": {"removal_reason": "违法"}}.get(step.name, {})
    workflow.transition(filing, step.name, by=actor, reason="按表逐步检查", **data)
    assert filing.status == step.target and filing.history.count() == before + 1
