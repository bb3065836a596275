"""Factories of the subjects app."""

import datetime

import factory

from apps.catalog.choices import Category, Disclosure, PeriodRule
from apps.core.choices import ResponsibleRole
from apps.subjects.models import Commitment, CreditRecord, DisclosureRequest, ResponsiblePerson, Subject
from tests.catalog.factories import CatalogItemFactory, PublishedCatalogFactory
from tests.factories import AuditedFactory, OrganizationFactory, make_citizen_id, make_uscc


class PersonFactory(AuditedFactory):
    class Meta:
        model = Subject

    kind = "natural_person"
    identifier = factory.Sequence(lambda n: make_citizen_id(n, birth="19850612"))
    name = factory.Sequence(lambda n: f"张{n}")


class CompanyFactory(AuditedFactory):
    class Meta:
        model = Subject

    kind = "legal_person"
    identifier = factory.Sequence(lambda n: make_uscc(n + 5000))
    name = factory.Sequence(lambda n: f"南京测试科技有限公司{n}")


class PublishedItemFactory(CatalogItemFactory):
    """A dishonest item of a published catalog (administrative penalties)."""

    catalog = factory.SubFactory(PublishedCatalogFactory)


class PublicBasicItemFactory(PublishedItemFactory):
    category = Category.BASIC
    document_required = False
    period_rule = PeriodRule.UNLIMITED
    record_fields = factory.LazyFunction(list)


class GovernmentOnlyItemFactory(PublishedItemFactory):
    disclosure = Disclosure.GOVERNMENT


class RecordFactory(AuditedFactory):
    """An active general dishonest record determined on 2026-03-01."""

    class Meta:
        model = CreditRecord

    subject = factory.SubFactory(CompanyFactory)
    item = factory.SubFactory(PublishedItemFactory)
    category = factory.LazyAttribute(lambda r: r.item.category)
    severity = "general"
    provider = factory.SubFactory(OrganizationFactory)
    document_number = factory.Sequence(lambda n: f"宁市监罚〔2026〕{n}号")
    document_date = datetime.date(2026, 3, 1)
    determined_on = datetime.date(2026, 3, 1)
    ended_on = datetime.date(2026, 2, 1)
    values = factory.LazyFunction(lambda: {"penalty_type": "罚款"})
    disclosure_ends_on = datetime.date(2027, 3, 1)
    dedup_key = factory.Sequence(lambda n: f"id:factory-{n}")


class MarkedRecordFactory(RecordFactory):
    """An active record under objection (the mark beside its status, set on 2026-04-01)."""

    objection_since = datetime.datetime(2026, 4, 1, 9, 30, tzinfo=datetime.UTC)


class ResponsiblePersonFactory(AuditedFactory):
    class Meta:
        model = ResponsiblePerson

    organization = factory.SubFactory(CompanyFactory)
    person = factory.SubFactory(PersonFactory)
    role = ResponsibleRole.LEGAL_REPRESENTATIVE


class CommitmentFactory(AuditedFactory):
    class Meta:
        model = Commitment

    subject = factory.SubFactory(CompanyFactory)
    matter = "administrative_licensing"
    content = "承诺所提交材料真实有效，如有不实愿承担相应责任。"
    made_on = datetime.date(2026, 5, 1)
    made_to = factory.SubFactory(OrganizationFactory)


class DisclosureRequestFactory(AuditedFactory):
    """A request for disclosure just filed on the portal about a company (Nanjing art. 27)."""

    class Meta:
        model = DisclosureRequest

    number = factory.Sequence(lambda n: f"YS-2026-{n + 1:06d}")
    tracking_code = factory.Sequence(lambda n: f"TEST-{n:04d}-ABCD")
    requester_name = "李四"
    requester_id_number = factory.Sequence(lambda n: make_citizen_id(n + 900, birth="19900101"))
    requester_contact = "13900000000"
    subject = factory.SubFactory(CompanyFactory)
    subject_name = factory.LazyAttribute(lambda r: r.subject.name)
    subject_identifier = factory.LazyAttribute(lambda r: r.subject.identifier)
    information = "该企业的行政处罚信息"
    access_form = "copy"
    received_on = datetime.date(2026, 12, 1)
    status = "received"


class DisclosureRequestAcceptedFactory(DisclosureRequestFactory):
    status = "accepted"
    accepted_on = datetime.date(2026, 12, 2)
