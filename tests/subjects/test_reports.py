"""The credit report: a PDF with Chinese text and a verification code; the public page verifies
the code and shows only the issue date, the masked name and the PDF's hash."""

import hashlib
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from apps.core.choices import QueryChannel, QueryMode, QueryPurpose
from apps.core.querylog import LookupRequest
from apps.subjects.reports import credit_report_issue
from tests.factories import ClerkFactory, OfficerFactory
from tests.subjects.factories import CompanyFactory, PersonFactory, RecordFactory

pytestmark = pytest.mark.django_db


def _issue(subject, user=None, mode=QueryMode.SELF, purpose=QueryPurpose.SELF_INQUIRY):
    # the applicant's identity document checked at the window (Nanjing art. 54)
    lookup = LookupRequest(
        user=user or ClerkFactory(),
        mode=mode,
        purpose=purpose,
        channel=QueryChannel.WINDOW,
        identity_checked=True,
        checked_identifier=subject.identifier,
    )
    return credit_report_issue(lookup, subject)


def test_the_pdf_shows_the_records_in_chinese_with_an_embedded_cjk_font(policy):
    company = CompanyFactory(name="南京报告测试有限公司")
    RecordFactory(subject=company, document_number="宁市监罚〔2026〕88号")
    report, _html = _issue(company)
    pdf = report.pdf.read()
    assert hashlib.sha256(pdf).hexdigest() == report.content_hash
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    for expected in (
        "公共信用信息报告",
        "南京报告测试有限公司",
        "宁市监罚〔2026〕88号",
        "行政处罚信息",
        "查询记录",
        report.code,
    ):
        assert expected in text, expected
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
        if "/BaseFont" in font.get_object()
    }
    assert any("CJK" in name or "SC" in name for name in fonts), fonts


def test_the_report_is_an_issued_document_of_its_own(policy):
    from apps.core.choices import DocumentKind
    from apps.core.documents import document_verify

    person = PersonFactory(name="赵六")
    report, html = _issue(person)
    document = document_verify(report.code)
    assert document == report.document and document.owner == report
    assert (document.kind, document.masked_name, document.template) == (
        DocumentKind.CREDIT_REPORT,
        "赵*",
        "subjects/report.html",
    )
    assert html == document.html_text() and report.code in html and document.number in document.__str__()


def test_public_report_masks_a_persons_identifier(policy):
    person = PersonFactory(name="李四")
    _report, html = _issue(person, mode=QueryMode.PUBLIC, purpose=QueryPurpose.PUBLIC_INFORMATION)
    assert person.identifier not in html and person.identifier[:6] + "********" in html


def test_the_code_verifies_on_the_public_page_and_a_changed_code_does_not(client, policy):
    company = CompanyFactory(name="南京验证测试有限公司")
    report, _html = _issue(company)
    page = client.get(reverse("subjects:verify"), {"code": report.code.lower().replace("-", "")}).content.decode()
    assert "本平台出具" in page and report.content_hash in page and "南京验证测试有限公司" in page
    assert "行政处罚" not in page  # never the content
    changed = report.code[:-1] + ("A" if report.code[-1] != "A" else "B")
    page = client.get(reverse("subjects:verify"), {"code": changed}).content.decode()
    assert "没有以该验证码出具的文书" in page and report.content_hash not in page


def test_a_person_s_name_is_masked_on_the_verification_page(client, policy):
    report, _html = _issue(PersonFactory(name="王五六"))
    page = client.get(reverse("subjects:verify"), {"code": report.code}).content.decode()
    assert "王**" in page and "王五六" not in page


def test_the_verification_page_compares_a_pdf(client, policy):
    report, _html = _issue(CompanyFactory())
    upload = io.BytesIO(report.pdf.read())
    upload.name = "report.pdf"
    page = client.post(reverse("subjects:verify"), {"code": report.code, "pdf": upload}).content.decode()
    assert "完全一致" in page
    forged = io.BytesIO(b"%PDF-1.7 forged")
    forged.name = "report.pdf"
    page = client.post(reverse("subjects:verify"), {"code": report.code, "pdf": forged}).content.decode()
    assert "不一致" in page


def test_issuing_and_downloading_through_the_pages(client, policy):
    clerk = ClerkFactory()
    company = CompanyFactory()
    client.force_login(clerk)
    page = client.post(
        reverse("subjects:report_issue", args=[company.pk]),
        {"mode": "self", "identity_checked": "on", "checked_identifier": company.identifier},
    ).content.decode()
    assert "信用报告已出具" in page
    from apps.subjects.models import CreditReport

    report = CreditReport.objects.get()
    # The issued page's button carries the purpose just given (a download is a lookup too).
    response = client.post(
        reverse("subjects:report_pdf", args=[report.code]),
        {"mode": "self", "identity_checked": "on", "checked_identifier": company.identifier},
    )
    assert response["Content-Type"] == "application/pdf"
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == report.content_hash
    # Another organisation's officer cannot download it.
    client.force_login(OfficerFactory())
    assert client.get(reverse("subjects:report_pdf", args=[report.code])).status_code == 404


def test_a_refused_report_leaves_the_refusal_and_the_flag_on_record(policy):
    """Nanjing art. 52: the refusal is logged and the user flagged, even for a report."""
    from apps.core.models import QueryFlag, QueryLog
    from apps.core.querylog import QueryRefused

    policy.query_daily_threshold = 1
    policy.save()
    clerk = ClerkFactory()
    _issue(CompanyFactory(), user=clerk)
    with pytest.raises(QueryRefused):
        _issue(CompanyFactory(), user=clerk)
    assert QueryFlag.objects.filter(user=clerk).exists()
    assert QueryLog.objects.filter(user=clerk, outcome="refused").count() == 1
