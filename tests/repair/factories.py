"""Repair applications exist only through the services (repair_file and the steps of
REPAIR_CASE): these builders file them and walk them to each state."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core.models import Organization, User
from apps.repair import services
from apps.repair.choices import Channel, InterviewKind, Means
from apps.repair.models import Interview, RepairApplication
from apps.subjects.models import CreditRecord, Subject
from tests.factories import AuditedFactory, ClerkFactory, CreditOfficeFactory, OfficerFactory, OrganizationFactory
from tests.subjects.factories import CompanyFactory, PublishedItemFactory, RecordFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "commitment.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@dataclass
class RepairWorld:
    office: Organization
    clerk: User
    agency_a: Organization
    officer_a: User
    agency_b: Organization
    officer_b: User
    subject: Subject
    record: CreditRecord  # general, determined 2026-05-10 by agency A
    other_subject: Subject
    other_record: CreditRecord


def make_world(*, determined_on=datetime.date(2026, 5, 10), severity="general") -> RepairWorld:
    office = CreditOfficeFactory()
    agency_a, agency_b = OrganizationFactory(name="市市场监管局"), OrganizationFactory(name="市税务局")
    item = PublishedItemFactory()
    subject = CompanyFactory(name="南京修复测试有限公司")
    other = CompanyFactory(name="南京其他有限公司")
    return RepairWorld(
        office=office,
        clerk=ClerkFactory(organization=office),
        agency_a=agency_a,
        officer_a=OfficerFactory(organization=agency_a),
        agency_b=agency_b,
        officer_b=OfficerFactory(organization=agency_b),
        subject=subject,
        record=RecordFactory(
            subject=subject,
            item=item,
            provider=agency_a,
            severity=severity,
            determined_on=determined_on,
            document_date=determined_on,
            disclosure_ends_on=datetime.date(2029, 5, 10),
        ),
        other_subject=other,
        other_record=RecordFactory(subject=other, item=item, provider=agency_a),
    )


def file_application(world: RepairWorld, *, records=None, **kwargs) -> RepairApplication:
    data = {
        "by": world.clerk,
        "subject": world.subject,
        "records": [world.record] if records is None else records,
        "means": [Means.CORRECTED, Means.OBLIGATIONS, Means.COMMITMENT],
        "statement": "已缴清罚款并完成整改",
        "applicant_name": "李经办",
        "applicant_contact": "13900000000",
        "channel": Channel.WINDOW,
        "commitment_signed": True,
        "commitment_scan": pdf(),
        "reason": "窗口受理信用修复申请",
    }
    data.update(kwargs)
    return services.repair_file(**data)


def accepted(world, **kwargs) -> RepairApplication:
    application = file_application(world, **kwargs)
    return services.repair_step(application, "accept", by=world.officer_a, reason="受理")


def repaired(world, **kwargs) -> RepairApplication:
    application = accepted(world, **kwargs)
    return services.repair_step(
        application,
        "repair",
        by=world.officer_a,
        reason="决定修复",
        outcome_reason="已纠正失信行为、履行义务并作出承诺",
    )


class InterviewFactory(AuditedFactory):
    class Meta:
        model = Interview

    subject = factory.SubFactory(CompanyFactory)
    agency = factory.SubFactory(OrganizationFactory)
    kind = InterviewKind.PROMPT
    held_on = datetime.date(2026, 6, 1)
    participants = "企业法定代表人、执法人员"
    notes = "督促履行行政处罚决定"
