"""The public credit portal (信用门户, issue 18): the search, an organisation's public page at its
opaque key, the 双公示 feeds and their export, the query log of every public lookup and the limits
per client address."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.catalog.choices import Category, Disclosure, ReportSection
from apps.core.choices import QueryChannel, QueryMode, QueryOutcome, QueryPurpose
from apps.core.models import QueryLog
from apps.subjects import portal
from apps.subjects.choices import RecordStatus
from tests.catalog.factories import CatalogItemFactory
from tests.factories import OrganizationFactory, UserFactory
from tests.sanctions import factories as case_factories
from tests.subjects.factories import (
    CommitmentFactory,
    CompanyFactory,
    MarkedRecordFactory,
    PersonFactory,
    PublicBasicItemFactory,
    PublishedItemFactory,
    RecordFactory,
    ResponsiblePersonFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]

SEARCH_URL = "/public/search/"
ADDRESS = "203.0.113.7"


@pytest.fixture(autouse=True)
def _empty_cache():
    """The address limits count in the cache: each test starts from nothing."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def company(policy):
    return CompanyFactory(name="南京门户测试建设有限公司")


def _page(company, client=None, address=ADDRESS):
    client = client or Client()
    return client.get(reverse("subjects:public_subject", args=[company.public_key]), REMOTE_ADDR=address)


def _records(company, category, address=ADDRESS, **params):
    """The organisation's page of every record of `category` (`?page=`)."""
    url = reverse("subjects:public_subject_records", args=[company.public_key, category])
    return Client().get(url, params, REMOTE_ADDR=address)


def _feed(slug="penalties", address=ADDRESS, **params):
    return Client().get(reverse("subjects:public_feed", args=[slug]), params, REMOTE_ADDR=address)


def _search(text, address=ADDRESS):
    return Client().get(SEARCH_URL, {"q": text}, REMOTE_ADDR=address)


# --- what is shown ------------------------------------------------------------------------------


@pytest.mark.parametrize("attribute", Disclosure.values)
def test_only_actively_disclosed_records_appear_on_the_page_and_feed(company, attribute):
    """Nanjing art. 27, Tianjin art. 14: what is 主动公开 is published on the portal; an item
    disclosed on request, shared with government only or not disclosed never is — for each
    attribute, a record of a published item."""
    item = PublishedItemFactory(disclosure=attribute, report_section=ReportSection.PENALTY)
    record = RecordFactory(subject=company, item=item, document_number=f"宁罚〔2026〕{attribute}号")
    shown = attribute == Disclosure.PUBLIC
    page = _page(company).content.decode()
    feed = _feed().content.decode()
    every = _records(company, record.category).content.decode()
    assert (record.document_number in page) is shown
    assert (record.document_number in feed) is shown
    assert (record.document_number in every) is shown


@pytest.mark.parametrize(
    "closed",
    [
        {"status": RecordStatus.EXPIRED},
        {"status": RecordStatus.HIDDEN},
        {"status": RecordStatus.REPAIRED},
        {"status": RecordStatus.REVOKED},
        {"disclosure_ends_on": dt.date(2026, 12, 1)},  # the period ended yesterday
    ],
)
def test_expired_hidden_repaired_and_revoked_records_never_appear(company, closed):
    """Nanjing art. 56 (not provided after the period), arts. 60–61 (repaired and hidden
    information no longer disclosed): closed records are on neither the page nor the feed,
    next to an open one that is."""
    item = PublishedItemFactory(report_section=ReportSection.PENALTY)
    open_record = RecordFactory(subject=company, item=item, document_number="宁罚〔2026〕开1号")
    closed_record = RecordFactory(subject=company, item=item, document_number="宁罚〔2026〕闭1号", **closed)
    page, feed = _page(company).content.decode(), _feed().content.decode()
    every = _records(company, open_record.category).content.decode()
    assert open_record.document_number in page and open_record.document_number in feed
    assert closed_record.document_number not in page and closed_record.document_number not in feed
    assert open_record.document_number in every and closed_record.document_number not in every


def test_record_of_an_item_never_published_does_not_appear(company):
    """Only a published catalog item's records are public information (未经目录不得公开)."""
    draft_item = CatalogItemFactory(report_section=ReportSection.PENALTY)  # its catalog is a draft
    record = RecordFactory(subject=company, item=draft_item, document_number="宁罚〔2026〕草1号")
    assert record.document_number not in _page(company).content.decode()
    assert record.document_number not in _feed().content.decode()


def test_objection_mark_shows_on_the_page_and_feed(company):
    """Nanjing art. 58: a record under objection is shown with its objection mark."""
    item = PublishedItemFactory(report_section=ReportSection.PENALTY)
    MarkedRecordFactory(subject=company, item=item)
    assert "异议标注" in _page(company).content.decode()
    assert "异议标注" in _feed().content.decode()


def test_page_shows_the_records_content_as_the_item_defines_it(company):
    item = PublishedItemFactory(report_section=ReportSection.PENALTY)
    RecordFactory(subject=company, item=item, values={"penalty_type": "罚款", "amount": "5000.00"})
    page = _page(company).content.decode()
    assert "处罚类别：罚款" in page and "罚款金额：5000.00" in page and item.legal_basis in page


def test_public_commitments_and_list_entries_show(policy):
    """Nanjing art. 31 para. 2: commitments in public-resource matters are published; a
    commitment in another matter is not. A published serious-list entry shows."""
    case = case_factories.ListingCasePublishedFactory()
    company = case.subject
    CommitmentFactory(subject=company, matter="bidding", content="投标承诺甲")
    CommitmentFactory(subject=company, matter="administrative_licensing", content="许可承诺乙")
    page = _page(company).content.decode()
    assert "投标承诺甲" in page and "许可承诺乙" not in page
    assert case.decision_number in page and "严重失信" in page


def _page_and_parts_read(company) -> tuple[str, set[str]]:
    """The page, and which of the tables of its usually empty parts it read (a statement whose
    rows are of that table; the organisation's read names them only inside its EXISTS)."""
    tables = ("subjects_commitment", "subjects_responsibleperson", "sanctions_listentry")
    with CaptureQueriesContext(connection) as captured:
        page = _page(company)
    assert page.status_code == 200
    statements = [query["sql"] for query in captured.captured_queries]
    return page.content.decode(), {t for t in tables for sql in statements if sql.startswith(f'SELECT "{t}".')}


def test_commitments_responsible_people_and_list_entries_are_read_only_where_there_are_some(policy):
    """Most organisations have none of the three: the organisation's read says which it has, and
    only those are read; each one present is read and shown, each absent says so."""
    page, read = _page_and_parts_read(CompanyFactory(name="南京空白信息有限公司"))
    assert read == set()
    assert "暂无公示的信用承诺" in page and "未列入严重失信主体名单" in page and "负责人信息" not in page

    committed = CompanyFactory(name="南京承诺信息有限公司")
    CommitmentFactory(subject=committed, matter="bidding", content="投标承诺丙")
    page, read = _page_and_parts_read(committed)
    assert read == {"subjects_commitment"} and "投标承诺丙" in page

    managed = CompanyFactory(name="南京负责人信息有限公司")
    person = PersonFactory(name="孙负责")
    ResponsiblePersonFactory(organization=managed, person=person)
    RecordFactory(
        subject=person, item=PublishedItemFactory(shown_with_organisation=True), document_number="宁罚〔2026〕丙1号"
    )
    page, read = _page_and_parts_read(managed)
    assert read == {"subjects_responsibleperson"} and "宁罚〔2026〕丙1号" in page and "孙**" in page

    case = case_factories.ListingCasePublishedFactory()
    page, read = _page_and_parts_read(case.subject)
    assert "sanctions_listentry" in read and case.decision_number in page


def test_a_removed_listing_is_not_shown(policy):
    """A listing removed (repair, expiry, revocation) is no longer published: the page says the
    organisation is on no list."""
    case = case_factories.ListingCaseRemovedFactory()
    page = _page(case.subject).content.decode()
    assert case.decision_number not in page and "未列入严重失信主体名单" in page


def test_responsible_people_are_not_shown(policy):
    """Natural persons are not on the portal: an organisation's page does not name its legal
    representative (a record of an item that allows it shows masked: test_public_responsible)."""
    case = case_factories.ListingCasePublishedFactory()
    page = _page(case.subject).content.decode()
    assert "赵法人" not in page and case.subject.name in page


def test_page_is_bounded_to_the_newest_records_of_each_category(company, monkeypatch):
    """A bounded page: the newest records of a category are shown, the others counted, with a link
    to the category's own pages; the log row counts them all."""
    monkeypatch.setattr(portal, "PUBLIC_RECORDS_SHOWN", 2)
    item = PublishedItemFactory(report_section=ReportSection.PENALTY)
    for month in (1, 2, 3):
        record = RecordFactory(
            subject=company,
            item=item,
            document_number=f"宁罚〔2026〕月{month}号",
            determined_on=dt.date(2026, month, 10),
        )
    page = _page(company).content.decode()
    assert "宁罚〔2026〕月3号" in page and "宁罚〔2026〕月2号" in page and "宁罚〔2026〕月1号" not in page
    assert "仅显示最新的 2 条（共 3 条）" in page
    every = reverse("subjects:public_subject_records", args=[company.public_key, record.category])
    assert f'<a href="{every}">查看全部 3 条</a>' in page
    assert QueryLog.objects.get().result["records"] == 3


def test_the_organisation_page_shows_ten_records_of_a_category(company):
    """As 信用中国's pages, ten of a list; the rest are a link away."""
    item = PublishedItemFactory(report_section=ReportSection.PENALTY)
    for day in range(1, 13):
        RecordFactory(
            subject=company, item=item, document_number=f"宁罚〔2026〕十{day}号", determined_on=dt.date(2026, 3, day)
        )
    page = _page(company).content.decode()
    assert [day for day in range(1, 13) if f"宁罚〔2026〕十{day}号<" in page] == list(range(3, 13))
    assert "仅显示最新的 10 条（共 12 条）" in page and "查看全部 12 条" in page


@pytest.mark.parametrize(("records", "counted"), [(2, False), (3, True)])
def test_the_records_are_counted_apart_only_where_a_category_has_more_than_shown(
    company, monkeypatch, records, counted
):
    """The page reads one more than it shows of each category: where none has more, the rows are
    the count; where one has, the categories are counted apart — and the totals are right."""
    monkeypatch.setattr(portal, "PUBLIC_RECORDS_SHOWN", 2)
    calls = []
    count = portal._category_counts
    monkeypatch.setattr(portal, "_category_counts", lambda *args: calls.append(args) or count(*args))
    item = PublishedItemFactory(report_section=ReportSection.PENALTY)
    for day in range(1, records + 1):
        RecordFactory(subject=company, item=item, determined_on=dt.date(2026, 3, day))
    RecordFactory(subject=company, item=PublicBasicItemFactory())
    page = _page(company).content.decode()
    assert bool(calls) is counted
    assert QueryLog.objects.get().result["by_category"] == {"basic": 1, item.category: records}
    assert (f"仅显示最新的 2 条（共 {records} 条）" in page) is counted


def _newest_first(records):
    """`records` in the order the portal's pages show them (the database's order of a missing
    decision date included)."""
    from django.db.models import F

    return records.order_by("category", F("determined_on").desc(), F("id").desc())


@pytest.mark.parametrize("shown", [2, 10])
def test_log_row_names_the_records_shown_in_their_order(company, monkeypatch, shown):
    """The log row names the records on the page, in its order (category by category, newest
    first), and counts them all; a record with no decision date among them, where each database
    sorts it."""
    monkeypatch.setattr(portal, "PUBLIC_RECORDS_SHOWN", shown)
    item = PublishedItemFactory(report_section=ReportSection.PENALTY)
    for day in (dt.date(2026, 1, 10), None, dt.date(2026, 3, 10), dt.date(2026, 3, 10)):
        RecordFactory(subject=company, item=item, determined_on=day, document_date=None)
    basic = RecordFactory(subject=company, item=PublicBasicItemFactory(), determined_on=dt.date(2026, 2, 1))
    _page(company)
    penalties = _newest_first(portal.public_records(company).filter(category=item.category))
    expected = {
        basic.category: [basic.pk],
        item.category: list(penalties.values_list("pk", flat=True)[:shown]),
    }
    order = [category for category in Category.values if category in expected]
    row = QueryLog.objects.get()
    assert row.result["ids"] == [pk for category in order for pk in expected[category]]
    assert row.result["records"] == 5 and len(row.result["ids"]) == min(shown, 4) + 1


# --- every record of a category, page by page ----------------------------------------------------


def test_every_record_of_a_category_is_listed_page_by_page(company, settings):
    """Nanjing art. 27: what is 主动公开 is disclosed, all of it — the organisation's page shows the
    newest of a category and its category's pages the rest, PUBLIC_PORTAL_PAGE_SIZE a page, newest
    first, each page with its neighbours' links."""
    settings.PUBLIC_PORTAL_PAGE_SIZE = 2
    item = PublishedItemFactory(report_section=ReportSection.PENALTY)
    numbers = [f"宁罚〔2026〕页{day}号" for day in range(1, 6)]
    for day, number in enumerate(numbers, start=1):
        RecordFactory(subject=company, item=item, document_number=number, determined_on=dt.date(2026, 3, day))
    RecordFactory(subject=company, item=PublicBasicItemFactory(), document_number="宁基〔2026〕1号")
    newest = numbers[::-1]
    seen = []
    for number, expected in ((1, newest[:2]), (2, newest[2:4]), (3, newest[4:])):
        content = _records(company, item.category, page=number).content.decode()
        seen += [n for n in numbers if n in content]
        assert [n for n in newest if n in content] == expected
        assert f"第 {number} 页，共 3 页" in content and "宁基〔2026〕1号" not in content
        assert ('rel="prev"' in content) is (number > 1) and ('rel="next"' in content) is (number < 3)
        assert "(5)" in content and company.name in content
    assert sorted(seen) == sorted(numbers)


@pytest.mark.parametrize(("asked", "shown"), [("9", 3), ("0", 1), ("-2", 1), ("二", 1), ("", 1)])
def test_a_page_out_of_range_or_not_a_number_shows_the_nearest(company, settings, asked, shown):
    """As the feeds: a page past the last is the last, anything else not a page number the first."""
    settings.PUBLIC_PORTAL_PAGE_SIZE = 2
    item = PublishedItemFactory(report_section=ReportSection.PENALTY)
    for day in range(1, 6):
        RecordFactory(subject=company, item=item, determined_on=dt.date(2026, 3, day))
    response = _records(company, item.category, page=asked)
    assert response.status_code == 200 and f"第 {shown} 页，共 3 页" in response.content.decode()
    assert QueryLog.objects.get().result["page"] == shown


def test_a_category_with_nothing_disclosed_says_so(company):
    response = _records(company, "good")
    assert response.status_code == 200 and "该类别暂无依法主动公开的信息" in response.content.decode()
    assert QueryLog.objects.get().result == {"records": 0, "page": 1, "ids": []}


def test_a_category_page_writes_one_public_row_naming_the_records_shown(company, settings):
    """DESIGN.md section 4: each page is a public lookup of the organisation, logged with the
    address; the row names the records on it and counts the category's."""
    settings.PUBLIC_PORTAL_PAGE_SIZE = 2
    item = PublishedItemFactory(report_section=ReportSection.PENALTY)
    records = [RecordFactory(subject=company, item=item, determined_on=dt.date(2026, 3, day)) for day in (1, 2, 3)]
    _records(company, item.category, page=2)
    row = QueryLog.objects.get()
    assert (row.mode, row.channel, row.user, row.client_ip) == (QueryMode.PUBLIC, QueryChannel.PUBLIC, None, ADDRESS)
    assert row.subject_identifier == company.identifier
    assert row.query == {"public_file": company.identifier, "category": item.category, "page": 2}
    assert row.result == {"records": 3, "page": 2, "ids": [records[0].pk]}


def test_a_category_page_answers_404_for_a_person_an_unknown_key_or_category(company):
    """No enumeration: the same 404 for a natural person's key, a made-up key and a category
    that does not exist; nothing is logged."""
    person = PersonFactory()
    RecordFactory(subject=person, item=PublicBasicItemFactory())
    assert _records(person, "basic").status_code == 404
    assert Client().get(f"/public/subjects/{uuid.uuid4()}/records/basic/").status_code == 404
    assert _records(company, "penalty").status_code == 404  # a report section, not a category
    assert not QueryLog.objects.exists()


def test_a_category_page_counts_towards_the_address_limits(company, settings, policy):
    """Issue 18 item 4 and Nanjing art. 52: a category page is a lookup like the organisation's
    page: past the minute's allowance a 429 page in Chinese, past the day's threshold refused and
    the refusal logged."""
    settings.PUBLIC_PORTAL_LOOKUPS_PER_ADDRESS_PER_MINUTE = 2
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, 0, 5, tzinfo=dt.UTC), tick=False):
        assert _page(company).status_code == 200
        assert _records(company, "basic").status_code == 200
        refused = _records(company, "basic")
    assert refused.status_code == 429 and "请求过多" in refused.content.decode()
    assert QueryLog.objects.count() == 2
    cache.clear()
    policy.query_abnormal_control, policy.query_daily_threshold = True, 1
    policy.save()
    assert _records(company, "basic").status_code == 200
    refused = _records(company, "basic")
    assert refused.status_code == 429 and "异常" in refused.content.decode()
    assert QueryLog.objects.filter(outcome=QueryOutcome.REFUSED, client_ip=ADDRESS).count() == 1


def test_a_category_page_is_never_kept_and_shows_a_new_record_at_once(company, settings):
    """Only the organisation's page, the search and the feeds are kept whole: a category page is
    read afresh, so a record just provided is on it."""
    settings.PUBLIC_PORTAL_CACHE_SECONDS = 300
    item = PublishedItemFactory(report_section=ReportSection.PENALTY)
    RecordFactory(subject=company, item=item, document_number="宁罚〔2026〕旧1号")
    assert "宁罚〔2026〕旧1号" in _records(company, item.category).content.decode()
    RecordFactory(subject=company, item=item, document_number="宁罚〔2026〕新1号")
    assert "宁罚〔2026〕新1号" in _records(company, item.category).content.decode()
    assert QueryLog.objects.count() == 2


def test_page_links_to_objection_repair_and_verification(company):
    page = _page(company).content.decode()
    for name in ("objections:public_file", "repair:public_apply", "subjects:verify"):
        assert f'href="{reverse(name)}"' in page


# --- no enumeration, no natural persons ----------------------------------------------------------


def test_subject_page_is_at_an_opaque_key_not_the_id(company):
    """Issue 18 item 4: public URLs carry an opaque key; the id, a made-up key and a natural
    person's key answer 404."""
    person = PersonFactory()
    client = Client()
    assert client.get(f"/public/subjects/{company.pk}/").status_code == 404
    assert client.get(reverse("subjects:public_subject", args=[uuid.uuid4()])).status_code == 404
    assert client.get(reverse("subjects:public_subject", args=[person.public_key])).status_code == 404
    assert company.public_key != person.public_key


def test_name_search_never_returns_a_natural_person(company):
    """Natural persons' information is never publicly searchable by name."""
    PersonFactory(name="南京门户测试某人")
    response = _search("门户测试")
    content = response.content.decode()
    assert company.name in content and "南京门户测试某人" not in content
    row = QueryLog.objects.get()
    assert row.result["identifiers"] == [company.identifier]


def test_citizen_id_search_returns_nothing_and_is_logged(company):
    """A code search for a citizen ID finds nothing, even for a person on the platform, and the
    attempt is in the query log under that identifier (the person's query history)."""
    person = PersonFactory()
    response = _search(person.identifier)
    assert response.status_code == 200 and person.name not in response.content.decode()
    row = QueryLog.objects.get()
    assert row.subject_identifier == person.identifier
    assert row.outcome == QueryOutcome.NOT_FOUND and row.mode == QueryMode.PUBLIC
    assert person.identifier not in str(row.query)  # the query is stored masked


def test_code_search_finds_the_organisation(company):
    assert company.name in _search(company.identifier.lower()).content.decode()


def test_too_short_a_query_is_refused_in_chinese_and_not_logged(company):
    response = _search("门")
    assert "至少" in response.content.decode()
    assert not QueryLog.objects.exists()


# --- the query log --------------------------------------------------------------------------------


def test_every_search_and_page_writes_one_public_row_with_the_address(company, django_user_model):
    """DESIGN.md section 4: a public lookup is logged — mode and channel public, no user (even
    when someone is signed in), the client address."""
    _search("门户测试")
    client = Client()
    client.force_login(django_user_model.objects.create_user(username="someone", password="x"))
    _page(company, client=client)
    rows = list(QueryLog.objects.order_by("pk"))
    assert len(rows) == 2
    for row in rows:
        assert (row.mode, row.channel, row.purpose) == (
            QueryMode.PUBLIC,
            QueryChannel.PUBLIC,
            QueryPurpose.PUBLIC_INFORMATION,
        )
        assert row.user is None and row.client_ip == ADDRESS
    assert rows[1].subject_identifier == company.identifier


# --- limits per address -----------------------------------------------------------------------------


def test_the_search_after_the_allowance_gets_a_429_page_in_chinese(company, settings):
    """Issue 18 item 4: the N+1st search from one address within a minute is refused (429, in
    Chinese, with Retry-After); another address is not; each search before it was logged."""
    settings.PUBLIC_PORTAL_LOOKUPS_PER_ADDRESS_PER_MINUTE = 3
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, 0, 5, tzinfo=dt.UTC), tick=False):
        for _ in range(3):
            assert _search("门户测试").status_code == 200
        refused = _search("门户测试")
        assert _search("门户测试", address="198.51.100.1").status_code == 200
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "请求过多" in refused.content.decode() and "Too many" not in refused.content.decode()
    assert QueryLog.objects.filter(client_ip=ADDRESS).count() == 3


def test_abnormal_volume_control_applies_per_address(company, policy):
    """Nanjing art. 52: past the policy's daily threshold, an address's lookups are refused and
    the refusal is logged."""
    policy.query_abnormal_control, policy.query_daily_threshold = True, 2
    policy.save()
    assert _search("门户测试").status_code == 200
    assert _page(company).status_code == 200
    refused = _search("门户测试")
    assert refused.status_code == 429 and "异常" in refused.content.decode()
    assert QueryLog.objects.filter(outcome=QueryOutcome.REFUSED, client_ip=ADDRESS).count() == 1
    assert _search("门户测试", address="198.51.100.1").status_code == 200


def _day_count(address=ADDRESS, day="2026-12-02"):
    return cache.get(f"subjects:portal:day:{address}:{day}")


@pytest.mark.parametrize("kept", [True, False], ids=["cache on", "cache off"])
def test_a_page_or_search_read_afresh_counts_its_minute_and_day_in_one_call_to_redis(
    company, settings, policy, redis_cache, redis_commands, kept
):
    """Issue 18 item 5 and Nanjing art. 52: a page or a search not kept counts the address's
    minute allowance, its day's volume and (a search, the challenge on) its searches in one call
    to the cache — one round trip with Redis, where counting them in turn made three — and with
    the page cache off reads no page key either. What it counted is what counting in turn gave."""
    settings.PUBLIC_PORTAL_CACHE_SECONDS = 300 if kept else 0
    settings.PUBLIC_PORTAL_CHALLENGE_AFTER_SEARCHES = 30
    policy.query_abnormal_control, policy.query_daily_threshold = True, 100
    policy.save()
    sent = redis_commands
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, 0, 5, tzinfo=dt.UTC), tick=False):
        # A signed-in visitor is never served a kept page: every request reads afresh.
        client = Client()
        client.force_login(UserFactory())
        search = {"q": "门户测试"}
        for read in (
            lambda: _page(company, client=client),
            lambda: client.get(SEARCH_URL, search, REMOTE_ADDR=ADDRESS),
        ):
            sent.clear()
            assert read().status_code == 200
            assert sent.count("EVALSHA") == (2 if kept else 1)  # with the cache on, the key's tokens too
            if not kept:
                assert sent == ["EVALSHA"]
        assert _day_count() == 2
        assert cache.get(portal._window(portal.LOOKUPS, ADDRESS, portal.MINUTE)[0]) == 2
        assert cache.get(portal._searches_key(ADDRESS)) == 1
    assert QueryLog.objects.filter(client_ip=ADDRESS).count() == 2


def test_what_is_not_a_lookup_gives_its_day_count_back(company, settings, policy):
    """Nanjing art. 52 counts the lookups made: no such organisation (404), a search too short and
    a search waiting for the challenge's answer leave the address's day as it was, though the
    minute's allowance counted them (the allowance is of requests)."""
    policy.query_abnormal_control, policy.query_daily_threshold = True, 100
    policy.save()
    settings.PUBLIC_PORTAL_CHALLENGE_AFTER_SEARCHES = 1
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, 0, 5, tzinfo=dt.UTC), tick=False):
        missing = Client().get(reverse("subjects:public_subject", args=[uuid.uuid4()]), REMOTE_ADDR=ADDRESS)
        assert missing.status_code == 404 and _day_count() == 0
        assert _records(company, "no-such-category").status_code == 404 and _day_count() == 0
        assert "至少" in _search("门").content.decode() and _day_count() == 0
        assert _search("门户测试").status_code == 200 and _day_count() == 1
        challenged = _search("门户测试")
        assert "challenge" in challenged.content.decode() and _day_count() == 1
        assert cache.get(portal._window(portal.LOOKUPS, ADDRESS, portal.MINUTE)[0]) == 5
    assert QueryLog.objects.filter(client_ip=ADDRESS).count() == 1


# --- 双公示 feeds ------------------------------------------------------------------------------------


@pytest.fixture
def feed_world(company):
    licence = PublishedItemFactory(
        category="basic", report_section=ReportSection.LICENCE, code="GJ0102", name="行政许可信息"
    )
    penalty = PublishedItemFactory(report_section=ReportSection.PENALTY, code="GJ0301", name="行政处罚信息")
    market, tax = OrganizationFactory(name="南京市市场监督管理局"), OrganizationFactory(name="南京市税务局")
    RecordFactory(subject=company, item=licence, provider=market, document_number="宁许〔2026〕1号")
    RecordFactory(
        subject=company,
        item=penalty,
        provider=market,
        document_number="宁罚〔2026〕1号",
        determined_on=dt.date(2026, 3, 1),
    )
    RecordFactory(
        subject=company,
        item=penalty,
        provider=tax,
        document_number="宁税罚〔2026〕2号",
        determined_on=dt.date(2026, 6, 1),
    )
    person = PersonFactory()
    RecordFactory(subject=person, item=penalty, provider=market, document_number="宁罚〔2026〕人1号")
    return market, tax


def test_feeds_list_licences_and_penalties_of_organisations(feed_world):
    licences, penalties = _feed("licences").content.decode(), _feed("penalties").content.decode()
    assert "宁许〔2026〕1号" in licences and "宁罚〔2026〕1号" not in licences
    assert "宁罚〔2026〕1号" in penalties and "宁税罚〔2026〕2号" in penalties and "宁许〔2026〕1号" not in penalties
    assert "宁罚〔2026〕人1号" not in penalties  # a natural person's record is not in the feed


def test_feed_filters_by_agency_item_and_date(feed_world):
    _market, tax = feed_world
    by_agency = _feed(agency=tax.pk).content.decode()
    assert "宁税罚〔2026〕2号" in by_agency and "宁罚〔2026〕1号" not in by_agency
    by_date = _feed(since="2026-05-01", until="2026-12-31").content.decode()
    assert "宁税罚〔2026〕2号" in by_date and "宁罚〔2026〕1号" not in by_date
    by_item = _feed(item="GJ0301").content.decode()
    assert "宁税罚〔2026〕2号" in by_item


def test_feed_refuses_a_reversed_date_range_in_chinese(feed_world):
    response = _feed(since="2026-06-01", until="2026-01-01")
    assert "结束日期早于开始日期" in response.content.decode()
    assert "宁税罚〔2026〕2号" not in response.content.decode()


def test_agency_feed_page_shows_only_its_own(feed_world):
    _market, tax = feed_world
    content = Client().get(reverse("subjects:public_agency_feed", args=[tax.pk])).content.decode()
    assert "宁税罚〔2026〕2号" in content and "宁罚〔2026〕1号" not in content


def test_feed_export_with_wrong_filters_is_refused(feed_world):
    response = Client().get(
        reverse("subjects:public_feed_export", args=["penalties"]), {"since": "2026-13-45"}, REMOTE_ADDR=ADDRESS
    )
    assert response.status_code == 400 and "日期" in response.content.decode()


def test_feed_export_is_filtered_and_capped(feed_world, settings):
    settings.PUBLIC_PORTAL_EXPORT_ROWS = 1
    response = Client().get(reverse("subjects:public_feed_export", args=["penalties"]), REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2  # the header and one row: the cap
    assert rows[1][3] == "宁税罚〔2026〕2号"  # the newest first
    assert "处罚类别：罚款" in rows[1][7]


@pytest.mark.parametrize("text", ["门户测试", "南京", "测试%", "门户_试", "100%_\\x", "'; --", "没有这样的单位"])
def test_name_search_compiled_once_finds_what_the_orm_finds(company, text):
    """The name search runs the ORM's statement compiled once per process (`_name_search_statement`);
    its pattern is the one the ORM gives the text, LIKE wildcards and backslashes escaped."""
    CompanyFactory(name="南京门户测试%咨询有限公司")
    CompanyFactory(name="南京门户_试100%_\\x有限公司")
    CompanyFactory(name="南京'; --有限公司")
    PersonFactory(name="南京门户测试某人")
    for limit in (1, 20):
        expected = list(portal.subjects_matching(portal.public_subjects(), text).order_by("name")[:limit])
        found = portal._organisations_named(text, limit)
        assert [(s.pk, s.name, s.identifier, s.kind, s.public_key) for s in found] == [
            (s.pk, s.name, s.identifier, s.kind, s.public_key) for s in expected
        ]
