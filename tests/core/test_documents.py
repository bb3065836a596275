"""Issued documents (rendered once, served as issued, verified by code on the public page) and
uploads (one validator: type by content, size cap, a platform-made stored name). Both tables
are append-only."""

import datetime as dt
import hashlib
import io
import re
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from apps.core import documents
from apps.core.audit import append_only_trigger_count, audited_save
from apps.core.choices import AttachmentPurpose, DocumentKind
from apps.core.documents import (
    attachment_add,
    attachments_of,
    document_issue,
    document_response,
    document_verify,
    documents_of,
    safe_original_name,
    validate_upload,
)
from apps.core.models import Attachment, IssuedDocument
from tests.factories import (
    FAKE_PDF,
    AttachmentFactory,
    ClerkFactory,
    IssuedDocumentFactory,
    OfficerFactory,
    OrganizationFactory,
)
from tests.testapp.models import Case

pytestmark = pytest.mark.django_db

NOTICE = """<!DOCTYPE html><html lang="zh-hans"><head><meta charset="utf-8">
<style>body {{ font-family: "Noto Sans CJK SC", sans-serif; }}</style></head><body>
<h1>事前告知书（{version}）</h1><p>{{{{ case.title }}}}</p>
<p>文书号 {{{{ document.number }}}} 验证码 {{{{ document.code }}}} {{{{ document.issued_at|date:"Y-m-d" }}}}</p>
</body></html>"""

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _case(title="某某公司列入名单案"):
    return audited_save(Case(title=title, handler=OrganizationFactory()), by=None, reason="test")


@pytest.fixture
def notice_template(settings, tmp_path):
    """docs/notice.html in a scratch template folder searched first; returns a function that
    rewrites it (and drops the cached templates, as a deployment would)."""
    folder = tmp_path / "templates"
    (folder / "docs").mkdir(parents=True)
    base = settings.TEMPLATES[0]

    def write(version: str) -> None:
        (folder / "docs" / "notice.html").write_text(NOTICE.format(version=version), encoding="utf-8")
        settings.TEMPLATES = [{**base, "DIRS": [folder, *base["DIRS"]]}]

    write("第一版")
    return write


def _issue(case, **kwargs):
    return document_issue(
        kind=kwargs.pop("kind", DocumentKind.LISTING_NOTICE),
        owner=case,
        template="docs/notice.html",
        context={"case": case},
        by=kwargs.pop("by", None) or ClerkFactory(),
        masked_name="张**",
        **kwargs,
    )


def _served(document) -> bytes:
    response = document_response(IssuedDocument.objects.get(pk=document.pk))
    return response.content


def _pdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")


# --- issued documents ---------------------------------------------------------------------------


def test_a_notice_issued_yesterday_is_served_byte_identical_after_the_template_changes(notice_template):
    case = _case()
    with time_machine.travel(timezone.now() - dt.timedelta(days=1), tick=False):
        document = _issue(case)
    issued = _served(document)
    assert hashlib.sha256(issued).hexdigest() == document.sha256
    assert "第一版" in _pdf_text(issued) and document.code in _pdf_text(issued)

    notice_template("第二版")
    assert "第二版" in render_to_string("docs/notice.html", {"case": case})  # the change is live

    again = IssuedDocument.objects.get(pk=document.pk)
    assert _served(again) == issued
    assert again.sha256 == document.sha256
    assert "第一版" in again.html_text() and "第二版" not in again.html_text()
    assert timezone.localdate(again.issued_at) == timezone.localdate() - dt.timedelta(days=1)
    html = document_response(again, as_html=True)
    assert html.content.decode() == again.html_text()


def test_the_code_verifies_on_the_public_page_and_shows_no_content(client, notice_template):
    document = _issue(_case("王某某失信案"))
    typed = document.code.lower().replace("-", " ")
    page = client.get(reverse("subjects:verify"), {"code": typed}).content.decode()
    assert "该验证码对应本平台出具的文书：列入名单事前告知书。" in page
    assert document.sha256 in page and "张**" in page
    assert "王某某失信案" not in page and "第一版" not in page and document.number not in page
    upload = io.BytesIO(_served(document))
    upload.name = "notice.pdf"
    page = client.post(reverse("subjects:verify"), {"code": document.code, "pdf": upload}).content.decode()
    assert "该PDF与出具的文书完全一致。" in page


def test_an_unknown_code_does_not_verify(client, notice_template):
    document = _issue(_case())
    changed = document.code[:-1] + ("A" if document.code[-1] != "A" else "B")
    assert document_verify(changed) is None and document_verify("") is None
    page = client.get(reverse("subjects:verify"), {"code": changed}).content.decode()
    assert "没有以该验证码出具的文书" in page and document.sha256 not in page


def test_numbers_follow_on_per_kind_and_year_and_a_given_number_is_used_once(notice_template):
    case = _case()
    year = timezone.localdate().year
    first, second = _issue(case), _issue(case)
    decision = _issue(case, kind=DocumentKind.LISTING_DECISION)
    assert (first.number, second.number) == (f"LN-{year}-000001", f"LN-{year}-000002")
    assert decision.number == f"LD-{year}-000001"
    assert f"文书号 {second.number}" in second.html_text()
    own = _issue(case, number="宁信告〔2026〕7号")
    assert own.number == "宁信告〔2026〕7号" and "宁信告〔2026〕7号" in own.html_text()
    with pytest.raises(ValidationError) as refused:
        _issue(case, number="宁信告〔2026〕7号")
    assert refused.value.messages == ["编号为“宁信告〔2026〕7号”的列入名单事前告知书已经出具过。"]
    assert list(documents_of(case, DocumentKind.LISTING_NOTICE)) == [own, second, first]
    assert set(documents_of(case)) == {own, second, first, decision}


def test_a_number_taken_meanwhile_is_rendered_again_with_the_next(notice_template, monkeypatch):
    """Two issuers at once: the second's serial is refused by the unique index; its document is
    rendered again, so the number printed is the number stored."""
    year = timezone.localdate().year
    IssuedDocumentFactory(number=f"LN-{year}-000005")
    numbers = iter([f"LN-{year}-000005", f"LN-{year}-000006"])
    monkeypatch.setattr(documents, "_next_number", lambda kind, year: next(numbers))
    document = _issue(_case())
    assert document.number == f"LN-{year}-000006"
    assert f"LN-{year}-000006" in document.html_text() and f"LN-{year}-000006" in _pdf_text(_served(document))
    assert IssuedDocument.objects.count() == 2


def test_issuing_refuses_an_unknown_kind_and_an_unsaved_owner(notice_template):
    with pytest.raises(ValueError, match="Unknown document kind 'fine'"):
        _issue(_case(), kind="fine")
    with pytest.raises(ValueError, match="unsaved Case"):
        _issue(Case(title="未保存"))
    assert not IssuedDocument.objects.exists()


@pytest.mark.parametrize("factory", [IssuedDocumentFactory, AttachmentFactory])
def test_issued_documents_and_attachments_are_append_only(factory):
    row = factory()
    table = row._meta.db_table
    assert append_only_trigger_count(connection, table) == (3 if connection.vendor == "postgresql" else 2)
    row.sha256 = "0" * 64
    cursor = connection.cursor()
    for attempt in (
        row.save,
        row.delete,
        lambda: type(row).objects.filter(pk=row.pk).update(sha256="1" * 64),
        lambda: cursor.execute(f"UPDATE {table} SET sha256 = 'x'"),
        lambda: cursor.execute(f"DELETE FROM {table}"),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    row.refresh_from_db()
    assert row.sha256 == hashlib.sha256(FAKE_PDF).hexdigest()


def test_the_admin_lists_documents_without_offering_their_files(client):
    document = IssuedDocumentFactory()
    client.force_login(ClerkFactory())
    assert document.number in client.get(reverse("admin:core_issueddocument_changelist")).content.decode()
    page = client.get(reverse("admin:core_issueddocument_change", args=[document.pk])).content.decode()
    assert document.sha256 in page and document.pdf.name not in page
    assert client.post(reverse("admin:core_issueddocument_change", args=[document.pk]), {}).status_code == 403
    client.force_login(OfficerFactory())  # officers see their documents on the workbench
    assert client.get(reverse("admin:core_issueddocument_changelist")).status_code == 403


# --- uploads ------------------------------------------------------------------------------------


def _stored_files(settings) -> set[Path]:
    root = Path(settings.MEDIA_ROOT) / "attachments"
    return set(root.rglob("*")) if root.exists() else set()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("scan.pdf", PNG, "“scan.pdf”的文件名表明它是PDF文件，但其内容是PNG；请更正文件名或上传正确的文件。"),
        ("photo.png", JPEG, "“photo.png”的文件名表明它是PNG文件，但其内容是JPEG；请更正文件名或上传正确的文件。"),
        (
            "证据.pdf",
            b"MZ\x90\x00 a Windows program",
            "“证据.pdf”不是PDF、PNG或JPEG文件（文件类型按内容判断，而非按文件名）；请以其中一种格式扫描或保存后上传。",
        ),
        ("empty.pdf", b"", "“empty.pdf”是空文件。"),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_is_stored(settings, name, content, message):
    before = _stored_files(settings)
    with pytest.raises(ValidationError) as refused:
        attachment_add(
            owner=_case(), file=SimpleUploadedFile(name, content), purpose=AttachmentPurpose.EVIDENCE, by=ClerkFactory()
        )
    assert refused.value.messages == [message]
    assert not Attachment.objects.exists() and _stored_files(settings) == before


def test_an_oversized_file_is_refused_naming_the_file_and_the_limit(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    validate_upload(SimpleUploadedFile("ok.pdf", FAKE_PDF.ljust(1000, b"0")))
    with pytest.raises(ValidationError) as refused:
        validate_upload(SimpleUploadedFile("big.pdf", FAKE_PDF.ljust(1001, b"0")))
    assert refused.value.messages == ["“big.pdf”大小为 1001 字节，超过了 1000 字节 的上限；请上传较小的扫描件。"]


@pytest.mark.parametrize(
    ("name", "content", "shown", "extension"),
    [
        ("../../etc/passwd", FAKE_PDF, "passwd.pdf", ".pdf"),
        ("..\\..\\Windows\\扫描件.JPG", JPEG, "扫描件.JPG", ".jpg"),
        ("scans/.hidden\x00\n.png", PNG, "hidden.png", ".png"),
        ("...", FAKE_PDF, "file.pdf", ".pdf"),
    ],
)
def test_the_stored_name_is_the_platforms_own_and_the_shown_name_is_cleaned(settings, name, content, shown, extension):
    clerk, case = ClerkFactory(), _case()
    attachment = attachment_add(
        owner=case, file=SimpleUploadedFile(name, content), purpose=AttachmentPurpose.PROOF, by=clerk
    )
    attachment.refresh_from_db()
    assert re.fullmatch(rf"attachments/\d{{4}}/\d{{2}}/[0-9a-f]{{32}}\{extension}", attachment.file.name)
    media = Path(settings.MEDIA_ROOT).resolve()
    assert Path(attachment.file.path).resolve().is_relative_to(media)
    assert attachment.original_name == shown
    assert attachment.file.read() == content
    assert (attachment.size, attachment.sha256) == (len(content), hashlib.sha256(content).hexdigest())
    assert attachment.uploaded_by == clerk and attachment.owner == case
    assert list(attachments_of(case)) == [attachment]


def test_a_raw_name_keeps_its_last_part_only():
    """Django's UploadedFile already drops POSIX directories; the name is cleaned again here
    for names that reach the service another way (Windows paths, API posts)."""
    assert safe_original_name("../../etc/passwd") == "passwd"
    assert safe_original_name("C:\\Users\\李四\\..\\授权书.pdf") == "授权书.pdf"
    assert (
        safe_original_name("x" * 300 + ".pdf").endswith("x.pdf") and len(safe_original_name("x" * 300 + ".pdf")) == 255
    )
