"""Items closed by their 分工: in a work plan (工作要点, 任务分工方案, 若干措施) the owners and the
deadline of an item stand after it, and the item, however many sentences it has, is one task:

* a bracket that ends a sentence: ``1.加强理论武装。……。（组织人事科牵头，各支部配合）``;
* the item's last sentence: ``……。由市发改委牵头，市财政局配合。``, ``……。责任单位：区住建局``;
* label lines below it: ``牵头单位：区发改局`` / ``责任单位：各街道`` / ``完成时限：10月底前``.

A 分工 closes the text written since the previous one, back to the start of its numbered item
when it is the item's first, else back to the start of its own paragraph (the paragraph above
a clause or label lines that stand alone).  What it does not close stays with the sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from commitments.importer.assignments import (
    Assignment,
    leading_roles,
    read_assignment,
    read_labels,
)
from commitments.importer.patterns import heading_marker

_OPENERS = "（("
_CLOSERS = "）)"
_CLOSER = re.compile(r"[）)]")
# After a closing bracket: the sentence ends (。；) or the line does.
_AFTER_CLAUSE = re.compile(r"\s*(?:[。；;.！!]|$)")
_SENTENCES = re.compile(r"[^。！？!?]+[。！？!?]*")


@dataclass(frozen=True)
class ClosedItem:
    start: int  # the item's words (without its number and its 分工)
    end: int
    origin: int  # where the item starts, its number included
    stop: int  # the end of its 分工: the sentences from origin to here belong to the item
    assignment: Assignment


@dataclass(frozen=True)
class _Closing:
    start: int  # where the 分工 starts (a bracket, a last sentence, label lines)
    stop: int  # where it ends
    own_line: bool  # it fills its line(s): the item is the paragraph above
    line_start: int  # the start of the line that holds it
    assignment: Assignment
    labels: bool = False  # label lines (more may follow)


def closed_items(text: str, begin: int, end: int, item_start: int | None) -> list[ClosedItem]:
    """The items of ``text[begin:end]`` (one region) closed by a 分工.

    ``item_start`` is where the region's numbered item starts its words (after ``1.``), or None
    when the region is no item of its own (the text before the first heading)."""
    closings = [
        c
        for c in _closings(text, begin, end, numbered=item_start is not None)
        if c.assignment.closes
    ]
    if (
        item_start is not None
        and len(closings) == 1
        and closings[0].line_start == begin
        and _titles_its_item(text, closings[0], end)
    ):
        # 1.加强队伍建设（人事科牵头） over the item's body: the 分工 of all of it, which keeps
        # its bracket in the middle of its text.
        s, e = _trimmed(text, item_start, end)
        return [ClosedItem(s, e, begin, end, closings[0].assignment)]
    items: list[ClosedItem] = []
    cursor = begin
    for closing in closings:
        if closing.own_line:
            paragraph = _paragraph_above(text, cursor, closing.line_start)
        else:
            paragraph = closing.line_start
        whole = not items and item_start is not None  # the item's first 分工: all of it
        origin, e = _trimmed(text, max(begin if whole else paragraph, cursor), closing.start)
        marker = heading_marker(text[origin:e])
        # The number (1.) is no part of the item's words, as a heading or not.
        s = origin + len(marker[3]) if marker is not None else origin
        if whole and item_start is not None:
            s = max(s, item_start)
        if e > s:
            items.append(ClosedItem(s, e, origin, closing.stop, closing.assignment))
        cursor = closing.stop
    return items


def _titles_its_item(text: str, closing: _Closing, end: int) -> bool:
    """Whether a 分工 ends its line, the item's first, and more lines of the item follow."""
    line_end = text.find("\n", closing.line_start, end)
    if line_end == -1 or closing.own_line or closing.labels:
        return False
    return not text[closing.stop : line_end].strip() and bool(text[line_end:end].strip())


def _paragraph_above(text: str, cursor: int, line_start: int) -> int:
    """The start of the non-empty line right above ``line_start`` (not before ``cursor``)."""
    stop = line_start - 1
    while stop > cursor and text[stop - 1] in " \t\n\u3000":
        stop -= 1
    return max(cursor, text.rfind("\n", 0, stop) + 1)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \t\n\u3000":
        start += 1
    while end > start and text[end - 1] in " \t\n\u3000":
        end -= 1
    return start, end


def _closings(text: str, begin: int, end: int, *, numbered: bool) -> list[_Closing]:
    """Every 分工 of the region in order; label lines in a row make one."""
    out: list[_Closing] = []
    pos = begin
    for line in text[begin:end].split("\n"):
        line_start = pos
        pos += len(line) + 1
        body = line.strip()
        if not body:
            continue
        label = read_labels(body) if _LABEL_START.match(body) else None
        if label is not None:
            stop = line_start + len(line.rstrip())
            last = out[-1] if out else None
            if last is not None and last.labels and _only_space(text, last.stop, line_start):
                # 牵头单位 / 责任单位 / 完成时限 on lines of their own: one 分工, read as one
                # (责任单位 beside a 牵头单位 on the line above helps it).
                block = "；".join(text[last.start : stop].split("\n"))
                merged = read_labels(block) or last.assignment
                out[-1] = _Closing(last.start, stop, True, last.line_start, merged, True)
                continue
            # A label line of a person or an event's time alone may open a block that a
            # 牵头单位 line below completes; a block that names nobody is dropped below.
            first = line_start + len(line) - len(line.lstrip())
            out.append(_Closing(first, stop, True, line_start, label, True))
            continue
        out.extend(_in_line(line, line_start, numbered=numbered))
    return out


def _only_space(text: str, a: int, b: int) -> bool:
    return not text[a:b].strip()


_LABEL_START = re.compile(r"^[\u4e00-\u9fff（）()]{2,10}?\s*[:：]")


def _in_line(line: str, line_start: int, *, numbered: bool) -> list[_Closing]:
    """分工 brackets that end a sentence of the line, and a last sentence that is a 分工 (or,
    in a numbered item, opens with one: 由A牵头，B配合，年内完成……)."""
    out: list[_Closing] = []
    for closer in _CLOSER.finditer(line):
        k = closer.start()
        after = _AFTER_CLAUSE.match(line, k + 1)
        if after is None:
            continue
        opening = _opening_of(line, k)
        if opening is None:
            continue
        found = read_assignment(line[opening + 1 : k])
        if found is None:
            continue
        own = not line[:opening].strip()
        out.append(_Closing(line_start + opening, line_start + after.end(), own, line_start, found))
    done = out[-1].stop - line_start if out else 0
    rest = line[done:].rstrip()
    sentences = [m for m in _SENTENCES.finditer(rest) if m.group(0).strip()]
    if sentences:
        last = sentences[-1]
        sentence = last.group(0).strip().rstrip("。；;.！!")
        start = done + last.start() + len(last.group(0)) - len(last.group(0).lstrip())
        found = read_assignment(sentence, bare=True)
        if found is not None:
            own = not line[:start].strip()
            out.append(_Closing(line_start + start, line_start + len(rest), own, line_start, found))
        elif numbered and not out and (head := leading_roles(sentence)) is not None:
            # The 分工 is the sentence's head: the item runs on to the end of the sentence.
            stop = line_start + len(rest)
            out.append(_Closing(stop, stop, False, line_start, head[0]))
    return out


def _opening_of(line: str, close: int) -> int | None:
    """The bracket that ``line[close]`` closes, nested brackets (各县（市、区）) skipped."""
    depth = 0
    for k in range(close, -1, -1):
        if line[k] in _CLOSERS:
            depth += 1
        elif line[k] in _OPENERS:
            depth -= 1
            if depth == 0:
                return k
    return None
