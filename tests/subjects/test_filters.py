"""The filters of the records, batches and commitments pages: each narrows what the user may see,
never more; bad input is a form error naming the field, not a server error; and only the records
list searches by a subject's name or identifier, as a logged lookup (tests/subjects/
test_record_filters.py)."""

import datetime
from functools import partial

import pytest
from django.urls import reverse

from apps.catalog.choices import Category
from apps.core.audit import audited_save
from apps.subjects.choices import BatchStatus, Channel, CommitmentStatus, RecordStatus
from apps.subjects.filters import BatchFilter, CommitmentFilter, CreditRecordFilter
from apps.subjects.models import ImportBatch
from tests.factories import ClerkFactory, OfficerFactory
from tests.subjects.factories import CommitmentFactory, PublicBasicItemFactory, PublishedItemFactory, RecordFactory

pytestmark = pytest.mark.django_db

SUBJECT_SEARCH = {"subject", "subject__name", "subject__identifier", "q", "name", "identifier"}


@pytest.fixture
def officers(policy):
    return OfficerFactory(), OfficerFactory()


def _batch(provider, status, channel=Channel.WEB) -> ImportBatch:
    batch = ImportBatch(provider=provider, item=PublishedItemFactory(), status=status, channel=channel)
    return audited_save(batch, by=None, reason="test batch")


def _shown(client, url_name, key, **params) -> set[int]:
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    rows = response.context[key]
    return {row.pk for row in getattr(rows, "object_list", rows)}


def _error_page(client, url_name, params) -> str:
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'role="alert"' in page
    return page.split('role="alert"')[1]


def test_no_filter_searches_by_subject_but_the_records_list_s_logged_one():
    for filterset in (BatchFilter, CommitmentFilter):
        assert not set(filterset.base_filters) & SUBJECT_SEARCH
    # Issue 17: the records list finds a subject's records; the list so filtered is a logged
    # lookup (test_record_filters.test_a_search_by_subject_is_a_logged_lookup).
    assert set(CreditRecordFilter.base_filters) & SUBJECT_SEARCH == {"subject"}


# --- credit records -------------------------------------------------------------------------------


@pytest.fixture
def records(officers):
    mine, theirs = (officer.organization for officer in officers)
    return {
        "general": RecordFactory(provider=mine),
        "serious": RecordFactory(provider=mine, severity="serious", determined_on=datetime.date(2025, 6, 1)),
        "basic": RecordFactory(provider=mine, item=PublicBasicItemFactory(), severity="", document_number=""),
        "repaired": RecordFactory(provider=mine, status=RecordStatus.REPAIRED),
        "theirs": RecordFactory(provider=theirs, severity="serious"),
    }


def test_the_records_page_narrows_by_the_filters(client, records):
    client.force_login(ClerkFactory())
    shown = partial(_shown, client, "subjects:record_list", "items")
    assert shown() == {r.pk for r in records.values()}
    assert shown(category=Category.BASIC) == {records["basic"].pk}
    assert shown(severity="serious") == {records["serious"].pk, records["theirs"].pk}
    assert shown(status=RecordStatus.REPAIRED) == {records["repaired"].pk}
    assert shown(provider=records["theirs"].provider_id) == {records["theirs"].pk}
    assert shown(determined_before="2025-12-31") == {records["serious"].pk}
    assert shown(item=records["basic"].item.code) == {records["basic"].pk}


def test_a_record_filter_never_shows_another_organisations_records(client, officers, records):
    client.force_login(officers[0])
    own = {r.pk for key, r in records.items() if key != "theirs"}
    assert _shown(client, "subjects:record_list", "items") == own
    assert _shown(client, "subjects:record_list", "items", provider=records["theirs"].provider_id) == set()
    assert _shown(client, "subjects:record_list", "items", item=records["theirs"].item.code) == set()
    assert _shown(client, "subjects:record_list", "items", severity="serious") == {records["serious"].pk}


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"category": "secret"}, "信息分类："),
        ({"status": "gone"}, "状态："),
        ({"provider": "x"}, "提供单位："),
        ({"determined_after": "2026-02-30"}, "认定日期："),
    ],
)
def test_bad_record_filter_input_is_a_form_error(client, officers, records, params, error):
    client.force_login(officers[0])
    assert error in _error_page(client, "subjects:record_list", params)
    # Unfiltered, and still the officer's own records only.
    assert records["theirs"].pk not in _shown(client, "subjects:record_list", "items", **params)


# --- batches --------------------------------------------------------------------------------------


@pytest.fixture
def batches(officers):
    mine, theirs = (officer.organization for officer in officers)
    return {
        "submitted": _batch(mine, BatchStatus.SUBMITTED),
        "integrated": _batch(mine, BatchStatus.INTEGRATED, Channel.API),
        "theirs": _batch(theirs, BatchStatus.SUBMITTED),
    }


def test_the_batches_page_narrows_by_the_filters(client, batches):
    client.force_login(ClerkFactory())
    shown = partial(_shown, client, "subjects:batch_list", "page")
    assert shown() == {b.pk for b in batches.values()}
    # The clerk's home links here with ?status=submitted.
    assert shown(status=BatchStatus.SUBMITTED) == {batches["submitted"].pk, batches["theirs"].pk}
    assert shown(channel=Channel.API) == {batches["integrated"].pk}
    assert shown(provider=batches["theirs"].provider_id) == {batches["theirs"].pk}
    assert shown(item=batches["integrated"].item.code) == {batches["integrated"].pk}
    today = batches["submitted"].created_at.date()
    assert shown(date_from=today.isoformat()) == {b.pk for b in batches.values()}
    assert shown(date_to=(today - datetime.timedelta(days=1)).isoformat()) == set()


def test_a_batch_filter_never_shows_another_organisations_batches(client, officers, batches):
    client.force_login(officers[0])
    assert _shown(client, "subjects:batch_list", "page", status=BatchStatus.SUBMITTED) == {batches["submitted"].pk}
    assert _shown(client, "subjects:batch_list", "page", provider=batches["theirs"].provider_id) == set()


@pytest.mark.parametrize(
    ("params", "error"),
    [({"status": "done"}, "状态："), ({"channel": "fax"}, "渠道："), ({"date_from": "2026/13/01"}, "起始日期：")],
)
def test_bad_batch_filter_input_is_a_form_error(client, batches, params, error):
    client.force_login(ClerkFactory())
    assert error in _error_page(client, "subjects:batch_list", params)


# --- commitments ----------------------------------------------------------------------------------


@pytest.fixture
def commitments(officers):
    mine, theirs = (officer.organization for officer in officers)
    return {
        "pending": CommitmentFactory(made_to=mine),
        "kept": CommitmentFactory(made_to=mine, status=CommitmentStatus.KEPT, made_on=datetime.date(2025, 5, 1)),
        "theirs": CommitmentFactory(made_to=theirs, matter="market_access"),
    }


def test_the_commitments_page_narrows_by_the_filters(client, commitments):
    client.force_login(ClerkFactory())
    shown = partial(_shown, client, "subjects:commitment_list", "page")
    assert shown() == {c.pk for c in commitments.values()}
    assert shown(status=CommitmentStatus.KEPT) == {commitments["kept"].pk}
    assert shown(matter="market_access") == {commitments["theirs"].pk}
    assert shown(made_to=commitments["theirs"].made_to_id) == {commitments["theirs"].pk}
    assert shown(made_after="2026-01-01") == {commitments["pending"].pk, commitments["theirs"].pk}


def test_a_commitment_filter_never_shows_another_organisations_commitments(client, officers, commitments):
    client.force_login(officers[0])
    shown = partial(_shown, client, "subjects:commitment_list", "page")
    assert shown() == {commitments["pending"].pk, commitments["kept"].pk}
    assert shown(matter="market_access") == set()
    assert shown(made_to=commitments["theirs"].made_to_id) == set()


def test_bad_commitment_filter_input_is_a_form_error(client, commitments):
    client.force_login(ClerkFactory())
    assert "承诺日期：" in _error_page(client, "subjects:commitment_list", {"made_before": "soon"})
    assert "适用事项：" in _error_page(client, "subjects:commitment_list", {"matter": "<script>"})
