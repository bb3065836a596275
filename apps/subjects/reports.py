"""Credit reports (信用报告): issued documents with a verification code.

Issuing a report is a logged lookup. The report is issued through `apps.core.documents`: the
HTML and the PDF are rendered once, from the records the mode may see, and stored with the PDF's
SHA-256; a download serves the stored PDF. The public verification page shows the issue date,
the masked name and that hash, never the content, and anyone holding the PDF can compare its
hash.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy

from apps.core.choices import DocumentKind, QueryMode, QueryOutcome
from apps.core.documents import document_issue
from apps.core.documents import render_pdf as render_pdf  # moved to core; sanctions imports it from here
from apps.core.querylog import LookupRequest
from apps.core.selectors import active_policy
from apps.subjects.models import CreditReport, Subject
from apps.subjects.selectors import lookup_log, report_content

REPORT_TEMPLATE = "subjects/report.html"


def credit_report_issue(lookup: LookupRequest, subject: Subject, *, verify_url: str = "") -> tuple[CreditReport, str]:
    """Issue a report in the lookup's mode; returns (report, the HTML as issued).

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
    issuer = lookup.user if lookup.user is not None and lookup.user.is_authenticated else None
    with transaction.atomic():
        report = CreditReport.objects.create(subject=subject, issued_by=issuer, mode=lookup.mode, query_log=entry)
        report.document = document_issue(
            kind=DocumentKind.CREDIT_REPORT,
            owner=report,
            template=REPORT_TEMPLATE,
            context={
                "content": content,
                "lookup": lookup,
                "log_entry": entry,
                "verify_url": verify_url,
                # the regulation the report names (no context processor renders an issued document)
                "policy": active_policy(),
            },
            by=issuer,
            masked_name=subject.display_name,
        )
    return report, report.document.html_text()


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
