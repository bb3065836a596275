"""Factories and a ready-made setting for the sanctions tests."""

import datetime
from dataclasses import dataclass

from apps.catalog.choices import Category, MeasureTarget, ReportSection
from apps.catalog.models import CatalogItem, ExemptionRule
from apps.core.models import User
from tests.catalog.factories import (
    ExemptionListFactory,
    ExemptionRuleFactory,
    MeasureFactory,
    PublishedCatalogFactory,
    PublishedMeasureListFactory,
)
from tests.factories import OfficerFactory
from tests.subjects.factories import (
    CatalogItemFactory,
    CompanyFactory,
    PersonFactory,
    RecordFactory,
    ResponsiblePersonFactory,
)

LISTING_FIELDS = [
    {"name": "list_name", "label": "名单名称", "type": "text", "required": True, "max_length": 100, "choices": []},
    {
        "name": "decision_number",
        "label": "认定文书号",
        "type": "text",
        "required": True,
        "max_length": 100,
        "choices": [],
    },
    {
        "name": "determining_body",
        "label": "认定单位",
        "type": "text",
        "required": True,
        "max_length": 100,
        "choices": [],
    },
    {"name": "listing_reason", "label": "列入事由", "type": "text", "required": True, "max_length": 500, "choices": []},
    {"name": "listing_date", "label": "列入日期", "type": "date", "required": True, "max_length": None, "choices": []},
]


@dataclass
class World:
    officer: User
    company: object
    representative: object
    record: object
    listing_item: CatalogItem
    measures: dict  # target -> Measure (bidding)
    exemption_rule: ExemptionRule


def make_world() -> World:
    """An agency officer, a company with a legal representative and a dishonest record, a
    published catalog with a serious-list item, a published measure list and exemption list."""
    officer = OfficerFactory()
    catalog = PublishedCatalogFactory()
    listing_item = CatalogItemFactory(
        catalog=catalog,
        code="GJ0308",
        name="严重失信主体名单信息",
        category=Category.DISHONEST,
        severity="serious",
        report_section=ReportSection.SERIOUS_LIST,
        record_fields=LISTING_FIELDS,
    )
    penalty_item = CatalogItemFactory(catalog=catalog, code="GJ0301", name="行政处罚信息")
    company = CompanyFactory(name="南京失信测试有限公司")
    representative = PersonFactory(name="赵法人")
    ResponsiblePersonFactory(organization=company, person=representative)
    record = RecordFactory(subject=company, item=penalty_item, provider=officer.organization, severity="serious")
    measure_list = PublishedMeasureListFactory()
    measures = {
        target: MeasureFactory(measure_list=measure_list, applies_to=target, matters=["bidding", "public_procurement"])
        for target in MeasureTarget.values
    }
    rules = ExemptionListFactory(status="published")
    rule = ExemptionRuleFactory(exemption_list=rules, item_code="GJ0301")
    return World(officer, company, representative, record, listing_item, measures, rule)


DECISION = {
    "decision_number": "宁市监信认〔2026〕1号",
    "cause": "销售严重不合格食品，造成严重社会影响",
    "listing_start": datetime.date(2026, 11, 20),
    "listing_end": datetime.date(2029, 11, 19),
    "removal_conditions": "列入期满且已纠正失信行为，或依法完成信用修复",
    "remedies": "可在收到本决定之日起六十日内申请行政复议，或六个月内提起行政诉讼",
    "repair_notice": "纠正失信行为后可向认定单位申请信用修复（两书同达）",
}


def backdate(case, day: datetime.date):
    """A case filed earlier (the notice may not be dated before the filing)."""
    from django.utils import timezone

    from apps.core.audit import audited_save

    case.created_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
    return audited_save(case, by=None, reason="test: filed earlier")


def decide_after_statement(world, case, **notice):
    """Notice delivered today (with `notice`, e.g. the responsible people), a statement received
    and answered, the case decided."""
    from django.utils import timezone

    from apps.sanctions import services

    services.case_issue_notice(
        case, by=world.officer, notice_number="告", reason="告知", delivered_on=timezone.localdate(), **notice
    )
    services.case_record_statement(case, by=world.officer, statement="不服", reason="收到申辩")
    return services.case_decide(case, by=world.officer, reason="认定", statement_finding="不予采纳", **DECISION)
