"""Prose → drafts, region by region: items closed by their 分工 (:mod:`.items`), then every
sentence (cut where a clause has its own subject), then deadlines that stand apart
(以上工作要在……前完成) given to the tasks they speak of."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from commitments.importer import measures
from commitments.importer.clauses import own_subject_parts
from commitments.importer.deadlines import Deadline, find_deadline, schedule_of
from commitments.importer.directives import TASK, split_sentences
from commitments.importer.drafts import Draft, sentence_draft
from commitments.importer.items import ClosedItem, closed_items
from commitments.importer.structure import DocumentLayout, Region

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
        taken: list[tuple[int, int]] = []
        item = _item_start(normalized, region)
        for closed in closed_items(
            normalized, begin if item is None else region.start, region.end, item
        ):
            # An item closed by its 分工 is one task, all its sentences.
            region_drafts.append(_item_draft(closed, normalized, region, reference))
            taken.append((closed.origin, closed.stop))
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


def _item_start(normalized: str, region: Region) -> int | None:
    """Where the words of the region's numbered item start (after ``1.``), or None when the
    region is no item: the text before the first heading, or a part whose heading line is a
    title alone (一、加强党的建设) over paragraphs of its own."""
    heading = region.path[-1] if region.path else None
    if heading is None or heading.start != region.start:
        return None
    words = heading.start + len(heading.marker)
    line_end = normalized.find("\n", heading.start, region.end)
    line_end = region.end if line_end == -1 else line_end
    if heading.level == 1 and not normalized[heading.end : line_end].strip():
        return None
    return words


def _item_draft(
    closed: ClosedItem, normalized: str, region: Region, reference: date | None
) -> Draft:
    """The task of an item closed by its 分工: the 分工's owners; its deadline the 分工's own
    (完成时限, 2022年12月底前完成) read in the document's year, else the item's."""
    found = closed.assignment
    deadline = Deadline.none()
    if found.deadline:
        year = reference.year if reference else None
        steps = schedule_of(found.deadline, year).milestones
        deadline = next((m.deadline for m in steps if m.deadline.on), Deadline.none())
        if deadline.on is None and steps:
            deadline = steps[0].deadline
    if deadline.on is None:
        in_text = find_deadline(normalized[closed.start : closed.end], reference)
        if in_text.on is not None or in_text.pending or not deadline.text:
            deadline = in_text
    return Draft(
        region,
        closed.start,
        closed.end,
        TASK,
        found.owners,
        False,
        False,
        deadline,
        co_owners=found.co_owners,
        responsible=found.responsible,
        closed_until=closed.stop,
    )


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
