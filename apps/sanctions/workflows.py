"""The three list lifecycles, by list type: what pages, the API and the role homes ask which steps
a user may take on a case."""

from apps.core.workflow import Workflow
from apps.sanctions.choices import ListType
from apps.sanctions.models import ListingCase
from apps.sanctions.services.key_attention import KEY_ATTENTION_CASE
from apps.sanctions.services.red import RED_CASE
from apps.sanctions.services.serious import SERIOUS_CASE

WORKFLOWS: dict[str, Workflow] = {
    ListType.SERIOUS: SERIOUS_CASE,
    ListType.RED: RED_CASE,
    ListType.KEY_ATTENTION: KEY_ATTENTION_CASE,
}


def workflow_for(case: ListingCase) -> Workflow:
    return WORKFLOWS[case.list_type]


def open_states() -> list[str]:
    """The statuses of cases that still need a step, in any of the lists."""
    return sorted({state for workflow in WORKFLOWS.values() for state in workflow.open_states()})
