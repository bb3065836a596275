"""The subject's public key (issue 18: the public portal's pages carry an opaque key, not the id).

Three steps, so that every subject already on file gets its own key: the column is added empty,
filled one random key per row, then made unique and required. The keys are a technical address,
not a fact about the subject: the fill writes no history row (the historical table gets the column
empty for past versions)."""

import uuid

from django.db import migrations, models

CHUNK = 2000


def fill_keys(apps, schema_editor):
    Subject = apps.get_model("subjects", "Subject")
    while True:
        ids = list(Subject.objects.filter(public_key__isnull=True).values_list("pk", flat=True)[:CHUNK])
        if not ids:
            return
        subjects = [Subject(pk=pk, public_key=uuid.uuid4()) for pk in ids]
        Subject.objects.bulk_update(subjects, ["public_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("subjects", "0015_batch_check_digest"),
    ]

    operations = [
        migrations.AddField(
            model_name="subject",
            name="public_key",
            field=models.UUIDField(editable=False, null=True, verbose_name="public key"),
        ),
        migrations.AddField(
            model_name="historicalsubject",
            name="public_key",
            field=models.UUIDField(db_index=True, default=uuid.uuid4, editable=False, verbose_name="public key"),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="subject",
            name="public_key",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="public key"),
        ),
    ]
