"""The rows of an organisation's public page drawn without the template engine (`public_record_rows`
over `portal.shown_records`, issue 18 item 5) are the rows the template drew from the records
themselves: the same bytes, escaped and localised the same way, in Chinese and in English."""

import datetime as dt

import pytest
from django.template import engines
from django.utils import translation

from apps.subjects import portal
from apps.subjects.choices import DisclosureBasis
from apps.subjects.models import CreditRecord
from apps.subjects.selectors import newest_per_category
from apps.subjects.templatetags.records import public_record_rows
from tests.factories import OrganizationFactory
from tests.subjects.factories import CompanyFactory, PublicBasicItemFactory, PublishedItemFactory, RecordFactory

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]

# The rows as `subjects/_public_records.html` drew them from model instances before.
REFERENCE = """{% load credit %}{% for r in records %}<tr>
    <td>{{ r.item.name }}{% if r.severity %}（{{ r.get_severity_display }}）{% endif %}{% if r.under_objection %}<br>{% include "subjects/_objection_mark.html" with record=r %}{% endif %}</td>
    <td>{{ r.document_number|default:"—" }}</td>
    <td>{{ r.document_date|default:r.determined_on|date:"Y-m-d"|default:"—" }}</td>
    <td>{{ r.provider.name }}</td>
    <td class="small">{{ r.item.legal_basis|truncatechars:120 }}</td>
    <td class="small">{% for label, value in r|record_details %}{{ label }}：{{ value }}{% if not forloop.last %}；{% endif %}{% endfor %}</td>
    <td>{{ r|disclosure_end }}</td>
  </tr>{% endfor %}"""


@pytest.fixture
def company(policy):
    """An organisation whose records try every branch of a row: severities and none, an objection
    mark set late in a UTC day (the next day in Beijing), no document number or dates, a record
    not published, no end, markup and long text to escape and cut, yes/no, numbers and null."""
    company = CompanyFactory()
    fields = [
        {"name": "penalty_type", "label": "处罚<类别>", "type": "text"},
        {"name": "amount", "label": "罚款金额", "type": "decimal"},
        {"name": "ratio", "label": "比例", "type": "decimal"},
        {"name": "paid", "label": "已缴纳", "type": "boolean"},
        {"name": "note", "label": "备注", "type": "text"},
    ]
    markup = PublishedItemFactory(
        name='罚款 & "警告" <b>', legal_basis="《条例》第十条 <i>" + "依据" * 80, record_fields=fields
    )
    basic = PublicBasicItemFactory(name="登记信息")
    provider = OrganizationFactory(name="市场监管局 <南京> & 'co'")
    values = {"penalty_type": "<script>alert(1)</script>", "amount": 12000, "ratio": 0.25, "paid": True, "note": None}
    rows = [
        {"severity": "serious", "objection_since": dt.datetime(2026, 4, 1, 20, 0, tzinfo=dt.UTC), "values": values},
        {"severity": "", "document_number": "", "document_date": None, "values": {"paid": False}},
        {"severity": "minor", "disclosure_basis": DisclosureBasis.NOT_PUBLISHED},
        {"severity": "general", "document_date": None, "determined_on": None, "disclosure_ends_on": None},
    ]
    for n, extra in enumerate(rows):
        RecordFactory(
            **{"subject": company, "item": markup, "provider": provider, "determined_on": dt.date(2026, 3, n + 1)}
            | extra
        )
    RecordFactory(subject=company, item=basic, provider=provider, severity="", values={})
    return company


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_rows_are_the_templates_rows(company, language):
    records = portal.public_records(company, today=dt.date(2026, 12, 2))
    shown = [portal.ShownRecord._make(row) for row in portal.shown_records(records, 10)]
    instances = list(newest_per_category(records, 10).select_related("item", "provider"))
    assert [r.pk for r in shown] == [r.pk for r in instances]
    with translation.override(language):
        expected = engines["django"].from_string(REFERENCE).render({"records": instances})
        drawn = public_record_rows(shown)
    assert drawn == expected
    assert "&lt;script&gt;" in drawn and "<script>" not in drawn
    assert ("2026-04-02" in drawn) and ("Not disclosed" in drawn or "不公开" in drawn)


def test_each_row_carries_its_categorys_count(company):
    records = portal.public_records(company, today=dt.date(2026, 12, 2))
    shown = [portal.ShownRecord._make(row) for row in portal.shown_records(records, 2)]
    assert {(r.category, r.total) for r in shown} == {("dishonest", 4), ("basic", 1)}
    assert len(shown) == 3  # the newest two of the four, and the one
    assert set(CreditRecord.objects.filter(pk__in=[r.pk for r in shown]).values_list("subject", flat=True)) == {
        company.pk
    }
