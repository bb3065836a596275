"""The responsible-person section of an organisation's public page (issue 18 item 1): a natural
person's actively disclosed record shows only there, masked, where the catalog item allows it
(`CatalogItem.shown_with_organisation`), and only for the people responsible for the organisation
today. The person is still never found by name or code."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from apps.catalog import services as catalog_services
from apps.catalog.choices import Disclosure
from apps.core.audit import audited_save
from apps.core.choices import ResponsibleRole
from apps.core.models import QueryLog
from apps.subjects import portal
from apps.subjects.choices import RecordStatus
from tests.catalog.factories import CatalogFactory, CatalogItemFactory
from tests.factories import ClerkFactory
from tests.subjects.factories import (
    CompanyFactory,
    PersonFactory,
    PublishedItemFactory,
    RecordFactory,
    ResponsiblePersonFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]

ADDRESS = "203.0.113.9"


@pytest.fixture(autouse=True)
def _empty_cache(policy, settings):
    settings.PUBLIC_PORTAL_CACHE_SECONDS = 300  # the section must also change on a cached page
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(policy):
    company = CompanyFactory(name="南京负责人测试有限公司")
    person = PersonFactory(name="钱多多")
    link = ResponsiblePersonFactory(organization=company, person=person, role=ResponsibleRole.LEGAL_REPRESENTATIVE)
    return company, person, link


def _item(**overrides):
    return PublishedItemFactory(shown_with_organisation=True, **overrides)


def _page(company, address=ADDRESS) -> str:
    response = Client().get(reverse("subjects:public_subject", args=[company.public_key]), REMOTE_ADDR=address)
    assert response.status_code == 200
    return response.content.decode()


def _search(text, address=ADDRESS) -> str:
    return Client().get("/public/search/", {"q": text}, REMOTE_ADDR=address).content.decode()


def test_a_persons_record_shows_masked_under_the_organisation(world):
    """Issue 18 item 1 (Nanjing art. 27: 主动公开): the legal representative's actively disclosed
    record of an item that allows it shows in the responsible-person section, with the role, the
    name and the identity number masked; the full name and number are nowhere on the page."""
    company, person, _link = world
    record = RecordFactory(subject=person, item=_item(), document_number="宁罚〔2026〕人1号")
    page = _page(company)
    assert "负责人信息" in page and record.document_number in page
    assert "法定代表人：钱**" in page
    assert person.identifier[:6] + "********" + person.identifier[-4:] in page
    assert "钱多多" not in page and person.identifier not in page


@pytest.mark.parametrize("attribute", [a for a in Disclosure.values if a != Disclosure.PUBLIC])
def test_only_actively_disclosed_items_of_persons_show(world, attribute):
    """Only 主动公开 information is published (Nanjing art. 27): an item disclosed on request,
    shared with government or not disclosed never shows a person's record, whatever its flag."""
    company, person, _link = world
    item = PublishedItemFactory(disclosure=attribute)
    item.shown_with_organisation = True  # as if set before the rule existed: the portal still refuses
    item.save()
    record = RecordFactory(subject=person, item=item, document_number=f"宁罚〔2026〕人{attribute}号")
    page = _page(company)
    assert record.document_number not in page and "负责人信息" not in page


def test_an_item_that_does_not_allow_it_never_shows(world):
    """An actively disclosed item of persons without the flag: the person's record stays off the
    organisation's page (the default)."""
    company, person, _link = world
    record = RecordFactory(subject=person, item=PublishedItemFactory(), document_number="宁罚〔2026〕人2号")
    assert record.document_number not in _page(company)


@pytest.mark.parametrize(
    "closed",
    [
        {"status": RecordStatus.REPAIRED},
        {"status": RecordStatus.HIDDEN},
        {"status": RecordStatus.REVOKED},
        {"status": RecordStatus.EXPIRED},
        {"disclosure_ends_on": dt.date(2026, 12, 1)},
    ],
)
def test_closed_records_of_a_person_never_show(world, closed):
    """Nanjing arts. 56, 60–61: repaired, hidden, revoked, expired records and those past their
    disclosure period are not published, under an organisation either."""
    company, person, _link = world
    record = RecordFactory(subject=person, item=_item(), document_number="宁罚〔2026〕人3号", **closed)
    assert record.document_number not in _page(company)


@pytest.mark.parametrize(
    "period", [{"end_date": dt.date(2026, 11, 30)}, {"start_date": dt.date(2026, 12, 3)}], ids=["ended", "not yet"]
)
def test_only_people_responsible_today_are_shown(policy, period):
    """A former legal representative's record (or a future one's) is not the organisation's
    information: only links whose period covers today count."""
    company = CompanyFactory()
    person = PersonFactory()
    ResponsiblePersonFactory(organization=company, person=person, **period)
    record = RecordFactory(subject=person, item=_item(), document_number="宁罚〔2026〕人4号")
    assert record.document_number not in _page(company)


def test_the_person_is_still_never_found_by_name_or_code(world):
    """Natural persons are never publicly searchable: the section does not make the person
    findable by name or citizen ID."""
    company, person, _link = world
    RecordFactory(subject=person, item=_item())
    for text in ("钱多多", person.identifier):
        assert portal.portal_search(query=text, client_ip=ADDRESS).subjects == []
        page = _search(text)
        assert str(company.public_key) not in page and "钱**" not in page


def test_the_page_lookup_logs_the_people_and_records_shown(world):
    """DESIGN.md section 4: the one public-lookup row of the page says what was in view, the
    persons' records included."""
    company, person, _link = world
    record = RecordFactory(subject=person, item=_item())
    _page(company)
    row = QueryLog.objects.get(subject_identifier=company.identifier)
    assert row.result["responsible_people"] == [person.identifier]
    assert row.result["responsible_records"] == [record.pk]


def test_a_new_record_or_link_changes_the_cached_page_at_once(world):
    """The page cache (issue 18 item 5): a person's new record, or a new responsible person,
    shows on the organisation's cached page at once."""
    company, person, _link = world
    item = _item()
    assert "负责人信息" not in _page(company)
    record = RecordFactory(subject=person, item=item, document_number="宁罚〔2026〕人5号")
    assert record.document_number in _page(company)
    other = PersonFactory(name="孙二")
    other_record = RecordFactory(subject=other, item=item, document_number="宁罚〔2026〕人6号")
    assert other_record.document_number not in _page(company)
    ResponsiblePersonFactory(organization=company, person=other, role=ResponsibleRole.PRINCIPAL)
    page = _page(company)
    assert other_record.document_number in page and "孙*" in page


def test_an_ended_responsibility_leaves_the_cached_page_at_once(world):
    company, person, link = world
    record = RecordFactory(subject=person, item=_item(), document_number="宁罚〔2026〕人7号")
    assert record.document_number in _page(company)
    link.end_date = dt.date(2026, 12, 1)
    audited_save(link, by=ClerkFactory(), reason="法定代表人变更")
    assert record.document_number not in _page(company)


@pytest.mark.parametrize(
    ("changes", "allowed"),
    [
        ({}, True),
        ({"disclosure": Disclosure.ON_REQUEST}, False),
        ({"subject_types": ["legal_person"]}, False),
    ],
)
def test_the_catalog_allows_the_flag_only_on_public_items_of_persons(changes, allowed):
    """The catalog keeps the flag meaningful: only an item of natural persons disclosed to the
    public may show their records under organisations; otherwise the field says why."""
    fields = {"subject_types": ["natural_person"], "shown_with_organisation": True, **changes}
    item = CatalogItemFactory.build(catalog=CatalogFactory(), **fields)
    if allowed:
        catalog_services.catalog_item_save(item, by=ClerkFactory(), reason="负责人信息随组织公示")
        assert item.pk
        return
    with pytest.raises(ValidationError) as caught:
        catalog_services.catalog_item_save(item, by=ClerkFactory(), reason="x")
    assert "公开" in caught.value.message_dict["shown_with_organisation"][0]
