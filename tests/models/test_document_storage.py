"""How a source document's texts are stored: the same text back, compressed cheaply."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import SourceDocumentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="column compression is PostgreSQL's")
def test_document_texts_are_compressed_with_lz4_and_read_back_unchanged():
    # Given a speech-sized document (large enough to be compressed out of line)
    text = "各县区各部门要认真贯彻落实会议精神，确保年内完成各项任务。" * 400
    document = SourceDocumentFactory(raw_text=text, cleaned_text=text, normalized_text=text)

    # When the database reports how each text column is compressed
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_compression(raw_text), pg_column_compression(cleaned_text), "
            "pg_column_compression(normalized_text) FROM commitments_sourcedocument "
            "WHERE id = %s",
            [document.pk],
        )
        methods = cursor.fetchone()

    # Then all three use lz4, and the text reads back exactly as written
    assert methods == ("lz4", "lz4", "lz4")
    document.refresh_from_db()
    assert document.raw_text == text and document.normalized_text == text
