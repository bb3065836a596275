"""Reading and writing tables (CSV and XLSX) for imports and exports, streaming.

CSV is read as UTF-8 (with or without BOM) or GB18030 (a superset of GBK and GB2312), detected
from the first bytes or chosen by the caller; XLSX through openpyxl in read-only mode. Rows come
out one at a time with their spreadsheet row number (the header is row 1).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from apps.core.uploads import (
    MSG_LINE_TOO_LONG,
    UploadLimits,
    check_cells,
    check_file_size,
    check_row_count,
    check_xlsx_directory,
    upload_limits,
)

ENCODINGS = ("utf-8", "gb18030")
SNIFF_BYTES = 64 * 1024
READ_CHUNK = 64 * 1024
# The line breaks csv.reader knows; each string it is given must end at one of them.
NEWLINE = re.compile(r"\r\n|\r|\n")


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


def read_table(file, *, encoding: str | None = None, limits: UploadLimits | None = None) -> Table:
    """Open an uploaded CSV or XLSX file (a binary file object) as a streaming table, held to
    the upload limits (`apps.core.uploads`): the file size and, for XLSX, the ZIP directory are
    checked before anything is parsed; rows, row length and cells while the rows stream."""
    limits = limits or upload_limits()
    check_file_size(file, limits)
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    if not head.strip():
        raise ValidationError(_("The file is empty."), code="empty")
    if _is_xlsx(head):
        return _read_xlsx(file, limits)
    return _read_csv(file, head, encoding, limits)


def _read_xlsx(file, limits: UploadLimits) -> Table:
    check_xlsx_directory(file, limits)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise ValidationError(_("The XLSX file cannot be read: %(error)s") % {"error": error}, code="xlsx") from None
    sheet = workbook.worksheets[0]
    # The declared dimension is not trusted: openpyxl would pad every row to its width. Without
    # it, rows are as wide as their last cell and missing rows come as empty ones.
    sheet.reset_dimensions()
    rows = sheet.iter_rows(values_only=True)
    first = next(rows, ())
    check_cells(1, first, [], limits)
    headers = [str(h).strip() if h is not None else "" for h in first]

    def xlsx_rows():
        count = 0
        try:
            for number, row in enumerate(rows, start=2):
                if not row:
                    continue
                check_cells(number, row, headers, limits)
                cells = ["" if c is None else c for c in row]
                if any(str(c).strip() for c in cells):
                    count += 1
                    check_row_count(number, count, limits)
                    yield number, cells + [""] * (len(headers) - len(cells))
        finally:
            workbook.close()

    return Table(headers=headers, rows=xlsx_rows(), format="xlsx")


class BoundedLines:
    """The lines of a binary CSV stream, decoded, each with its line break (as csv.reader wants
    them), read in chunks: a row (one record, its quoted line breaks included) longer than the
    limit is refused as soon as the limit is passed, without reading the rest of it."""

    def __init__(self, file, encoding: str, limit: int):
        self.file = file
        self.decoder = codecs.getincrementaldecoder(encoding)()
        self.limit = limit
        self.lines = 0  # lines handed out
        self.record_chars = 0  # characters of the record being read; the reader resets it

    def _check(self, pending: int) -> None:
        if self.record_chars + pending > self.limit:
            raise ValidationError(
                str(MSG_LINE_TOO_LONG).format(line=self.lines + 1, limit=self.limit), code="upload_limit"
            )

    def __iter__(self):
        buffer = ""
        while True:
            chunk = self.file.read(READ_CHUNK)
            buffer += self.decoder.decode(chunk, final=not chunk)
            start = 0
            while True:
                match = NEWLINE.search(buffer, start)
                # a "\r" at the end of the buffer may be the first half of "\r\n"
                if match is None or (chunk and match.group() == "\r" and match.end() == len(buffer)):
                    break
                line = buffer[start : match.end()]
                self._check(len(line))
                self.record_chars += len(line)
                self.lines += 1
                yield line
                start = match.end()
            buffer = buffer[start:]
            self._check(len(buffer))
            if not chunk:
                if buffer:
                    self.lines += 1
                    yield buffer
                return


def _read_csv(file, head: bytes, encoding: str | None, limits: UploadLimits) -> Table:
    encoding = encoding or detect_encoding(head)
    if encoding.lower().replace("-", "") in {"gbk", "gb2312"}:
        encoding = "gb18030"
    # Bounded lines from the caller's file (not a TextIOWrapper: it would close the caller's file
    # when it is garbage-collected, and read a line of any length).
    lines = BoundedLines(file, "utf-8-sig" if encoding == "utf-8" else encoding, limits.max_line_chars)
    reader = csv.reader(lines)
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
    check_cells(1, headers, [], limits)

    def csv_rows():
        count = 0
        try:
            lines.record_chars = 0
            for cells in reader:
                lines.record_chars = 0
                check_cells(reader.line_num, cells, headers, limits)
                if any(c.strip() for c in cells):
                    count += 1
                    check_row_count(reader.line_num, count, limits)
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


# A text cell a spreadsheet program would run as a formula (CSV/formula injection, OWASP): it starts
# with = + - @, a tab or a carriage return. Data from outside — a subject's name, a record's
# values, a comment — reaches the exports, so such a cell gets a leading apostrophe, which makes
# the program show it as text. Plain numbers (-12.5, +86…) stay as they are: a sign before digits
# runs nothing, and dates written by the platform start with a digit.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def spreadsheet_safe(value):
    """`value` as a spreadsheet may show it without running it: text that would be a formula
    gets a leading apostrophe; numbers, dates and other non-text values are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _safe_rows(rows):
    for row in rows:
        yield [spreadsheet_safe(value) for value in row]


def write_csv(headers: list[str], rows) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read Chinese correctly; every
    cell through `spreadsheet_safe`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([spreadsheet_safe(value) for value in headers])
    writer.writerows(_safe_rows(rows))
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def write_xlsx(headers: list[str], rows, *, title: str = "Sheet1", sheets=()) -> bytes:
    """One sheet of `headers` and `rows`, then each of `sheets` ((title, headers, rows)) after it."""
    workbook = Workbook(write_only=True)
    for sheet_title, sheet_headers, sheet_rows in ((title, headers, rows), *sheets):
        sheet = workbook.create_sheet(title=sheet_title[:31])
        # openpyxl would also store a text starting with "=" as a formula: the same guard.
        sheet.append([spreadsheet_safe(value) for value in sheet_headers])
        for row in _safe_rows(sheet_rows):
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
