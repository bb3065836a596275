"""Credit reports (信用报告): issued as a PDF with a verification code.

Issuing a report is a logged lookup. The PDF is rendered once, from the records the mode may
see, with WeasyPrint (a maintained HTML-to-PDF library that embeds the CJK font installed on the
server, so Chinese prints as text, not boxes; Chromium's print-to-PDF would tie the production
servers to a browser). The PDF is stored and its SHA-256 recorded: the public verification page
shows the issue date, the masked name and that hash, never the content, and anyone holding the
PDF can compare its hash.
"""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.core.choices import QueryMode, QueryOutcome
from apps.core.querylog import LookupRequest
from apps.subjects.models import CreditReport, Subject
from apps.subjects.selectors import lookup_log, report_content

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 16


def new_code() -> str:
    """80 random bits, grouped for reading aloud at the window: ABCD-EFGH-JKLM-NPQR."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(code: str) -> str:
    raw = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def credit_report_issue(lookup: LookupRequest, subject: Subject, *, verify_url: str = "") -> tuple[CreditReport, str]:
    """Issue a report in the lookup's mode; returns (report, rendered HTML).

    The lookup is logged before any transaction opens here, so that a refusal (abnormal volume)
    and its flag stay on record."""
    content = report_content(subject, lookup.mode)
    entry = lookup_log(
        lookup,
        identifier=subject.identifier,
        name=subject.name,
        query={"report": subject.identifier},
        outcome=QueryOutcome.FOUND,
        result={
            "report": True,
            "records": sum(len(records) for _label, records in content.sections),
            "ids": [r.pk for _label, records in content.sections for r in records][:200],
        },
    )
    code = new_code()
    issued_at = timezone.now()
    html = render_to_string(
        "subjects/report.html",
        {
            "content": content,
            "code": code,
            "issued_at": issued_at,
            "lookup": lookup,
            "log_entry": entry,
            "verify_url": verify_url,
        },
    )
    pdf = render_pdf(html)
    report = CreditReport(
        subject=subject,
        code=code,
        issued_at=issued_at,
        issued_by=lookup.user if lookup.user is not None and lookup.user.is_authenticated else None,
        mode=lookup.mode,
        content_hash=hashlib.sha256(pdf).hexdigest(),
        query_log=entry,
    )
    report.pdf.save(f"{code}.pdf", ContentFile(pdf), save=False)
    report.save()
    return report, html


def report_verify(code: str) -> CreditReport | None:
    """The report with this code, for the public verification page (no personal data leaves)."""
    return CreditReport.objects.select_related("subject").filter(code=normalise_code(code)).first()


MSG_REPORT_MODE = gettext_lazy("This report was issued as a {mode}; a download is a lookup of the same kind.")


def credit_report_download(lookup: LookupRequest, report: CreditReport):
    """The stored PDF of an issued report, for a user who gave their own purpose: each download
    is a lookup of its own, logged with the downloader's mode and purpose (never the issuer's)."""
    if lookup.mode != report.mode:
        raise ValidationError({"mode": str(MSG_REPORT_MODE).format(mode=QueryMode(report.mode).label)})
    lookup_log(
        lookup,
        identifier=report.subject.identifier,
        name=report.subject.name,
        query={"report_download": report.code},
        outcome=QueryOutcome.FOUND,
        result={"report": report.code},
    )
    return report.pdf.open("rb")
