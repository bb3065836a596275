"""The subject's public key (issue 18: the public portal's pages carry an opaque key, not the id).

Three steps, so that every subject already on file gets its own key: the column is added empty,
filled one random key per row, then made unique and required. The keys are a technical address,
not a fact about the subject: the fill writes no history row (the historical table gets the column
empty for past versions)."""

import uuid

from django.db import migrations, models

CHUNK = 2000


def fill_keys(apps, schema_editor):
    """On PostgreSQL one UPDATE (gen_random_uuid, built in since PostgreSQL 13): a million subjects
    in seconds. Elsewhere chunk by chunk in id order, each chunk found from the last id (not by
    searching the unindexed empty column again)."""
    Subject = apps.get_model("subjects", "Subject")
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(Subject._meta.db_table)
        schema_editor.execute(f"UPDATE {table} SET public_key = gen_random_uuid() WHERE public_key IS NULL")
        return
    last = 0
    while True:
        ids = list(Subject.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:CHUNK])
        if not ids:
            return
        Subject.objects.bulk_update([Subject(pk=pk, public_key=uuid.uuid4()) for pk in ids], ["public_key"])
        last = ids[-1]


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
