"""The table reader under the upload limits: lines read in bounded chunks and split exactly where
csv expects them, XLSX rows not padded to a declared dimension, the ZIP directory checked first."""

import csv
import io
import time
import zipfile

import pytest
from django.core.exceptions import ValidationError

from apps.core import tabular
from apps.core.uploads import upload_limits


def _rows(content: bytes, **kwargs):
    table = tabular.read_table(io.BytesIO(content), **kwargs)
    return table.headers, list(table.rows)


def test_csv_rows_and_line_numbers_are_those_of_the_csv_module_across_chunk_boundaries(monkeypatch):
    """Line breaks (\\r\\n split between two chunks, lone \\r, quoted breaks in a cell) fall
    where csv.reader over the whole text puts them."""
    monkeypatch.setattr(tabular, "READ_CHUNK", 7)
    text = 'a,b\r\n1,"x\r\ny"\r\n2,z\r3,"多\n行"\n\r\n4,w'
    expected = []
    reader = csv.reader(io.StringIO(text, newline=""))
    headers = next(reader)
    for cells in reader:
        if any(c.strip() for c in cells):
            expected.append((reader.line_num, cells))
    assert _rows(text.encode()) == (headers, expected)
    assert _rows(text.encode("gb18030"), encoding="gb18030") == (headers, expected)


def test_a_row_of_many_short_quoted_lines_counts_as_one_row_for_the_line_limit(settings):
    settings.UPLOAD_MAX_LINE_CHARS = 100
    content = b'a,b\n1,"' + b"x\n" * 80 + b'"\n'
    with pytest.raises(ValidationError) as refused:
        _rows(content)
    assert refused.value.messages == ["CSV 文件第 50 行超过了每行最多 100 个字符的上限。"]
    _rows(b'a,b\n1,"' + b"x\n" * 40 + b'"\n')  # within the limit


def _xlsx_with_sheet_xml(transform) -> bytes:
    base = tabular.write_xlsx(["a", "b"], [["1", "2"]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                content = transform(content)
            target.writestr(info.filename, content)
    return out.getvalue()


def test_an_xlsx_declaring_the_largest_dimension_is_not_padded_to_it():
    """A sheet that claims A1:XFD1048576 and has a row at the very bottom: openpyxl would pad a
    million rows to 16,384 cells each; the reader skips the missing rows and keeps rows narrow."""

    def claim_everything(xml: bytes) -> bytes:
        xml = xml.replace(b"<sheetData>", b'<dimension ref="A1:XFD1048576"/><sheetData>', 1)
        return xml.replace(
            b"</sheetData>", b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>3</t></is></c></row></sheetData>'
        )

    start = time.perf_counter()
    headers, rows = _rows(_xlsx_with_sheet_xml(claim_everything))
    print(f"\n[upload limits] XLSX claiming A1:XFD1048576 read in {time.perf_counter() - start:.3f} s")
    assert headers == ["a", "b"]
    assert rows == [(2, ["1", "2"]), (1048576, ["3", ""])]


def test_an_xlsx_row_wider_than_the_column_limit_is_refused_naming_the_row():
    def wide(xml: bytes) -> bytes:
        return xml.replace(
            b"</sheetData>", b'<row r="3"><c r="XFD3" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
        )

    with pytest.raises(ValidationError) as refused:
        _rows(_xlsx_with_sheet_xml(wide))
    assert refused.value.messages == [f"第 3 行有 16384 列，超过了最多 {upload_limits().max_columns} 列的上限。"]


def test_a_file_that_is_not_a_zip_beyond_its_signature_is_a_clear_error():
    with pytest.raises(ValidationError, match="无法读取该 XLSX 文件"):
        _rows(b"PK\x03\x04" + b"\x00" * 100)
