"""Text understanding for leaders' speeches and notices (no Django, no database).

Pipeline, one module per concern, each a set of plain functions over strings:

* ``formats``    bytes → paragraphs and tables: format sniffed from the content (.docx with its
                 list numbering, .xlsx with merged ranges, text PDF, plain text with TAB tables).
* ``tables``     task-division tables: header by meaning, merged cells carried down, rows → tasks.
* ``decode``     bytes → str: BOM, UTF-8, UTF-16 with or without BOM, GB18030/GBK; refuses
                 empty, binary and oversized (> 4 MB) input with ``SeedError``.
* ``clean``      conversion damage: chunk markers (``N、`` cutting words), page numbers inside
                 sentences, stray spaces; paragraph breaks become line breaks.  Only removes
                 noise, never a Chinese character; keeps an offset map back to the raw text.
* ``normalize``  a second reading that undoes a rewriting tool's synonyms (开展→发展 in context,
                 效劳→服务 ...); same length, so spans select both readings.
* ``structure``  notice header (issuer, addressees, date), speech header (title, date,
                 speaker), numbered parts and sub-points (一、 / （一） / 一要 / 第一， / 1. ...).
* ``directives`` sentences → task / quoted (a higher leader's instruction) / context.
* ``owners``     责任主体 from the subject, split into units; inheritance is done in ``parse``.
* ``deadlines``  time expressions → date, source wording and a "to be set" flag; ``schedule_of``
                 reads a table's terse 完成时限 cell (steps, report cycle).
* ``summary``    commitment titles and a guess of a unit's kind from its name.
* ``parse``      ``parse_document(data, reference_date=None, name="") -> ParsedDocument``.
"""

from commitments.importer.errors import SeedError

__all__ = ["SeedError"]
