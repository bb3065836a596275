"""Batch ingestion (归集): per-row errors, all-or-nothing submission, no duplicates, history."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core.exceptions import Conflict
from apps.core.tabular import write_csv
from apps.subjects import ingestion, ingestion_jobs, ingestion_pg
from apps.subjects.choices import BatchStatus
from apps.subjects.ingestion import MSG_ONLY_OFFICE, batch_from_rows, batch_integrate, batch_submit, batch_upload
from apps.subjects.models import CreditRecord, ImportBatch, Subject
from tests.factories import ClerkFactory, OfficerFactory, make_citizen_id, make_uscc
from tests.subjects.factories import PublishedItemFactory

pytestmark = pytest.mark.django_db

HEADER = ["主体代码", "主体名称", "文书号", "文书日期", "认定日期", "失信程度", "源记录编号", "处罚类别", "罚款金额"]


def _rows(n, start=0):
    rows = []
    for i in range(start, start + n):
        identifier = make_uscc(70000 + i) if i % 2 else make_citizen_id(i, birth="19800101")
        rows.append(
            [
                identifier,
                f"主体{i}",
                f"宁罚〔2026〕{i}号",
                "2026-03-01",
                "2026-03-01",
                "一般",
                f"SRC-{i}",
                "罚款",
                "1000",
            ]
        )
    return rows


def _upload(officer, item, rows, *, encoding="gb18030", name="batch.csv"):
    content = write_csv(HEADER, rows).decode("utf-8-sig").encode(encoding)
    return batch_upload(by=officer, item=item, provider=officer.organization, file=SimpleUploadedFile(name, content))


@pytest.fixture
def setup(policy):
    officer = OfficerFactory()
    item = PublishedItemFactory(subject_types=["natural_person", "legal_person"])
    item.providers.set([officer.organization])
    return officer, item


def test_a_gb18030_file_with_3_bad_rows_of_1000_reports_exactly_those(setup):
    officer, item = setup
    rows = _rows(1000)
    rows[9][0] = rows[9][0][:-1] + ("0" if rows[9][0][-1] != "0" else "1")  # bad check character, row 11
    rows[499][7] = "拘留"  # not a declared choice, row 501
    rows[899][2] = ""  # dishonest record without a document number, row 901
    batch = _upload(officer, item, rows)
    assert batch.status == BatchStatus.HAS_ERRORS and batch.encoding == "gb18030"
    assert (batch.rows_total, batch.rows_invalid) == (1000, 3)
    errors = {(e.row, e.column) for e in batch.row_errors.all()}
    assert errors == {(11, "主体代码"), (501, "处罚类别"), (901, "文书号")}
    messages = {e.row: e.message for e in batch.row_errors.all()}
    assert "第18位校验码" in messages[11] and "警告" in messages[501]
    assert not CreditRecord.objects.exists()  # checking writes nothing to the files


def test_submitting_the_good_rows_twice_stores_them_once(setup):
    officer, item = setup
    first = _upload(officer, item, _rows(20), encoding="utf-8")
    batch_submit(first, by=officer, reason="首次报送")
    assert (first.rows_created, first.rows_updated, first.subjects_created) == (20, 0, 20)
    second = _upload(officer, item, _rows(20), encoding="utf-8")
    batch_submit(second, by=officer, reason="重复报送")
    assert (second.rows_created, second.rows_updated, second.rows_unchanged) == (0, 0, 20)
    assert CreditRecord.objects.count() == 20 and Subject.objects.count() == 20
    assert CreditRecord.objects.get(source_record_id="SRC-3").history.count() == 1  # nothing changed
    # A corrected row sent again updates its record, with history.
    rows = _rows(20)
    rows[3][8] = "2000"
    third = _upload(officer, item, rows, encoding="utf-8")
    batch_submit(third, by=officer, reason="更正罚款金额")
    assert (third.rows_created, third.rows_updated, third.rows_unchanged) == (0, 1, 19)
    record = CreditRecord.objects.get(source_record_id="SRC-3")
    assert record.values["amount"] == "2000" and record.history.count() == 2
    latest = record.history.first()
    assert latest.history_user == officer and latest.history_change_reason == "更正罚款金额"
    assert first.integration_clock is not None and second.status == BatchStatus.SUBMITTED


def test_only_the_valid_rows_are_submitted(setup):
    officer, item = setup
    rows = _rows(5)
    rows[2][0] = "123"
    batch = _upload(officer, item, rows)
    batch_submit(batch, by=officer, reason="报送有效行")
    assert batch.rows_created == 4 and CreditRecord.objects.count() == 4
    with pytest.raises(Conflict):
        batch_submit(batch, by=officer, reason="再次提交")


def test_a_failure_mid_batch_leaves_nothing_and_the_batch_failed_until_run_again(setup, monkeypatch):
    officer, item = setup
    batch = _upload(officer, item, _rows(2500), encoding="utf-8")
    # The second chunk fails (row by row), or the step after the last INSERT (set-based).
    module, name, fails_at = (ingestion, "_write_chunk", 2)
    if ingestion_pg.enabled(CreditRecord):
        module, name, fails_at = (ingestion_pg, "_notify_created", 1)
    real = getattr(module, name)
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == fails_at:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, failing)
    batch = batch_submit(batch, by=officer, reason="报送")
    assert not CreditRecord.objects.exists() and not Subject.objects.exists()
    assert batch.status == BatchStatus.FAILED and batch.step == "submit"
    assert batch.failure == str(ingestion_jobs.MSG_FAILED_UNEXPECTED).format(error="RuntimeError")
    assert "意外错误" in batch.failure and "未写入任何数据" in batch.failure
    monkeypatch.setattr(module, name, real)
    batch = ingestion_jobs.batch_retry(batch, by=officer, reason="磁盘已清理")
    assert batch.status == BatchStatus.SUBMITTED and batch.rows_created == 2500 and batch.failure == ""
    assert CreditRecord.objects.count() == 2500


def test_header_in_field_names_and_xlsx(setup):
    from apps.core.tabular import write_xlsx

    officer, item = setup
    header = [
        "identifier",
        "name",
        "document_number",
        "document_date",
        "determined_on",
        "severity",
        "source_record_id",
        "penalty_type",
    ]
    content = write_xlsx(header, [[make_uscc(1), "公司甲", "罚1", "2026-03-01", "2026-03-01", "general", "X1", "警告"]])
    batch = batch_upload(
        by=officer, item=item, provider=officer.organization, file=SimpleUploadedFile("b.xlsx", content)
    )
    assert batch.status == BatchStatus.VALIDATED, list(batch.row_errors.values_list("message", flat=True))


def test_unknown_columns_and_missing_ones_are_header_errors(setup):
    officer, item = setup
    content = write_csv(["主体名称", "宗教信仰"], [["张三", "x"]])
    batch = batch_upload(
        by=officer, item=item, provider=officer.organization, file=SimpleUploadedFile("b.csv", content)
    )
    assert batch.status == BatchStatus.HAS_ERRORS and batch.rows_valid == 0
    columns = set(batch.row_errors.values_list("row", "column"))
    assert (1, "宗教信仰") in columns and (1, "主体代码") in columns


def test_a_subject_type_the_item_does_not_cover_is_refused(policy):
    officer = OfficerFactory()
    item = PublishedItemFactory(subject_types=["legal_person"])
    batch = _upload(officer, item, [_rows(1)[0]])  # row 0 is a natural person
    assert batch.rows_invalid == 1 and "自然人" in batch.row_errors.get().message


def test_an_officer_uploads_only_for_its_own_organisation(setup):
    from django.core.exceptions import PermissionDenied

    _officer, item = setup
    stranger = OfficerFactory()
    with pytest.raises(PermissionDenied):
        batch_upload(
            by=stranger, item=item, provider=_officer.organization, file=io.BytesIO(write_csv(HEADER, _rows(1)))
        )
    with pytest.raises(PermissionDenied):
        batch_upload(
            by=ClerkFactory(), item=item, provider=_officer.organization, file=io.BytesIO(write_csv(HEADER, _rows(1)))
        )


def test_rows_posted_as_json_and_integration_by_the_credit_office(setup):
    officer, item = setup
    rows = [dict(zip(HEADER, row, strict=True)) for row in _rows(3)]
    batch = batch_from_rows(by=officer, item=item, provider=officer.organization, rows=rows)
    assert batch.status == BatchStatus.VALIDATED
    batch_submit(batch, by=officer, reason="接口报送")
    with pytest.raises(PermissionDenied, match=str(MSG_ONLY_OFFICE)):
        batch_integrate(batch, by=officer, reason="x")
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.SUBMITTED
    batch_integrate(batch, by=ClerkFactory(), reason="已核查整合")
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.INTEGRATED


def test_the_same_source_record_twice_in_one_file_is_an_error(setup):
    officer, item = setup
    rows = _rows(2)
    rows[1][6] = rows[0][6]
    batch = _upload(officer, item, rows)
    assert batch.rows_invalid == 1 and "第2行" in batch.row_errors.get().message


def test_a_source_id_reused_for_another_item_does_not_overwrite(setup):
    officer, item = setup
    other = PublishedItemFactory(subject_types=item.subject_types, catalog=item.catalog)
    other.providers.set([officer.organization])
    batch_submit(_upload(officer, item, _rows(1)), by=officer, reason="甲")
    batch_submit(_upload(officer, other, _rows(1)), by=officer, reason="乙")
    assert CreditRecord.objects.count() == 2
    assert set(CreditRecord.objects.values_list("item__code", flat=True)) == {item.code, other.code}


def test_a_resend_does_not_rewrite_an_expired_or_revoked_record(setup):
    from apps.subjects.choices import RecordStatus
    from apps.subjects.services import records_expire

    officer, item = setup
    rows = _rows(1)
    rows[0][3] = rows[0][4] = "2020-01-01"  # long past its one-year disclosure
    batch_submit(_upload(officer, item, rows), by=officer, reason="首次")
    assert records_expire() == 1
    resend = _upload(officer, item, rows)
    assert resend.rows_invalid == 1 and "已过期" in resend.row_errors.get().message
    assert CreditRecord.objects.get().status == RecordStatus.EXPIRED


def test_the_clerk_home_lists_batches_awaiting_integration_with_their_deadline(client, setup):
    """Ningbo art. 18: integrated within 5 working days; the office sees what is due."""
    from django.urls import reverse

    officer, item = setup
    batch = batch_submit(_upload(officer, item, _rows(2)), by=officer, reason="报送")
    client.force_login(ClerkFactory())
    page = client.get(reverse("core:home")).content.decode()
    assert f"#{batch.pk}" in page and batch.integration_clock.due_on.strftime("%Y-%m-%d") in page
    client.force_login(officer)
    page = client.get(reverse("core:home")).content.decode()
    assert f"#{batch.pk}" in page


def test_rows_without_id_or_document_are_not_stored_twice(policy):
    """The same row sent twice is not stored twice, even for basic information without either key."""
    from tests.subjects.factories import PublicBasicItemFactory

    officer = OfficerFactory()
    item = PublicBasicItemFactory(subject_types=["legal_person"])
    rows = [{"主体代码": make_uscc(4242), "主体名称": "南京基础信息公司"}]
    for _ in range(2):
        batch = batch_from_rows(by=officer, item=item, provider=officer.organization, rows=rows)
        batch_submit(batch, by=officer, reason="报送")
    assert CreditRecord.objects.count() == 1


def test_a_csv_field_too_long_to_read_is_a_clear_error_and_leaves_no_file(setup):
    officer, item = setup
    content = ("主体代码,主体名称\n" + make_uscc(1) + ',"' + "长" * 140000 + '"\n').encode()
    batch = batch_upload(
        by=officer, item=item, provider=officer.organization, file=SimpleUploadedFile("b.csv", content)
    )
    assert batch.status == BatchStatus.FAILED and "CSV" in batch.failure and not batch.file
    with pytest.raises(Conflict):  # nothing to run again: upload the file anew
        ingestion_jobs.batch_retry(batch, by=officer, reason="再试")


def test_templates_only_for_officers_of_providing_agencies(client, setup):
    from django.urls import reverse

    officer, item = setup
    client.force_login(officer)
    response = client.get(reverse("subjects:batch_template", args=[item.pk]))
    assert response.status_code == 200 and "主体代码" in response.content.decode("utf-8-sig")
    client.force_login(ClerkFactory())
    assert client.get(reverse("subjects:batch_template", args=[item.pk])).status_code == 403


def test_the_csv_template_says_what_to_write_and_its_notes_are_not_read(client, setup):
    """Issue 17 item 5: the template was a header row only; the officer learnt 失信程度's values from
    the errors. Its notes give each column's rule and an example, and the check skips them."""
    from django.urls import reverse

    from apps.subjects.ingestion import template_columns, template_guide

    officer, item = setup
    client.force_login(officer)
    text = client.get(reverse("subjects:batch_template", args=[item.pk])).content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].split(",") == template_columns(item)
    assert lines[1].startswith("# ") and len(lines) == 2 + len(template_guide(item))
    assert "失信程度（必填）：可选值：轻微、一般、严重" in text and "示例：一般" in text
    assert "处罚类别（必填）：可选值：警告、罚款" in text
    # the template filled in below its notes checks with no error for the notes
    rows = [dict(zip(HEADER, row, strict=True)) for row in _rows(3)]
    filled = text + "\n".join(",".join(row.get(column, "") for column in template_columns(item)) for row in rows)
    batch = batch_upload(
        by=officer, item=item, provider=officer.organization, file=SimpleUploadedFile("t.csv", filled.encode())
    )
    assert batch.status == BatchStatus.VALIDATED and (batch.rows_total, batch.rows_invalid) == (3, 0)


def test_the_xlsx_template_explains_each_column_on_a_second_sheet_that_is_not_read(client, setup):
    import openpyxl
    from django.urls import reverse

    from apps.subjects.ingestion import template_columns, template_guide

    officer, item = setup
    client.force_login(officer)
    response = client.get(reverse("subjects:batch_template_xlsx", args=[item.pk]))
    assert response["Content-Disposition"].endswith('.xlsx"')
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    data, guide = workbook.worksheets
    assert [c.value for c in data[1]] == template_columns(item) and data.max_row == 1
    assert guide.title == "填写说明" and [c.value for c in guide[1]] == ["列名", "是否必填", "填写要求", "示例"]
    assert guide.max_row == 1 + len(template_guide(item))
    # the first sheet filled in is read; the second is not
    for row in _rows(2):
        values = dict(zip(HEADER, row, strict=True))
        data.append([values.get(column, "") for column in template_columns(item)])
    out = io.BytesIO()
    workbook.save(out)
    batch = batch_upload(
        by=officer, item=item, provider=officer.organization, file=SimpleUploadedFile("t.xlsx", out.getvalue())
    )
    assert batch.status == BatchStatus.VALIDATED and (batch.rows_total, batch.rows_invalid) == (2, 0)


def test_a_header_error_names_the_templates_columns_and_the_files(setup):
    """Issue 17 item 5: a header error named neither what was expected nor what was found."""
    from apps.subjects.ingestion import template_columns

    officer, item = setup
    header = ["代码", *HEADER[1:]]
    content = write_csv(header, _rows(1)).decode("utf-8-sig").encode("utf-8")
    batch = batch_upload(
        by=officer, item=item, provider=officer.organization, file=SimpleUploadedFile("h.csv", content)
    )
    errors = list(batch.row_errors.order_by("id"))
    assert errors and errors[0].row == 1
    assert "模板的列：" + "、".join(template_columns(item)) in errors[0].message
    assert "文件的表头：" + "、".join(header) in errors[0].message


def test_a_nul_character_in_a_cell_is_a_row_error(setup):
    """PostgreSQL cannot store NUL in text: the row is reported, not a database error at submit."""
    officer, item = setup
    rows = [dict(zip(HEADER, row, strict=True)) for row in _rows(2)]
    rows[1][HEADER[1]] = "某\x00公司"
    batch = batch_from_rows(by=officer, item=item, provider=officer.organization, rows=rows)
    error = batch.row_errors.get()
    assert (error.row, error.column, error.message) == (2, HEADER[1], "该单元格含有空字符（\\0），请删除。")
    assert batch.rows_valid == 1


def test_a_file_that_fails_to_read_half_way_leaves_no_file_behind(setup, settings):
    """The first 64 KB decode as UTF-8, a later line does not: the batch fails, and the stored
    copy of the file (which names people) is removed."""
    from pathlib import Path

    officer, item = setup
    content = write_csv(HEADER, _rows(800)) + b"9" * 10 + "张三".encode("gb18030") + b"\r\n"
    assert len(content) > 70_000
    media = Path(settings.MEDIA_ROOT)
    before = {p for p in media.rglob("*") if p.is_file()} if media.exists() else set()
    batch = batch_upload(
        by=officer, item=item, provider=officer.organization, file=SimpleUploadedFile("half.csv", content)
    )
    after = {p for p in media.rglob("*") if p.is_file()} if media.exists() else set()
    assert after == before and batch.status == BatchStatus.FAILED and batch.failure
    assert not batch.row_errors.exists()


def test_a_nul_character_in_a_header_is_reported_without_it(setup):
    officer, item = setup
    rows = [{**dict(zip(HEADER, row, strict=True)), "备\x00注": "x"} for row in _rows(1)]
    batch = batch_from_rows(by=officer, item=item, provider=officer.organization, rows=rows)
    error = batch.row_errors.get()
    assert error.column == "备注" and "\x00" not in error.message
