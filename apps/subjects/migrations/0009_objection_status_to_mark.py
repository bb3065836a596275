"""The objection mark leaves the status (issue 11 item 4): a record whose status is "objection"
becomes active with the mark set (`objection_since`), marked since the history says the record
went under objection (its last unbroken run of "objection" rows), else since its last change.

Each changed record gets a history row with the reason, as every change does; history rows are
only inserted (the table is append-only). Backwards, an active marked record goes back to the
"objection" status; a marked record in another status has no way back and keeps that status.
"""

from django.db import migrations
from django.utils import timezone

FORWARD_REASON = "The objection mark is now kept beside the status: status active, objection mark set."
BACKWARD_REASON = "Migration reversed: the objection mark is the status again."


def _write_history(HistoricalCreditRecord, record, reason: str, now) -> None:
    row = {}
    for field in HistoricalCreditRecord._meta.concrete_fields:
        if field.name == "history_id":
            continue
        if not field.name.startswith("history_"):
            row[field.attname] = getattr(record, field.attname)
    HistoricalCreditRecord.objects.create(
        **row, history_date=now, history_type="~", history_change_reason=reason, history_user_id=None
    )


def _marked_since(HistoricalCreditRecord, record):
    since = None
    for status, day in (
        HistoricalCreditRecord.objects.filter(id=record.pk)
        .order_by("-history_date", "-history_id")
        .values_list("status", "history_date")
    ):
        if status != "objection":
            break
        since = day
    return since or record.updated_at


def status_to_mark(apps, schema_editor):
    CreditRecord = apps.get_model("subjects", "CreditRecord")
    HistoricalCreditRecord = apps.get_model("subjects", "HistoricalCreditRecord")
    now = timezone.now()
    for record in CreditRecord.objects.filter(status="objection").order_by("pk").iterator():
        since = _marked_since(HistoricalCreditRecord, record)
        # the base manager: the model's own queryset refuses update() (it writes no history; the
        # history row is written below)
        CreditRecord._base_manager.filter(pk=record.pk).update(
            status="active", objection_since=since, updated_at=now, updated_by=None
        )
        record.status, record.objection_since, record.updated_at, record.updated_by_id = "active", since, now, None
        _write_history(HistoricalCreditRecord, record, FORWARD_REASON, now)


def mark_to_status(apps, schema_editor):
    CreditRecord = apps.get_model("subjects", "CreditRecord")
    HistoricalCreditRecord = apps.get_model("subjects", "HistoricalCreditRecord")
    now = timezone.now()
    for record in CreditRecord.objects.filter(status="active", objection_since__isnull=False).iterator():
        CreditRecord._base_manager.filter(pk=record.pk).update(status="objection", updated_at=now, updated_by=None)
        record.status, record.updated_at, record.updated_by_id = "objection", now, None
        _write_history(HistoricalCreditRecord, record, BACKWARD_REASON, now)


class Migration(migrations.Migration):
    dependencies = [
        ("subjects", "0008_record_objection_since"),
    ]

    operations = [
        migrations.RunPython(status_to_mark, mark_to_status),
    ]
