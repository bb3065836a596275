"""Reading and writing tables (CSV and XLSX) for imports and exports, streaming.

CSV is read as UTF-8 (with or without BOM) or GB18030 (a superset of GBK and GB2312), detected
from the first bytes or chosen by the caller; XLSX through openpyxl in read-only mode. Rows come
out one at a time with their spreadsheet row number (the header is row 1).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

ENCODINGS = ("utf-8", "gb18030")
SNIFF_BYTES = 64 * 1024


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list]]  # (row number, cells)
    format: str
    encoding: str | None = None


def _is_xlsx(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04")


def detect_encoding(head: bytes) -> str:
    """utf-8 when the sample decodes as UTF-8 (a cut multi-byte tail is fine), else gb18030."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def read_table(file, *, encoding: str | None = None) -> Table:
    """Open an uploaded CSV or XLSX file (a binary file object) as a streaming table."""
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    if not head.strip():
        raise ValidationError(_("The file is empty."), code="empty")
    if _is_xlsx(head):
        try:
            workbook = load_workbook(file, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds for a damaged file
            raise ValidationError(
                _("The XLSX file cannot be read: %(error)s") % {"error": error}, code="xlsx"
            ) from None
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        headers = [str(h).strip() if h is not None else "" for h in next(rows, ())]

        def xlsx_rows():
            for number, row in enumerate(rows, start=2):
                cells = ["" if c is None else c for c in row]
                if any(str(c).strip() for c in cells):
                    yield number, cells
            workbook.close()

        return Table(headers=headers, rows=xlsx_rows(), format="xlsx")
    encoding = encoding or detect_encoding(head)
    if encoding.lower().replace("-", "") in {"gbk", "gb2312"}:
        encoding = "gb18030"
    # A codecs reader, not TextIOWrapper: the wrapper would close the caller's file when it is
    # garbage-collected.
    text = codecs.getreader("utf-8-sig" if encoding == "utf-8" else encoding)(file)
    reader = csv.reader(text)
    try:
        headers = [h.strip() for h in next(reader, [])]
    except csv.Error as error:
        raise ValidationError(
            _("The header row cannot be read as CSV: %(error)s") % {"error": error}, code="csv"
        ) from None
    except UnicodeDecodeError:
        raise ValidationError(
            _("The file is not valid %(encoding)s text; choose the file's encoding.") % {"encoding": encoding},
            code="encoding",
        ) from None

    def csv_rows():
        try:
            for cells in reader:
                if any(c.strip() for c in cells):
                    yield reader.line_num, cells
        except UnicodeDecodeError:
            raise ValidationError(
                _("Line %(line)d is not valid %(encoding)s text; choose the file's encoding.")
                % {"line": reader.line_num + 1, "encoding": encoding},
                code="encoding",
            ) from None
        except csv.Error as error:
            raise ValidationError(
                _("Line %(line)d cannot be read as CSV: %(error)s") % {"line": reader.line_num + 1, "error": error},
                code="csv",
            ) from None

    return Table(headers=headers, rows=csv_rows(), format="csv", encoding=encoding)


def write_csv(headers: list[str], rows) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read Chinese correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def write_xlsx(headers: list[str], rows, *, title: str = "Sheet1") -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
