"""Limits on what one upload may make the server read, parse and store.

Every upload path (batch files on the web and through the API, rows posted as JSON, catalog
imports, authorisation scans) is held to the same figures, read from settings (`UPLOAD_*`,
each overridable by an environment variable; README "Configuration"):

- the size of the file (and of any request body: `RequestSizeLimitMiddleware` refuses a request
  whose Content-Length is over the limit before a byte of the body is read);
- the rows of a table and the characters of one CSV row, counted while streaming, so that a
  single 200 MB line is refused after reading at most the line limit;
- the characters of a cell and the columns of a row;
- for XLSX, the total uncompressed size and the compression ratio of each part, taken from the
  ZIP directory before the workbook is opened. Python's zipfile never inflates a part beyond the
  size the directory declares (it stops there and the CRC check fails), so the declared sizes
  bound what the XLSX parser can be made to read;
- the row errors stored per batch (the rest are counted).

A refusal is a ValidationError naming the limit and its value (and the row where it applies);
nothing of a refused upload is stored.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy

MSG_TOO_LARGE = gettext_lazy("The upload is {size}, more than the limit of {limit}; split it into several files.")
MSG_TOO_MANY_ROWS = gettext_lazy(
    "Row {row}: the file has more than {limit} rows, the limit of one upload; split it into several files."
)
MSG_TOO_MANY_ROWS_POSTED = gettext_lazy(
    "{count} rows were sent, more than the limit of {limit} rows per upload; send them in several posts."
)
MSG_LINE_TOO_LONG = gettext_lazy("Line {line} of the CSV file is longer than the limit of {limit} characters per row.")
MSG_CELL_TOO_LONG = gettext_lazy(
    "Row {row}, column “{column}”: the cell is longer than the limit of {limit} characters."
)
MSG_TOO_MANY_COLUMNS = gettext_lazy("Row {row} has {count} columns, more than the limit of {limit}.")
MSG_XLSX_TOO_LARGE = gettext_lazy(
    "The XLSX file unpacks to {size}, more than the limit of {limit}; it was not opened. Split it into several files."
)
MSG_XLSX_RATIO = gettext_lazy(
    "The part “{part}” of the XLSX file is compressed {ratio}:1, more than the limit of {limit}:1; "
    "it was not opened (a file built to exhaust the server?)."
)
MSG_XLSX_DAMAGED = gettext_lazy("The XLSX file cannot be read: {error}")

# Small parts (styles, [Content_Types].xml, an empty sheet) compress far better than data does;
# the ratio is judged on parts above this size only (Apache POI's zip-bomb check does the same).
RATIO_GRACE_BYTES = 1024 * 1024
# Room in a request for the form fields and the multipart headers around the file.
REQUEST_OVERHEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    max_rows: int
    max_line_chars: int
    max_cell_chars: int
    max_columns: int
    xlsx_max_uncompressed_bytes: int
    xlsx_max_ratio: int
    max_row_errors: int

    @property
    def max_request_bytes(self) -> int:
        return self.max_bytes + REQUEST_OVERHEAD_BYTES


def upload_limits() -> UploadLimits:
    """The limits in force (read at each call, so that a changed setting applies at once)."""
    return UploadLimits(
        max_bytes=settings.UPLOAD_MAX_BYTES,
        max_rows=settings.UPLOAD_MAX_ROWS,
        max_line_chars=settings.UPLOAD_MAX_LINE_CHARS,
        max_cell_chars=settings.UPLOAD_MAX_CELL_CHARS,
        max_columns=settings.UPLOAD_MAX_COLUMNS,
        xlsx_max_uncompressed_bytes=settings.UPLOAD_XLSX_MAX_UNCOMPRESSED_BYTES,
        xlsx_max_ratio=settings.UPLOAD_XLSX_MAX_RATIO,
        max_row_errors=settings.UPLOAD_MAX_ROW_ERRORS,
    )


def size_label(n: int) -> str:
    return str(filesizeformat(n)).replace("\xa0", " ")


def refuse(message, code: str = "upload_limit", **params) -> ValidationError:
    return ValidationError(str(message).format(**params), code=code)


def too_large(size: int, limits: UploadLimits) -> ValidationError:
    return refuse(MSG_TOO_LARGE, size=size_label(size), limit=size_label(limits.max_bytes))


def file_size(file) -> int:
    """The size of an uploaded or stored file, without reading it."""
    size = getattr(file, "size", None)
    if size is None:
        position = file.tell()
        size = file.seek(0, 2)
        file.seek(position)
    return size


def check_file_size(file, limits: UploadLimits | None = None) -> None:
    limits = limits or upload_limits()
    size = file_size(file)
    if size > limits.max_bytes:
        raise too_large(size, limits)


def check_row_count(row: int, count: int, limits: UploadLimits) -> None:
    """`count` data rows read so far, the last one at sheet row `row`."""
    if count > limits.max_rows:
        raise refuse(MSG_TOO_MANY_ROWS, row=row, limit=limits.max_rows)


def check_cells(row: int, cells, headers, limits: UploadLimits) -> None:
    """The row's width and each cell's length (cells of any type; only text can be long)."""
    if len(cells) > limits.max_columns:
        raise refuse(MSG_TOO_MANY_COLUMNS, row=row, count=len(cells), limit=limits.max_columns)
    for index, cell in enumerate(cells):
        if isinstance(cell, str) and len(cell) > limits.max_cell_chars:
            column = headers[index] if index < len(headers) and headers[index] else str(index + 1)
            raise refuse(MSG_CELL_TOO_LONG, row=row, column=str(column)[:100], limit=limits.max_cell_chars)


def check_posted_rows(rows, limits: UploadLimits | None = None) -> None:
    """Rows posted as JSON (a list of {column: value}): the same row, column and cell limits."""
    limits = limits or upload_limits()
    if len(rows) > limits.max_rows:
        raise refuse(MSG_TOO_MANY_ROWS_POSTED, count=len(rows), limit=limits.max_rows)
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            continue  # the caller reports the shape
        keys = list(row)
        check_cells(number, keys, keys, limits)
        check_cells(number, [v if isinstance(v, str) else str(v) for v in row.values()], keys, limits)


def check_xlsx_directory(file, limits: UploadLimits | None = None) -> None:
    """Refuse an XLSX whose parts would unpack beyond the limits, from the ZIP directory alone
    (the end of the file is read, no part is inflated)."""
    limits = limits or upload_limits()
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise refuse(MSG_XLSX_DAMAGED, code="xlsx", error=error) from None
    finally:
        file.seek(0)
    total = sum(part.file_size for part in parts)
    if total > limits.xlsx_max_uncompressed_bytes:
        raise refuse(MSG_XLSX_TOO_LARGE, size=size_label(total), limit=size_label(limits.xlsx_max_uncompressed_bytes))
    for part in parts:
        if part.file_size <= RATIO_GRACE_BYTES:
            continue
        ratio = part.file_size / max(part.compress_size, 1)
        if ratio > limits.xlsx_max_ratio:
            raise refuse(MSG_XLSX_RATIO, part=part.filename[:100], ratio=int(ratio), limit=limits.xlsx_max_ratio)
