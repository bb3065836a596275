"""Credit records filed one by one, subjects and their responsible people, and commitments.

A dishonest record rests on a legally effective document (Nanjing art. 26, Tianjin art. 12), only
under a published catalog item (Nanjing art. 21, Ningbo art. 15) and only with the fields the item
declares; the form, the admin and the API refuse the same things because they all go through the
record service.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import escape
from rest_framework.test import APIClient

from apps.catalog.selectors import MSG_ITEM_NOT_PUBLISHED, MSG_ITEM_UNKNOWN
from apps.core.exceptions import Conflict
from apps.subjects import services
from apps.subjects.choices import CommitmentStatus, RecordStatus
from apps.subjects.models import CreditRecord, Subject
from tests.catalog.factories import CatalogItemFactory
from tests.factories import OfficerFactory
from tests.subjects.factories import (
    CommitmentFactory,
    CompanyFactory,
    PersonFactory,
    PublishedItemFactory,
    RecordFactory,
)

pytestmark = pytest.mark.django_db

USCC = "914403001922038216"


def _record(officer, item, **overrides):
    data = {
        "by": officer,
        "subject": CompanyFactory(),
        "item": item,
        "provider": officer.organization,
        "reason": "行政处罚决定书送达后报送",
        "values": {"penalty_type": "罚款", "amount": "5000"},
        "document_number": "宁市监罚〔2026〕12号",
        "document_date": datetime.date(2026, 3, 2),
        "determined_on": datetime.date(2026, 3, 2),
        "ended_on": datetime.date(2026, 2, 1),
        "severity": "general",
    }
    return services.record_create(**{**data, **overrides})


def _form_data(**overrides):
    return {
        "identifier": USCC,
        "name": "深圳某食品有限公司",
        "document_number": "宁市监罚〔2026〕12号",
        "document_date": "2026-03-02",
        "determined_on": "2026-03-02",
        "ended_on": "2026-02-01",
        "severity": "general",
        "value_penalty_type": "罚款",
        "reason": "行政处罚决定书送达后报送",
        **overrides,
    }


# --- the service ---------------------------------------------------------------------------------


def test_a_dishonest_record_is_filed_with_its_disclosure_end_and_history(policy):
    """Nanjing art. 26: a general dishonest record is disclosed for 1 year from the determination."""
    officer = OfficerFactory()
    record = _record(officer, PublishedItemFactory())
    assert record.status == RecordStatus.ACTIVE and record.category == "dishonest"
    assert record.values == {"penalty_type": "罚款", "amount": "5000"}
    assert record.disclosure_ends_on == datetime.date(2027, 3, 2)
    entry = record.history.get()
    assert entry.history_user == officer and entry.history_change_reason == "行政处罚决定书送达后报送"


def test_a_dishonest_record_without_a_document_is_refused(policy):
    """Nanjing art. 26, Tianjin art. 12: dishonest information rests on a legally effective document."""
    officer = OfficerFactory()
    for missing in ({"document_number": ""}, {"document_date": None}):
        with pytest.raises(ValidationError) as refused:
            _record(officer, PublishedItemFactory(), **missing)
        assert refused.value.message_dict == {"document_number": [str(services.MSG_DOCUMENT_REQUIRED)]}
    assert not CreditRecord.objects.exists()


def test_a_record_against_an_unpublished_item_is_refused(policy):
    """Nanjing art. 21, Ningbo art. 15: nothing is recorded outside the published catalog."""
    officer = OfficerFactory()
    draft_item = CatalogItemFactory()
    with pytest.raises(ValidationError) as refused:
        _record(officer, draft_item)
    assert refused.value.messages == [str(MSG_ITEM_NOT_PUBLISHED).format(code=draft_item.code, name=draft_item.name)]
    assert not CreditRecord.objects.exists()


def test_a_field_the_item_does_not_declare_is_refused(policy):
    """Nanjing art. 29: only what the catalog item declares is collected (here: a religion)."""
    officer = OfficerFactory()
    with pytest.raises(ValidationError) as refused:
        _record(officer, PublishedItemFactory(), values={"penalty_type": "罚款", "宗教信仰": "某"})
    assert refused.value.message_dict == {"宗教信仰": ["“宗教信仰”不是该目录信息项的字段。"]}
    with pytest.raises(ValidationError) as refused:
        _record(officer, PublishedItemFactory(), values={"amount": "一千元"})
    assert set(refused.value.message_dict) == {"penalty_type", "amount"}
    assert not CreditRecord.objects.exists()


def test_the_same_record_filed_twice_is_a_conflict(policy):
    officer = OfficerFactory()
    item = PublishedItemFactory()
    subject = CompanyFactory()
    _record(officer, item, subject=subject)
    with pytest.raises(Conflict):
        _record(officer, item, subject=subject)
    assert CreditRecord.objects.count() == 1


def test_only_officers_of_the_providing_agency_file_records(policy):
    """DESIGN.md section 4: agencies provide their own records; the credit office does not invent them."""
    from tests.factories import ClerkFactory

    officer, clerk = OfficerFactory(), ClerkFactory()
    item = PublishedItemFactory()
    with pytest.raises(PermissionDenied):
        _record(clerk, item, provider=officer.organization)
    with pytest.raises(PermissionDenied):
        _record(OfficerFactory(), item, provider=officer.organization)
    item.providers.set([OfficerFactory().organization])
    with pytest.raises(ValidationError) as refused:
        _record(officer, item)
    assert "provider" in refused.value.message_dict


def test_a_correction_keeps_the_previous_version_with_the_reason(policy):
    """Nanjing art. 58: the provider corrects its own errors; the history keeps what was there."""
    officer = OfficerFactory()
    record = _record(officer, PublishedItemFactory())
    services.record_correct(
        record,
        by=officer,
        reason="文号录入错误",
        document_number="宁市监罚〔2026〕13号",
        values={"penalty_type": "警告"},
    )
    versions = list(record.history.order_by("history_id"))
    assert [v.document_number for v in versions] == ["宁市监罚〔2026〕12号", "宁市监罚〔2026〕13号"]
    assert versions[-1].history_change_reason == "文号录入错误" and versions[-1].history_user == officer
    with pytest.raises(ValidationError) as refused:
        services.record_correct(record, by=officer, reason="删去文号", document_number="")
    assert "document_number" in refused.value.message_dict
    record.refresh_from_db()
    assert record.document_number == "宁市监罚〔2026〕13号"
    services.record_revoke(record, by=officer, reason="原处罚决定被撤销")
    with pytest.raises(Conflict):
        services.record_correct(record, by=officer, reason="再改", document_number="宁市监罚〔2026〕14号")


# --- form, admin, API ----------------------------------------------------------------------------


def test_the_record_form_shows_the_refusals_and_files_nothing(client, policy):
    officer = OfficerFactory()
    item = PublishedItemFactory()
    client.force_login(officer)
    url = reverse("subjects:record_create", args=[item.pk])
    response = client.post(url, _form_data(document_number=""))
    assert response.status_code == 200
    assert str(services.MSG_DOCUMENT_REQUIRED) in response.content.decode()
    response = client.post(url, _form_data(value_penalty_type=""))
    assert "“处罚类别”为必填项。" in response.content.decode()
    assert not CreditRecord.objects.exists() and not Subject.objects.exists()
    # an unpublished item is not offered at all
    assert client.get(reverse("subjects:record_create", args=[CatalogItemFactory().pk])).status_code == 404
    response = client.post(url, _form_data(identifier="９１４４０３００１９２２０３８２１６"))
    assert response.status_code == 302
    record = CreditRecord.objects.get()
    assert record.subject.identifier == USCC and record.provider == officer.organization


def test_the_correction_page_refuses_to_remove_the_document_of_a_dishonest_record(client, policy):
    """Records are corrected on the workbench; officers get no subject admin (issue 9, finding 2)."""
    officer = OfficerFactory()
    record = _record(officer, PublishedItemFactory())
    client.force_login(officer)
    assert client.get(reverse("admin:subjects_creditrecord_add")).status_code == 403
    assert client.get(reverse("admin:subjects_creditrecord_change", args=[record.pk])).status_code == 403
    url = reverse("subjects:record_correct", args=[record.pk])
    data = {
        "document_number": "",
        "document_date": "2026-03-02",
        "determined_on": "2026-03-02",
        "ended_on": "2026-02-01",
        "severity": "general",
        "value_penalty_type": "罚款",
        "reason": "删去文号",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert str(services.MSG_DOCUMENT_REQUIRED) in response.content.decode()
    record.refresh_from_db()
    assert record.document_number == "宁市监罚〔2026〕12号" and record.history.count() == 1
    response = client.post(url, {**data, "document_number": "宁市监罚〔2026〕13号", "reason": "文号录入错误"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.document_number == "宁市监罚〔2026〕13号" and record.history.first().history_user == officer
    services.record_revoke(record, by=officer, reason="原处罚决定被撤销")
    response = client.post(url, {**data, "document_number": "宁市监罚〔2026〕14号", "reason": "再改"})
    assert response.status_code == 200 and "已撤销" in response.content.decode()
    record.refresh_from_db()
    assert record.document_number == "宁市监罚〔2026〕13号"


def test_the_api_refuses_rows_without_a_document_and_unpublished_items(policy):
    officer = OfficerFactory()
    item = PublishedItemFactory()
    client = APIClient()
    client.force_authenticate(officer)
    row = {
        "identifier": USCC,
        "name": "深圳某公司",
        "document_number": "",
        "document_date": "2026-03-01",
        "determined_on": "2026-03-01",
        "severity": "general",
        "penalty_type": "罚款",
    }
    response = client.post(
        reverse("importbatch-list"),
        {"item": item.code, "rows": [row], "submit": True, "reason": "接口报送"},
        format="json",
    )
    assert response.status_code == 202, response.content
    data = response.json()
    assert data["rows_invalid"] == 1 and data["rows_created"] == 0
    assert data["errors"][0]["row"] == 1 and data["errors"][0]["message"] == str(services.MSG_DOCUMENT_REQUIRED)
    draft_item = CatalogItemFactory()
    response = client.post(
        reverse("importbatch-list"), {"item": draft_item.code, "rows": [row], "reason": "接口报送"}, format="json"
    )
    assert response.status_code == 400
    assert str(MSG_ITEM_UNKNOWN).format(code=draft_item.code) in response.content.decode()
    response = client.post(
        reverse("importbatch-list"),
        {"item": item.code, "rows": [{**row, "document_number": "罚1", "blood_type": "A"}], "reason": "接口报送"},
        format="json",
    )
    assert response.status_code == 202 and "blood_type" in str(response.json()["errors"])
    assert not CreditRecord.objects.exists()


# --- subjects and responsible people -------------------------------------------------------------


def test_identifiers_are_unique_after_normalisation(policy):
    officer = OfficerFactory()
    subject, created = services.subject_get_or_create(identifier=USCC, name="甲公司", by=officer, reason="归集")
    assert created and subject.kind == "legal_person"
    again, created = services.subject_get_or_create(
        identifier=" ９１４４０３００１９２２０３８２１６ ", name="甲公司", by=officer, reason="归集"
    )
    assert not created and again == subject
    person, _ = services.subject_get_or_create(identifier="11010519491231002x", name="李四", by=officer, reason="归集")
    assert person.identifier == "11010519491231002X" and person.kind == "natural_person"
    with pytest.raises(ValidationError) as refused:
        services.subject_get_or_create(identifier="914403001922038217", name="乙", by=officer, reason="归集")
    assert "6" in refused.value.messages[0]


def test_responsible_people_are_natural_persons_of_organisations(policy):
    """Nanjing art. 43: measures reach an organisation's responsible people, so the links must be right."""
    officer = OfficerFactory()
    company, person = CompanyFactory(), PersonFactory()
    link = services.responsible_person_link(
        organization=company,
        person=person,
        role="legal_representative",
        start_date=datetime.date(2020, 1, 1),
        by=officer,
        reason="工商登记信息",
    )
    assert list(company.responsible_people.all()) == [link] and list(person.responsibilities.all()) == [link]
    with pytest.raises(ValidationError) as refused:
        services.responsible_person_link(
            organization=person, person=company, role="legal_representative", by=officer, reason="错"
        )
    assert set(refused.value.message_dict) == {"organization", "person"}


# --- commitments ---------------------------------------------------------------------------------


def test_a_broken_commitment_becomes_a_dishonest_record(policy):
    """Nanjing art. 45, Ningbo art. 35: the fulfilment of a commitment enters the credit record."""
    from apps.catalog.choices import ReportSection

    officer = OfficerFactory()
    breach_item = PublishedItemFactory(report_section=ReportSection.COMMITMENT, record_fields=[])
    kept = CommitmentFactory(made_to=officer.organization)
    services.commitment_resolve(kept, by=officer, kept=True, finding="按期履行", reason="核查")
    assert kept.status == CommitmentStatus.KEPT and kept.breach_record is None
    with pytest.raises(Conflict):
        services.commitment_resolve(kept, by=officer, kept=False, finding="再查", reason="核查")

    broken = CommitmentFactory(made_to=officer.organization)
    with pytest.raises(PermissionDenied):
        services.commitment_resolve(broken, by=OfficerFactory(), kept=False, finding="不符", reason="核查")
    with pytest.raises(ValidationError):  # a dishonest record needs its document
        services.commitment_resolve(broken, by=officer, kept=False, finding="不符", reason="核查")
    broken.refresh_from_db()
    assert broken.status == CommitmentStatus.PENDING and not CreditRecord.objects.exists()
    services.commitment_resolve(
        broken,
        by=officer,
        kept=False,
        finding="现场核查与承诺不符",
        reason="核查",
        document_number="宁市监信认〔2026〕5号",
        document_date=datetime.date(2026, 6, 1),
    )
    record = broken.breach_record
    assert broken.status == CommitmentStatus.BROKEN
    assert (record.item, record.subject, record.provider, record.category) == (
        breach_item,
        broken.subject,
        officer.organization,
        "dishonest",
    )
    assert record.history.get().history_user == officer


def test_factory_records_are_valid_records(policy):
    """The factories build what the service would accept (so other tests rest on real data)."""
    record = RecordFactory()
    assert services.check_record(record, raw_values=dict(record.values)) == {}


def test_the_admin_checks_a_new_subjects_identifier(client, policy):
    """A mistyped identifier or a second file for the same subject is refused on the form."""
    from tests.factories import ClerkFactory

    client.force_login(ClerkFactory())
    url = reverse("admin:subjects_subject_add")
    data = {"kind": "legal_person", "name": "甲公司", "status": "active", "change_reason": "窗口建档"}
    response = client.post(url, {**data, "identifier": "914403001922038217"})
    assert response.status_code == 200 and "“6”" in response.content.decode()
    assert client.post(url, {**data, "identifier": "914403001922038216"}).status_code == 302
    response = client.post(url, {**data, "identifier": "９１４４０３００１９２２０３８２１６"})
    assert response.status_code == 200
    assert escape(str(services.MSG_IDENTIFIER_TAKEN).format(identifier=USCC)) in response.content.decode()
    assert list(Subject.objects.values_list("identifier", flat=True)) == [USCC]
