"""Subject search by name: a trigram GIN index on PostgreSQL (DESIGN.md section 9: a sequential
scan took 1,092 ms at scale, the index 5 ms). SQLite has no trigram index; nothing to do there."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS subjects_subject_name_trgm ON subjects_subject USING gin (name gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS subjects_subject_name_trgm")


class Migration(migrations.Migration):
    dependencies = [("subjects", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
