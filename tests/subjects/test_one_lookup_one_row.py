"""One lookup, one query-log row (issue 17 item 3; README "Query log"): a search that lists
subjects writes one row; opening one of them, or opening the same file again, for the same purpose
within the repeat window writes none; a report writes exactly one; anything else (another purpose
or mode, another subject, past the window, a flagged user) is a lookup of its own.

Nanjing art. 52 (abnormal query volume) counts lookups: a covered opening is not a second one."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from apps.core.models import QueryFlag, QueryLog
from tests.factories import ClerkFactory
from tests.subjects.factories import CompanyFactory, RecordFactory

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]

LOOKUP = {"mode": "government", "purpose": "objection_processing"}


@pytest.fixture
def clerk_client(client):
    clerk = ClerkFactory()
    client.force_login(clerk)
    client.user = clerk
    return client


def _search(client, text, **lookup):
    return client.post(reverse("subjects:search"), {"query": text, **(lookup or LOOKUP)})


def _open(client, subject, **extra):
    return client.post(reverse("subjects:credit_file", args=[subject.pk]), {**LOOKUP, **extra})


def test_search_open_file_show_all_and_report_write_two_rows(clerk_client, policy):
    """The clerk's daily path: search, open the file, show a long category in full, open a
    record, issue the report — the search row covers the openings, the report is its own row."""
    company = CompanyFactory(name="南京一行一查测试有限公司")
    record = RecordFactory(subject=company)
    other = CompanyFactory(name="南京一行一查另一有限公司")

    assert _search(clerk_client, "一行一查").status_code == 200
    search_row = QueryLog.objects.get()
    assert set(search_row.result["identifiers"]) == {company.identifier, other.identifier}

    page = _open(clerk_client, company).content.decode()
    assert "南京一行一查测试有限公司" in page
    assert f"#{search_row.pk}" in page  # the page names the row that covers it
    _open(clerk_client, company, all_records="1")
    _open(clerk_client, company)  # a reload
    record_page = clerk_client.get(reverse("subjects:record_detail", args=[record.pk]), {"purpose": LOOKUP["purpose"]})
    assert record_page.status_code == 200
    assert QueryLog.objects.count() == 1

    clerk_client.post(reverse("subjects:report_issue", args=[company.pk]), LOOKUP)
    assert QueryLog.objects.count() == 2
    report_row = QueryLog.objects.latest("id")
    assert (report_row.query, report_row.subject_identifier) == ({"report": company.identifier}, company.identifier)


def test_a_file_opened_without_a_search_is_one_row_and_a_reload_adds_none(clerk_client, policy):
    company = CompanyFactory()
    RecordFactory(subject=company)
    _open(clerk_client, company)
    _open(clerk_client, company)
    row = QueryLog.objects.get()
    assert row.subject_identifier == company.identifier and row.query == {"file": company.identifier}


def test_another_purpose_another_subject_or_past_the_window_is_a_lookup_of_its_own(clerk_client, policy, settings):
    settings.QUERY_LOG_REPEAT_WINDOW_SECONDS = 600
    company, unlisted = CompanyFactory(name="南京窗口测试有限公司"), CompanyFactory(name="无关公司")
    _search(clerk_client, "窗口测试")
    assert QueryLog.objects.count() == 1

    _open(clerk_client, unlisted)  # not among the search's results
    assert QueryLog.objects.count() == 2

    clerk_client.post(
        reverse("subjects:credit_file", args=[company.pk]),
        {"mode": "government", "purpose": "administrative_licensing"},
    )
    assert QueryLog.objects.count() == 3  # another purpose

    with time_machine.travel(timezone.now() + dt.timedelta(seconds=601), tick=False):
        _open(clerk_client, unlisted)
    assert QueryLog.objects.count() == 4  # the window has passed since the opening's own row


def test_a_flagged_user_is_refused_even_within_the_window(clerk_client, policy):
    """Nanjing art. 52: once flagged, every further lookup is refused and the refusal logged."""
    company = CompanyFactory(name="南京标记测试有限公司")
    _search(clerk_client, "标记测试")
    QueryFlag.objects.create(user=clerk_client.user, day=timezone.localdate(), lookups=999, threshold=200)
    response = _open(clerk_client, company)
    assert response.status_code == 302
    assert QueryLog.objects.latest("id").outcome == "refused"


def test_the_window_can_be_turned_off(clerk_client, policy, settings):
    settings.QUERY_LOG_REPEAT_WINDOW_SECONDS = 0
    company = CompanyFactory()
    _open(clerk_client, company)
    _open(clerk_client, company)
    assert QueryLog.objects.count() == 2


def test_another_users_row_never_covers(client, policy):
    company = CompanyFactory()
    first, second = ClerkFactory(), ClerkFactory()
    for user in (first, second):
        client.force_login(user)
        _open(client, company)
    assert QueryLog.objects.count() == 2
