"""Public entry point: bytes of a speech or notice → a ParsedDocument (no database)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any

from commitments.importer import owners as owner_rules
from commitments.importer.clean import clean_text
from commitments.importer.deadlines import (
    Deadline,
    Milestone,
    find_deadline,
    report_cycle_of,
    schedule_of,
)
from commitments.importer.directives import CONTEXT, QUOTED, TASK, classify, split_sentences
from commitments.importer.errors import SeedError
from commitments.importer.formats import MAX_CHARS, TEXT, Table, read_document
from commitments.importer.normalize import normalize_text
from commitments.importer.patterns import heading_marker
from commitments.importer.structure import Heading, Region, analyse_layout
from commitments.importer.summary import summarize
from commitments.importer.tables import (
    CO,
    CONTENT,
    DEADLINE,
    LEAD,
    RESPONSIBLE,
    TaskTable,
    compact,
    read_task_table,
    split_cell_units,
)
from commitments.importer.tables import (
    TASK as TASK_COLUMN,
)

SECTION_SEPARATOR = " / "
NOTICE_SECTION = "通知"
OPENING_SECTION = "开头"


@dataclass(frozen=True)
class ParsedDirective:
    ref: str
    section: str
    text: str  # cleaned_text[span[0]:span[1]], the record
    owners: tuple[str, ...]
    deadline: date | None
    deadline_text: str
    deadline_pending: bool
    kind: str  # "task" | "quoted" | "context"
    span: tuple[int, int]
    normalized_text: str = ""  # same span in the normalised reading
    owners_inherited: bool = False  # owners come from the sub-point/section, not the sentence
    # From task tables (empty for prose): 配合单位, 责任人 as written, 每月/每季度 report cycle,
    # the step of a row with two dates (规划 / 验收), and the title the row's own cells give.
    co_owners: tuple[str, ...] = ()
    responsible: str = ""
    report_cycle: str = ""
    milestone: str = ""
    title: str = ""
    source: str = "prose"  # "prose" | "table"

    def as_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "section": self.section,
            "text": self.text,
            "owners": list(self.owners),
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "deadline_text": self.deadline_text,
            "kind": self.kind,
            "span": [self.span[0], self.span[1]],
            "deadline_pending": self.deadline_pending,
            "co_owners": list(self.co_owners),
            "responsible": self.responsible,
            "report_cycle": self.report_cycle,
            "milestone": self.milestone,
            "source": self.source,
        }


@dataclass(frozen=True)
class ParsedDocument:
    title: str
    speaker: str
    issuer: str
    addressees: tuple[str, ...]
    delivered_on: date | None
    issued_on: date | None
    raw_text: str
    cleaned_text: str
    normalized_text: str
    sha256: str
    directives: tuple[ParsedDirective, ...]
    encoding: str = "utf-8"
    reference_date: date | None = None
    removed_noise: tuple[str, ...] = field(default=(), repr=False)
    source_format: str = TEXT  # "text" | "docx" | "xlsx" | "pdf", detected from the content

    def as_dict(self) -> dict[str, Any]:
        return {
            "document": {
                "title": self.title,
                "speaker": self.speaker,
                "issuer": self.issuer,
                "delivered_on": self.delivered_on.isoformat() if self.delivered_on else None,
                "issued_on": self.issued_on.isoformat() if self.issued_on else None,
                "sha256": self.sha256,
                "format": self.source_format,
            },
            "directives": [d.as_dict() for d in self.directives],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=indent)

    def of_kind(self, kind: str) -> tuple[ParsedDirective, ...]:
        return tuple(d for d in self.directives if d.kind == kind)


@dataclass
class _Draft:
    region: Region
    start: int
    end: int
    kind: str
    explicit: tuple[str, ...]
    subject: bool  # explicit owners are the grammatical subject (later sentences inherit them)
    is_heading: bool
    deadline: Deadline


def parse_document(
    data: bytes, *, reference_date: date | None = None, name: str = ""
) -> ParsedDocument:
    """Parse a leader's speech, a notice or a task table (.txt, .docx, .xlsx or text PDF).

    Raises ``SeedError`` for unusable input.  Prose goes through the sentence pipeline; task
    tables (by their header) give one task per row, appended after the prose in the text.
    """
    digest = hashlib.sha256(data).hexdigest()
    extracted = read_document(data)
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

    drafts: list[_Draft] = []
    for region in layout.regions:
        skip_until = region.start
        if region.path and region.path[-1].level == 1 and region.path[-1].start == region.start:
            skip_until = region.path[-1].end  # a part's heading is a title, not a sentence
        heading = region.path[-1] if region.path else None
        spans = split_sentences(text, max(region.start, skip_until), region.end)
        for start, end in (part for span in spans for part in _own_subject_parts(normalized, span)):
            sentence = normalized[start:end]
            verdict = classify(sentence)
            if verdict.kind is None:
                continue
            is_heading = bool(heading and heading.level > 1 and start == heading.start)
            explicit: tuple[str, ...] = ()
            subject = False
            span_start = start
            deadline = Deadline.none()
            if verdict.kind == TASK:
                marker = heading_marker(sentence)
                # The numbering (1. / 首先，) is not part of the subject: mask it as a clause break.
                masked = "，" * len(marker[3]) + sentence[len(marker[3]) :] if marker else sentence
                explicit, trim, subject = _explicit_owners(
                    masked, verdict.cue, verdict.cue_start, verdict.cue_end
                )
                if trim is not None and not is_heading:
                    span_start = start + trim
                deadline = find_deadline(normalized[span_start:end], reference)
            drafts.append(
                _Draft(
                    region, span_start, end, verdict.kind, explicit, subject, is_heading, deadline
                )
            )

    directives = _assign(drafts, layout.addressees, text, normalized)
    if tables:
        start = len(text) + 2 if text else 0
        # Prose without a date keeps its deadlines pending (as before); a table's terse cells
        # are read against the year the title states (2024年……任务分工方案).
        year = reference.year if reference else _stated_year(layout.title, prose)
        # A workbook without a title row is named after its file: no section name in that.
        rows, lines = _table_directives(tables, year, start, layout.title if text else "")
        block = "\n".join(lines)
        joiner = "\n\n" if text else ""
        directives += rows
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
    )


_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


def _stated_year(title: str, prose: list[str]) -> int | None:
    """The year a table's terse dates belong to when the document has no date: the one its
    title (or first lines) name, as in 2024年重点工作任务分工方案."""
    for line in (title, *prose[:5]):
        m = _YEAR.search(line or "")
        if m:
            return int(m.group(1))
    return None


def _table_directives(
    tables: list[TaskTable], year: int | None, start: int, title: str
) -> tuple[tuple[ParsedDirective, ...], list[str]]:
    """One directive per row (per dated step when a row has two dates) and the rows' lines;
    ``start`` is where the first line begins in the document's text."""
    out: list[ParsedDirective] = []
    lines: list[str] = []
    offset = start
    for number, table in enumerate(tables, start=1):
        name = (table.preamble[0] if table.preamble else "") or (
            title if len(tables) == 1 and title else f"表{number}"
        )
        for row in table.rows:
            line = row.line
            span = (offset, offset + len(line))
            lines.append(line)
            offset += len(line) + 1
            values = row.values
            schedule = schedule_of(values.get(DEADLINE, ""), year)
            steps = schedule.milestones
            cycle = schedule.cycle
            if not values.get(DEADLINE):
                # No 完成时限 cell: dates written into the content count, its other words do not.
                in_content = schedule_of(values.get(CONTENT, ""), year)
                steps = tuple(
                    m for m in in_content.milestones if m.deadline.text != in_content.text
                )
                cycle = in_content.cycle
            owners = split_cell_units(values.get(LEAD, ""))
            co_owners = tuple(u for u in split_cell_units(values.get(CO, "")) if u not in owners)
            content = values.get(CONTENT, "")
            task = values.get(TASK_COLUMN, "")
            title = summarize(content, owners) if content else task
            section = SECTION_SEPARATOR.join(
                part for part in (name, row.category, task if content else "") if part
            )
            if not steps:
                steps = (Milestone(Deadline(None, schedule.text, False), ""),)
            several = len(steps) > 1
            for k, step in enumerate(steps, start=1):
                out.append(
                    ParsedDirective(
                        ref=f"T{number}-{row.number}" + (f".{k}" if several else ""),
                        section=section,
                        text=line,
                        owners=owners,
                        deadline=step.deadline.on,
                        deadline_text=step.deadline.text,
                        deadline_pending=step.deadline.pending,
                        kind=TASK,
                        span=span,
                        normalized_text=normalize_text(line),
                        co_owners=co_owners,
                        responsible=compact(values.get(RESPONSIBLE, "")),
                        report_cycle=cycle,
                        milestone=step.label if several else "",
                        title=f"{title}({step.label})" if several and step.label else title,
                        source="table",
                    )
                )
    return tuple(out), lines


def _own_subject_parts(normalized: str, span: tuple[int, int]) -> list[tuple[int, int]]:
    """Split "各县区要……；各部门要……" at the semicolon when each part names its own subject,
    so that each unit gets its own directive; otherwise keep the sentence whole."""
    start, end = span
    sentence = normalized[start:end]
    if "；" not in sentence and ";" not in sentence:
        return [span]
    cuts = [i + 1 for i, ch in enumerate(sentence) if ch in "；;"]
    bounds = [0, *cuts, len(sentence)]
    parts = [(a, b) for a, b in pairwise(bounds) if b > a]
    if len(parts) < 2:
        return [span]
    for a, b in parts:
        piece = sentence[a:b]
        verdict = classify(piece)
        if verdict.kind != TASK or verdict.cue in ("希望", "请"):
            return [span]
        owners, subject_start = owner_rules.subject_before(piece, verdict.cue_start)
        if not owners or subject_start != 0:
            return [span]
    return [(start + a, start + b) for a, b in parts]


def _explicit_owners(
    sentence: str, cue: str, cue_start: int, cue_end: int
) -> tuple[tuple[str, ...], int | None, bool]:
    """Owners named in the sentence, where the directive proper starts, and whether the owners
    are the sentence's subject (and so carry over to the following subject-less sentences)."""
    if cue in ("希望", "请"):
        found = owner_rules.subject_after_hope(sentence, cue_end)
        clause_start = max(sentence.rfind(sep, 0, cue_start) for sep in "，,；;：:") + 1
        return found, clause_start, bool(found)
    found, subject_start = owner_rules.subject_before(sentence, cue_start)
    if found:
        return found, subject_start, True
    found, subject_start = owner_rules.clause_initial_subject(sentence, cue_start)
    if found:
        return found, subject_start, True
    # Owners named as the place or the means of the work belong to this sentence only.
    found = owner_rules.locative_units(sentence, cue_end) or owner_rules.strengths_subject(
        sentence, cue_start
    )
    return found, None, False


def _path_key(region: Region) -> tuple[int, ...]:
    return tuple(id(h) for h in region.path)


def _section_label(region: Region, has_headings: bool) -> str:
    if region.path:
        return SECTION_SEPARATOR.join(h.label for h in region.path)
    if region.part == "notice":
        return NOTICE_SECTION
    return OPENING_SECTION if has_headings else ""


def _ref_prefix(region: Region) -> str:
    if region.path:
        return ".".join(str(h.number) for h in region.path)
    return "N" if region.part == "notice" else "0"


def _assign(
    drafts: list[_Draft], addressees: tuple[str, ...], text: str, normalized: str
) -> tuple[ParsedDirective, ...]:
    """Owners by inheritance (sentence → sub-point → section → opening), refs, sections."""
    addressee_units: tuple[str, ...] = ()
    for item in addressees:
        addressee_units += owner_rules.split_units(item)

    def top(d: _Draft) -> Heading | None:
        return d.region.path[0] if d.region.path else None

    tasks = [d for d in drafts if d.kind == TASK]
    opening = [d for d in tasks if d.region.part == "speech" and not d.region.path]
    opening_owner = next((d.explicit for d in opening if d.explicit), ())
    # A section's owner is whoever its opening paragraph addresses (各县区各系统各部门都要……);
    # a unit named deep inside one sub-point does not speak for the whole section.
    section_owner: dict[int, tuple[str, ...]] = {}
    for d in tasks:
        h = top(d)
        if h is not None and d.explicit and d.subject and len(d.region.path) == 1:
            section_owner.setdefault(id(h), d.explicit)

    subpoint_owner: dict[tuple[int, ...], tuple[str, ...]] = {}
    for key in {_path_key(d.region) for d in tasks if len(d.region.path) > 1}:
        members = [d for d in tasks if _path_key(d.region) == key]
        heading = next((d for d in members if d.is_heading), None)
        if heading and heading.explicit:
            subpoint_owner[key] = heading.explicit
            continue
        following = [d for d in members if not d.is_heading]
        if following and following[0].explicit:
            subpoint_owner[key] = following[0].explicit

    has_headings = any(d.region.path for d in drafts)
    counters: dict[str, int] = {}
    last_explicit: dict[tuple[str, tuple[int, ...]], tuple[str, ...]] = {}
    out: list[ParsedDirective] = []
    for d in drafts:
        prefix = _ref_prefix(d.region)
        counters[prefix] = counters.get(prefix, 0) + 1
        region_key = (d.region.part, _path_key(d.region))
        owners: tuple[str, ...] = ()
        inherited = False
        if d.kind == TASK:
            if d.explicit:
                owners = d.explicit
                if not d.is_heading and d.subject:
                    last_explicit[region_key] = d.explicit
            else:
                h = top(d)
                owners = (
                    (() if d.is_heading else last_explicit.get(region_key, ()))
                    or subpoint_owner.get(_path_key(d.region), ())
                    or (section_owner.get(id(h), ()) if h else ())
                    or (addressee_units if d.region.part == "notice" else ())
                    or opening_owner
                    or addressee_units
                )
                inherited = bool(owners)
        out.append(
            ParsedDirective(
                ref=f"{prefix}-{counters[prefix]}",
                section=_section_label(d.region, has_headings),
                text=text[d.start : d.end],
                owners=owners,
                deadline=d.deadline.on,
                deadline_text=d.deadline.text,
                deadline_pending=d.deadline.pending,
                kind=d.kind,
                span=(d.start, d.end),
                normalized_text=normalized[d.start : d.end],
                owners_inherited=inherited,
                report_cycle=report_cycle_of(normalized[d.start : d.end]) if d.kind == TASK else "",
            )
        )
    return tuple(out)


__all__ = ["CONTEXT", "QUOTED", "TASK", "ParsedDirective", "ParsedDocument", "parse_document"]
