"""The list-case filterset: list type, status, deciding body and date ranges; no subject search.
On the list page it narrows what the user may see, never more, and bad input is a form error."""

import datetime as dt

import pytest
from django.urls import reverse

from apps.sanctions import views
from apps.sanctions.filters import ListingCaseFilter
from apps.sanctions.models import ListingCase
from tests.factories import ClerkFactory
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


# --- the list page -------------------------------------------------------------------------------


def _listed(client, **params) -> set[int]:
    response = client.get(reverse("sanctions:case_list"), params)
    assert response.status_code == 200
    return {case.pk for case in response.context["page"].object_list}


def test_the_list_page_narrows_by_the_filters(client, cases):
    client.force_login(ClerkFactory())
    assert _listed(client) == {c.pk for c in cases.values()}
    assert _listed(client, list_type="red") == {cases["red"].pk}
    assert _listed(client, list_type="serious", status="decided") == {cases["decided"].pk}
    assert _listed(client, deciding_org=cases["draft"].deciding_org_id) == {cases["draft"].pk, cases["red"].pk}
    assert _listed(client, decided_after="2026-12-02") == {cases["decided"].pk}
    page = client.get(reverse("sanctions:case_list")).content.decode()
    assert "认定单位" in page and "立案日期" in page and 'name="decided_after"' in page


def test_a_filter_never_shows_another_organisations_cases(client, cases):
    """The officer of the draft's agency sees its own cases only, whatever it asks for."""
    client.force_login(cases["draft"].deciding_org.users.get())
    own = {cases["draft"].pk, cases["red"].pk}
    assert _listed(client) == own
    assert _listed(client, deciding_org=cases["decided"].deciding_org_id) == set()
    assert _listed(client, status="decided") == set()
    assert _listed(client, list_type="serious") == {cases["draft"].pk}
    # Bad input leaves the list as it was: still the officer's own cases only.
    assert _listed(client, status="nothing") == own


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"status": "nothing"}, "状态："),
        ({"list_type": "<b>"}, "名单："),
        ({"deciding_org": "abc"}, "认定单位："),
        ({"deciding_org": "99999999999999999999"}, "认定单位："),
        ({"decided_after": "2026-13-45"}, "认定日期："),
        ({"filed_before": "yesterday"}, "立案日期："),
    ],
)
def test_bad_filter_input_is_a_form_error_not_a_server_error(client, cases, params, error):
    client.force_login(ClerkFactory())
    response = client.get(reverse("sanctions:case_list"), params)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'role="alert"' in page and error in page
    assert "<b>" not in page.split('role="alert"')[1]  # the value is escaped
    # The list is shown unfiltered, with the error above it.
    assert {case.pk for case in response.context["page"].object_list} == {c.pk for c in cases.values()}


def test_pages_keep_the_filter_and_the_newest_first_order(client, cases, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    client.force_login(ClerkFactory())
    first = client.get(reverse("sanctions:case_list"), {"list_type": "serious"})
    newest, older = sorted((cases["draft"].pk, cases["decided"].pk), reverse=True)
    assert [c.pk for c in first.context["page"].object_list] == [newest]
    assert 'href="?list_type=serious&page=2"' in first.content.decode()
    second = client.get(reverse("sanctions:case_list"), {"list_type": "serious", "page": 2})
    assert [c.pk for c in second.context["page"].object_list] == [older]
