"""Objections exist only through the services (objection_file and the steps of OBJECTION_CASE):
these builders file them and walk them to each state."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import factory
from django.utils import timezone

from apps.core.models import Organization, User
from apps.objections import services
from apps.objections.choices import AgencyObjectionStatus, Channel, Ground, Outcome
from apps.objections.models import AgencyObjection, Objection
from apps.subjects.models import CreditRecord, Subject
from tests.factories import AuditedFactory, ClerkFactory, CreditOfficeFactory, OfficerFactory, OrganizationFactory
from tests.service_agencies.factories import ServiceAgencyOrgFactory
from tests.subjects.factories import CompanyFactory, PublishedItemFactory, RecordFactory


@dataclass
class ObjectionWorld:
    office: Organization
    clerk: User
    agency_a: Organization
    officer_a: User
    agency_b: Organization
    officer_b: User
    subject: Subject
    record_a: CreditRecord  # provided by agency A
    record_b: CreditRecord  # provided by agency B
    other_subject: Subject
    other_record: CreditRecord


def make_world() -> ObjectionWorld:
    office = CreditOfficeFactory()
    agency_a, agency_b = OrganizationFactory(name="市市场监管局"), OrganizationFactory(name="市税务局")
    item = PublishedItemFactory()
    subject = CompanyFactory(name="南京异议测试有限公司")
    other = CompanyFactory(name="南京其他有限公司")
    return ObjectionWorld(
        office=office,
        clerk=ClerkFactory(organization=office),
        agency_a=agency_a,
        officer_a=OfficerFactory(organization=agency_a),
        agency_b=agency_b,
        officer_b=OfficerFactory(organization=agency_b),
        subject=subject,
        record_a=RecordFactory(subject=subject, item=item, provider=agency_a),
        record_b=RecordFactory(subject=subject, item=item, provider=agency_b),
        other_subject=other,
        other_record=RecordFactory(subject=other, item=item, provider=agency_a),
    )


def file_objection(world: ObjectionWorld, *, records=None, received_on: datetime.date | None = None, **kwargs):
    data = {
        "by": world.clerk,
        "subject": world.subject,
        "records": [world.record_a] if records is None else records,
        "grounds": [Ground.ERROR],
        "statement": "处罚决定已被撤销，记录有误",
        "applicant_name": "张经办",
        "applicant_contact": "13800000000",
        "channel": Channel.WINDOW,
        "received_on": received_on,
        "reason": "窗口受理异议申请",
    }
    data.update(kwargs)
    return services.objection_file(**data)


def accepted(world, **kwargs) -> Objection:
    objection = file_objection(world, **kwargs)
    return services.objection_step(objection, "accept", by=world.clerk, reason="受理并标注")


def forwarded(world, agency=None, **kwargs) -> Objection:
    objection = accepted(world, **kwargs)
    return services.objection_step(
        objection, "forward", by=world.clerk, reason="转提供单位核查", agency=agency or world.agency_a
    )


def answered(world, answer=Outcome.KEPT, **kwargs) -> Objection:
    objection = forwarded(world, **kwargs)
    return services.objection_step(
        objection, "answer", by=world.officer_a, reason="核查回复", answer=answer, answer_reason="经核查，信息准确"
    )


def decided(world, outcome=Outcome.KEPT, **kwargs) -> Objection:
    objection = answered(world, answer=outcome, **kwargs)
    return services.objection_step(
        objection,
        "decide",
        by=world.clerk,
        reason="作出处理",
        outcome=outcome,
        outcome_reason="经提供单位核查，信息准确",
    )


def closed(world, **kwargs) -> Objection:
    objection = decided(world, **kwargs)
    return services.objection_step(objection, "inform", by=world.clerk, reason="告知申请人")


def refused(world, **kwargs) -> Objection:
    objection = file_objection(world, **kwargs)
    return services.objection_step(
        objection, "refuse", by=world.clerk, reason="不予受理", refusal_reason="申请人非信用主体且无书面授权"
    )


# --- objections received by a credit service agency (apps.objections.agency) ------------------


def receive_agency_objection(staff, **kwargs):
    """An objection `staff`'s service agency received about its own report, recorded through the
    service (received today unless `received_on` says otherwise)."""
    from apps.objections import agency

    data = {
        "by": staff,
        "applicant_name": "南京某某建设有限公司",
        "applicant_contact": "025-88888888",
        "report_number": "CXPJ-2026-0137",
        "information": "主体信用评级报告第3页所列的欠税记录",
        "grounds": [Ground.ERROR],
        "statement": "欠税已于报告出具前全部缴清，报告所载信息有误",
        "reason": "收到异议申请",
    }
    data.update(kwargs)
    return agency.agency_objection_receive(**data)


class AgencyObjectionFactory(AuditedFactory):
    """An objection a service agency received, in the state a test starts from (no clocks: use
    `receive_agency_objection` for those)."""

    class Meta:
        model = AgencyObjection

    number = factory.Sequence(lambda n: f"JGYY-2026-F{n:05d}")
    agency = factory.SubFactory(ServiceAgencyOrgFactory)
    applicant_name = "张三"
    applicant_contact = "13800000000"
    report_number = factory.Sequence(lambda n: f"XYBG-2026-{n:04d}")
    information = "信用报告所载的逾期记录"
    grounds = factory.LazyFunction(lambda: [Ground.ERROR])
    statement = "该笔贷款已按期归还"
    received_on = factory.LazyFunction(timezone.localdate)
    status = AgencyObjectionStatus.RECEIVED
