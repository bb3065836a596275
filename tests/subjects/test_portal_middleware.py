"""Whole public pages kept for anonymous visitors (`apps.subjects.portal_middleware`, issue 18 item
5): served again without the template and session layers, with the same headers, and still rate
limited, volume controlled and logged on every request; a signed-in user never gets one."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import time_machine
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse

from apps.catalog.choices import ReportSection
from apps.core import process_cache
from apps.core.choices import QueryChannel, QueryMode, QueryOutcome
from apps.core.models import QueryLog
from apps.subjects import portal, portal_cache
from credit_portal.urls import urlpatterns as project_urlpatterns
from tests.factories import ClerkFactory, OrganizationFactory
from tests.jobs import use_redis_cache
from tests.subjects.factories import CompanyFactory, PublishedItemFactory, RecordFactory

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]

ADDRESS = "203.0.113.10"


@pytest.fixture(autouse=True)
def _cache_on(policy, settings):
    settings.PUBLIC_PORTAL_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def company(policy):
    company = CompanyFactory(name="南京整页缓存测试有限公司")
    RecordFactory(
        subject=company,
        item=PublishedItemFactory(report_section=ReportSection.PENALTY),
        document_number="宁罚〔2026〕整1号",
    )
    return company


@pytest.fixture
def item_for_penalties(company):
    return company.records.get().item


def _url(company):
    return reverse("subjects:public_subject", args=[company.public_key])


def _served(client, url, **params):
    """The response and how many statements read the records table, or rendered a template."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params, REMOTE_ADDR=ADDRESS)
    return response, sum("subjects_creditrecord" in q["sql"] for q in queries.captured_queries)


def test_an_anonymous_visitor_gets_the_kept_page_with_its_headers_and_every_visit_is_logged(company):
    """The second anonymous visit is the first one's response — same bytes, same security headers
    — made without a template or a read of the records; each visit wrote its public-lookup row
    with the address (DESIGN.md section 4)."""
    first, first_reads = _served(Client(), _url(company))
    second, second_reads = _served(Client(), _url(company))
    assert first.status_code == second.status_code == 200
    assert first_reads > 0 and second_reads == 0
    assert first.templates and not second.templates
    assert second.content == first.content and "宁罚〔2026〕整1号" in second.content.decode()
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Content-Type"):
        assert second[header] == first[header]
    rows = QueryLog.objects.filter(subject_identifier=company.identifier)
    assert rows.count() == 2
    assert {(r.mode, r.channel, r.client_ip, r.user_id) for r in rows} == {
        (QueryMode.PUBLIC, QueryChannel.PUBLIC, ADDRESS, None)
    }
    assert rows[0].result == rows[1].result


def test_a_page_kept_anew_under_the_same_key_logs_its_own_lookup(company):
    """The lookup of a kept page is built once per process and key (`portal._kept_lookup`), but
    what the kept response says it logs is compared on every serving: a response kept anew
    under the key (by another process, read here once this process's copy has expired) logs
    its own records in view, never the former one's."""
    Client().get(_url(company), REMOTE_ADDR=ADDRESS)
    Client().get(_url(company), REMOTE_ADDR=ADDRESS)
    key = portal_cache.response_key(portal_cache.subject_page_key(company.pk))
    kept = portal_cache.get(key)
    identifier, name, result = kept.lookup
    portal_cache.put(key, dataclasses.replace(kept, lookup=(identifier, name, {**result, "records": 99})))
    process_cache.clear_all()
    again, reads = _served(Client(), _url(company))
    assert again.content == kept.content and reads == 0
    rows = list(QueryLog.objects.filter(subject_identifier=company.identifier).order_by("pk"))
    assert [r.result["records"] for r in rows] == [1, 1, 99]


@login_not_required
def _another_page(request, key):
    return HttpResponse("另一页")


# The URL configuration of the test below: an organisation's page answered by another view.
urlpatterns = [path("public/subjects/<uuid:key>/", _another_page), *project_urlpatterns]


def test_a_kept_page_follows_a_change_of_the_url_configuration(company, settings):
    """The middleware resolves a path once per URL configuration (`_kept_view`): a path it
    served kept under the former one is resolved again under the new one."""
    Client().get(_url(company), REMOTE_ADDR=ADDRESS)
    url = _url(company)
    assert Client().get(url, REMOTE_ADDR=ADDRESS).status_code == 200
    settings.ROOT_URLCONF = __name__
    assert Client().get(url, REMOTE_ADDR=ADDRESS).content.decode() == "另一页"


def test_a_signed_in_user_never_gets_or_leaves_a_kept_page(company):
    """The layout names a signed-in user: such a visit neither serves nor leaves the kept page,
    so no visitor sees another's name."""
    clerk = ClerkFactory(full_name="钱页面")
    signed_in = Client()
    signed_in.force_login(clerk)
    assert clerk.get_full_name() in signed_in.get(_url(company), REMOTE_ADDR=ADDRESS).content.decode()
    anonymous = Client().get(_url(company), REMOTE_ADDR=ADDRESS)
    assert clerk.get_full_name() not in anonymous.content.decode() and anonymous.templates
    again, _reads = _served(signed_in, _url(company))
    assert clerk.get_full_name() in again.content.decode() and again.templates
    assert QueryLog.objects.filter(subject_identifier=company.identifier).count() == 3


@pytest.fixture(params=["local memory", "redis"])
def either_cache(request, settings):
    """The default cache of the tests, then Redis as production shares it between processes."""
    if request.param == "redis":
        use_redis_cache(settings)
    return request.param


def test_the_rate_limit_applies_to_kept_pages_with_the_429_page_in_chinese(company, settings, either_cache):
    """Issue 18 item 4: kept or not, the N+1st page from one address within a minute is a 429 in
    Chinese with Retry-After, counted once."""
    settings.PUBLIC_PORTAL_LOOKUPS_PER_ADDRESS_PER_MINUTE = 3
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, 0, 5, tzinfo=dt.UTC), tick=False):
        answers = [Client().get(_url(company), REMOTE_ADDR=ADDRESS) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert "请求过多" in answers[3].content.decode() and int(answers[3]["Retry-After"]) > 0
    assert answers[3]["Content-Security-Policy"]
    assert QueryLog.objects.filter(client_ip=ADDRESS).count() == 3


def test_the_abnormal_volume_refusal_of_a_kept_page_is_logged_once(company, policy, either_cache):
    """Nanjing art. 52 per address: past the threshold a kept page is refused (429) and the
    refusal written once, not once by the middleware and again by the view."""
    policy.query_abnormal_control, policy.query_daily_threshold = True, 2
    policy.save()
    assert Client().get(_url(company), REMOTE_ADDR=ADDRESS).status_code == 200
    assert Client().get(_url(company), REMOTE_ADDR=ADDRESS).status_code == 200
    refused = Client().get(_url(company), REMOTE_ADDR=ADDRESS)
    assert refused.status_code == 429 and "异常" in refused.content.decode()
    assert QueryLog.objects.filter(client_ip=ADDRESS, outcome=QueryOutcome.REFUSED).count() == 1
    assert QueryLog.objects.filter(client_ip=ADDRESS, outcome=QueryOutcome.FOUND).count() == 2


def test_with_redis_a_kept_page_takes_one_round_trip_and_a_refused_one_is_not_counted_for_the_day(
    company, settings, policy, redis_cache, redis_commands
):
    """Production shares the cache in Redis. A kept organisation page reads its key's tokens and
    counts the address's minute and day in one script: one round trip, where Django's `get_many`
    and `incr` made it five. Past the minute's allowance the page is refused (429) and its day's
    count given back, as when the two were counted in turn (Nanjing art. 52 counts lookups let
    through)."""
    policy.query_abnormal_control, policy.query_daily_threshold = True, 100
    policy.save()
    settings.PUBLIC_PORTAL_LOOKUPS_PER_ADDRESS_PER_MINUTE = 4
    sent = redis_commands
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, 0, 5, tzinfo=dt.UTC), tick=False):
        answers = [Client().get(_url(company), REMOTE_ADDR=ADDRESS) for _ in range(2)]  # rendered, then kept
        sent.clear()
        answers.append(Client().get(_url(company), REMOTE_ADDR=ADDRESS))
        assert sent == ["EVALSHA"]
        answers += [Client().get(_url(company), REMOTE_ADDR=ADDRESS) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    assert cache.get(f"subjects:portal:day:{ADDRESS}:2026-12-02") == 4
    assert QueryLog.objects.filter(client_ip=ADDRESS).count() == 4


def test_kept_feed_pages_are_per_filter_and_rate_limited(company, settings, either_cache):
    """The feeds: each filter and page is its own kept response; the feed allowance counts every
    request once, kept or not (one not kept any more gives back the middleware's count)."""
    settings.PUBLIC_PORTAL_FEEDS_PER_ADDRESS_PER_MINUTE = 3
    url = reverse("subjects:public_feed", args=["penalties"])
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, 0, 5, tzinfo=dt.UTC), tick=False):
        first, _ = _served(Client(), url)
        kept, _ = _served(Client(), url)
        other, _ = _served(Client(), url, since="2027-01-01")
        refused, _ = _served(Client(), url)
        assert cache.get(portal._window(portal.FEEDS, ADDRESS, portal.MINUTE)[0]) == 4  # each once
    assert first.templates and not kept.templates and other.templates
    assert "宁罚〔2026〕整1号" in kept.content.decode() and "宁罚〔2026〕整1号" not in other.content.decode()
    assert refused.status_code == 429 and "请求过多" in refused.content.decode()


def test_a_kept_agency_page_follows_its_records(company, either_cache):
    agency = OrganizationFactory(name="南京市整页缓存局", kind="agency")
    url = reverse("subjects:public_agency_feed", args=[agency.pk])
    assert Client().get(url, REMOTE_ADDR=ADDRESS).templates
    assert not Client().get(url, REMOTE_ADDR=ADDRESS).templates
    RecordFactory(
        subject=company,
        provider=agency,
        item=PublishedItemFactory(report_section=ReportSection.PENALTY),
        document_number="宁罚〔2026〕整2号",
    )
    assert "宁罚〔2026〕整2号" in Client().get(url, REMOTE_ADDR=ADDRESS).content.decode()


def test_a_kept_page_is_read_from_the_shared_cache_once_per_process_and_a_change_still_shows_at_once(
    company, item_for_penalties
):
    """The process keeps the responses it served (`portal_cache.get_response`): a key names one
    response for good, so a kept page is not read and unpickled again for every visitor — even
    gone from the shared cache, this process still serves it — while a new record replaces the
    page's key and so shows at the next visit."""
    url = _url(company)
    Client().get(url, REMOTE_ADDR=ADDRESS)
    Client().get(url, REMOTE_ADDR=ADDRESS)
    cache.delete(portal_cache.response_key(portal_cache.subject_page_key(company.pk)))
    cache.delete(f"{portal_cache.PREFIX}:key:{company.public_key}")
    kept, reads = _served(Client(), url)
    assert not kept.templates and reads == 0
    RecordFactory(subject=company, item=item_for_penalties, document_number="宁罚〔2026〕整9号")
    fresh, reads = _served(Client(), url)
    assert fresh.templates and reads > 0 and "宁罚〔2026〕整9号" in fresh.content.decode()
    assert QueryLog.objects.filter(subject_identifier=company.identifier).count() == 4


def test_nothing_is_kept_with_the_cache_off(company, settings):
    settings.PUBLIC_PORTAL_CACHE_SECONDS = 0
    Client().get(_url(company), REMOTE_ADDR=ADDRESS)
    _response, reads = _served(Client(), _url(company))
    assert reads > 0


# --- the answer to a search ---------------------------------------------------------------------------


def _search(text, **extra):
    with CaptureQueriesContext(connection) as queries:
        response = Client().get("/public/search/", {"q": text, **extra}, REMOTE_ADDR=ADDRESS)
    return response, sum("subjects_subject" in q["sql"] for q in queries.captured_queries)


def test_the_same_search_is_answered_from_the_kept_response_and_logged_each_time(company, either_cache):
    """Issue 18 item 4–5: a repeated search is served whole, without a template or a read of the
    register, and each one wrote its public-lookup row saying what it found."""
    first, first_reads = _search("整页缓存")
    second, second_reads = _search("整页缓存")
    assert first.templates and not second.templates and second_reads == 0 < first_reads
    assert second.content == first.content and company.name in second.content.decode()
    rows = list(QueryLog.objects.filter(client_ip=ADDRESS).order_by("pk"))
    assert len(rows) == 2
    assert [(r.query, r.result, r.subject_identifier, r.outcome) for r in rows] == [
        (
            {"search": "整页缓存"},
            {"matches": 1, "identifiers": [company.identifier], "truncated": False},
            company.identifier,
            QueryOutcome.FOUND,
        )
    ] * 2


def test_a_new_organisation_shows_in_the_kept_search_at_once(company):
    _search("整页缓存")
    newcomer = CompanyFactory(name="南京整页缓存新设有限公司")
    answer, _reads = _search("整页缓存")
    assert newcomer.name in answer.content.decode() and answer.templates


def test_the_challenge_still_comes_after_n_searches_served_from_the_cache(company, settings, policy, either_cache):
    """The cheap challenge (issue 18 item 4) counts kept answers too: after N searches from an
    address the next one waits for the question, kept or not. The kept answer counts its three
    counters at once with its key; the challenged search is counted as before, on the minute's
    allowance only (the view's), not as a search nor towards the day's volume."""
    settings.PUBLIC_PORTAL_CHALLENGE_AFTER_SEARCHES = 2
    policy.query_abnormal_control, policy.query_daily_threshold = True, 100
    policy.save()
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, 0, 5, tzinfo=dt.UTC), tick=False):
        assert _search("整页缓存")[0].templates
        assert not _search("整页缓存")[0].templates
        challenged, _reads = _search("整页缓存")
        assert "subjects/public_challenge.html" in [t.name for t in challenged.templates]
        assert cache.get(portal._window(portal.LOOKUPS, ADDRESS, portal.MINUTE)[0]) == 3
        assert cache.get(portal._searches_key(ADDRESS)) == 2
        assert cache.get(f"subjects:portal:day:{ADDRESS}:2026-12-02") == 2
    assert QueryLog.objects.filter(client_ip=ADDRESS).count() == 2


def test_a_kept_page_not_kept_any_more_gives_its_counts_back_to_the_view(company, settings, policy, either_cache):
    """The middleware counts a kept page's allowances with its key, before it knows whether the
    page is still kept; where it is not (a record changed), the counts are given back and the
    view counts the page once, as any page rendered afresh."""
    policy.query_abnormal_control, policy.query_daily_threshold = True, 100
    policy.save()
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, 0, 5, tzinfo=dt.UTC), tick=False):
        assert Client().get(_url(company), REMOTE_ADDR=ADDRESS).status_code == 200  # rendered, kept
        RecordFactory(subject=company, item=company.records.get().item, document_number="宁罚〔2026〕整2号")
        again = Client().get(_url(company), REMOTE_ADDR=ADDRESS)  # the key changed: rendered again
        assert again.templates and "宁罚〔2026〕整2号" in again.content.decode()
        assert cache.get(portal._window(portal.LOOKUPS, ADDRESS, portal.MINUTE)[0]) == 2
        assert cache.get(f"subjects:portal:day:{ADDRESS}:2026-12-02") == 2
    assert QueryLog.objects.filter(client_ip=ADDRESS).count() == 2


def test_the_kept_pages_come_after_the_security_layer_and_a_nul_still_gets_its_400(company, settings):
    """PublicPageMiddleware answers before the body and parameter checks (it reads neither), but
    only with a page the whole stack answered: a search with a NUL in its query is refused as
    without it, kept answer or not."""
    order = [name.rsplit(".", 1)[-1] for name in settings.MIDDLEWARE]
    kept = order.index("PublicPageMiddleware")
    assert order.index("SecurityMiddleware") < kept < order.index("SessionMiddleware")
    _search("整页缓存")
    assert not _search("整页缓存")[0].templates  # kept
    refused, _reads = _search("整页\x00缓存")
    assert refused.status_code == 400 and "空字符" in refused.content.decode()
    assert QueryLog.objects.filter(client_ip=ADDRESS).count() == 2


def test_a_citizen_id_search_is_never_kept_and_always_logged(company):
    """A citizen ID finds nothing and is logged each time (issue 18 acceptance); its answer is
    never kept, so the identifier is never a key of the cache."""
    person_code = "11010519491231002X"
    for _ in range(2):
        answer, _reads = _search(person_code)
        assert answer.templates
    assert QueryLog.objects.filter(subject_identifier=person_code, client_ip=ADDRESS).count() == 2


def test_a_search_with_more_than_the_query_is_not_kept(company):
    _search("整页缓存", page="2")
    assert _search("整页缓存", page="2")[0].templates


def test_every_kept_page_is_under_the_prefix_the_middleware_looks_at():
    """The middleware resolves only paths under PUBLIC_PREFIX: a kept page moved elsewhere would
    silently stop being served from the cache."""
    from apps.subjects import portal_middleware

    examples = {
        "subjects:public_search": [],
        "subjects:public_subject": ["00000000-0000-0000-0000-000000000000"],
        "subjects:public_feed": ["penalties"],
        "subjects:public_agency_feed": [1],
    }
    assert set(examples) == set(portal_middleware.KEPT)
    for name, args in examples.items():
        assert reverse(name, args=args).startswith(portal_middleware.PUBLIC_PREFIX)
