"""Documents the platform issues and files uploaded to it (models in `models_documents.py`).

Issued documents (出具的文书: credit reports, prior notices, decisions, replies). A document is
rendered once, when it is issued: `document_issue()` renders the template to HTML, the HTML to a
PDF with WeasyPrint (a maintained HTML-to-PDF library that embeds the CJK font installed on the
server, so Chinese prints as text, not boxes), and stores both with the PDF's SHA-256 and a
verification code. Every later download serves the stored bytes (`document_response()`), never
a fresh rendering, so the text a subject received never changes when a template does. The
public verification page (`document_verify()`) shows the kind, the issue date, the masked name
and the hash, never the content.

Uploads (附件: evidence, proofs, authorisation scans). `validate_upload()` is the one check every
upload of a scan or a proof goes through: the type is judged by the content (PDF, PNG, JPEG),
the size by `UPLOAD_MAX_BYTES` (`apps.core.uploads`), and the stored name is made here, so no
part of the uploader's file name reaches the file system.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import unicodedata
import uuid
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.core.choices import AttachmentPurpose, DocumentKind
from apps.core.models_documents import Attachment, IssuedDocument
from apps.core.uploads import file_size, size_label, upload_limits

# --- verification codes and PDF -------------------------------------------------------------

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 16


def new_code() -> str:
    """80 random bits, grouped for reading aloud at the window: ABCD-EFGH-JKLM-NPQR."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def new_tracking_code() -> str:
    """An applicant's tracking code (受理编号) for a public status page: 12 characters of the
    unambiguous alphabet in three groups (XXXX-XXXX-XXXX); `normalise_code` reads it back."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def normalise_code(code: str) -> str:
    """A code as typed (lower case, without dashes, with spaces) in its stored form."""
    raw = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


# --- issued documents ---------------------------------------------------------------------------

# Generated numbers read <prefix>-<year>-<serial>; a caller with its own numbering (a decision
# number given by the agency) passes `number=`.
NUMBER_PREFIXES = {
    DocumentKind.CREDIT_REPORT: "CR",
    DocumentKind.LISTING_NOTICE: "LN",
    DocumentKind.LISTING_DECISION: "LD",
    DocumentKind.OBJECTION_REPLY: "OR",
    DocumentKind.REPAIR_DECISION: "RD",
    DocumentKind.DISCLOSURE_ANSWER: "DA",
}
NUMBER_ATTEMPTS = 5

MSG_UNKNOWN_KIND = "Unknown document kind {kind!r}; add it to apps.core.choices.DocumentKind and NUMBER_PREFIXES."
MSG_UNSAVED_OWNER = "The owner of an issued document must be saved first (got an unsaved {model})."
MSG_NUMBER_TAKEN = gettext_lazy("A {kind} numbered “{number}” was already issued.")


def _number_taken(kind: str, number: str) -> ValidationError:
    return ValidationError(
        str(MSG_NUMBER_TAKEN).format(kind=DocumentKind(kind).label, number=number), code="number_taken"
    )


def _next_number(kind: str, year: int) -> str:
    prefix = f"{NUMBER_PREFIXES[kind]}-{year}-"
    last = (
        IssuedDocument.objects.filter(kind=kind, number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    serial = int(last.removeprefix(prefix)) + 1 if last and last.removeprefix(prefix).isdigit() else 1
    return f"{prefix}{serial:06d}"


def document_issue(
    *,
    kind: str,
    owner: models.Model,
    template: str,
    context: dict,
    by,
    masked_name: str = "",
    number: str = "",
) -> IssuedDocument:
    """Issue a document: render `template` once, store the HTML and the PDF with its SHA-256.

    `owner` is the saved object the document belongs to (a credit report, a listing case);
    `masked_name` names the subject as the public may see it (a person's name masked), for
    the verification page. The template receives `context` plus `document`: the document
    being issued (`document.code`, `document.number`, `document.issued_at`,
    `document.get_kind_display`). Without `number`, the next `<prefix>-<year>-<serial>` of
    the kind is taken. Raises ValidationError when `number` was already issued for the kind.
    """
    if kind not in NUMBER_PREFIXES:
        raise ValueError(MSG_UNKNOWN_KIND.format(kind=kind))
    if owner.pk is None:
        raise ValueError(MSG_UNSAVED_OWNER.format(model=type(owner).__name__))
    if number and IssuedDocument.objects.filter(kind=kind, number=number).exists():
        raise _number_taken(kind, number)
    issued_at = timezone.now()
    for attempt in range(NUMBER_ATTEMPTS):
        document = IssuedDocument(
            kind=kind,
            # Two issuers may take the same serial at once: the unique (kind, number) index
            # refuses the second, which renders again with the next serial.
            number=number or _next_number(kind, timezone.localdate(issued_at).year),
            code=new_code(),
            owner_type=ContentType.objects.get_for_model(owner),
            owner_id=owner.pk,
            masked_name=masked_name[:200],
            issued_at=issued_at,
            issued_by=by if getattr(by, "is_authenticated", False) else None,
            template=template,
        )
        html = render_to_string(template, {**context, "document": document})
        pdf = render_pdf(html)
        document.sha256 = hashlib.sha256(pdf).hexdigest()
        document.pdf.save(f"{document.code}.pdf", ContentFile(pdf), save=False)
        document.html.save(f"{document.code}.html", ContentFile(html.encode("utf-8")), save=False)
        try:
            with transaction.atomic():
                document.save(force_insert=True)
        except IntegrityError:
            document.pdf.delete(save=False)
            document.html.delete(save=False)
            if number or attempt == NUMBER_ATTEMPTS - 1:
                raise _number_taken(kind, document.number) from None
            continue
        return document
    raise AssertionError("unreachable")  # pragma: no cover


def document_verify(code: str) -> IssuedDocument | None:
    """The document issued with this code, for the public verification page (whose template
    shows the kind, the issue date, the masked name and the hash only)."""
    code = normalise_code(code)
    if not code:
        return None
    return IssuedDocument.objects.filter(code=code).first()


def documents_of(owner: models.Model, kind: str | None = None) -> models.QuerySet[IssuedDocument]:
    """The documents issued for `owner`, newest first."""
    documents = IssuedDocument.objects.filter(
        owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk
    ).select_related("issued_by")
    return documents.filter(kind=kind) if kind else documents


def document_response(document: IssuedDocument, *, as_html: bool = False, filename: str = "") -> HttpResponse:
    """The stored PDF (or HTML) of an issued document, exactly as issued. The caller checks
    who may read it and logs the lookup. (Documents are a few hundred kilobytes at most: read
    whole, so the page and its tests see the bytes.)"""
    if as_html:
        if not document.html:
            raise ValueError(f"{document}: no HTML was stored for this document")
        with document.html.open("rb") as stored:
            return HttpResponse(stored.read(), content_type="text/html; charset=utf-8")
    with document.pdf.open("rb") as stored:
        response = HttpResponse(stored.read(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename or f"{document.kind}-{document.code}.pdf"}"'
    return response


# --- uploads ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileType:
    label: str
    mime: str
    extensions: tuple[str, ...]
    magic: tuple[bytes, ...]


FILE_TYPES = (
    FileType("PDF", "application/pdf", (".pdf",), (b"%PDF-",)),
    FileType("PNG", "image/png", (".png",), (b"\x89PNG\r\n\x1a\n",)),
    FileType("JPEG", "image/jpeg", (".jpg", ".jpeg"), (b"\xff\xd8\xff",)),
)
MAGIC_BYTES = max(len(m) for t in FILE_TYPES for m in t.magic)

MSG_EMPTY = gettext_lazy("“{name}” is empty.")
MSG_WRONG_TYPE = gettext_lazy(
    "“{name}” is not a PDF, PNG or JPEG file (the type is judged by the content, not by the name); "
    "scan or save it in one of these formats."
)
MSG_NAME_CONTRADICTS_CONTENT = gettext_lazy(
    "“{name}” is named as a {named} file but its content is {actual}; rename it or upload the right file."
)
MSG_FILE_TOO_LARGE = gettext_lazy("“{name}” is {size}, more than the limit of {limit}; upload a smaller scan.")
FALLBACK_NAME = "file"


def safe_original_name(name: str, file_type: FileType | None = None) -> str:
    """The uploader's file name for display: the last path part only (either slash), without
    control characters or leading dots, at most 255 characters, ending in the extension of
    the type the content showed."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split()).lstrip(". ") or FALLBACK_NAME
    stem, extension = os.path.splitext(name)
    if file_type is not None and extension.lower() not in file_type.extensions:
        stem, extension = name, file_type.extensions[0]
    return stem[: 255 - len(extension)] + extension


def _sniff(file) -> FileType | None:
    file.seek(0)
    head = file.read(MAGIC_BYTES)
    file.seek(0)
    return next((t for t in FILE_TYPES if any(head.startswith(m) for m in t.magic)), None)


def validate_upload(file) -> FileType:
    """The one check for an uploaded scan or proof: not empty, within `UPLOAD_MAX_BYTES`, a PDF,
    PNG or JPEG by its content, and not named as another of these types. Returns the type;
    raises ValidationError naming the file. Usable as a form field's validator."""
    name = safe_original_name(getattr(file, "name", ""))
    size = file_size(file)
    limits = upload_limits()
    if size == 0:
        raise ValidationError(str(MSG_EMPTY).format(name=name), code="upload_empty")
    if size > limits.max_bytes:
        raise ValidationError(
            str(MSG_FILE_TOO_LARGE).format(name=name, size=size_label(size), limit=size_label(limits.max_bytes)),
            code="upload_limit",
        )
    actual = _sniff(file)
    if actual is None:
        raise ValidationError(str(MSG_WRONG_TYPE).format(name=name), code="upload_type")
    extension = os.path.splitext(name)[1].lower()
    named = next((t for t in FILE_TYPES if extension in t.extensions), None)
    if named is not None and named != actual:
        raise ValidationError(
            str(MSG_NAME_CONTRADICTS_CONTENT).format(name=name, named=named.label, actual=actual.label),
            code="upload_type",
        )
    return actual


def stored_name(file_type: FileType) -> str:
    """A file name made by the platform (random), with the extension of the checked type."""
    return uuid.uuid4().hex + file_type.extensions[0]


def _sha256(file) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def attachment_add(*, owner: models.Model, file, purpose: str, by) -> Attachment:
    """Store an uploaded file for `owner` after `validate_upload`; nothing is stored when it
    is refused."""
    if owner.pk is None:
        raise ValueError(MSG_UNSAVED_OWNER.format(model=type(owner).__name__))
    AttachmentPurpose(purpose)  # ValueError for an unknown purpose
    file_type = validate_upload(file)
    attachment = Attachment(
        owner_type=ContentType.objects.get_for_model(owner),
        owner_id=owner.pk,
        purpose=purpose,
        original_name=safe_original_name(file.name, file_type),
        content_type=file_type.mime,
        size=file_size(file),
        sha256=_sha256(file),
        uploaded_by=by,
    )
    attachment.file.save(stored_name(file_type), file, save=False)
    attachment.save(force_insert=True)
    return attachment


def attachments_of(owner: models.Model) -> models.QuerySet[Attachment]:
    return Attachment.objects.filter(owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk)
