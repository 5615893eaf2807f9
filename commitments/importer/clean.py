"""Undo conversion damage: chunk markers, page numbers, stray spaces.

The cleaned text is the record every directive points into, so cleaning only ever *removes*
noise (chunk markers, page numbers, whitespace) or turns whitespace into a line break: it never
adds, drops or changes a Chinese character.  ``CleanResult.offsets`` maps every cleaned
character back to the raw text so the original position stays known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import median

from commitments.importer.patterns import (
    CJK,
    CLOSERS,
    DATE_LINE,
    FULL_DATE,
    HEADING_START,
    SENTENCE_END,
)

_HSPACE = " \t\r\u3000\u00a0\u2002\u2003\u2009\u200b\ufeff"
_CHUNK_MARKER = re.compile(r"^[ \t\u3000]*(\d{1,4})、")
# Measure words and date units: a number right before one of them is a real number.
_UNIT_CHARS = set(
    "年月日号时点分秒周岁个项条次名人家所万亿千百十元角倍期届批版章节位只件台辆户支套篇份张"
    "场轮类种座栋间级层米里吨度天届%％"
)
# A page number sits between two characters with a space on at least one side; a chunk joint
# ("\n" between numbered chunks) may stand next to it.  Hard line breaks are checked later.
# That is   (?<=[^\sA-Za-z0-9])\n?[H]+(\d{1,3})[H\n]*(?=[CJK])
#         | (?<=[CJK])\n?(\d{1,3})[H]+\n?(?=[CJK])
# with H the horizontal spaces, written out by the first character each branch takes (a line
# break, a space, a digit) with the look-behind after it: a pattern that opens with a
# look-behind is tried at every character, this one fails at once at most of them (three
# times faster on a speech). The digits are the one group of the branch that matched.
_PAGE_NUMBER = re.compile(
    rf"\n(?<=[^\sA-Za-z0-9]\n)[{_HSPACE}]+(\d{{1,3}})[{_HSPACE}\n]*(?=[{CJK}])"
    rf"|\n(?<=[{CJK}]\n)(\d{{1,3}})[{_HSPACE}]+\n?(?=[{CJK}])"
    rf"|[{_HSPACE}](?<=[^\sA-Za-z0-9][{_HSPACE}])[{_HSPACE}]*(\d{{1,3}})[{_HSPACE}\n]*(?=[{CJK}])"
    rf"|(\d(?<=[{CJK}]\d)\d{{0,2}})[{_HSPACE}]+\n?(?=[{CJK}])"
)
_SALUTATION = re.compile(r"^(同志们|各位|尊敬的)")
# A document title ends its line; the addressees or the body follow.
_TITLE_END = re.compile(r"^.{6,}(?:的通知|的意见|的决定|的讲话|的报告|的方案|的函|的批复)$")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")


@dataclass(frozen=True)
class Removal:
    """A piece of conversion noise taken out of the raw text."""

    kind: str  # "chunk_marker" | "page_number"
    raw_start: int
    raw_end: int
    text: str


@dataclass(frozen=True)
class CleanResult:
    text: str
    offsets: tuple[int, ...]  # offsets[i] is the raw index of text[i]
    removals: tuple[Removal, ...]

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the cleaned text back onto the raw text."""
        if start >= end or not self.offsets:
            return (self.offsets[start] if start < len(self.offsets) else 0,) * 2
        return self.offsets[start], self.offsets[end - 1] + 1


def _chunk_lines(lines: list[str]) -> bool:
    """True when every line is a numbered chunk of a fixed-width conversion (1、 2、 3、 ...)."""
    filled = [line for line in lines if line.strip()]
    if len(filled) < 2:
        return False
    numbers = []
    for line in filled:
        m = _CHUNK_MARKER.match(line)
        if not m:
            return False
        numbers.append(int(m.group(1)))
    if numbers != list(range(1, len(filled) + 1)):
        return False
    # Real numbered paragraphs vary in length; conversion chunks are cut at a fixed width.
    widths = [len(line) for line in filled[:-1]]
    mid = median(widths)
    return mid >= 80 and max(widths) - min(widths) <= 0.1 * mid


def _longest_increasing(values: list[int]) -> set[int]:
    """Indexes of a longest strictly increasing subsequence (page numbers only go up).

    Patience sorting, O(n log n): a long file may hold many number-like candidates.
    """
    tails: list[int] = []  # tails[k]: index of the smallest tail of an increasing run of k+1
    previous: list[int] = [-1] * len(values)
    for i, value in enumerate(values):
        k = _bisect(values, tails, value)
        if k > 0:
            previous[i] = tails[k - 1]
        if k == len(tails):
            tails.append(i)
        else:
            tails[k] = i
    chain: set[int] = set()
    i = tails[-1] if tails else -1
    while i != -1:
        chain.add(i)
        i = previous[i]
    return chain


def _bisect(values: list[int], tails: list[int], value: int) -> int:
    lo, hi = 0, len(tails)
    while lo < hi:
        mid = (lo + hi) // 2
        if values[tails[mid]] < value:
            lo = mid + 1
        else:
            hi = mid
    return lo


# Gap kinds, one character per position: "." for text, "s" whitespace, "n" hard line break,
# "j" chunk joint (a cut through a word), "p" whitespace that held a page number.
_GAP_KINDS = str.maketrans({ch: "s" for ch in _HSPACE + "\t"} | {"\n": "n"})
_TEXT_RUN = re.compile(f"[^{re.escape(_HSPACE)}\t\n]+")
_GAP_RUN = re.compile(r"[^.]+")
# Line breaks at the start, at the end, and all but the last of a run: ^\n+|\n+$|\n(?=\n),
# written to open with the line break itself, so that the regex engine jumps from one to the
# next instead of trying the pattern at every character.
_EMPTY_LINES = re.compile(r"\n(?:(?<=^\n)\n*|\n*$|(?=\n))")
_LINE_CONTEXT = 401  # how much of the current line a separator looks at, at most


def _gap_kinds(text: str) -> list[str]:
    """Kind of every position of unchunked text: whole runs of text at once, not per char."""
    return list(_TEXT_RUN.sub(lambda m: "." * len(m.group()), text).translate(_GAP_KINDS))


def _one_pass(raw: str) -> tuple[str, list[int], list[Removal]]:
    chars: list[str] = []
    index: list[int] = []
    removals: list[Removal] = []
    kinds: list[str] = []  # see _GAP_KINDS

    lines = raw.split("\n")
    chunked = _chunk_lines(lines)
    if not chunked:
        # Nothing is cut out of the lines: every character stays, in order.
        chars = list(raw)
        index = list(range(len(raw)))
        kinds = _gap_kinds(raw)
        lines = []
    pos = 0
    for line_no, line in enumerate(lines):
        start = 0
        if chunked and line.strip():
            m = _CHUNK_MARKER.match(line)
            assert m is not None
            start = m.end()
            removals.append(Removal("chunk_marker", pos, pos + m.end(), m.group(0).strip()))
        chars.extend(line[start:])
        index.extend(range(pos + start, pos + len(line)))
        kinds.extend(_gap_kinds(line[start:]))
        if line_no < len(lines) - 1:
            chars.append("\n")
            index.append(pos + len(line))
            kinds.append("j" if chunked else "n")
        pos += len(line) + 1

    text = "".join(chars)
    candidates = []
    for m in _PAGE_NUMBER.finditer(text):
        d_start, d_end = m.span(m.lastindex or 0)  # the digits
        before = text[d_start - 1] if d_start else ""
        after = text[d_end:].lstrip(_HSPACE)[:1]
        if after in _UNIT_CHARS or before == "第" or text[max(0, d_start - 2) : d_start] == "第 ":
            continue
        if FULL_DATE.match(text, d_start) or "n" in kinds[m.start() : m.end()]:
            continue  # never across a real line break: "1" at a line start may be a list
        candidates.append((m, d_start, d_end))
    keep = _longest_increasing([int(text[s:e]) for _, s, e in candidates])
    for n, (m, d_start, d_end) in enumerate(candidates):
        if n not in keep:
            continue
        digits = text[d_start:d_end]
        removals.append(Removal("page_number", index[d_start], index[d_end - 1] + 1, digits))
        for i in range(m.start(), m.end()):
            kinds[i] = "p"
            if d_start <= i < d_end:
                chars[i] = " "
    if keep:
        text = "".join(chars)

    # Text between two gaps is kept as it is; each gap becomes a separator (or nothing).
    # Pieces of strings and slices of the index, not single characters: most of a text is
    # text, and this runs for every file imported.
    out: list[str] = []
    out_index: list[int] = []
    line = ""  # the end of the current output line (at most _LINE_CONTEXT characters)
    previous = 0
    for run in _GAP_RUN.finditer("".join(kinds)):
        i, j = run.span()
        if i > previous:
            piece = text[previous:i]
            out.append(piece)
            out_index.extend(index[previous:i])
            line = (line + piece)[-_LINE_CONTEXT:]
        previous = j
        prev = out[-1][-1] if out else ""
        sep = _separator(prev, text, j, set(kinds[i:j]), line)
        if sep:
            out.append(sep)
            out_index.append(index[i])
            line = "" if sep == "\n" else (line + sep)[-_LINE_CONTEXT:]
    out.append(text[previous:])
    out_index.extend(index[previous:])
    # Trim the ends of lines and of the text.
    text_out = "".join(out)
    final: list[str] = []
    final_index: list[int] = []
    kept_from = 0
    for m in _EMPTY_LINES.finditer(text_out):
        final.append(text_out[kept_from : m.start()])
        final_index.extend(out_index[kept_from : m.start()])
        kept_from = m.end()
    final.append(text_out[kept_from:])
    final_index.extend(out_index[kept_from:])
    return "".join(final), final_index, removals


def _separator(prev: str, text: str, j: int, gap: set[str], line: str) -> str:
    """What a run of whitespace becomes: a line break, a space, or nothing.  ``prev`` is the
    last character written so far ("" if none), ``text[j:]`` what follows the gap."""
    if not prev or j >= len(text):
        return ""
    if "n" in gap:
        return "\n"
    if prev == "\n":
        return ""
    ahead = text[j : j + 40]
    page_only = gap <= {"p", "j"}
    plain = "s" in gap and gap <= {"s", "p"}
    if (prev in SENTENCE_END or prev in CLOSERS) and plain and not page_only:
        return "\n"
    if HEADING_START.match(ahead):
        return "\n"
    if ahead[:1] in "（(" and DATE_LINE.match(ahead.split("\n")[0].split(" ")[0]):
        return "\n"
    if FULL_DATE.match(ahead) or DATE_LINE.match(line) or _SALUTATION.match(ahead):
        return "\n"
    if _TITLE_END.match(line) and "s" in gap:
        return "\n"
    marker = HEADING_START.match(line)
    if marker and marker.end() == len(line) and "s" in gap:
        return " "  # "第一部分 关于产业发展": the marker and its title share the line
    if marker and not any(ch in line for ch in SENTENCE_END) and ("s" in gap or "p" in gap):
        # A heading has no full stop; the space after it is the end of its line.
        return "\n"
    if _ASCII_WORD.match(prev) and _ASCII_WORD.match(ahead[:1]) and "s" in gap:
        return " "
    return ""


_ANY_HSPACE = re.compile(f"[{re.escape(_HSPACE)}]")


def _settled(text: str) -> bool:
    """True when another pass cannot change ``text``: without horizontal whitespace every gap
    is a single line break (kept), no page number has a space to stand in, and no empty line
    is left to trim; only a chunked layout would still be undone.  Saves the verifying pass."""
    return not _ANY_HSPACE.search(text) and not _chunk_lines(text.split("\n"))


def clean_text(raw: str) -> CleanResult:
    """Remove conversion noise from ``raw``.

    Idempotent: cleaning the cleaned text changes nothing (passes repeat until a fixpoint).
    """
    text = raw
    offsets = list(range(len(raw)))
    removals: list[Removal] = []
    for _ in range(5):
        new_text, new_index, new_removals = _one_pass(text)
        removals.extend(
            Removal(r.kind, offsets[r.raw_start], offsets[r.raw_end - 1] + 1, r.text)
            for r in new_removals
        )
        offsets = list(map(offsets.__getitem__, new_index))  # offsets[k] for each k, in C
        settled = new_text == text or _settled(new_text)
        text = new_text
        if settled:
            break
    return CleanResult(text=text, offsets=tuple(offsets), removals=tuple(removals))
