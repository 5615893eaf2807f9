"""Store a source document's three texts with lz4 instead of pglz (PostgreSQL only).

Every import writes the raw, cleaned and normalised text of its document, each some tens of
kilobytes for a speech: with pglz their compression was about half of the document INSERT in
``bench/bench_import.py``; lz4 halves that and decompresses faster.  What is stored and read
back is the same text.  Other databases, and a PostgreSQL built without lz4, are left alone.
"""

from django.db import migrations

COLUMNS = ("raw_text", "cleaned_text", "normalized_text")
TABLE = "commitments_sourcedocument"


def _set_compression(schema_editor, method: str) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
            "AND %s = ANY(enumvals)",
            [method],
        )
        if cursor.fetchone() is None:
            return
    columns = ", ".join(f"ALTER COLUMN {c} SET COMPRESSION {method}" for c in COLUMNS)
    schema_editor.execute(f"ALTER TABLE {TABLE} {columns}")


def forwards(apps, schema_editor):
    _set_compression(schema_editor, "lz4")


def backwards(apps, schema_editor):
    _set_compression(schema_editor, "pglz")


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0012_robots_channels"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
