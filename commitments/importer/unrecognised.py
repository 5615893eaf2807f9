"""未识别: body paragraphs that name a date or have a unit act but gave no task, for the office
to read again instead of losing them silently."""

from __future__ import annotations

import re
from bisect import bisect_left
from datetime import date
from itertools import accumulate

from commitments.importer import measures
from commitments.importer import owners as owner_rules
from commitments.importer.deadlines import find_deadline
from commitments.importer.directives import TASK
from commitments.importer.patterns import heading_marker
from commitments.importer.result import ParsedDirective
from commitments.importer.structure import Region


def unrecognised_paragraphs(
    text: str,
    regions: tuple[Region, ...],
    directives: tuple[ParsedDirective, ...],
    reference: date | None,
    clauses: tuple[tuple[int, int], ...] = (),
) -> tuple[str, ...]:
    """Body paragraphs that set a deadline or have a unit act, but produced no task: the ones
    an office should read again (未识别 N 段).  Reports of the past are left out, and so are
    the 分工 that closed a task (``clauses``: its bracket or label lines)."""
    taken = sorted([*(d.span for d in directives if d.kind == TASK), *clauses])
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
