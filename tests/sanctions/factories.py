"""Factories and a ready-made setting for the sanctions tests."""

import datetime
from dataclasses import dataclass

import factory
from django.utils import timezone

from apps.catalog.choices import Category, MeasureTarget, ReportSection
from apps.catalog.models import CatalogItem, ExemptionRule
from apps.core.models import User
from apps.sanctions import services
from apps.sanctions.choices import ListType, RemovalReason
from apps.sanctions.models import ListingCase
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
    from apps.core.audit import audited_save

    case.created_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
    return audited_save(case, by=None, reason="test: filed earlier")


def decide_after_statement(world, case, **notice):
    """Notice delivered today (with `notice`, e.g. the responsible people), a statement received
    and answered, the case decided."""
    services.case_issue_notice(
        case, by=world.officer, notice_number="告", reason="告知", delivered_on=timezone.localdate(), **notice
    )
    services.case_record_statement(case, by=world.officer, statement="不服", reason="收到申辩")
    return services.case_decide(case, by=world.officer, reason="认定", statement_finding="不予采纳", **DECISION)


# --- one factory per workflow state, built by the real services -------------------------------
#
# `ListingCaseDecidedFactory()` walks a serious-list case from its filing to the decision through
# `apps.sanctions.services` (never by setting `status`), so every guard, grant, history row and
# list entry is there as in production. Pass `world=` to build on an existing `make_world()`.
# Dates count from today (the notice delivered today, the listing starting today), so the cases
# are valid on any date the records of the world are.


def decision_from(today: datetime.date) -> dict:
    """DECISION with a listing period that starts `today` (three years, Nanjing art. 56)."""
    return {
        **DECISION,
        "listing_start": today,
        "listing_end": today.replace(year=today.year + 3) - datetime.timedelta(days=1),
    }


class ListingCaseDraftFactory(factory.Factory):
    """A serious-list case as filed: draft, on the world's serious dishonest record."""

    class Meta:
        model = ListingCase

    world = factory.LazyFunction(make_world)

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError("list cases exist only through the services: use create()")

    @classmethod
    def _create(cls, model_class, *, world, **kwargs):
        return services.case_open(
            by=world.officer,
            list_type=ListType.SERIOUS,
            subject=world.company,
            facts="销售不合格食品",
            legal_basis="《中华人民共和国食品安全法》第一百三十四条",
            basis_records=[world.record],
            measures=[world.measures[MeasureTarget.SERIOUS]],
            record_item=world.listing_item,
            reason="立案",
        )


class ListingCaseNoticeIssuedFactory(ListingCaseDraftFactory):
    """Prior notice issued, not yet delivered (no statement period runs)."""

    @classmethod
    def _create(cls, model_class, *, world, **kwargs):
        case = super()._create(model_class, world=world, **kwargs)
        return services.case_issue_notice(case, by=world.officer, notice_number="宁市监告〔2026〕1号", reason="告知")


class ListingCaseNoticeDeliveredFactory(ListingCaseDraftFactory):
    """Prior notice issued and delivered today: the statement period runs."""

    @classmethod
    def _create(cls, model_class, *, world, **kwargs):
        case = super()._create(model_class, world=world, **kwargs)
        return services.case_issue_notice(
            case,
            by=world.officer,
            notice_number="宁市监告〔2026〕1号",
            reason="告知",
            delivered_on=timezone.localdate(),
        )


class ListingCaseStatementReceivedFactory(ListingCaseNoticeDeliveredFactory):
    """The subject's statement (陈述申辩) received."""

    @classmethod
    def _create(cls, model_class, *, world, **kwargs):
        case = super()._create(model_class, world=world, **kwargs)
        return services.case_record_statement(case, by=world.officer, statement="不服，已整改", reason="收到申辩")


class ListingCaseDecidedFactory(ListingCaseStatementReceivedFactory):
    """Decided (认定): the subject is on the list from today."""

    @classmethod
    def _create(cls, model_class, *, world, **kwargs):
        case = super()._create(model_class, world=world, **kwargs)
        return services.case_decide(
            case,
            by=world.officer,
            reason="认定",
            statement_finding="申辩理由不成立，不予采纳",
            **decision_from(timezone.localdate()),
        )


class ListingCasePublishedFactory(ListingCaseDecidedFactory):
    """Decided and published (Nanjing art. 40)."""

    @classmethod
    def _create(cls, model_class, *, world, **kwargs):
        case = super()._create(model_class, world=world, **kwargs)
        return services.case_publish(case, by=world.officer, reason="公布")


class ListingCaseRemovedFactory(ListingCasePublishedFactory):
    """Published, then removed (移出) by revocation of the decision."""

    @classmethod
    def _create(cls, model_class, *, world, **kwargs):
        case = super()._create(model_class, world=world, **kwargs)
        return services.case_remove(
            case,
            by=world.officer,
            removal_reason=RemovalReason.REVOCATION,
            removal_document="宁市监撤〔2026〕1号",
            reason="决定已撤销",
        )


class RedListProposedFactory(ListingCaseDraftFactory):
    """A red-list (守信激励) proposal for the world's representative, who has no dishonest record."""

    @classmethod
    def _create(cls, model_class, *, world, **kwargs):
        return services.case_open(
            by=world.officer,
            list_type=ListType.RED,
            subject=world.representative,
            facts="连续五年守信",
            legal_basis="《宁波市社会信用条例》第二十八条",
            reason="提名",
        )


class RedListPublicNoticeFactory(RedListProposedFactory):
    """A red-list proposal under public notice (公示)."""

    @classmethod
    def _create(cls, model_class, *, world, **kwargs):
        case = super()._create(model_class, world=world, **kwargs)
        return services.red_start_notice(case, by=world.officer, reason="公示")
