"""Prose → drafts, region by region: measures closed by an owner parenthesis, then every
sentence (cut where a clause has its own subject), then deadlines that stand apart
(以上工作要在……前完成) given to the tasks they speak of."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from commitments.importer import measures
from commitments.importer.clauses import own_subject_parts
from commitments.importer.deadlines import find_deadline
from commitments.importer.directives import TASK, split_sentences
from commitments.importer.drafts import Draft, sentence_draft
from commitments.importer.patterns import heading_marker
from commitments.importer.structure import DocumentLayout

_SPEECH = re.compile(r"讲话|致辞|发言|讲稿")


def prose_drafts(
    text: str, normalized: str, layout: DocumentLayout, reference: date | None
) -> list[Draft]:
    """The drafts of every region of the cleaned ``text`` (``normalized`` is its normalised
    reading, same offsets), in the order of the text within each region."""
    drafts: list[Draft] = []
    speech = bool(layout.speaker or _SPEECH.search(layout.title))
    for region in layout.regions:
        skip_until = region.start
        if region.path and region.path[-1].level == 1 and region.path[-1].start == region.start:
            skip_until = region.path[-1].end  # a part's heading is a title, not a sentence
        heading = region.path[-1] if region.path else None
        begin = max(region.start, skip_until)
        region_drafts: list[Draft] = []
        for start, end, owned in _measure_lines(normalized, begin, region.end):
            # A measure closed by its owner parenthesis is one task, all its sentences.
            lead, co, _ = owned
            deadline = find_deadline(normalized[start:end], reference)
            region_drafts.append(
                Draft(region, start, end, TASK, lead, False, False, deadline, co_owners=co)
            )
        taken = [(d.start, d.end) for d in region_drafts]
        spans = [
            span
            for span in split_sentences(text, begin, region.end)
            if not any(a <= span[0] < b for a, b in taken)
        ]
        for start, end in (part for span in spans for part in own_subject_parts(normalized, span)):
            draft = sentence_draft(normalized, start, end, region, heading, reference, speech)
            if draft is not None:
                region_drafts.append(draft)
        region_drafts.sort(key=lambda d: d.start)
        drafts.extend(_apply_back_references(region_drafts, normalized))
    return drafts


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


def _apply_back_references(drafts: list[Draft], normalized: str) -> list[Draft]:
    """以上工作要在……前完成: the deadline goes to the tasks before it in its paragraph (该项工作
    only to the one before), and the sentence itself is no task of its own."""
    out: list[Draft] = []
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
