"""The registry of credit service agencies (名册, Ningbo art. 50): filing with the credit
commitment (Dalian art. 46), the authority's review, publication and removal, the yearly business
information; each change in history."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.core.exceptions import Conflict
from apps.service_agencies import services
from apps.service_agencies.choices import FilingStatus
from apps.service_agencies.models import BusinessReport
from apps.service_agencies.selectors import public_registry
from tests.factories import AuthorityUserFactory, ClerkFactory, OfficerFactory
from tests.service_agencies.factories import AgencyStaffFactory, RegistryFilingFactory

pytestmark = pytest.mark.django_db


def _content(staff, **changes):
    return {
        "name": staff.organization.name,
        "unified_code": staff.organization.unified_code,
        "legal_representative": "刘评级",
        "address": "南京市鼓楼区中山路1号",
        "business_scope": "信用评级",
        "qualifications": "",
        "credit_commitment": "承诺依法依规开展信用服务",
        "reason": "备案",
    } | changes


def test_an_agency_files_the_authority_returns_it_resubmits_and_it_is_published_then_removed():
    staff, authority = AgencyStaffFactory(), AuthorityUserFactory()
    filing = services.filing_file(by=staff, **_content(staff))
    assert filing.status == FilingStatus.FILED and filing.agency == staff.organization
    assert filing.number.startswith("MC-")

    services.filing_step(filing, "return", by=authority, reason="审核", return_reason="缺少资质证明")
    assert (filing.status, filing.return_reason) == (FilingStatus.RETURNED, "缺少资质证明")
    services.filing_step(filing, "resubmit", by=staff, reason="补正", qualifications="人民银行备案 第12号")
    assert (filing.status, filing.qualifications) == (FilingStatus.FILED, "人民银行备案 第12号")
    services.filing_step(filing, "accept", by=authority, reason="审核通过")
    assert list(public_registry()) == []  # accepted, not yet published
    services.filing_step(filing, "publish", by=authority, reason="公布")
    assert list(public_registry()) == [filing] and filing.published_on

    with pytest.raises(ValidationError) as missing:
        services.filing_step(filing, "remove", by=authority, reason="移出")
    assert "removal_reason" in missing.value.message_dict
    services.filing_step(filing, "remove", by=authority, reason="移出", removal_reason="出具虚假报告")
    filing.refresh_from_db()
    assert (filing.status, filing.removal_reason) == (FilingStatus.REMOVED, "出具虚假报告")
    assert list(public_registry()) == []
    # every change is in history, with who and why
    reasons = list(filing.history.order_by("history_id").values_list("history_change_reason", flat=True))
    assert reasons == ["备案", "审核", "补正", "审核通过", "公布", "移出"]
    # once removed, the agency may file anew
    assert services.filing_file(by=staff, **_content(staff)).status == FilingStatus.FILED


def test_the_filing_needs_the_credit_commitment_and_a_valid_code():
    staff = AgencyStaffFactory()
    with pytest.raises(ValidationError) as error:
        services.filing_file(by=staff, **_content(staff, credit_commitment=" ", unified_code="91320100MA1XY0001X"))
    assert set(error.value.message_dict) == {"credit_commitment", "unified_code"}
    assert error.value.message_dict["credit_commitment"] == [str(services.MSG_NO_COMMITMENT)]


def test_one_live_filing_per_agency():
    staff = AgencyStaffFactory()
    RegistryFilingFactory(agency=staff.organization)
    with pytest.raises(ValidationError):
        services.filing_file(by=staff, **_content(staff))


@pytest.mark.parametrize("factory", [OfficerFactory, ClerkFactory, AuthorityUserFactory])
def test_only_agency_staff_file(factory):
    user = factory()
    with pytest.raises(PermissionDenied):
        services.filing_file(by=user, **_content(AgencyStaffFactory()))


def test_the_agency_cannot_review_its_own_filing_nor_another_agency_resubmit():
    filing = RegistryFilingFactory()
    own = AgencyStaffFactory(organization=filing.agency)
    with pytest.raises(PermissionDenied):
        services.filing_step(filing, "accept", by=own, reason="自行通过")
    services.filing_step(filing, "return", by=AuthorityUserFactory(), reason="退回", return_reason="不全")
    with pytest.raises(PermissionDenied):
        services.filing_step(filing, "resubmit", by=AgencyStaffFactory(), reason="他人补正")
    with pytest.raises(Conflict):
        services.filing_step(filing, "publish", by=AuthorityUserFactory(), reason="公布")


def test_yearly_business_information_is_filed_and_corrected_with_history():
    staff = AgencyStaffFactory()
    data = {"year": 2025, "services": "信用评级", "reports_by_kind": {"信用评级报告": 10}, "staff_count": 8}
    report = services.business_report_file(by=staff, reason="年度报送", **data)
    corrected = services.business_report_file(by=staff, reason="更正", **data | {"staff_count": 9})
    assert corrected.pk == report.pk and corrected.staff_count == 9 and corrected.reports_total == 10
    assert BusinessReport.objects.count() == 1 and report.history.count() == 2
    with pytest.raises(ValidationError) as error:
        services.business_report_file(
            by=staff, reason="x", **data | {"reports_by_kind": {"信用报告": -1}, "year": 1999}
        )
    assert set(error.value.message_dict) == {"reports_by_kind", "year"}
