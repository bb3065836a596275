"""Upload limits (issue 9, finding 3): a huge CSV line and a ZIP-bomb XLSX are refused at once,
through the web form and the API, and nothing of them is stored; files with more rows than the
limit are refused naming it; a batch stores at most N row errors and counts the rest.

Refusal times are printed (run with `-s`); what the tests assert is that the parser was never
reached and that the bytes read stayed bounded, which does not depend on the machine's speed.
"""

import io
import json
import re

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.urls import reverse

from apps.core import tabular
from apps.subjects.choices import BatchStatus
from apps.subjects.forms import LookupForm
from apps.subjects.ingestion import batch_from_rows, batch_upload
from apps.subjects.models import ImportBatch, ImportRowError
from tests.bigfiles import (
    MB,
    VirtualFile,
    media_files,
    multipart_body,
    multipart_type,
    streamed_post,
    timed,
    zip_bomb_xlsx,
)
from tests.factories import ClerkFactory, OfficerFactory, make_uscc
from tests.subjects.factories import PublishedItemFactory
from tests.subjects.test_ingestion import HEADER, _rows

pytestmark = pytest.mark.django_db

HUGE = 200 * MB


@pytest.fixture
def setup(policy):
    officer = OfficerFactory()
    item = PublishedItemFactory(subject_types=["natural_person", "legal_person"])
    item.providers.set([officer.organization])
    return officer, item


@pytest.fixture
def no_xlsx_parser(monkeypatch):
    """Fails the test if openpyxl is asked to open the workbook."""

    def reached(*args, **kwargs):
        raise AssertionError("the XLSX parser was reached")

    monkeypatch.setattr(tabular, "load_workbook", reached)


@pytest.fixture(scope="module")
def bomb():
    return zip_bomb_xlsx(HEADER, _rows(1)[0])


def _nothing_stored(before):
    assert not ImportBatch.objects.exists()
    assert not ImportRowError.objects.exists()
    assert media_files() == before


def _failed_and_removed(batch, message: str, before) -> None:
    """A limit passed while the rows were read (on the worker): the batch failed with the limit's
    message, its stored file removed, no row error stored, nothing written."""
    batch.refresh_from_db()
    assert (batch.status, batch.failure) == (BatchStatus.FAILED, message)
    assert not batch.file and media_files() == before
    assert not ImportRowError.objects.exists()


def _messages(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def _csv(rows) -> bytes:
    return tabular.write_csv(HEADER, rows)


# --- a 200 MB single-line CSV ----------------------------------------------------------------------


def test_a_200_mb_csv_line_is_refused_on_the_web_before_its_body_is_read(client, setup):
    officer, item = setup
    client.force_login(officer)
    before = media_files()
    body = multipart_body(
        {"item": str(item.pk), "encoding": ""}, "file", "huge.csv", HUGE, head=",".join(HEADER).encode()
    )
    with timed("web form, 200 MB CSV line"):
        response = streamed_post(client, reverse("subjects:batch_upload"), body, multipart_type())
    page = response.content.decode()
    assert response.status_code == 413
    assert "上传的内容大小为 200.0 MB，超过了 20.0 MB 的上限" in page
    assert body.bytes_read == 0
    _nothing_stored(before)


def test_a_200_mb_csv_line_is_refused_by_the_api_before_its_body_is_read(client, setup):
    officer, item = setup
    client.force_login(officer)
    before = media_files()
    body = multipart_body({"item": item.code}, "file", "huge.csv", HUGE, head=",".join(HEADER).encode())
    with timed("API upload, 200 MB CSV line"):
        response = streamed_post(client, reverse("importbatch-upload"), body, multipart_type())
    assert response.status_code == 413
    assert response.json()["detail"].startswith("上传的内容大小为 200.0 MB，超过了 20.0 MB 的上限")
    assert body.bytes_read == 0
    # a 200 MB JSON body of rows is refused the same way
    rows = VirtualFile(HUGE, head=b'{"item": "%s", "rows": [{"a": "' % item.code.encode(), tail=b'"}]}', read_limit=MB)
    response = streamed_post(client, reverse("importbatch-list"), rows, "application/json")
    assert response.status_code == 413 and rows.bytes_read == 0
    _nothing_stored(before)


def test_a_200_mb_file_handed_to_the_service_is_refused_by_its_size_unread(setup):
    officer, item = setup
    huge = VirtualFile(HUGE, head=",".join(HEADER).encode() + b"\n", read_limit=MB)
    with timed("service, 200 MB file"), pytest.raises(ValidationError) as refused:
        batch_upload(
            by=officer, item=item, provider=officer.organization, file=UploadedFile(huge, "huge.csv", size=huge.size)
        )
    assert "超过了 20.0 MB 的上限" in refused.value.messages[0]
    assert huge.bytes_read == 0
    assert not ImportBatch.objects.exists()


def test_with_the_size_limit_raised_a_200_mb_line_is_refused_after_the_line_limit(setup, settings):
    """The CSV reader reads in bounded chunks: a line is refused once it passes the line limit,
    not after it was read into memory (the reader the batch check uses on the stored file)."""
    settings.UPLOAD_MAX_BYTES = 1024 * MB
    huge = VirtualFile(HUGE, head=",".join(HEADER).encode() + b"\r\n", read_limit=4 * MB)
    with timed("reader, 200 MB line with the size limit at 1 GB"), pytest.raises(ValidationError) as refused:
        list(tabular.read_table(UploadedFile(huge, "huge.csv", size=huge.size)).rows)
    assert refused.value.messages == ["CSV 文件第 2 行超过了每行最多 262144 个字符的上限。"]
    print(f"[upload limits] bytes read of the 200 MB line: {huge.bytes_read}")
    assert huge.bytes_read < settings.UPLOAD_MAX_LINE_CHARS * 2 + 256 * 1024


# --- a ZIP-bomb XLSX -------------------------------------------------------------------------------


def test_a_zip_bomb_xlsx_is_refused_on_the_web_without_parsing_it(client, setup, bomb, no_xlsx_parser):
    officer, item = setup
    client.force_login(officer)
    assert len(bomb) < 200 * 1024
    before = media_files()
    with timed(f"web form, {len(bomb) // 1024} KB XLSX unpacking to 40 MB"):
        response = client.post(
            reverse("subjects:batch_upload"), {"item": item.pk, "file": SimpleUploadedFile("bomb.xlsx", bomb)}
        )
    assert response.status_code == 302
    message = _messages(response)
    assert "xl/worksheets/sheet1.xml" in message and "超过了 100:1 的上限，未予读取" in message
    _nothing_stored(before)


def test_a_zip_bomb_xlsx_is_refused_by_the_api_without_parsing_it(client, setup, bomb, no_xlsx_parser):
    officer, item = setup
    client.force_login(officer)
    before = media_files()
    with timed("API upload, ZIP-bomb XLSX"):
        response = client.post(
            reverse("importbatch-upload"), {"item": item.code, "file": SimpleUploadedFile("bomb.xlsx", bomb)}
        )
    assert response.status_code == 400
    assert "超过了 100:1 的上限" in response.json()["detail"][0]
    _nothing_stored(before)


def test_an_xlsx_that_unpacks_beyond_the_total_limit_is_refused_before_parsing(setup, settings, no_xlsx_parser):
    officer, item = setup
    settings.UPLOAD_XLSX_MAX_UNCOMPRESSED_BYTES = 4096
    content = tabular.write_xlsx(HEADER, _rows(50))
    with pytest.raises(ValidationError) as refused:
        batch_upload(by=officer, item=item, provider=officer.organization, file=SimpleUploadedFile("b.xlsx", content))
    assert "超过了 4.0 KB 的上限，未予读取" in refused.value.messages[0]
    assert not ImportBatch.objects.exists()


# --- rows ------------------------------------------------------------------------------------------


def test_a_file_with_more_rows_than_the_limit_is_refused_naming_it_on_the_web(client, setup, settings):
    officer, item = setup
    settings.UPLOAD_MAX_ROWS = 40
    client.force_login(officer)
    before = media_files()
    response = client.post(
        reverse("subjects:batch_upload"),
        {"item": item.pk, "file": SimpleUploadedFile("b.csv", _csv(_rows(41)))},
        follow=True,
    )
    message = "第 42 行：文件超过了每次上传最多 40 行的上限；请拆分为多个文件上传。"
    assert message in response.content.decode()
    _failed_and_removed(ImportBatch.objects.get(), message, before)
    # at the limit, the file is taken
    response = client.post(
        reverse("subjects:batch_upload"), {"item": item.pk, "file": SimpleUploadedFile("b.csv", _csv(_rows(40)))}
    )
    assert ImportBatch.objects.latest("pk").rows_total == 40


def test_more_rows_than_the_limit_are_refused_by_the_api_as_json_and_as_a_file(client, setup, settings):
    officer, item = setup
    settings.UPLOAD_MAX_ROWS = 40
    client.force_login(officer)
    before = media_files()
    rows = [dict(zip(HEADER, row, strict=True)) for row in _rows(41)]
    response = client.post(
        reverse("importbatch-list"), json.dumps({"item": item.code, "rows": rows}), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["rows"] == ["本次报送 41 行，超过了每次最多 40 行的上限；请分多次报送。"]
    _nothing_stored(before)
    # the service refuses too, whoever calls it
    with pytest.raises(ValidationError, match="41"):
        batch_from_rows(by=officer, item=item, provider=officer.organization, rows=rows)
    # a file is counted as the worker reads it: the batch fails naming the limit
    xlsx = tabular.write_xlsx(HEADER, _rows(41))
    response = client.post(
        reverse("importbatch-upload"), {"item": item.code, "file": SimpleUploadedFile("b.xlsx", xlsx)}
    )
    assert response.status_code == 202
    message = "第 42 行：文件超过了每次上传最多 40 行的上限；请拆分为多个文件上传。"
    assert client.get(response["Location"]).json()["failure"] == message
    _failed_and_removed(ImportBatch.objects.get(), message, before)


def test_a_file_uploaded_through_the_api_is_checked_and_submitted_like_on_the_web(client, setup):
    officer, item = setup
    client.force_login(officer)
    content = _csv(_rows(3)).decode("utf-8-sig").encode("gb18030")
    response = client.post(
        reverse("importbatch-upload"),
        {"item": item.code, "file": SimpleUploadedFile("b.csv", content), "submit": "true", "reason": "接口报送"},
    )
    assert response.status_code == 202, response.content
    data = client.get(response["Location"]).json()
    assert (data["channel"], data["status"], data["rows_created"]) == ("api", "submitted", 3)
    assert data["progress"]["rows_written"] == 3 and data["progress"]["percent"] == 100
    assert ImportBatch.objects.get().encoding == "gb18030"


def test_a_cell_or_a_row_beyond_the_limits_is_refused_naming_row_and_column(setup, settings):
    officer, item = setup
    settings.UPLOAD_MAX_CELL_CHARS = 20
    rows = _rows(3)
    rows[1][1] = "某" * 21
    before = media_files()
    batch = batch_upload(
        by=officer, item=item, provider=officer.organization, file=SimpleUploadedFile("b.csv", _csv(rows))
    )
    _failed_and_removed(batch, "第 3 行“主体名称”列：单元格内容超过了最多 20 个字符的上限。", before)
    settings.UPLOAD_MAX_CELL_CHARS, settings.UPLOAD_MAX_COLUMNS = 1000, 5
    with pytest.raises(ValidationError) as refused:
        batch_upload(
            by=officer, item=item, provider=officer.organization, file=SimpleUploadedFile("b.csv", _csv(_rows(1)))
        )
    assert refused.value.messages == ["第 1 行有 9 列，超过了最多 5 列的上限。"]
    with pytest.raises(ValidationError, match="超过了最多 5 列的上限"):
        batch_from_rows(
            by=officer, item=item, provider=officer.organization, rows=[dict(zip(HEADER, _rows(1)[0], strict=True))]
        )
    assert ImportBatch.objects.count() == 1


# --- row errors ------------------------------------------------------------------------------------


def _bad_rows(n):
    rows = _rows(n)
    for row in rows:
        row[0] = row[0][:-1] + ("0" if row[0][-1] != "0" else "1")  # a wrong check character: one error
    return rows


def test_a_batch_stores_at_most_the_limit_of_row_errors_and_counts_the_rest(client, setup, settings):
    officer, item = setup
    settings.UPLOAD_MAX_ROW_ERRORS = 5
    batch = batch_upload(
        by=officer, item=item, provider=officer.organization, file=SimpleUploadedFile("b.csv", _csv(_bad_rows(30)))
    )
    assert (batch.rows_total, batch.rows_invalid) == (30, 30)
    assert batch.row_errors.count() == 5 and batch.row_errors_omitted == 25
    assert list(batch.row_errors.values_list("row", flat=True)) == [2, 3, 4, 5, 6]

    client.force_login(officer)
    page = client.get(reverse("subjects:batch_detail", args=[batch.pk])).content.decode()
    assert "另有 25 个问题已发现但未保存：每个批次只保存前 5 个问题" in page
    data = client.get(reverse("importbatch-detail", args=[batch.pk])).json()
    assert data["row_errors_omitted"] == 25 and len(data["errors"]) == 5

    admin = ClerkFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get(reverse("admin:subjects_importbatch_changelist")).content.decode()
    assert "未保存的问题数" in page and ">25<" in page


def test_rows_posted_as_json_store_at_most_the_limit_of_row_errors(setup, settings):
    officer, item = setup
    settings.UPLOAD_MAX_ROW_ERRORS = 3
    rows = [dict(zip(HEADER, row, strict=True)) for row in _bad_rows(10)]
    batch = batch_from_rows(by=officer, item=item, provider=officer.organization, rows=rows)
    assert batch.row_errors.count() == 3 and batch.row_errors_omitted == 7


# --- other upload paths ----------------------------------------------------------------------------


def test_an_authorisation_scan_over_the_size_limit_is_a_form_error(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    form = LookupForm(
        {"mode": "authorised", "purpose": "", "checked_identifier": make_uscc(1)},
        {"authorisation_file": SimpleUploadedFile("scan.pdf", b"%PDF" + b"0" * 2000)},
        user=ClerkFactory(),
    )
    assert not form.is_valid()
    assert "“scan.pdf”大小为 2.0 KB，超过了 1000 字节 的上限；请上传较小的扫描件。" in form.errors["authorisation_file"]


def test_an_authorisation_scan_goes_through_the_upload_validator_and_is_stored_under_a_platform_name(client, policy):
    from apps.subjects.models import Authorisation
    from tests.subjects.factories import PersonFactory

    client.force_login(ClerkFactory())
    person = PersonFactory()
    url = reverse("subjects:search")
    photo = SimpleUploadedFile("授权书.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    page = client.post(url, {"query": person.identifier, "mode": "authorised", "authorisation_file": photo})
    assert "“授权书.pdf”的文件名表明它是PDF文件，但其内容是PNG" in page.content.decode()
    assert not Authorisation.objects.exists()
    scan = SimpleUploadedFile("..\\..\\授权书", b"%PDF-1.4 authorisation")
    client.post(url, {"query": person.identifier, "mode": "authorised", "authorisation_file": scan})
    authorisation = Authorisation.objects.get()
    assert authorisation.file_name == "授权书.pdf"
    assert re.fullmatch(r"authorisations/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", authorisation.file.name)


def test_the_catalog_import_refuses_a_zip_bomb_without_parsing_it(client, bomb, no_xlsx_parser):
    from tests.catalog.factories import CatalogFactory

    draft = CatalogFactory()
    client.force_login(ClerkFactory())
    upload = io.BytesIO(bomb)
    upload.name = "items.xlsx"
    with timed("catalog import, ZIP-bomb XLSX"):
        response = client.post(reverse("catalog:catalog_import", args=[draft.pk]), {"file": upload, "reason": "导入"})
    assert response.status_code == 200 and "超过了 100:1 的上限" in response.content.decode()
    assert not draft.items.exists()


def test_a_file_just_over_the_size_limit_is_refused_by_the_service_with_the_same_message(client, setup, settings):
    """Within the request's room for form fields, the file itself is measured."""
    officer, item = setup
    settings.UPLOAD_MAX_BYTES = 1000
    client.force_login(officer)
    before = media_files()
    content = _csv(_rows(20))
    assert 1000 < len(content) < settings.UPLOAD_MAX_BYTES + 64 * 1024
    response = client.post(
        reverse("subjects:batch_upload"), {"item": item.pk, "file": SimpleUploadedFile("b.csv", content)}
    )
    assert "超过了 1000 字节 的上限" in _messages(response)
    _nothing_stored(before)


def test_the_catalog_import_lists_at_most_the_limit_of_errors_and_counts_the_rest(client, settings):
    from apps.catalog.exchange import export_catalog
    from tests.catalog.factories import CatalogFactory, CatalogItemFactory, PublishedCatalogFactory

    settings.UPLOAD_MAX_ROW_ERRORS = 2
    source = PublishedCatalogFactory()
    for code in ("A1", "A2", "A3", "A4", "A5"):
        CatalogItemFactory(catalog=source, code=code)
    content = export_catalog(source, "csv").decode("utf-8-sig").replace("失信信息", "不存在的分类").encode()
    draft = CatalogFactory()
    client.force_login(ClerkFactory())
    upload = io.BytesIO(content)
    upload.name = "items.csv"
    response = client.post(reverse("catalog:catalog_import", args=[draft.pk]), {"file": upload, "reason": "导入"})
    page = response.content.decode()
    assert page.count("不存在的分类") == 2 and "另有 3 个问题已发现但未列出。" in page
    assert not draft.items.exists()
