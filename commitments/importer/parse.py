"""Public entry point: bytes of a speech, notice or task table → a ParsedDocument (no database).

The steps, each in its own module: read the format (:mod:`.formats`) and find task tables
(:mod:`.tables`); clean and normalise the prose; find its layout (:mod:`.structure`); read it
sentence by sentence into drafts (:mod:`.prose`); give drafts their inherited owners, refs and
sections (:mod:`.inheritance`); list what gave no task (:mod:`.unrecognised`); append the
tables' rows (:mod:`.table_directives`).
"""

from __future__ import annotations

import hashlib
from datetime import date

from commitments.importer.clean import clean_text
from commitments.importer.deadlines import year_start
from commitments.importer.directives import CONTEXT, QUOTED, TASK
from commitments.importer.errors import SeedError
from commitments.importer.formats import MAX_CHARS, TEXT, Extracted, Table, read_document
from commitments.importer.inheritance import inherit_owners
from commitments.importer.normalize import normalize_text
from commitments.importer.prose import prose_drafts
from commitments.importer.result import ParsedDirective, ParsedDocument
from commitments.importer.structure import analyse_layout
from commitments.importer.table_directives import table_calendar, table_directives
from commitments.importer.tables import TaskTable, read_task_table
from commitments.importer.unrecognised import unrecognised_paragraphs


def parse_document(
    data: bytes, *, reference_date: date | None = None, name: str = ""
) -> ParsedDocument:
    """Parse a leader's speech, a notice or a task table (.txt, .docx, .xlsx or text PDF).

    Raises ``SeedError`` for unusable input.  Prose goes through the sentence pipeline; task
    tables (by their header) give one task per row, appended after the prose in the text.
    """
    digest = hashlib.sha256(data).hexdigest()
    extracted = read_document(data, name)
    prose: list[str] = []
    tables: list[TaskTable] = []
    for block in extracted.blocks:
        if isinstance(block, Table):
            table = read_task_table(block)
            if table is None:
                prose.extend(block.as_lines())
            else:
                prose.extend(table.preamble)
                tables.append(table)
        else:
            prose.append(block)
    # Plain text without a task table is read exactly as before (line ends and all).
    raw = extracted.text if extracted.format == TEXT and not tables else "\n".join(prose)
    if len(raw) > MAX_CHARS:
        raise SeedError(f"文字过多(超过 {MAX_CHARS} 字)")
    if not raw.strip() and not any(t.rows for t in tables):
        raise SeedError("文件为空")
    encoding = extracted.encoding or extracted.format
    cleaned = clean_text(raw)
    text = cleaned.text
    normalized = normalize_text(text)
    layout = analyse_layout(text, name=name)
    reference = reference_date or layout.delivered_on or layout.issued_on
    # Undated plans name their year in the title (2024年工作要点): 6月底前 is June of that
    # year.  The document keeps no date it does not state.
    calendar = reference or year_start(layout.title)

    drafts = prose_drafts(text, normalized, layout, calendar)
    directives = inherit_owners(drafts, layout.addressees, text, normalized)
    clauses = tuple((d.end, d.closed_until) for d in drafts if d.closed_until > d.end)
    skipped = unrecognised_paragraphs(text, layout.regions, directives, calendar, clauses)
    if tables:
        start = len(text) + 2 if text else 0
        year, roll = table_calendar(reference, layout.title, prose)
        # A workbook without a title row is named after its file: no section name in that.
        rows, lines, skipped_rows = table_directives(
            tables, year, start, layout.title if text else "", roll
        )
        block = "\n".join(lines)
        joiner = "\n\n" if text else ""
        directives += rows
        skipped += tuple(skipped_rows)
        if extracted.format != TEXT:
            raw = raw + joiner + block if raw.strip() else block
        text = text + joiner + block
        normalized = normalized + joiner + normalize_text(block)
    return ParsedDocument(
        title=layout.title,
        speaker=layout.speaker,
        issuer=layout.issuer,
        addressees=layout.addressees,
        delivered_on=layout.delivered_on,
        issued_on=layout.issued_on,
        raw_text=raw,
        cleaned_text=text,
        normalized_text=normalized,
        sha256=digest,
        directives=directives,
        encoding=encoding,
        reference_date=reference,
        removed_noise=tuple(f"{r.kind}:{r.raw_start}:{r.text}" for r in cleaned.removals),
        source_format=extracted.format,
        skipped=skipped,
        document_number=layout.document_number,
        content_sha256=content_digest(extracted),
    )


def content_digest(extracted: Extracted) -> str:
    """Digest of what a file says: its paragraphs and table cells in order, with its format
    (a table typed as text is another source).  A Word file saved again, with new timestamps
    inside its zip, has new bytes and the same digest."""
    digest = hashlib.sha256(extracted.format.encode())
    for block in extracted.blocks:
        lines = block.as_lines() if isinstance(block, Table) else [block]
        for line in lines:
            digest.update(b"\n" + line.encode("utf-8"))
    return digest.hexdigest()


__all__ = ["CONTEXT", "QUOTED", "TASK", "ParsedDirective", "ParsedDocument", "parse_document"]
