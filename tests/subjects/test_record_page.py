"""The record page (/records/<id>/): every field of one credit record, its history with what each
change changed, the cases resting on it, who looked it up; opening it is one logged lookup, and
pages and batch errors that name a record link to it (issue 17 item 1)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from apps.core.audit import audited_save
from apps.core.choices import QueryMode, QueryPurpose
from apps.core.models import QueryLog
from apps.subjects import services
from apps.subjects.ingestion import MSG_OTHER_SUBJECT
from apps.subjects.models import ImportBatch, ImportRowError
from tests.factories import AuditorFactory, AuthorityUserFactory, ClerkFactory, OfficerFactory
from tests.subjects.factories import PersonFactory, RecordFactory

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-06-15T10:00")]

CITIZEN = "320102198506120010"


def _url(record, **params) -> str:
    url = reverse("subjects:record_detail", args=[record.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def _lookups(record):
    return QueryLog.objects.filter(query__record=record.pk).order_by("id")


@pytest.fixture
def officer(policy):
    return OfficerFactory()


@pytest.fixture
def record(officer):
    """A person's general dishonest record with every field filled."""
    person = PersonFactory(name="王小明")
    record = RecordFactory(
        subject=person,
        provider=officer.organization,
        document_number="宁市监罚〔2026〕77号",
        document_date=datetime.date(2026, 3, 2),
        determined_on=datetime.date(2026, 3, 3),
        ended_on=datetime.date(2026, 2, 1),
        custodial_sentence_end=datetime.date(2026, 2, 20),
        values={"penalty_type": "罚款"},
        source_record_id="SRC-0077",
        repair_excluded_reason="法律规定不得修复",
    )
    return record


def test_the_page_shows_every_field_of_the_record(client, record):
    client.force_login(ClerkFactory())
    response = client.get(_url(record))
    assert response.status_code == 200
    page = response.content.decode()
    for shown in (
        "宁市监罚〔2026〕77号",
        "2026-03-02",
        "2026-03-03",
        "2026-02-01",
        "2026-02-20",
        record.disclosure_ends_on.strftime("%Y-%m-%d"),
        record.item.code,
        record.item.name,
        record.provider.name,
        record.get_category_display(),
        record.get_severity_display(),
        record.get_status_display(),
        "SRC-0077",
        "法律规定不得修复",
        "罚款",
    ):
        assert shown in page, shown
    for label, _value in [(f["label"], None) for f in record.item.record_fields if f["name"] == "penalty_type"]:
        assert label in page


@pytest.mark.parametrize("role", ["clerk", "provider", "authority", "auditor"])
def test_the_page_names_the_subject_in_full_as_a_government_lookup_does(client, record, officer, role):
    """A record page is one subject's data opened with a logged purpose: the name and citizen ID
    in full, as the credit file opened in a government lookup shows them (DESIGN.md section 4),
    while the records list masks them."""
    user = {
        "clerk": ClerkFactory,
        "authority": AuthorityUserFactory,
        "auditor": AuditorFactory,
    }.get(role, lambda: officer)()
    client.force_login(user)
    page = client.get(_url(record)).content.decode()
    assert record.subject.name in page and record.subject.identifier in page
    listed = client.get(reverse("subjects:record_list")).content.decode()
    assert record.subject.identifier not in listed and record.subject.name not in listed
    assert record.subject.masked_identifier in listed and record.subject.display_name in listed


def test_a_public_lookup_masks_the_subject_as_a_public_credit_file_does(record):
    """A user whose role may make no government lookup would see the page as a public inquiry:
    name and ID masked (no staff role is such a user today; the rule is the credit file's)."""
    from django.template.loader import render_to_string

    from apps.subjects.selectors import RecordPage

    entry = QueryLog(mode=QueryMode.PUBLIC, purpose=QueryPurpose.PUBLIC_INFORMATION, pk=1)
    page = RecordPage(record=record, log_entry=entry, history=[], objections=[], links=[], lookups=None)
    html = render_to_string("subjects/record_detail.html", {"page": page, "record": record})
    assert record.subject.identifier not in html and record.subject.name not in html
    assert record.subject.masked_identifier in html and record.subject.display_name in html


def test_an_officer_opens_only_its_own_agency_s_records(client, record):
    client.force_login(OfficerFactory())
    assert client.get(_url(record)).status_code == 404
    assert not _lookups(record).exists()  # nothing shown, nothing logged


def test_opening_the_page_is_logged_once_with_the_purpose_of_the_role(client, record, officer):
    clerk, auditor = ClerkFactory(), AuditorFactory()
    client.force_login(clerk)
    client.get(_url(record))
    rows = list(_lookups(record))
    assert len(rows) == 1
    assert (rows[0].user, rows[0].mode, rows[0].purpose) == (clerk, QueryMode.GOVERNMENT, QueryPurpose.INTEGRATION)
    assert rows[0].subject_identifier == record.subject.identifier
    # An auditor's reading is an audit (issue 17), not "integration".
    client.force_login(auditor)
    client.get(_url(record))
    assert _lookups(record).last().purpose == QueryPurpose.AUDIT
    # A page that links here carries its own purpose; one that does not fit is not taken.
    client.force_login(officer)
    client.get(_url(record, purpose=QueryPurpose.OBJECTION_PROCESSING))
    assert _lookups(record).last().purpose == QueryPurpose.OBJECTION_PROCESSING
    client.get(_url(record, purpose=QueryPurpose.SELF_INQUIRY))
    assert _lookups(record).last().purpose == QueryPurpose.INTEGRATION
    assert _lookups(record).count() == 4


def test_the_page_lists_its_lookups_to_those_who_may_read_the_query_log(client, record, officer):
    """An agency sees its own organisation's lookups, the credit office all (as the query log)."""
    clerk = ClerkFactory()
    client.force_login(clerk)
    client.get(_url(record))
    client.force_login(officer)
    response = client.get(_url(record))
    assert [q.user for q in response.context["page"].lookups] == [officer]
    client.force_login(clerk)
    response = client.get(_url(record))
    # the clerk's second opening falls within the first one's repeat window: no second row
    assert [q.user for q in response.context["page"].lookups] == [officer, clerk]
    assert response.context["page"].log_covered


def test_the_history_shows_what_a_correction_changed(client, record, officer):
    services.record_correct(record, by=officer, reason="文书号录入错误", document_number="宁市监罚〔2026〕78号")
    client.force_login(ClerkFactory())
    response = client.get(_url(record))
    newest = response.context["page"].history[0]
    assert newest.reason == "文书号录入错误" and newest.who == officer
    changes = [(str(label), old, new) for label, old, new in newest.changes]
    assert changes == [
        (str(record._meta.get_field("document_number").verbose_name), "宁市监罚〔2026〕77号", "宁市监罚〔2026〕78号"),
        # … and the disclosure end the service computed again from the determination date
        (str(record._meta.get_field("disclosure_ends_on").verbose_name), "2027-03-01", "2027-03-03"),
    ]
    page = response.content.decode()
    assert "<del>宁市监罚〔2026〕77号</del> → <ins>宁市监罚〔2026〕78号</ins>" in page
    assert "文书号录入错误" in page
    assert response.context["page"].history[-1].changes == []  # the version that created it


def test_the_page_links_the_cases_resting_on_the_record(client, policy):
    """Its objections, repair applications and list cases, each to its page."""
    from tests.objections.factories import file_objection
    from tests.objections.factories import make_world as objection_world
    from tests.repair.factories import file_application
    from tests.sanctions.factories import ListingCaseDraftFactory

    world = objection_world()
    objection = file_objection(world)
    application = file_application(world, records=[world.record_a])
    case = ListingCaseDraftFactory()
    client.force_login(ClerkFactory())
    page = client.get(_url(world.record_a)).content.decode()
    assert reverse("objections:detail", args=[objection.pk]) in page and objection.number in page
    assert reverse("repair:detail", args=[application.pk]) in page and application.number in page
    page = client.get(_url(case.basis_records.get())).content.decode()
    assert reverse("sanctions:case_detail", args=[case.pk]) in page
    # The other agency's officer sees neither the record nor, on its own record, these cases.
    client.force_login(world.officer_b)
    assert client.get(_url(world.record_a)).status_code == 404


def test_the_records_list_and_the_credit_file_link_to_the_page(client, record, officer):
    client.force_login(officer)
    listed = client.get(reverse("subjects:record_list")).content.decode()
    assert f'href="{_url(record)}"' in listed
    data = {"mode": QueryMode.GOVERNMENT, "purpose": QueryPurpose.ADMINISTRATIVE_LICENSING}
    opened = client.post(reverse("subjects:credit_file", args=[record.subject.pk]), data).content.decode()
    assert f'href="{_url(record, purpose=QueryPurpose.ADMINISTRATIVE_LICENSING)}"' in opened


def test_a_batch_problem_naming_a_record_on_file_links_to_it(client, record, officer):
    """The source record already on file for another subject: the batch page links the record."""
    record.dedup_key = f"id:{record.item.code}:SRC-0077"
    audited_save(record, by=None, reason="test")
    batch = audited_save(
        ImportBatch(provider=officer.organization, item=record.item, status="has_errors"), by=None, reason="test"
    )
    for language in ("zh-hans", "en"):
        with translation.override(language):
            message = str(MSG_OTHER_SUBJECT).format(source="SRC-0077", owner=record.subject.masked_identifier)
        ImportRowError.objects.create(batch=batch, row=2, column="源记录编号", message=message)
    ImportRowError.objects.create(batch=batch, row=3, column="文书号", message="必填")
    client.force_login(ClerkFactory())
    page = client.get(reverse("subjects:batch_detail", args=[batch.pk])).content.decode()
    assert page.count(f'<a href="{_url(record)}" class="record-ref">#{record.pk}</a>') == 2
    # Opening the batch names no subject in full: nothing logged until the record is opened.
    assert not _lookups(record).exists()
