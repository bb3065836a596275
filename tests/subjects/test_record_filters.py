"""The records list's filters (issue 17 item 1): each narrows the list, a search by a subject's
name or identifier is a logged lookup, bad input is the form's error naming the field with the
list unfiltered, the filters stay in the URL of the next page, and the filtered list exports as
CSV or XLSX for the roles that maintain records, each export a logged lookup."""

import csv
import datetime
import io
from functools import partial

import openpyxl
import pytest
from django.urls import reverse

from apps.catalog.choices import Category
from apps.core.audit import audited_save
from apps.core.choices import QueryMode, QueryPurpose
from apps.core.models import QueryLog
from apps.subjects.choices import RecordStatus
from apps.subjects.models import ImportBatch
from tests.factories import AuditorFactory, AuthorityUserFactory, ClerkFactory, OfficerFactory
from tests.subjects.factories import CompanyFactory, PersonFactory, PublicBasicItemFactory, RecordFactory

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-06-15T10:00")]

LIST = "subjects:record_list"


def _shown(client, **params) -> set[int]:
    response = client.get(reverse(LIST), params)
    assert response.status_code == 200
    return {row.pk for row in response.context["items"]}


def _searches():
    return QueryLog.objects.filter(query__has_key="records_search").order_by("id")


def _exports():
    return QueryLog.objects.filter(query__has_key="records_export").order_by("id")


@pytest.fixture
def officers(policy):
    return OfficerFactory(), OfficerFactory()


@pytest.fixture
def records(officers):
    mine, theirs = (officer.organization for officer in officers)
    person = PersonFactory(name="李四海")
    company = CompanyFactory(name="南京筛选测试有限公司")
    batch = audited_save(
        ImportBatch(provider=mine, item=PublicBasicItemFactory(), status="integrated"), by=None, reason="test"
    )
    return {
        "person": RecordFactory(provider=mine, subject=person, determined_on=datetime.date(2026, 1, 10)),
        "company": RecordFactory(provider=mine, subject=company, severity="serious"),
        "basic": RecordFactory(
            provider=mine, subject=company, item=batch.item, severity="", document_number="", batch=batch
        ),
        "repaired": RecordFactory(provider=mine, status=RecordStatus.REPAIRED, determined_on=datetime.date(2026, 5, 1)),
        "theirs": RecordFactory(provider=theirs, subject=company, severity="serious"),
    }


def test_each_filter_narrows_the_records_list(client, records):
    client.force_login(ClerkFactory())
    shown = partial(_shown, client)
    pk = {key: r.pk for key, r in records.items()}
    assert shown() == set(pk.values())
    assert shown(subject="南京筛选测试") == {pk["company"], pk["basic"], pk["theirs"]}
    assert shown(subject=records["person"].subject.identifier) == {pk["person"]}
    # A full-width identifier, as typed on a Chinese keyboard, is the same identifier.
    full_width = records["person"].subject.identifier.translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)})
    assert shown(subject=full_width) == {pk["person"]}
    assert shown(provider=records["theirs"].provider_id) == {pk["theirs"]}
    assert shown(category=Category.BASIC) == {pk["basic"]}
    assert shown(severity="serious") == {pk["company"], pk["theirs"]}
    assert shown(status=RecordStatus.REPAIRED) == {pk["repaired"]}
    assert shown(determined_after="2026-01-01", determined_before="2026-01-31") == {pk["person"]}
    assert shown(determined_after="2026-04-01") == {pk["repaired"]}
    assert shown(batch=records["basic"].batch_id) == {pk["basic"]}
    assert shown(item=records["basic"].item.code) == {pk["basic"]}
    assert shown(subject="南京筛选测试", severity="serious") == {pk["company"], pk["theirs"]}


def test_a_search_by_subject_is_a_logged_lookup(client, records, officers):
    """The list then answers "has this subject a record?": one query-log row, naming the
    subject when the rows are one subject's (DESIGN.md section 4)."""
    client.force_login(officers[0])
    _shown(client, severity="serious")
    assert not _searches().exists()  # no subject asked, nothing to log
    assert _shown(client, subject="南京筛选测试") == {records["company"].pk, records["basic"].pk}
    row = _searches().get()
    assert (row.user, row.mode, row.purpose) == (officers[0], QueryMode.GOVERNMENT, QueryPurpose.INTEGRATION)
    assert row.subject_identifier == records["company"].subject.identifier
    assert row.query == {"records_search": {"subject": "南京筛选测试"}}
    assert row.result["records"] == 2
    # An auditor's search is an audit.
    client.force_login(AuditorFactory())
    _shown(client, subject="李四海")
    assert _searches().last().purpose == QueryPurpose.AUDIT


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"determined_after": "2026-13-01"}, "认定日期："),
        ({"determined_before": "昨天"}, "认定日期："),
        ({"batch": "abc"}, "批次编号："),
        ({"batch": "0"}, "批次编号："),
    ],
)
def test_bad_input_names_the_field_and_leaves_the_list_unfiltered(client, records, params, error):
    client.force_login(ClerkFactory())
    response = client.get(reverse(LIST), {**params, "subject": "李四海"})
    page = response.content.decode()
    assert 'role="alert"' in page and error in page.split('role="alert"')[1]
    assert {r.pk for r in response.context["items"]} == {r.pk for r in records.values()}
    assert not _searches().exists()  # an invalid filter searched nothing


def test_the_next_page_keeps_the_filters(client, officers):
    item = PublicBasicItemFactory()
    for _ in range(51):
        RecordFactory(provider=officers[0].organization, item=item, severity="")
    client.force_login(ClerkFactory())
    response = client.get(reverse(LIST), {"category": Category.BASIC, "item": item.code})
    next_query = response.context["next_query"]
    assert f"category={Category.BASIC}" in next_query and f"item={item.code}" in next_query
    assert "before=" in next_query
    assert f"?{next_query}" in response.content.decode().replace("&amp;", "&")
    assert len(client.get(f"{reverse(LIST)}?{next_query}").context["items"]) == 1


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_filtered_list_exports_as_csv_and_xlsx_and_is_logged(client, records, officers):
    clerk = ClerkFactory()
    client.force_login(clerk)
    response = client.get(reverse(LIST), {"subject": "南京筛选测试", "severity": "serious", "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="credit-records.csv"' in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0][:3] == ["记录编号", "信用主体", "主体代码"]
    assert sorted(int(row[0]) for row in rows[1:]) == sorted([records["company"].pk, records["theirs"].pk])
    company = records["company"]
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id[str(company.pk)][1:5] == [
        company.subject.name,
        company.subject.identifier,
        company.item.code,
        company.item.name,
    ]
    assert by_id[str(company.pk)][8] == company.document_number
    export = _exports().get()
    assert export.user == clerk and export.result["records"] == 2
    assert export.query == {"records_export": {"subject": "南京筛选测试", "severity": "serious"}}
    assert export.subject_identifier == company.subject.identifier

    response = client.get(reverse(LIST), {"status": RecordStatus.REPAIRED, "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "记录编号" and [row[0] for row in values[1:]] == [records["repaired"].pk]
    assert _exports().count() == 2


def test_a_person_is_masked_in_the_export_as_in_the_list(client, records):
    client.force_login(ClerkFactory())
    rows = _csv(client.get(reverse(LIST), {"subject": "李四海", "format": "csv"}))
    person = records["person"].subject
    assert rows[1][1:3] == [person.display_name, person.masked_identifier]
    assert person.identifier not in "".join(rows[1])


def test_an_officer_exports_its_own_agency_s_records_only(client, records, officers):
    client.force_login(officers[1])
    rows = _csv(client.get(reverse(LIST), {"format": "csv"}))
    assert [int(row[0]) for row in rows[1:]] == [records["theirs"].pk]


@pytest.mark.parametrize("factory", [AuthorityUserFactory, AuditorFactory])
def test_roles_that_only_read_may_not_export(client, records, factory):
    """The export is for those who maintain records (officers, the credit office)."""
    client.force_login(factory())
    assert client.get(reverse(LIST), {"format": "csv"}).status_code == 403
    assert "format=csv" not in client.get(reverse(LIST)).content.decode()
    assert not _exports().exists()
