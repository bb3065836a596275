"""Demo step for the service-agencies app (run by `seed_demo`): the rating agency's registration
filed, accepted and published on the public registry, with last year's business information and a
compliant spot check of one of its reports; the
credit-management agency's filed and waiting for the authority's review. Through the services, so
the history is the real one; a later run finds the filings and adds nothing."""

from __future__ import annotations

from django.utils import timezone

from apps.core.choices import Role
from apps.core.models import User
from apps.service_agencies import services, supervision
from apps.service_agencies.choices import ActionKind, Finding
from apps.service_agencies.models import RegistryFiling

REASON = "演示数据：信用服务机构名册"

CONTENT = {
    "agency_rating": {
        "legal_representative": "孙立新",
        "address": "南京市建邺区江东中路100号",
        "business_scope": "信用评级、信用评价、信用报告",
        "qualifications": "中国人民银行南京分行企业征信机构备案",
        "credit_commitment": "本机构承诺：依法依规开展信用服务，保证评级报告客观、公正、真实，不出具虚假报告，接受社会监督。",
    },
    "agency_report": {
        "legal_representative": "吴雅琴",
        "address": "南京市玄武区珠江路88号",
        "business_scope": "信用报告、信用管理咨询",
        "qualifications": "",
        "credit_commitment": "本机构承诺：所报信息真实准确，依法保护信息主体权益。",
    },
}


def seed(stdout) -> None:
    staff = {u.username: u for u in User.objects.filter(username__in=CONTENT, role=Role.AGENCY_STAFF)}
    authority = User.objects.filter(username="authority", role=Role.AUTHORITY).first()
    if set(staff) != set(CONTENT) or authority is None:
        stdout.write("service agencies: no demo agency staff or authority; no demo registry")
        return
    if RegistryFiling.objects.filter(agency__in=[u.organization for u in staff.values()]).exists():
        stdout.write("service agencies: demo registry already present; nothing to add")
        return
    for username, content in CONTENT.items():
        user = staff[username]
        org = user.organization
        filing = services.filing_file(
            by=user, name=org.name, unified_code=org.unified_code, reason="报送名册备案", **content
        )
        if username == "agency_rating":
            services.filing_step(filing, "accept", by=authority, reason="材料齐全，审核通过")
            services.filing_step(filing, "publish", by=authority, reason="列入名册并公布")
            services.business_report_file(
                by=user,
                year=timezone.localdate().year - 1,
                services="主体信用评级、债项评级、信用报告",
                reports_by_kind={"信用评级报告": 136, "信用报告": 412},
                staff_count=48,
                reason="报送上年度业务信息",
            )
            # A spot check of one of its rating reports, found compliant and published.
            supervision.supervision_record(
                by=authority,
                agency=org,
                kind=ActionKind.SPOT_CHECK,
                summary="抽查该机构出具的主体信用评级报告及底稿",
                report_number=f"CXPJ-{timezone.localdate().year}-0137",
                report_date=timezone.localdate() - timezone.timedelta(days=40),
                finding=Finding.COMPLIANT,
                basis="《南京市社会信用条例》第六十九条",
                reason="年度评级报告抽查",
            )
    stdout.write("service agencies: 2 demo registrations (1 published, 1 awaiting review)")
