"""The credit report lists the subject's query history (Nanjing art. 57: 提供个人信用报告应当注明信用
信息的使用、查询情况): when, who — the organisation in a report to the subject or to whom it
authorised, the kind of body in a government or public report, never the person — the mode and
the purpose. A service agency's batch-query lookup is a row like any other. A report once issued
is served as issued: later lookups do not change it."""

import datetime as dt
import hashlib
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from apps.core.choices import QueryChannel, QueryMode, QueryOutcome, QueryPurpose
from apps.core.models import QueryLog
from apps.core.querylog import LookupRequest
from apps.subjects import services
from apps.subjects.reports import credit_report_issue
from apps.subjects.selectors import credit_file_for, report_query_history
from tests.factories import ClerkFactory, OfficerFactory, OrganizationFactory
from tests.service_agencies.factories import AgencyStaffFactory, ServiceAgencyOrgFactory
from tests.subjects.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _self_report(subject, clerk=None, mode=QueryMode.SELF, purpose=QueryPurpose.SELF_INQUIRY):
    clerk = clerk or ClerkFactory()
    authorisation = None
    if mode == QueryMode.AUTHORISED:
        scan = SimpleUploadedFile("授权书.pdf", b"%PDF-1.4 authorisation")
        authorisation = services.authorisation_store(by=clerk, subject_identifier=subject.identifier, file=scan)
    lookup = LookupRequest(
        user=clerk,
        mode=mode,
        purpose=purpose,
        channel=QueryChannel.WINDOW,
        identity_checked=True,
        checked_identifier=subject.identifier,
        authorization_document="授权书" if authorisation else "",
        authorisation_id=authorisation.pk if authorisation else None,
    )
    return credit_report_issue(lookup, subject)


def _pdf_text(report) -> str:
    report.pdf.seek(0)
    reader = PdfReader(io.BytesIO(report.pdf.read()))
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "").replace(" ", "")


def _government_lookup(officer, subject):
    lookup = LookupRequest(
        user=officer, mode=QueryMode.GOVERNMENT, purpose=QueryPurpose.ADMINISTRATIVE_LICENSING, channel=QueryChannel.WEB
    )
    credit_file_for(lookup, subject)


def _batch_rows(agency_user, subjects, batch="BQ-2026-000007"):
    """What a service agency's approved batch query writes: one authorised row per subject, the
    batch as purpose, written in bulk (the batch-query path; its purpose choice lands with it)."""
    QueryLog.objects.bulk_create(
        QueryLog(
            user=agency_user,
            organization=agency_user.organization,
            channel=QueryChannel.API,
            mode=QueryMode.AUTHORISED,
            purpose="batch_query",
            purpose_detail=batch,
            authorization_document="批量查询协议 2026-07",
            subject_identifier=subject.identifier,
            subject_name=subject.name,
            query={"batch": batch},
            outcome=QueryOutcome.FOUND,
        )
        for subject in subjects
    )


@pytest.fixture
def looked_up(policy):
    """A person looked up by a market regulator's officer (government sharing), by a service
    agency's batch query, and once refused (not shown: nothing came back)."""
    person = PersonFactory(name="钱七")
    officer = OfficerFactory(full_name="孙科员", organization=OrganizationFactory(name="南京市市场监督管理局"))
    _government_lookup(officer, person)
    agency_staff = AgencyStaffFactory(
        full_name="周专员", organization=ServiceAgencyOrgFactory(name="南京诚信评级有限公司")
    )
    _batch_rows(agency_staff, [person, PersonFactory()])
    QueryLog.objects.create(
        user=officer,
        organization=OrganizationFactory(name="被拒绝的查询单位"),
        channel=QueryChannel.WEB,
        mode=QueryMode.GOVERNMENT,
        purpose=QueryPurpose.INSPECTION,
        subject_identifier=person.identifier,
        outcome=QueryOutcome.REFUSED,
    )
    return person


def test_a_report_to_the_subject_names_the_organisations_not_the_people(looked_up):
    lookups, total = report_query_history(looked_up, QueryMode.SELF)
    assert total == 2 and [lookup.who for lookup in lookups] == ["南京诚信评级有限公司", "南京市市场监督管理局"]
    assert lookups[0].at.date() == timezone.now().date()
    report, html = _self_report(looked_up)
    text = _pdf_text(report)
    for expected in ("查询记录", "南京市市场监督管理局", "政务共享", "行政许可", "南京诚信评级有限公司", "授权查询"):
        assert expected in text, expected
    for hidden in ("孙科员", "周专员", "被拒绝的查询单位", "BQ-2026-000007"):
        assert hidden not in html, hidden


def test_an_authorised_report_names_the_organisations_too(looked_up):
    _report, html = _self_report(looked_up, mode=QueryMode.AUTHORISED, purpose=QueryPurpose.AUTHORISED_USE)
    assert "南京市市场监督管理局" in html and "南京诚信评级有限公司" in html


@pytest.mark.parametrize(
    ("mode", "purpose"),
    [(QueryMode.PUBLIC, QueryPurpose.PUBLIC_INFORMATION), (QueryMode.GOVERNMENT, QueryPurpose.INTEGRATION)],
)
def test_a_government_or_public_report_names_only_the_kind_of_body(looked_up, mode, purpose):
    report, html = _self_report(looked_up, mode=mode, purpose=purpose)
    text = _pdf_text(report)
    assert "查询记录" in text and "信息提供单位" in text and "信用服务机构" in text
    assert "南京市市场监督管理局" not in html and "南京诚信评级有限公司" not in html and "孙科员" not in html


def test_the_subject_s_own_online_inquiry_is_shown_as_its_own(policy):
    person = PersonFactory()
    QueryLog.objects.create(
        channel=QueryChannel.PUBLIC,
        mode=QueryMode.SELF,
        purpose=QueryPurpose.SELF_INQUIRY,
        subject_identifier=person.identifier,
        outcome=QueryOutcome.FOUND,
    )
    _report, html = _self_report(person)
    assert "信用主体本人" in html


def test_the_report_lists_the_newest_lookups_and_says_how_many_there_were(looked_up, monkeypatch):
    from apps.subjects import selectors

    monkeypatch.setattr(selectors, "REPORT_HISTORY_ROWS", 1)
    lookups, total = selectors.report_query_history(looked_up, QueryMode.SELF, limit=1)
    assert len(lookups) == 1 and total == 2


def test_a_report_issued_earlier_is_served_unchanged(client, looked_up):
    clerk = ClerkFactory()
    with time_machine.travel(timezone.now() - dt.timedelta(days=3), tick=False):
        report, html = _self_report(looked_up, clerk=clerk)
    with report.document.pdf.open("rb") as stored:
        issued = stored.read()
    # lookups after the report was issued
    later = OfficerFactory(organization=OrganizationFactory(name="南京市税务局"))
    _government_lookup(later, looked_up)
    _batch_rows(AgencyStaffFactory(organization=ServiceAgencyOrgFactory(name="后来的评级公司")), [looked_up])

    client.force_login(clerk)
    response = client.post(
        reverse("subjects:report_pdf", args=[report.code]),
        {"mode": "self", "identity_checked": "on", "checked_identifier": looked_up.identifier},
    )
    served = b"".join(response.streaming_content)
    assert hashlib.sha256(served).hexdigest() == report.content_hash
    assert served == issued
    report.document.refresh_from_db()
    assert report.document.html_text() == html
    assert "南京市税务局" not in html and "后来的评级公司" not in html
    # a report issued now lists them
    _now, fresh = _self_report(looked_up, clerk=clerk)
    assert "南京市税务局" in fresh and "后来的评级公司" in fresh
