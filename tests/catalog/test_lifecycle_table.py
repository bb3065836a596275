"""The lifecycle of catalogs and lists (Nanjing arts. 25 and 33, Tianjin art. 10), walked from its
transition table: every (state, step) pair either takes the step or is refused with a 409 that
leaves the list and its history as they were."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from apps.catalog.choices import ListStatus
from apps.catalog.services import LIST_LIFECYCLE
from apps.core.exceptions import Conflict
from apps.core.workflow import walk
from tests.catalog.factories import CatalogFactory, CatalogItemFactory
from tests.factories import AuditorFactory, AuthorityUserFactory, ClerkFactory, OfficerFactory

pytestmark = pytest.mark.django_db


def _data(step_name: str) -> dict:
    today = timezone.localdate()
    return {
        "consultation": {"start": today, "end": today + datetime.timedelta(days=10)},
        "approve": {"approval_document": "宁政复〔2026〕9号"},
        "publish": {"effective_date": today},
    }.get(step_name, {})


def _catalog_in(state: str):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    catalog = CatalogFactory(
        status=state,
        consultation_start=yesterday - datetime.timedelta(days=20),
        consultation_end=yesterday,
    )
    CatalogItemFactory(catalog=catalog)
    return catalog


def _actor(step):
    for user in (ClerkFactory(), AuthorityUserFactory()):
        if step.rule(None, user):
            return user
    return None  # a step only the platform takes


@pytest.mark.parametrize(
    ("state", "step"),
    [(state, step) for _wf, state, step in walk([LIST_LIFECYCLE])],
    ids=lambda v: v if isinstance(v, str) else v.name,
)
def test_every_state_and_step(state, step):
    catalog = _catalog_in(state)
    before = catalog.history.count()
    by = _actor(step)
    take = lambda: LIST_LIFECYCLE.transition(  # noqa: E731
        catalog, step.name, by=by, reason="按表逐步检查", follow=by is None, **_data(step.name)
    )
    if state not in step.sources:
        with pytest.raises(Conflict):
            take()
        catalog.refresh_from_db()
        assert catalog.status == state
        assert catalog.history.count() == before
        return
    take()
    catalog.refresh_from_db()
    assert catalog.status == (step.target or state)
    assert catalog.history.latest().history_change_reason in ("按表逐步检查", f"Superseded by {catalog}")


def test_the_table_reaches_every_status_from_draft():
    reached, frontier = set(LIST_LIFECYCLE.initial), list(LIST_LIFECYCLE.initial)
    while frontier:
        state = frontier.pop()
        for step in LIST_LIFECYCLE.steps_from(state):
            if step.target and step.target not in reached:
                reached.add(step.target)
                frontier.append(step.target)
    assert reached == set(ListStatus.values)
    assert LIST_LIFECYCLE.final == {ListStatus.SUPERSEDED}


@pytest.mark.parametrize("state", ListStatus.values)
def test_what_each_role_is_offered(state):
    """The page, the API and the role homes offer what the table says, and nobody else's steps."""
    catalog = _catalog_in(state)
    clerk, authority = ClerkFactory(), AuthorityUserFactory()
    offered = {
        "clerk": [o.name for o in LIST_LIFECYCLE.offered(catalog, clerk)],
        "authority": [o.name for o in LIST_LIFECYCLE.offered(catalog, authority)],
    }
    expected = {
        ListStatus.DRAFT: {"clerk": ["consultation"], "authority": []},
        ListStatus.CONSULTATION: {"clerk": ["reopen"], "authority": ["approve"]},
        ListStatus.APPROVED: {"clerk": [], "authority": ["publish"]},
        ListStatus.PUBLISHED: {"clerk": ["new-version"], "authority": []},
        ListStatus.SUPERSEDED: {"clerk": [], "authority": []},
    }[state]
    assert offered == expected
    for user in (OfficerFactory(), AuditorFactory()):
        assert LIST_LIFECYCLE.offered(catalog, user) == []


def test_a_step_refused_to_the_user_changes_nothing():
    catalog = _catalog_in(ListStatus.CONSULTATION)
    before = catalog.history.count()
    with pytest.raises(PermissionDenied):
        LIST_LIFECYCLE.transition(catalog, "approve", by=ClerkFactory(), reason="越权", approval_document="X")
    with pytest.raises(PermissionDenied):  # a step only the platform takes
        LIST_LIFECYCLE.transition(catalog, "supersede", by=AuthorityUserFactory(), reason="越权")
    catalog.refresh_from_db()
    assert (catalog.status, catalog.history.count()) == (ListStatus.CONSULTATION, before)


def test_approval_waits_for_the_end_of_the_consultation():
    """The step is offered with the reason it is not open yet, and taking it is a 409."""
    catalog = _catalog_in(ListStatus.CONSULTATION)
    catalog.consultation_end = timezone.localdate() + datetime.timedelta(days=3)
    catalog.save()
    authority = AuthorityUserFactory()
    (offer,) = LIST_LIFECYCLE.offered(catalog, authority)
    assert offer.name == "approve" and not offer.open
    assert str(catalog.consultation_end) in offer.blocked
    assert LIST_LIFECYCLE.allowed_steps(catalog, authority) == []
    with pytest.raises(Conflict, match=str(catalog.consultation_end)):
        LIST_LIFECYCLE.transition(catalog, "approve", by=authority, reason="提前批准", approval_document="X")
