"""Lookups with a purpose (Nanjing arts. 44, 54, 57): what each mode sees, one query-log row per
file view, search, API lookup and report, and nothing without a purpose."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.core.choices import QueryChannel, QueryMode, QueryPurpose
from apps.core.models import QueryLog
from apps.core.querylog import LookupRequest
from apps.subjects.choices import RecordStatus
from apps.subjects.reports import credit_report_issue
from apps.subjects.selectors import credit_file_for, subject_search, visible_records
from tests.factories import ClerkFactory, OfficerFactory
from tests.subjects.factories import (
    CompanyFactory,
    GovernmentOnlyItemFactory,
    MarkedRecordFactory,
    PersonFactory,
    RecordFactory,
    ResponsiblePersonFactory,
)

# The cases and records here carry fixed 2026 dates: the clock is set to match (any real date passes).
pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]
TODAY = timezone.localdate


def gov(user, purpose=QueryPurpose.ADMINISTRATIVE_LICENSING):
    return LookupRequest(user=user, mode=QueryMode.GOVERNMENT, purpose=purpose, channel=QueryChannel.WEB)


def test_what_each_mode_sees(policy):
    """Nanjing arts. 56, 60, 61, Tianjin art. 42: expired, repaired and hidden records are no longer
    given to anybody outside (an authorised third party included); the subject sees its whole file."""
    company = CompanyFactory()
    public = RecordFactory(subject=company, disclosure_ends_on=TODAY())
    government_only = RecordFactory(subject=company, item=GovernmentOnlyItemFactory())
    expired = RecordFactory(subject=company, disclosure_ends_on=TODAY() - dt.timedelta(days=1))
    repaired = RecordFactory(subject=company, status=RecordStatus.REPAIRED)
    objected = MarkedRecordFactory(subject=company)  # active, with the objection mark beside the status
    marked_expired = MarkedRecordFactory(subject=company, status=RecordStatus.EXPIRED)
    revoked = RecordFactory(subject=company, status=RecordStatus.REVOKED)
    hidden = RecordFactory(subject=company, status=RecordStatus.HIDDEN)

    def ids(mode):
        return set(visible_records(company, mode).values_list("pk", flat=True))

    assert ids(QueryMode.PUBLIC) == {public.pk, objected.pk}
    assert ids(QueryMode.GOVERNMENT) == {public.pk, objected.pk, government_only.pk}
    assert ids(QueryMode.AUTHORISED) == {public.pk, objected.pk, government_only.pk}
    assert ids(QueryMode.SELF) == {
        public.pk,
        objected.pk,
        government_only.pk,
        expired.pk,
        marked_expired.pk,
        repaired.pk,
        hidden.pk,
        revoked.pk,
    }


def test_the_public_view_hides_a_record_the_day_after_its_disclosure_ends(policy):
    """Nanjing art. 56: after the period the platform no longer provides the record."""
    record = RecordFactory(disclosure_ends_on=dt.date(2027, 3, 1))
    assert visible_records(record.subject, QueryMode.PUBLIC, today=dt.date(2027, 3, 1)).exists()
    assert not visible_records(record.subject, QueryMode.PUBLIC, today=dt.date(2027, 3, 2)).exists()


def test_every_file_view_search_api_lookup_and_report_writes_exactly_one_log_row(policy):
    officer, clerk = OfficerFactory(), ClerkFactory()
    company = CompanyFactory()
    RecordFactory(subject=company)

    credit_file_for(gov(officer), company)
    assert QueryLog.objects.filter(subject_identifier=company.identifier).count() == 1

    subject_search(gov(officer, QueryPurpose.BIDDING), query=company.identifier)
    entry = QueryLog.objects.latest("id")
    assert (entry.mode, entry.purpose, entry.subject_identifier) == ("government", "bidding", company.identifier)

    client = APIClient()
    client.force_authenticate(officer)
    response = client.get(
        reverse("api-subject-lookup"),
        {"identifier": company.identifier, "mode": "government", "purpose": "public_procurement"},
    )
    assert response.status_code == 200 and response.json()["found"] is True
    assert QueryLog.objects.latest("id").channel == "api"

    report, _html = credit_report_issue(
        LookupRequest(
            user=clerk,
            mode=QueryMode.SELF,
            purpose=QueryPurpose.SELF_INQUIRY,
            channel=QueryChannel.WINDOW,
            identity_checked=True,
            checked_identifier=company.identifier,
        ),
        company,
    )
    assert QueryLog.objects.latest("id") == report.query_log
    assert QueryLog.objects.filter(subject_identifier=company.identifier).count() == 4


def test_a_lookup_without_a_purpose_is_refused(policy):
    officer = OfficerFactory()
    company = CompanyFactory()
    with pytest.raises(ValidationError):
        credit_file_for(
            LookupRequest(user=officer, mode=QueryMode.GOVERNMENT, purpose="", channel=QueryChannel.WEB), company
        )
    client = APIClient()
    client.force_authenticate(officer)
    response = client.get(reverse("api-subject-lookup"), {"identifier": company.identifier, "mode": "government"})
    assert response.status_code == 400
    response = client.get(
        reverse("api-subject-lookup"), {"identifier": "91440300192203821X", "mode": "government", "purpose": "bidding"}
    )
    assert response.status_code == 400 and "“6”" in str(response.json())
    assert not QueryLog.objects.exists()


def test_unknown_identifier_is_a_clear_no_record_answer(policy):
    client = APIClient()
    client.force_authenticate(OfficerFactory())
    response = client.get(
        reverse("api-subject-lookup"), {"identifier": "914403001922038216", "mode": "government", "purpose": "bidding"}
    )
    assert response.status_code == 200 and response.json()["found"] is False
    assert QueryLog.objects.get().outcome == "not_found"


def test_the_credit_file_page_needs_a_purpose_and_shows_the_lookup_history(client, policy):
    clerk = ClerkFactory()
    company = CompanyFactory(name="南京档案测试有限公司")
    MarkedRecordFactory(subject=company)
    person = PersonFactory()
    ResponsiblePersonFactory(organization=company, person=person)
    client.force_login(clerk)
    url = reverse("subjects:credit_file", args=[company.pk])
    response = client.post(url, {"mode": "government"})
    assert response.status_code == 302 and not QueryLog.objects.exists()
    page = client.post(url, {"mode": "government", "purpose": "objection_processing"}).content.decode()
    assert "南京档案测试有限公司" in page and "异议标注" in page and "法定代表人" in page
    assert "查询记录" in page and "异议处理" in page
    assert QueryLog.objects.count() == 1
    # A self inquiry at the window needs the identity check.
    response = client.post(url, {"mode": "self"})
    assert response.status_code == 302 and QueryLog.objects.count() == 1
    client.post(url, {"mode": "self", "identity_checked": "on", "checked_identifier": company.identifier})
    assert QueryLog.objects.latest("id").channel == "window"


def test_the_label_filter_gives_what_get_display_gives_in_each_language(policy):
    """Issue 16: the credit file's choice labels come from a table built once per language
    (`credit.label`), not from Django's get_FOO_display, which translates the whole choice list on
    every call; the labels must be the same, and a value outside the choices shows as itself."""
    from django.utils import translation

    from apps.core.templatetags.credit import label

    record = RecordFactory(severity="serious")
    entry = QueryLog(mode=QueryMode.GOVERNMENT, purpose=QueryPurpose.OBJECTION_PROCESSING, channel=QueryChannel.WEB)
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert label(record, "severity") == record.get_severity_display()
            assert label(record, "status") == record.get_status_display()
            for name in ("mode", "purpose", "channel"):
                assert label(entry, name) == getattr(entry, f"get_{name}_display")()
    with translation.override("zh-hans"):
        assert label(entry, "purpose") == "异议处理"
    assert label(QueryLog(mode="retired_mode"), "mode") == "retired_mode"


def test_officers_cannot_use_window_modes(client, policy):
    client.force_login(OfficerFactory())
    company = CompanyFactory()
    response = client.post(
        reverse("subjects:credit_file", args=[company.pk]), {"mode": "self", "identity_checked": "on"}
    )
    assert response.status_code == 302 and not QueryLog.objects.exists()


def test_authorised_inquiry_needs_the_written_authorisation(client, policy):
    client.force_login(ClerkFactory())
    person = PersonFactory()
    url = reverse("subjects:search")
    page = client.post(url, {"query": person.identifier, "mode": "authorised"}).content.decode()
    assert "书面授权" in page and not QueryLog.objects.exists()
    scan = io.BytesIO(b"%PDF-1.4 authorisation")
    scan.name = "授权书.pdf"
    client.post(url, {"query": person.identifier, "mode": "authorised", "authorisation_file": scan})
    entry = QueryLog.objects.get()
    assert entry.mode == "authorised" and "授权书.pdf" in entry.authorization_document


def test_search_lists_mask_identifiers_and_names(client, policy):
    person = PersonFactory(name="王小明")
    client.force_login(ClerkFactory())
    page = client.post(
        reverse("subjects:search"),
        {"query": person.identifier, "mode": "government", "purpose": "objection_processing"},
    ).content.decode()
    assert person.identifier not in page.split("查询结果")[1] and "王**" in page
    assert person.identifier[:6] + "********" in page


def test_a_window_inquiry_opens_only_the_subject_it_was_checked_for(client, policy):
    """Nanjing art. 54: the identity check and the written authorisation cover one subject."""
    clerk = ClerkFactory()
    company, other = CompanyFactory(), CompanyFactory()
    ResponsiblePersonFactory(organization=company)
    client.force_login(clerk)
    data = {"mode": "self", "identity_checked": "on", "checked_identifier": company.identifier}
    response = client.post(reverse("subjects:credit_file", args=[other.pk]), data)
    assert response.status_code == 302 and not QueryLog.objects.exists()
    page = client.post(reverse("subjects:credit_file", args=[company.pk]), data).content.decode()
    assert "打开（另行记入查询日志）" not in page  # no self-mode links to the responsible people
    # An authorisation uploaded for one person does not open another's file.
    person, stranger = PersonFactory(), PersonFactory()
    scan = io.BytesIO(b"%PDF-1.4 authorisation")
    scan.name = "授权书.pdf"
    client.post(
        reverse("subjects:search"), {"query": person.identifier, "mode": "authorised", "authorisation_file": scan}
    )
    from apps.subjects.models import Authorisation

    authorisation = Authorisation.objects.get()
    assert authorisation.subject_identifier == person.identifier
    count = QueryLog.objects.count()
    forged = {"mode": "authorised", "authorisation_id": authorisation.pk, "checked_identifier": stranger.identifier}
    response = client.post(reverse("subjects:credit_file", args=[stranger.pk]), forged)
    assert response.status_code == 302 and QueryLog.objects.count() == count
    response = client.post(
        reverse("subjects:search"), {"query": "王", "mode": "authorised", "authorisation_id": authorisation.pk}
    )
    assert "统一社会信用代码" in response.content.decode() or "18位" in response.content.decode()


def test_other_agencies_lookups_are_not_shown_to_an_officer(client, policy):
    company = CompanyFactory()
    court = OfficerFactory(organization__name="南京市中级人民法院")
    credit_file_for(gov(court), company)
    officer = OfficerFactory()
    client.force_login(officer)
    page = client.post(
        reverse("subjects:credit_file", args=[company.pk]), {"mode": "government", "purpose": "bidding"}
    ).content.decode()
    assert "南京市中级人民法院" not in page
    client.force_login(ClerkFactory())
    page = client.post(
        reverse("subjects:credit_file", args=[company.pk]), {"mode": "government", "purpose": "objection_processing"}
    ).content.decode()
    assert "南京市中级人民法院" in page


def test_a_long_category_shows_its_newest_records_and_the_rest_on_request(client, policy):
    """Issue 16: the credit file renders in near-constant time whatever the number of records."""
    from apps.subjects.selectors import CREDIT_FILE_RECORDS_SHOWN

    company = CompanyFactory()
    item = RecordFactory(subject=company).item
    RecordFactory.create_batch(CREDIT_FILE_RECORDS_SHOWN + 4, subject=company, item=item)
    total = CREDIT_FILE_RECORDS_SHOWN + 5
    client.force_login(ClerkFactory())
    url = reverse("subjects:credit_file", args=[company.pk])
    lookup = {"mode": "government", "purpose": "objection_processing"}
    page = client.post(url, lookup).content.decode()
    assert page.count("宁市监罚〔2026〕") == CREDIT_FILE_RECORDS_SHOWN
    assert f"({total})" in page and 'name="all_records"' in page
    page = client.post(url, {**lookup, "all_records": "1"}).content.decode()
    assert page.count("宁市监罚〔2026〕") == total and 'name="all_records"' not in page
    # showing all for the same purpose is covered by the opening's row (one lookup, one row),
    # which counts every record in view, whether or not the page loaded it
    assert [row.result["records"] for row in QueryLog.objects.all()] == [total]


def test_the_credit_file_loads_only_the_newest_of_each_category(policy):
    """Issue 16: a subject with hundreds of records costs a count, not every row with its joins:
    the newest of each category, ordered by determination date, are the ones loaded."""
    from apps.catalog.choices import Category

    company = CompanyFactory()
    item = RecordFactory(subject=company, determined_on=dt.date(2026, 1, 1)).item
    for day in (5, 9, 2, 7, 3, 8, 4, 6):
        RecordFactory(subject=company, item=item, determined_on=dt.date(2026, 1, day))
    credit_file = credit_file_for(gov(ClerkFactory()), company, shown_per_category=3)
    label = Category(item.category).label
    assert [r.determined_on.day for r in credit_file.records_by_category[label]] == [9, 8, 7]
    assert credit_file.counts_by_category[label] == 9 and credit_file.record_count == 9
    assert credit_file.log_entry.result["ids"][:3] == [r.pk for r in credit_file.records_by_category[label]]


def test_the_credit_file_shows_the_newest_20_lookups_and_the_older_ones_on_request(client, policy):
    """Nanjing art. 57 (the subject's right to know who used its information): the credit file
    shows the newest CREDIT_FILE_HISTORY_SHOWN lookups of the subject, and up to
    CREDIT_FILE_HISTORY_ROWS when asked (issue 16: rendering a hundred rows on every opening was
    part of the page's fixed cost); asking again is covered by the opening's lookup."""
    from django.utils import translation

    from apps.subjects.selectors import CREDIT_FILE_HISTORY_SHOWN
    from tests.factories import QueryLogFactory

    clerk = ClerkFactory()
    company = CompanyFactory()
    RecordFactory(subject=company)
    QueryLogFactory.create_batch(24, user=clerk, subject_identifier=company.identifier)
    client.force_login(clerk)
    url = reverse("subjects:credit_file", args=[company.pk])
    lookup = {"mode": "government", "purpose": "objection_processing"}
    with translation.override("zh-hans"):
        licensing = str(QueryPurpose.ADMINISTRATIVE_LICENSING.label)
    page = client.post(url, lookup).content.decode()
    # The newest 20: this opening and 19 of the 24 earlier lookups.
    assert page.count(f"<td>{licensing}</td>") == CREDIT_FILE_HISTORY_SHOWN - 1
    assert 'name="all_history"' in page and "仅显示最近 20 次查询" in page
    rows = QueryLog.objects.count()
    page = client.post(url, {**lookup, "all_history": "1"}).content.decode()
    assert page.count(f"<td>{licensing}</td>") == 24 and 'name="all_history"' not in page
    assert QueryLog.objects.count() == rows  # covered by the opening's lookup: one lookup, one row
