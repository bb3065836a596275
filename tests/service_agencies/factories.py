"""Factories of the service-agencies app: the agencies and their staff, registrations in each
state a test starts from, yearly business information."""

import datetime

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from apps.core.choices import OrganizationKind, Role
from apps.service_agencies.choices import ActionKind, FilingStatus
from apps.service_agencies.models import BusinessReport, FreeReport, RegistryFiling, SupervisionAction
from apps.service_agencies.models_batch import BatchQueryApplication, BatchStatus
from tests.factories import AuditedFactory, OrganizationFactory, UserFactory, make_citizen_id, make_uscc


class ServiceAgencyOrgFactory(OrganizationFactory):
    """A credit service agency (信用服务机构) as an organisation of the platform."""

    kind = OrganizationKind.SERVICE_AGENCY
    name = factory.Sequence(lambda n: f"信用评级公司{n}")
    unified_code = factory.Sequence(lambda n: make_uscc(n, prefix="91320100"))


class AgencyStaffFactory(UserFactory):
    role = Role.AGENCY_STAFF
    organization = factory.SubFactory(ServiceAgencyOrgFactory)


class RegistryFilingFactory(AuditedFactory):
    """A registration as its agency files it (filed, awaiting review)."""

    class Meta:
        model = RegistryFiling

    number = factory.Sequence(lambda n: f"MC-2026-{n:05d}")
    agency = factory.SubFactory(ServiceAgencyOrgFactory)
    name = factory.LazyAttribute(lambda f: f.agency.name)
    unified_code = factory.LazyAttribute(lambda f: f.agency.unified_code)
    legal_representative = "刘评级"
    address = "南京市鼓楼区中山路1号"
    business_scope = "信用评级、信用报告、信用管理咨询"
    qualifications = "中国人民银行备案"
    credit_commitment = "本机构承诺所报信息真实准确，依法依规开展信用服务。"
    status = FilingStatus.FILED
    filed_on = factory.LazyFunction(timezone.localdate)


class RegistryFilingAcceptedFactory(RegistryFilingFactory):
    status = FilingStatus.ACCEPTED
    reviewed_on = factory.LazyFunction(timezone.localdate)


class RegistryFilingPublishedFactory(RegistryFilingAcceptedFactory):
    status = FilingStatus.PUBLISHED
    published_on = factory.LazyFunction(timezone.localdate)


class BusinessReportFactory(AuditedFactory):
    class Meta:
        model = BusinessReport

    agency = factory.SubFactory(ServiceAgencyOrgFactory)
    year = factory.LazyFunction(lambda: timezone.localdate().year - 1)
    services = "信用评级、信用报告"
    reports_by_kind = factory.LazyFunction(lambda: {"信用评级报告": 12, "信用报告": 30})
    staff_count = 25
    filed_on = factory.LazyFunction(timezone.localdate)


class SupervisionActionFactory(AuditedFactory):
    """An inspection; for a request for materials with its clock, or a spot check with its
    consequences, go through `apps.service_agencies.supervision.supervision_record`."""

    class Meta:
        model = SupervisionAction

    agency = factory.SubFactory(ServiceAgencyOrgFactory)
    kind = ActionKind.INSPECTION
    taken_on = factory.LazyFunction(timezone.localdate)
    summary = "现场检查业务档案"


class FreeReportFactory(AuditedFactory):
    class Meta:
        model = FreeReport

    agency = factory.SubFactory(ServiceAgencyOrgFactory)
    person_identifier = factory.Sequence(make_citizen_id)
    person_name = "张三"
    given_on = factory.LazyFunction(timezone.localdate)


# --- pushed credit reports (Nanjing art. 65) ---------------------------------------------------

import hashlib  # noqa: E402

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402

from apps.service_agencies.models import PushedReport  # noqa: E402
from tests.factories import FAKE_PDF  # noqa: E402


def report_pdf(name: str = "评级报告.pdf"):
    """An uploaded report file that passes the content check (a PDF by its magic number)."""
    return SimpleUploadedFile(name, FAKE_PDF, content_type="application/pdf")


class PushedReportFactory(AuditedFactory):
    """A rating report of a service agency pushed by an officer of the procuring body; for the
    checks of a push go through `apps.service_agencies.pushed.pushed_report_push`."""

    class Meta:
        model = PushedReport

    agency = factory.SubFactory(ServiceAgencyOrgFactory)
    subject = factory.SubFactory("tests.subjects.factories.CompanyFactory")
    matter_kind = "procurement"
    matter = "2026年市政道路养护服务政府采购项目"
    report_number = factory.Sequence(lambda n: f"PJ-2026-{n:04d}")
    report_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    conclusion = "信用等级AA，信用状况良好"
    file = factory.django.FileField(filename="report.pdf", data=FAKE_PDF)
    file_name = "评级报告.pdf"
    file_sha256 = hashlib.sha256(FAKE_PDF).hexdigest()
    pushed_by = factory.SubFactory("tests.factories.OfficerFactory")
    pushing_org = factory.LazyAttribute(lambda o: o.pushed_by.organization)
    pushed_on = factory.LazyFunction(timezone.localdate)


class BatchQueryApplicationFactory(AuditedFactory):
    """A batch-query application as received (Nanjing art. 67), its identifiers file stored as the
    service stores it (one normalised identifier a line). `identifier_list` gives the subjects;
    the agreement attachment is left out (`services_batch.batch_apply` adds it)."""

    class Meta:
        model = BatchQueryApplication

    class Params:
        identifier_list = factory.LazyFunction(lambda: [make_uscc(n, prefix="91320200") for n in range(3)])

    number = factory.Sequence(lambda n: f"PL-2026-{n + 1:05d}")
    agency = factory.SubFactory(ServiceAgencyOrgFactory)
    purpose = "为授信客户开展信用评估"
    legal_basis = "《南京市社会信用条例》第六十七条；批量查询协议"
    subject_count = factory.LazyAttribute(lambda a: len(a.identifier_list))
    identifiers = factory.LazyAttribute(
        lambda a: ContentFile("".join(f"{i}\n" for i in a.identifier_list).encode("ascii"), name="ids.txt")
    )
    identifiers_name = "ids.csv"
    status = BatchStatus.RECEIVED
    received_on = factory.LazyFunction(timezone.localdate)


class BatchQueryApprovedFactory(BatchQueryApplicationFactory):
    """Approved for all its subjects, for 30 days."""

    status = BatchStatus.APPROVED
    decided_on = factory.LazyFunction(timezone.localdate)
    approved_count = factory.LazyAttribute(lambda a: a.subject_count)
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
