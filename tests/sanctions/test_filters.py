"""The list-case filterset: list type, status, deciding body and date ranges; no subject search."""

import datetime as dt

import pytest

from apps.sanctions.filters import ListingCaseFilter
from apps.sanctions.models import ListingCase
from tests.sanctions import factories

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]


def _filtered(**params) -> set[int]:
    filterset = ListingCaseFilter(params, queryset=ListingCase.objects.all())
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


@pytest.fixture
def cases(policy):
    world = factories.make_world()
    other = factories.make_world()
    return {
        "draft": factories.ListingCaseDraftFactory(world=world),
        "decided": factories.ListingCaseDecidedFactory(world=other),
        "red": factories.RedListProposedFactory(world=world),
    }


def test_filters_by_list_type_status_and_deciding_body(cases):
    assert _filtered(list_type="red") == {cases["red"].pk}
    assert _filtered(list_type="serious") == {cases["draft"].pk, cases["decided"].pk}
    assert _filtered(status="decided") == {cases["decided"].pk}
    assert _filtered(deciding_org=str(cases["decided"].deciding_org_id)) == {cases["decided"].pk}


def test_filters_by_decision_and_filing_dates(cases):
    today = dt.date(2026, 12, 2)
    assert _filtered(decided_after=today.isoformat()) == {cases["decided"].pk}
    assert _filtered(decided_before=(today - dt.timedelta(days=1)).isoformat()) == set()
    assert _filtered(filed_after=today.isoformat()) == {c.pk for c in cases.values()}
    assert _filtered(filed_before=(today - dt.timedelta(days=1)).isoformat()) == set()


def test_a_bad_value_is_refused_and_there_is_no_subject_search(cases):
    assert not ListingCaseFilter({"status": "nothing"}, queryset=ListingCase.objects.all()).is_valid()
    names = set(ListingCaseFilter().filters)
    assert not names & {"subject", "subject__name", "subject__identifier", "q", "name", "identifier"}
