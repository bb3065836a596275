"""The public portal's page cache (issue 18 item 5, `apps.subjects.portal_cache`): an organisation's
page and the feeds are served from the cache while nothing on them changed, a record event shows at
once, and a cached page is still a rate-limited, logged public lookup."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.catalog.choices import ReportSection
from apps.core.audit import audited_save
from apps.core.choices import QueryMode
from apps.core.models import QueryLog
from apps.sanctions import events as sanctions_events
from apps.sanctions.models import ListEntry
from apps.subjects import record_workflow
from tests.factories import ClerkFactory
from tests.sanctions import factories as case_factories
from tests.subjects.factories import CommitmentFactory, CompanyFactory, PublishedItemFactory, RecordFactory

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]

ADDRESS = "203.0.113.8"


@pytest.fixture(autouse=True)
def _empty_cache(policy, settings):
    settings.PUBLIC_PORTAL_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def company(policy):
    return CompanyFactory(name="南京缓存测试有限公司")


@pytest.fixture
def item(policy):
    return PublishedItemFactory(report_section=ReportSection.PENALTY)


def _page(company, address=ADDRESS):
    return Client().get(reverse("subjects:public_subject", args=[company.public_key]), REMOTE_ADDR=address)


def _feed(address=ADDRESS, **params):
    return Client().get(reverse("subjects:public_feed", args=["penalties"]), params, REMOTE_ADDR=address)


def _record_reads(response_of) -> tuple[str, int]:
    """The page, and how many queries read the records table to make it."""
    with CaptureQueriesContext(connection) as queries:
        text = response_of().content.decode()
    return text, sum("subjects_creditrecord" in q["sql"] for q in queries.captured_queries)


def test_a_cached_page_is_served_without_reading_the_records_and_still_logged(company, item):
    """The second request is served from the cache — it reads no record — and still writes its
    own public-lookup row (mode public, the address, the records in view) (DESIGN.md section 4:
    every public view is logged)."""
    record = RecordFactory(subject=company, item=item, document_number="宁罚〔2026〕缓1号")
    first, reads = _record_reads(lambda: _page(company))
    assert record.document_number in first and reads > 0
    second, reads = _record_reads(lambda: _page(company))
    assert second == first and reads == 0
    rows = list(QueryLog.objects.order_by("pk"))
    assert len(rows) == 2
    assert all(
        (r.mode, r.client_ip, r.subject_identifier, r.result["ids"])
        == (QueryMode.PUBLIC, ADDRESS, company.identifier, [record.pk])
        for r in rows
    )


def test_the_rate_limit_applies_to_cached_pages(company, settings):
    settings.PUBLIC_PORTAL_LOOKUPS_PER_ADDRESS_PER_MINUTE = 2
    assert [_page(company).status_code for _ in range(2)] == [200, 200]
    assert _page(company).status_code == 429
    assert QueryLog.objects.count() == 2


def test_a_new_record_shows_at_once_on_the_page_and_the_feed(company, item):
    _page(company), _feed()
    record = RecordFactory(subject=company, item=item, document_number="宁罚〔2026〕新1号")
    assert record.document_number in _page(company).content.decode()
    assert record.document_number in _feed().content.decode()


@pytest.mark.parametrize(
    "step",
    [record_workflow.record_revoke, record_workflow.record_mark_repaired],
)
def test_a_record_leaving_the_public_leaves_the_cached_page_and_feed_at_once(company, item, step):
    """Nanjing arts. 59–60: a revoked or repaired record is no longer disclosed — the
    record event (`record_status_changed`) replaces the cached pages."""
    record = RecordFactory(subject=company, item=item, document_number="宁罚〔2026〕撤1号")
    assert record.document_number in _page(company).content.decode()
    assert record.document_number in _feed().content.decode()
    step(record, by=ClerkFactory(), reason="测试", follow=True)
    assert record.document_number not in _page(company).content.decode()
    assert record.document_number not in _feed().content.decode()


def test_an_objection_mark_shows_at_once(company, item):
    """Nanjing art. 58: the mark is set on the record; the cached page shows it at once."""
    record = RecordFactory(subject=company, item=item)
    assert "mark-objection" not in _page(company).content.decode()
    assert "mark-objection" not in _feed().content.decode()
    record_workflow.record_mark_objection(record, by=ClerkFactory(), reason="异议受理", follow=True)
    assert "mark-objection" in _page(company).content.decode()
    assert "mark-objection" in _feed().content.decode()


def test_a_correction_and_a_commitment_show_at_once(company, item):
    record = RecordFactory(subject=company, item=item, document_number="宁罚〔2026〕改1号")
    _page(company)
    record.document_number = "宁罚〔2026〕改2号"
    audited_save(record, by=None, reason="更正文书号")
    CommitmentFactory(subject=company, matter="bidding", content="投标承诺丙")
    page = _page(company).content.decode()
    assert "宁罚〔2026〕改2号" in page and "宁罚〔2026〕改1号" not in page and "投标承诺丙" in page


def test_a_list_entry_ending_shows_at_once(policy):
    """The sanctions app's `listing_ended` replaces the page of the subject whose entry ended."""
    case = case_factories.ListingCasePublishedFactory()
    assert "未列入严重失信主体名单" not in _page(case.subject).content.decode()
    entries = list(ListEntry.objects.filter(case=case))
    for entry in entries:
        entry.active, entry.ended_on = False, entry.start
        audited_save(entry, by=None, reason="移出名单")
    # The step that ends entries sends the event; here only the event is under test.
    assert "未列入严重失信主体名单" not in _page(case.subject).content.decode()  # still cached: nothing told it
    sanctions_events.listing_ended.send(sender=ListEntry, entries=entries, case=case)
    assert "未列入严重失信主体名单" in _page(case.subject).content.decode()


def test_another_subjects_change_keeps_the_page_cached(company, item):
    record = RecordFactory(subject=company, item=item)
    _page(company)
    RecordFactory(item=item, provider=record.provider)  # another company's record
    _text, reads = _record_reads(lambda: _page(company))
    assert reads == 0


def test_no_cache_when_the_setting_is_zero(company, item, settings):
    settings.PUBLIC_PORTAL_CACHE_SECONDS = 0
    RecordFactory(subject=company, item=item)
    _page(company)
    _text, reads = _record_reads(lambda: _page(company))
    assert reads > 0
