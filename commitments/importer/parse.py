"""Public entry point: bytes of a speech or notice → a ParsedDocument (no database)."""

from __future__ import annotations

import hashlib
import json
import re
from bisect import bisect_left
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import accumulate, pairwise
from typing import Any

from commitments.importer import measures
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
from commitments.importer.formats import MAX_CHARS, TEXT, Extracted, Table, read_document
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
    # the step of a row with two dates (规划 / 验收).  ``title`` is the commitment's title: a
    # row's from its own cells, a prose task's (with owners) summarised from its words, here in
    # the parse (which runs on every CPU) rather than in the database write that follows.
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
    # Paragraphs (and table rows) that name a date or a unit but gave no task: shown to the
    # office as 未识别, so that it can add them by hand instead of losing them silently.
    skipped: tuple[str, ...] = ()
    document_number: str = ""  # 国办发〔2019〕4号
    # The extracted text's digest: the same Word file saved again (new timestamps inside its
    # zip) has new bytes but the same content, and is the same document.
    content_sha256: str = ""

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
                "document_number": self.document_number,
                "content_sha256": self.content_sha256,
            },
            "directives": [d.as_dict() for d in self.directives],
            "skipped": list(self.skipped),
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
    co_owners: tuple[str, ...] = ()
    acting: bool = False  # a task by its acting subject alone (国家卫生健康委推行……)


def _sentence_draft(
    normalized: str,
    start: int,
    end: int,
    region: Region,
    heading: Heading | None,
    reference: date | None,
    speech: bool,
) -> _Draft | None:
    """What one sentence is: a task (with its named owners and deadline), a quotation, context,
    or nothing worth keeping (None).

    Without 要/应, a unit that acts is a task in a notice or plan (国家卫生健康委推行……); in a
    speech, which also tells what units did, only when a deadline or 负责/牵头 says so."""
    sentence = normalized[start:end]
    verdict = classify(sentence)
    is_heading = bool(heading and heading.level > 1 and start == heading.start)
    if verdict.kind == TASK and measures.announces(sentence):
        return None
    if verdict.kind is None:
        if measures.is_past(sentence, reference):
            return None
        marker = heading_marker(sentence)
        # The numbering ((一) / 1.) is not part of the subject: mask it as a clause break.
        masked = "，" * len(marker[3]) + sentence[len(marker[3]) :] if marker else sentence
        acting, at = owner_rules.acting_unit(masked)
        deadline = find_deadline(sentence, reference) if acting else Deadline.none()
        if acting and speech and deadline.on is None and not deadline.pending:
            acting = () if not _ASSIGNED.match(sentence, at + len(acting[-1])) else acting
        if acting:
            return _Draft(region, start, end, TASK, acting, True, is_heading, deadline, acting=True)
        dated = measures.dated_work(sentence, reference)
        if dated is None:
            return None
        return _Draft(region, start, end, TASK, (), False, is_heading, dated)
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
        if not explicit:
            explicit, _ = owner_rules.acting_unit(masked)
            subject = bool(explicit)
        if trim is not None and not is_heading:
            span_start = start + trim
        deadline = find_deadline(normalized[span_start:end], reference)
    return _Draft(region, span_start, end, verdict.kind, explicit, subject, is_heading, deadline)


_ASSIGNED = re.compile(r"[^，。；]{0,20}?(?:负责|牵头)|不能|不得|严禁|禁止")
_SPEECH = re.compile(r"讲话|致辞|发言|讲稿")


def _measure_lines(
    normalized: str, start: int, end: int
) -> list[tuple[int, int, tuple[tuple[str, ...], tuple[str, ...], int]]]:
    """Lines of ``normalized[start:end]`` closed by an owner parenthesis, with their owners."""
    out = []
    pos = start
    for line in normalized[start:end].split("\n"):
        found = measures.owner_parenthesis(line) if "：" in line or ":" in line else None
        if found is not None:
            marker = heading_marker(line)
            skip = len(marker[3]) if marker else 0
            out.append((pos + skip, pos + len(line.rstrip()), found))
        pos += len(line) + 1
    return out


def _apply_back_references(drafts: list[_Draft], normalized: str) -> list[_Draft]:
    """以上工作要在……前完成: the deadline goes to the tasks before it in its paragraph (该项工作
    only to the one before), and the sentence itself is no task of its own."""
    out: list[_Draft] = []
    for d in drafts:
        scope = measures.back_reference(normalized[d.start : d.end])
        if not scope or d.kind != TASK or (d.deadline.on is None and not d.deadline.pending):
            out.append(d)
            continue
        paragraph_start = normalized.rfind("\n", 0, d.start) + 1
        earlier = [
            k
            for k, prev in enumerate(out)
            if prev.kind == TASK and prev.start >= paragraph_start and prev.deadline.on is None
        ]
        if scope == "one":
            earlier = earlier[-1:]
        if not earlier:
            out.append(d)
            continue
        for k in earlier:
            out[k] = replace(out[k], deadline=d.deadline)
    # A unit's dated measure governs the measures of other units that follow it in its
    # paragraph without a date (2019年3月底前，A推行……。B印发……。).
    for k in range(1, len(out)):
        d, prev = out[k], out[k - 1]
        if (
            d.acting
            and prev.acting
            and d.deadline.on is None
            and prev.deadline.on is not None
            and "\n" not in normalized[prev.start : d.start]
        ):
            out[k] = replace(d, deadline=prev.deadline)
    return out


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
    speech = bool(layout.speaker or _SPEECH.search(layout.title))
    for region in layout.regions:
        skip_until = region.start
        if region.path and region.path[-1].level == 1 and region.path[-1].start == region.start:
            skip_until = region.path[-1].end  # a part's heading is a title, not a sentence
        heading = region.path[-1] if region.path else None
        begin = max(region.start, skip_until)
        region_drafts: list[_Draft] = []
        for start, end, owned in _measure_lines(normalized, begin, region.end):
            # A measure closed by its owner parenthesis is one task, all its sentences.
            lead, co, _ = owned
            deadline = find_deadline(normalized[start:end], reference)
            region_drafts.append(
                _Draft(region, start, end, TASK, lead, False, False, deadline, co_owners=co)
            )
        taken = [(d.start, d.end) for d in region_drafts]
        spans = [
            span
            for span in split_sentences(text, begin, region.end)
            if not any(a <= span[0] < b for a, b in taken)
        ]
        for start, end in (part for span in spans for part in _own_subject_parts(normalized, span)):
            draft = _sentence_draft(normalized, start, end, region, heading, reference, speech)
            if draft is not None:
                region_drafts.append(draft)
        region_drafts.sort(key=lambda d: d.start)
        drafts.extend(_apply_back_references(region_drafts, normalized))

    directives = _assign(drafts, layout.addressees, text, normalized)
    skipped = unrecognised_paragraphs(text, layout.regions, directives, reference)
    if tables:
        start = len(text) + 2 if text else 0
        # Prose without a date keeps its deadlines pending (as before); a table's terse cells
        # are read against the year the title states (2024年……任务分工方案).
        stated = _stated_years(layout.title, prose)
        year = reference.year if reference else (stated[0] if stated else None)
        # A plan dated late in a year (a term, a winter holiday) lists the next months without
        # a year; unless its title fixes one year, a date well before the document's is next
        # year's.  A day or two before is a date of the document's own week.
        roll = None
        if reference and len(stated) != 1:
            roll = date.fromordinal(reference.toordinal() - ROLL_MARGIN_DAYS)
        elif not reference and len(stated) == 2 and stated[1] == stated[0] + 1:
            # A school year (2020-2021学年) runs from autumn: its spring months are next year's.
            roll = date(stated[0], SCHOOL_YEAR_START_MONTH, 1)
        # A workbook without a title row is named after its file: no section name in that.
        rows, lines, skipped_rows = _table_directives(
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


_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


ROLL_MARGIN_DAYS = 31
SCHOOL_YEAR_START_MONTH = 8
_YEAR_SPAN = re.compile(r"((?:19|20)\d{2})\s*[-—–~～至到－]\s*((?:19|20)\d{2})")


def _stated_years(title: str, prose: list[str]) -> list[int]:
    """The years a table's terse dates belong to: the one its title (or first lines) name, as
    in 2024年重点工作任务分工方案; two for a school year (2020-2021秋季学期)."""
    for line in (title, *prose[:5]):
        span = _YEAR_SPAN.search(line or "")
        if span:
            return [int(span.group(1)), int(span.group(2))]
        m = _YEAR.search(line or "")
        if m:
            return [int(m.group(1))]
    return []


def _table_directives(
    tables: list[TaskTable], year: int | None, start: int, title: str, roll: date | None = None
) -> tuple[tuple[ParsedDirective, ...], list[str], list[str]]:
    """One directive per row (per dated step when a row has two dates), the rows' lines and
    the rows skipped; ``start`` is where the first line begins in the document's text."""
    out: list[ParsedDirective] = []
    lines: list[str] = []
    skipped: list[str] = []
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
            schedule = schedule_of(values.get(DEADLINE, ""), year, roll)
            steps = schedule.milestones
            cycle = schedule.cycle
            if not values.get(DEADLINE):
                # No 完成时限 cell: dates written into the content count, its other words do not.
                in_content = schedule_of(values.get(CONTENT, ""), year, roll)
                steps = tuple(
                    m for m in in_content.milestones if m.deadline.text != in_content.text
                )
                cycle = in_content.cycle
            owners = split_cell_units(values.get(LEAD, ""))
            co_owners = tuple(u for u in split_cell_units(values.get(CO, "")) if u not in owners)
            if LEAD in table.labels and not owners and not values.get(RESPONSIBLE):
                # Nobody leads it in a table that names a lead for its work (全体师生休息):
                # a note of the schedule, not a task; listed as skipped for the office.
                skipped.append(line)
                continue
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
    return tuple(out), lines, skipped


def unrecognised_paragraphs(
    text: str,
    regions: tuple[Region, ...],
    directives: tuple[ParsedDirective, ...],
    reference: date | None,
) -> tuple[str, ...]:
    """Body paragraphs that set a deadline or have a unit act, but produced no task: the ones
    an office should read again (未识别 N 段).  Reports of the past are left out."""
    taken = sorted(d.span for d in directives if d.kind == TASK)
    starts = [a for a, _ in taken]
    # reach[k]: the furthest end among the first k+1 spans.  A line [start, end) overlaps a
    # task iff some span opening before ``end`` closes after ``start``: one bisect per line.
    reach = list(accumulate((b for _, b in taken), max))
    out: list[str] = []
    for region in regions:
        pos = region.start
        for line in text[region.start : region.end].split("\n"):
            start, end = pos, pos + len(line)
            pos = end + 1
            body = line.strip()
            if len(body) < 8:
                continue
            opening = bisect_left(starts, end)  # spans with a < end
            if opening and reach[opening - 1] > start:
                continue
            if measures.is_past(body, reference):
                continue
            if heading_marker(body) and not re.search("[。；;！？!?]", body):
                continue  # a heading names a topic ("二、今年的重点工作"), it assigns nothing
            found = find_deadline(body, reference)
            if found.on is not None or found.pending or owner_rules.acting_unit(body)[0]:
                out.append(body)
    return tuple(dict.fromkeys(out))


def _own_subject_parts(normalized: str, span: tuple[int, int]) -> list[tuple[int, int]]:
    """Split a sentence where a clause names its own subject and gives it work ("各县区要……；
    各部门要……", "……，总务处要……，安全处要……", "……，各地不能……"), so that each unit gets
    its own directive; otherwise keep the sentence whole."""
    start, end = span
    sentence = normalized[start:end]
    cuts: list[int] = []
    clause_start = 0
    for m in _CLAUSE_BREAK.finditer(sentence):
        before = sentence[clause_start : m.start()]  # the clause right before the break
        clause_start = m.end()
        # "2019年3月底前，国家卫生健康委推行……": a leading time belongs to the clause after it.
        if (
            m.end() < len(sentence)
            and not _TIME_ONLY.match(before)
            and _opens_own_task(sentence, m.end())
        ):
            cuts.append(m.end())
    bounds = [0, *cuts, len(sentence)]
    parts = [(a, b) for a, b in pairwise(bounds) if b > a]
    if len(parts) < 2:
        return [span]
    return [(start + a, start + b) for a, b in parts]


_CLAUSE_BREAK = re.compile(r"[，,；;]")
_TIME_ONLY = re.compile(
    r"^[在于到自从]?[\d零〇一二三四五六七八九十年月日号底末前之以内上中下旬起至—\-~～\s]*$"
)
_CLAUSE_END = re.compile(r"[，,；;。！？!?]")


def _opens_own_task(sentence: str, at: int) -> bool:
    """Whether the clause starting at ``at`` names a unit and gives it work by itself."""
    stop = _CLAUSE_END.search(sentence, at)
    clause = sentence[at : stop.start() if stop else len(sentence)]
    # Most clauses name no unit in their first words: a cheap look before the real one.
    if len(clause) < 4 or not owner_rules.UNIT_NEAR_START.search(clause, 0, 32):
        return False
    verdict = classify(clause)
    if verdict.kind == TASK and verdict.cue not in ("希望", "请"):
        owners, subject_start = owner_rules.subject_before(clause, verdict.cue_start)
        if owners and subject_start == 0:
            return True
    acting, where = owner_rules.acting_unit(clause)
    return bool(acting) and where == 0


# "……，请科技部等部门在2019年2月底前完成。": the request names who and when, not what.
_BARE_REQUEST = re.compile(r"[^，,；;]{0,60}?(?:完成|办理|落实|执行|负责)[。！]?$")


def _explicit_owners(
    sentence: str, cue: str, cue_start: int, cue_end: int
) -> tuple[tuple[str, ...], int | None, bool]:
    """Owners named in the sentence, where the directive proper starts, and whether the owners
    are the sentence's subject (and so carry over to the following subject-less sentences)."""
    if cue in ("希望", "请"):
        found = owner_rules.subject_after_hope(sentence, cue_end)
        clause_start = max(sentence.rfind(sep, 0, cue_start) for sep in "，,；;：:") + 1
        if cue == "请" and clause_start > 0 and _BARE_REQUEST.match(sentence, cue_end):
            # "……的有关事项，请科技部……在……前完成": the work is named before the request.
            return found, None, bool(found)
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
    by_path: dict[tuple[int, ...], list[_Draft]] = {}
    for d in tasks:
        by_path.setdefault(_path_key(d.region), []).append(d)
    for key, members in by_path.items():
        if len(key) < 2:
            continue
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
                co_owners=d.co_owners,
                report_cycle=report_cycle_of(normalized[d.start : d.end]) if d.kind == TASK else "",
                title=summarize(normalized[d.start : d.end] or text[d.start : d.end], owners)
                if d.kind == TASK and owners
                else "",
            )
        )
    return tuple(out)


__all__ = ["CONTEXT", "QUOTED", "TASK", "ParsedDirective", "ParsedDocument", "parse_document"]
