"""factory-boy factories for the core models; other apps add theirs beside their tests."""

import hashlib

import factory
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from apps.core.audit import audited_save
from apps.core.choices import (
    AttachmentPurpose,
    DocumentKind,
    NotificationKind,
    OrganizationKind,
    QueryChannel,
    QueryMode,
    QueryOutcome,
    QueryPurpose,
    Role,
)
from apps.core.documents import new_code
from apps.core.identifiers import citizen_id_check_character, uscc_check_character
from apps.core.models import (
    Attachment,
    HolidayOverride,
    IssuedDocument,
    Notification,
    Organization,
    QueryFlag,
    QueryLog,
    SystemAccount,
    User,
)
from apps.core.services import organization_save, user_save


def make_uscc(n: int, prefix: str = "91320100") -> str:
    body = f"{prefix}{n:09d}"
    return body + uscc_check_character(body)


def make_citizen_id(n: int, birth: str = "19900101", region: str = "320102") -> str:
    body = f"{region}{birth}{n % 1000:03d}"
    return body + citizen_id_check_character(body)


class AuditedFactory(factory.django.DjangoModelFactory):
    """Creates through audited_save, so factory rows have history like real ones."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return audited_save(model_class(*args, **kwargs), by=None, reason="factory")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = OrganizationKind.AGENCY
    name = factory.Sequence(lambda n: f"测试单位{n}")
    short_name = factory.LazyAttribute(lambda o: o.name[:10])
    unified_code = factory.Sequence(lambda n: make_uscc(n, prefix="11320100"))
    region_code = "320100"
    region_name = "南京市"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return organization_save(model_class(*args, **kwargs), by=None, reason="factory")


class CreditOfficeFactory(OrganizationFactory):
    kind = OrganizationKind.CREDIT_OFFICE
    name = factory.Sequence(lambda n: f"信用中心{n}")


class AuthorityOrgFactory(OrganizationFactory):
    kind = OrganizationKind.AUTHORITY
    name = factory.Sequence(lambda n: f"发改委{n}")


class UserFactory(factory.django.DjangoModelFactory):
    """An agency officer by default; see the role factories below."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.gov.cn")
    role = Role.OFFICER
    organization = factory.SubFactory(OrganizationFactory)
    password = "Correct-Horse-42!"

    @classmethod
    def _create(cls, model_class, *args, password=None, **kwargs):
        return user_save(model_class(*args, **kwargs), by=None, reason="factory", password=password)


class OfficerFactory(UserFactory):
    pass


class ClerkFactory(UserFactory):
    role = Role.CLERK
    organization = factory.SubFactory(CreditOfficeFactory)


class AuthorityUserFactory(UserFactory):
    role = Role.AUTHORITY
    organization = factory.SubFactory(AuthorityOrgFactory)


class AuditorFactory(UserFactory):
    role = Role.AUDITOR
    organization = factory.SubFactory(AuthorityOrgFactory)


class NoRoleUserFactory(UserFactory):
    """Signed in, but holds no role and so no permission at all."""

    role = ""
    organization = factory.SubFactory(OrganizationFactory)


class HolidayOverrideFactory(AuditedFactory):
    class Meta:
        model = HolidayOverride

    date = factory.Sequence(lambda n: timezone.localdate().replace(year=2030) + timezone.timedelta(days=n))
    is_working_day = False
    note = "测试调休"


class QueryLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QueryLog

    user = factory.SubFactory(UserFactory)
    organization = factory.LazyAttribute(lambda o: o.user.organization)
    channel = QueryChannel.WEB
    mode = QueryMode.GOVERNMENT
    purpose = QueryPurpose.ADMINISTRATIVE_LICENSING
    subject_identifier = factory.Sequence(lambda n: make_citizen_id(n))
    subject_name = "张三"
    query = factory.LazyAttribute(lambda o: {"identifier": o.subject_identifier})
    outcome = QueryOutcome.FOUND
    result = {"records": 3}
    client_ip = "10.0.0.8"


class QueryFlagFactory(AuditedFactory):
    class Meta:
        model = QueryFlag

    user = factory.SubFactory(UserFactory)
    day = factory.LazyFunction(timezone.localdate)
    lookups = 21
    threshold = 20


class NotificationFactory(factory.django.DjangoModelFactory):
    """A notification to an officer, about no clock (pass `deadline=` for one)."""

    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = NotificationKind.OVERDUE
    message = factory.Sequence(lambda n: f"#{n} 归集批次整合已逾期")
    link = "/workbench/"


# A few bytes that pass for a PDF (the magic number); the documents tests render real ones.
FAKE_PDF = b"%PDF-1.4\n% test document\n%%EOF\n"


class _OwnedFactory(factory.django.DjangoModelFactory):
    """Issued documents and attachments belong to any saved object (`owner=`); an organisation
    by default."""

    class Meta:
        abstract = True

    class Params:
        owner = factory.SubFactory(OrganizationFactory)

    owner_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(o.owner))
    owner_id = factory.LazyAttribute(lambda o: o.owner.pk)


class IssuedDocumentFactory(_OwnedFactory):
    """An issued document with stored bytes but no rendering (document_issue renders)."""

    class Meta:
        model = IssuedDocument

    kind = DocumentKind.LISTING_NOTICE
    number = factory.Sequence(lambda n: f"LN-2026-{n + 1:06d}")
    code = factory.LazyFunction(new_code)
    masked_name = "张**"
    issued_by = factory.SubFactory(ClerkFactory)
    template = "tests/none.html"
    pdf = factory.django.FileField(filename="document.pdf", data=FAKE_PDF)
    sha256 = hashlib.sha256(FAKE_PDF).hexdigest()


class AttachmentFactory(_OwnedFactory):
    class Meta:
        model = Attachment

    purpose = AttachmentPurpose.EVIDENCE
    file = factory.django.FileField(filename="0123456789abcdef.pdf", data=FAKE_PDF)
    original_name = "证据.pdf"
    content_type = "application/pdf"
    size = len(FAKE_PDF)
    sha256 = hashlib.sha256(FAKE_PDF).hexdigest()
    uploaded_by = factory.SubFactory(ClerkFactory)


class SystemAccountFactory(AuditedFactory):
    """A connected government system's API account (an officer of a providing agency)."""

    class Meta:
        model = SystemAccount

    user = factory.SubFactory(OfficerFactory)
    name = factory.Sequence(lambda n: f"对接系统{n}")
    daily_quota = 1000
