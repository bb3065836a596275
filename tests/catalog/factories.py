"""Factories of the catalog app, one per lifecycle state where tests need it half-way."""

import factory
from django.utils import timezone

from apps.catalog.choices import (
    DEFAULT_REPORT_SECTION,
    Category,
    Disclosure,
    Frequency,
    Level,
    ListStatus,
    MeasureKind,
    MeasureTarget,
    PeriodRule,
)
from apps.catalog.models import Catalog, CatalogItem, ExemptionList, ExemptionRule, Measure, MeasureList
from tests.factories import AuditedFactory


class CatalogFactory(AuditedFactory):
    class Meta:
        model = Catalog

    level = Level.CITY
    title = factory.Sequence(lambda n: f"南京市公共信用信息补充目录{n}")
    version = factory.Sequence(lambda n: n + 1)
    status = ListStatus.DRAFT


class ConsultationCatalogFactory(CatalogFactory):
    status = ListStatus.CONSULTATION
    consultation_start = factory.LazyFunction(lambda: timezone.localdate() - timezone.timedelta(days=30))
    consultation_end = factory.LazyFunction(lambda: timezone.localdate() - timezone.timedelta(days=1))


class ApprovedCatalogFactory(ConsultationCatalogFactory):
    status = ListStatus.APPROVED
    approval_document = "宁政复〔2026〕1号"
    approved_at = factory.LazyFunction(timezone.now)


class PublishedCatalogFactory(ApprovedCatalogFactory):
    status = ListStatus.PUBLISHED
    effective_date = factory.LazyFunction(timezone.localdate)
    published_at = factory.LazyFunction(timezone.now)


class CatalogItemFactory(AuditedFactory):
    class Meta:
        model = CatalogItem

    catalog = factory.SubFactory(CatalogFactory)
    code = factory.Sequence(lambda n: f"CS{n:04d}")
    name = factory.Sequence(lambda n: f"测试信息项{n}")
    category = Category.DISHONEST
    subject_types = factory.LazyFunction(lambda: ["legal_person", "natural_person"])
    disclosure = Disclosure.PUBLIC
    frequency = Frequency.ON_OCCURRENCE
    period_rule = PeriodRule.POLICY
    document_required = True
    legal_basis = "《中华人民共和国行政处罚法》第四十八条"
    report_section = factory.LazyAttribute(lambda item: DEFAULT_REPORT_SECTION[item.category])
    record_fields = factory.LazyFunction(
        lambda: [
            {
                "name": "penalty_type",
                "label": "处罚类别",
                "type": "choice",
                "required": True,
                "max_length": None,
                "choices": ["警告", "罚款", "没收违法所得"],
            },
            {
                "name": "amount",
                "label": "罚款金额",
                "type": "decimal",
                "required": False,
                "max_length": None,
                "choices": [],
            },
        ]
    )


class MeasureListFactory(AuditedFactory):
    class Meta:
        model = MeasureList

    level = Level.CITY
    title = factory.Sequence(lambda n: f"联合奖惩措施清单{n}")
    version = factory.Sequence(lambda n: n + 1)
    status = ListStatus.DRAFT


class PublishedMeasureListFactory(MeasureListFactory):
    status = ListStatus.PUBLISHED
    approval_document = "宁政复〔2026〕2号"
    effective_date = factory.LazyFunction(timezone.localdate)
    published_at = factory.LazyFunction(timezone.now)


class MeasureFactory(AuditedFactory):
    class Meta:
        model = Measure

    measure_list = factory.SubFactory(MeasureListFactory)
    code = factory.Sequence(lambda n: f"M{n:03d}")
    name = "限制参与政府采购"
    kind = MeasureKind.SANCTION
    applies_to = MeasureTarget.SERIOUS
    matters = factory.LazyFunction(lambda: ["public_procurement"])
    implementing_body = "市财政局"
    legal_basis = "《南京市社会信用条例》第四十条"
    content = "依法限制参与政府采购活动。"
    duration = "列入严重失信主体名单期间"


class ExemptionListFactory(AuditedFactory):
    class Meta:
        model = ExemptionList

    level = Level.CITY
    title = factory.Sequence(lambda n: f"轻微失信免罚清单{n}")
    version = factory.Sequence(lambda n: n + 1)


class ExemptionRuleFactory(AuditedFactory):
    class Meta:
        model = ExemptionRule

    exemption_list = factory.SubFactory(ExemptionListFactory)
    code = factory.Sequence(lambda n: f"MF{n:03d}")
    item_code = "CS0001"
    conduct = "首次未按规定公示年度报告且及时补报"
    conditions = "初次发生、情节轻微、没有造成危害后果"
    legal_basis = "《南京市社会信用条例》第三十七条"
