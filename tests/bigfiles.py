"""Huge uploads for the limit tests, made without writing them to disk or holding them in memory:
a virtual file that generates its bytes as they are read and counts them, a multipart request
body around one, and a small XLSX that unpacks to tens of megabytes (a ZIP bomb)."""

from __future__ import annotations

import io
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from apps.core.tabular import write_xlsx

MB = 1024 * 1024


class TooMuchRead(AssertionError):
    """Raised by a virtual file once more was read of it than a refusal may read."""


class VirtualFile(io.RawIOBase):
    """`head`, then `fill` repeated up to `size` bytes, then `tail`; nothing is stored. Reading
    more than `read_limit` bytes raises TooMuchRead, so that code that reads the whole thing
    fails at once instead of grinding through it."""

    def __init__(self, size: int, *, head: bytes = b"", fill: bytes = b"a", tail: bytes = b"", read_limit=None):
        self.head, self.fill, self.tail = head, fill, tail
        self.size = size
        self.position = 0
        self.bytes_read = 0
        self.read_limit = read_limit

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self.position

    def seek(self, offset, whence=io.SEEK_SET):
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = max(0, base + offset)
        return self.position

    def _byte_range(self, start: int, end: int) -> bytes:
        out = bytearray()
        fill_end = self.size - len(self.tail)
        position = start
        while position < end:
            if position < len(self.head):
                piece = self.head[position : min(end, len(self.head))]
            elif position < fill_end:
                offset = (position - len(self.head)) % len(self.fill)
                count = min(end, fill_end) - position
                repeated = self.fill * (count // len(self.fill) + 2)
                piece = repeated[offset : offset + count]
            else:
                piece = self.tail[position - fill_end : end - fill_end]
            out += piece
            position += len(piece)
        return bytes(out)

    def readinto(self, buffer) -> int:
        end = min(self.size, self.position + len(buffer))
        data = self._byte_range(self.position, end)
        buffer[: len(data)] = data
        self.position = end
        self.bytes_read += len(data)
        if self.read_limit is not None and self.bytes_read > self.read_limit:
            raise TooMuchRead(f"{self.bytes_read} bytes of a {self.size}-byte upload were read")
        return len(data)


BOUNDARY = "limitsBoundary7MA4YWxkTrZu0gW"


def multipart_body(fields: dict[str, str], file_field: str, filename: str, file_size: int, *, fill=b"a", head=b""):
    """A virtual multipart/form-data body: the fields, then one file of `file_size` bytes."""
    parts = b""
    for name, value in fields.items():
        parts += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    parts += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode() + head
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    total = len(parts) + file_size + len(tail)
    return VirtualFile(total, head=parts, fill=fill, tail=tail, read_limit=MB)


def streamed_post(client, path: str, body: VirtualFile, content_type: str):
    """POST `body` through the test client without building it in memory."""
    return client.request(
        REQUEST_METHOD="POST",
        PATH_INFO=path,
        CONTENT_TYPE=content_type,
        CONTENT_LENGTH=str(body.size),
        **{"wsgi.input": body},
    )


def multipart_type() -> str:
    return f"multipart/form-data; boundary={BOUNDARY}"


def zip_bomb_xlsx(headers: list[str], row: list, *, unpacked: int = 40 * MB) -> bytes:
    """A valid XLSX of some tens of kilobytes whose sheet unpacks to `unpacked` bytes of rows."""
    base = write_xlsx(headers, [row])
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb,
    ):
        for info in source.infolist():
            content = source.read(info)
            if not info.filename.startswith("xl/worksheets/"):
                bomb.writestr(info.filename, content)
                continue
            before, after = content.split(b"</sheetData>")
            filler = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 2000
            with bomb.open(info.filename, "w") as part:
                part.write(before)
                written = len(before)
                while written < unpacked:
                    part.write(filler)
                    written += len(filler)
                part.write(b"</sheetData>" + after)
    return out.getvalue()


def media_files() -> set[Path]:
    media = Path(settings.MEDIA_ROOT)
    return {p for p in media.rglob("*") if p.is_file()} if media.exists() else set()


@contextmanager
def timed(label: str):
    """Prints how long the block took (shown with `pytest -s`)."""
    start = time.perf_counter()
    yield
    print(f"\n[upload limits] {label}: refused in {time.perf_counter() - start:.3f} s")
