"""File formats → a neutral reading: paragraphs and tables in document order (no Django).

``read_document(data)`` sniffs the content (not the file name) and hands back an
:class:`Extracted`: plain-text paragraphs as strings and tables as :class:`Table` rows of cell
strings, where ``None`` marks a cell covered by a merged cell above it (Word's vertical merge,
an Excel merged range).  What a table *means* is decided in :mod:`commitments.importer.tables`.

Size limits, checked on the bytes before anything is parsed (``max_bytes``), and on what a
file unpacks to (:mod:`.budget`: every zip part, every PDF stream) so that a small file cannot
expand into gigabytes:

* text  4 MB   (``decode.MAX_BYTES``: a speech is a few dozen kilobytes)
* .docx 20 MB  (a speech with a few photos; the text itself is tiny)
* .xlsx 20 MB  (task tables are a few hundred rows; 20 MB is formatting and embedded images)
* .pdf  30 MB  (text PDFs of notices with letterheads and seals)
"""

from __future__ import annotations

from commitments.importer.formats.detect import DOCX, PDF, TEXT, XLSX, detect_format, max_bytes
from commitments.importer.formats.extracted import (
    MAX_CHARS,
    MAX_TABLE_ROWS,
    Block,
    Extracted,
    Table,
)


def read_document(data: bytes, name: str = "") -> Extracted:
    """Read any supported format (``name`` only for a clearer refusal when the content is not
    what the name says); raises ``SeedError`` with a one-line message."""
    kind = detect_format(data, name)
    if kind == DOCX:
        from commitments.importer.formats.docx import read_docx

        return read_docx(data)
    if kind == XLSX:
        from commitments.importer.formats.xlsx import read_xlsx

        return read_xlsx(data)
    if kind == PDF:
        from commitments.importer.formats.pdf import read_pdf

        return read_pdf(data)
    from commitments.importer.formats.text import read_text

    return read_text(data)


__all__ = [
    "DOCX",
    "MAX_CHARS",
    "MAX_TABLE_ROWS",
    "PDF",
    "TEXT",
    "XLSX",
    "Block",
    "Extracted",
    "Table",
    "detect_format",
    "max_bytes",
    "read_document",
]
