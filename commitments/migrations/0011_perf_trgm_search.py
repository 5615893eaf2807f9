"""Substring search indexes on PostgreSQL (see commitments/search.py); nothing on SQLite.

The indexes are not in Commitment.Meta: they are built on SQL functions and an extension that
only PostgreSQL has, and the model must keep working on SQLite.
"""

import logging

from django.db import migrations, transaction

logger = logging.getLogger(__name__)

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION ledger_search_text(title text, description text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT upper(coalesce(title, '') || E'\n' || coalesce(description, '')) $$;

CREATE OR REPLACE FUNCTION ledger_short_grams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT coalesce(array_agg(DISTINCT gram), '{}')
    FROM (
        SELECT substr(value, i, 1) AS gram FROM generate_series(1, char_length(value)) AS i
        UNION ALL
        SELECT substr(value, i, 2) FROM generate_series(1, char_length(value) - 1) AS i
    ) AS grams
$$;

-- The pieces are kept in a column (filled by a trigger, unknown to Django) rather than
-- indexed as an expression: computing them takes ~150 us a row, and with an expression the
-- planner may compute them row after row along the list's ordering index instead of asking
-- the index (all 100,000 rows for a rare word). A trigger, not a generated column, so that a
-- later migration may still change the type of title or description.
ALTER TABLE commitments_commitment
    ADD COLUMN IF NOT EXISTS search_grams text[] NOT NULL DEFAULT '{}';

CREATE OR REPLACE FUNCTION ledger_commitment_search_grams() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_grams := ledger_short_grams(ledger_search_text(NEW.title, NEW.description));
    RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS commitment_search_grams ON commitments_commitment;
CREATE TRIGGER commitment_search_grams
    BEFORE INSERT OR UPDATE OF title, description ON commitments_commitment
    FOR EACH ROW EXECUTE FUNCTION ledger_commitment_search_grams();

UPDATE commitments_commitment
    SET search_grams = ledger_short_grams(ledger_search_text(title, description));

CREATE INDEX IF NOT EXISTS commitment_search_short
    ON commitments_commitment USING gin (search_grams);
"""

TRIGRAM = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS commitment_search_trgm
    ON commitments_commitment USING gin (ledger_search_text(title, description) gin_trgm_ops);
"""

DROP = """
DROP INDEX IF EXISTS commitment_search_trgm;
DROP INDEX IF EXISTS commitment_search_short;
DROP TRIGGER IF EXISTS commitment_search_grams ON commitments_commitment;
DROP FUNCTION IF EXISTS ledger_commitment_search_grams();
ALTER TABLE commitments_commitment DROP COLUMN IF EXISTS search_grams;
DROP FUNCTION IF EXISTS ledger_short_grams(text);
DROP FUNCTION IF EXISTS ledger_search_text(text, text);
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FUNCTIONS)
        try:
            # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may add
            # it. Without it, words of three characters or more are found by a scan.
            with transaction.atomic(using=schema_editor.connection.alias):
                cursor.execute(TRIGRAM)
        except Exception as exc:  # noqa: BLE001 - any refusal leaves search correct, only slower
            logger.warning("pg_trgm unavailable, substring search of 3+ characters scans: %s", exc)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("commitments", "0010_importer_document_number_content_digest")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
