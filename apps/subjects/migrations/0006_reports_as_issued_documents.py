"""Credit reports become issued documents (apps.core.documents): each report issued so far gets
its IssuedDocument, with the same verification code, PDF file and hash, so that every code
already handed out still verifies; then the report's own copies of those columns go.

Only rows are inserted: both tables are append-only.
"""

from django.db import migrations
from django.db.migrations.exceptions import IrreversibleError
from django.utils import timezone


def reports_to_documents(apps, schema_editor):
    from apps.core.identifiers import mask_name

    CreditReport = apps.get_model("subjects", "CreditReport")
    IssuedDocument = apps.get_model("core", "IssuedDocument")
    ContentType = apps.get_model("contenttypes", "ContentType")
    reports = CreditReport.objects.select_related("subject").order_by("issued_at", "id")
    if not reports.exists():
        return
    owner_type, _created = ContentType.objects.get_or_create(app_label="subjects", model="creditreport")
    serials: dict[int, int] = {}
    documents = []
    for report in reports.iterator():
        year = timezone.localtime(report.issued_at).year
        serials[year] = serials.get(year, 0) + 1
        subject = report.subject
        documents.append(
            IssuedDocument(
                kind="credit_report",
                number=f"CR-{year}-{serials[year]:06d}",
                code=report.code,
                owner_type=owner_type,
                owner_id=report.pk,
                masked_name=mask_name(subject.name) if subject.kind == "natural_person" else subject.name,
                issued_at=report.issued_at,
                issued_by_id=report.issued_by_id,
                template="subjects/report.html",
                pdf=report.pdf.name,
                html="",
                sha256=report.content_hash,
            )
        )
    IssuedDocument.objects.bulk_create(documents, batch_size=1000)


def refuse_with_reports(apps, schema_editor):
    if apps.get_model("subjects", "CreditReport").objects.exists():
        raise IrreversibleError(
            "Credit reports were issued as documents; their codes cannot be moved back."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0006_issued_documents"),
        ("subjects", "0005_batch_row_errors_omitted"),
    ]

    operations = [
        migrations.RunPython(reports_to_documents, refuse_with_reports),
        migrations.RemoveField(model_name="creditreport", name="code"),
        migrations.RemoveField(model_name="creditreport", name="content_hash"),
        migrations.RemoveField(model_name="creditreport", name="pdf"),
    ]
