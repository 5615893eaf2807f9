"""Text understanding for leaders' speeches and notices (no Django, no database).

Pipeline, one module per concern, each a set of plain functions over strings:

* ``formats``    bytes → paragraphs and tables: format sniffed from the content (.docx with its
                 list numbering, .xlsx with merged ranges, text PDF, plain text with TAB tables).
* ``tables``     task-division tables: header by meaning, merged cells carried down, row cells.
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
* ``owners``     责任主体 from the subject, split into units.
* ``deadlines``  time expressions → date, source wording and a "to be set" flag; ``schedule_of``
                 reads a table's terse 完成时限 cell (steps, report cycle).
* ``measures``   work assigned without 要/应: units that act, dated work, deadlines that
                 stand apart (以上工作……前完成).
* ``assignments`` a 分工 read: 牵头单位：A；责任单位：B / A牵头，B配合，6月底前完成 → lead
                 units, co-units, the deadline's wording.
* ``items``      work-plan items closed by their 分工 (a bracket, a last sentence, label lines
                 below): one task each, from the item's number to its 分工.
* ``clauses``    one sentence, several tasks: cut where a clause names its own subject.
* ``drafts``     what one sentence is (a ``Draft``: kind, named owners, deadline).
* ``prose``      the regions of the text → drafts (closed items first, then sentences), with
                 back-referring deadlines applied.
* ``inheritance`` drafts → directives: owners inherited (sub-point → section → opening →
                 addressees), refs, section labels, titles.
* ``unrecognised`` paragraphs with a date or an acting unit that gave no task (未识别).
* ``table_directives`` task-table rows → directives, terse dates in the document's year.
* ``summary``    commitment titles and a guess of a unit's kind from its name.
* ``result``     ``ParsedDocument`` / ``ParsedDirective``: what a parse hands back.
* ``parse``      ``parse_document(data, reference_date=None, name="") -> ParsedDocument``: the
                 steps above in order.
* ``batch``      many files parsed side by side on every CPU.
* ``evaluation`` the figures on the hand-annotated corpus (``make eval``).
"""

from commitments.importer.errors import SeedError

__all__ = ["SeedError"]
