"""Word (.docx): paragraphs in order with their list numbering written out, tables as tables."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from commitments.importer.errors import SeedError
from commitments.importer.formats.budget import check_zip
from commitments.importer.formats.detect import DOCX
from commitments.importer.formats.extracted import MAX_TABLE_ROWS, Block, Extracted, Table

_CN_DIGITS = "零一二三四五六七八九"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
# A speech has hundreds of paragraphs, a task table of a few thousand rows tens of thousands.
MAX_PARAGRAPHS = 100_000


def _chinese(n: int) -> str:
    if n < 10:
        return _CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, letters in (
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
        (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    ):  # fmt: skip
        while n >= value:
            out += letters
            n -= value
    return out


def _letter(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    """A list number as Word shows it for ``w:numFmt`` ``fmt``."""
    if fmt in ("none", "bullet"):
        return ""
    if fmt.startswith(("chinese", "ideograph", "taiwanese", "japanese")):
        return _chinese(n)
    if fmt.startswith("decimalEnclosedCircle") and 1 <= n <= len(_CIRCLED):
        return _CIRCLED[n - 1]
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(n))
    if fmt in ("lowerLetter", "upperLetter"):
        return _letter(n) if fmt == "lowerLetter" else _letter(n).upper()
    if fmt in ("lowerRoman", "upperRoman"):
        return _roman(n) if fmt == "lowerRoman" else _roman(n).upper()
    return str(n)


class _Numbering:
    """Word list numbering (numbering.xml) replayed paragraph by paragraph."""

    def __init__(self, document: Any) -> None:
        from docx.oxml.ns import qn

        self.qn = qn
        self.levels: dict[str, dict[int, tuple[int, str, str]]] = {}  # numId → ilvl → level
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract: dict[str, dict[int, tuple[int, str, str]]] = {}
        for item in root.iterchildren(qn("w:abstractNum")):
            levels = {}
            for lvl in item.iterchildren(qn("w:lvl")):
                levels[int(lvl.get(qn("w:ilvl"), "0"))] = (
                    int(self._val(lvl, "w:start") or 1),
                    self._val(lvl, "w:numFmt") or "decimal",
                    self._val(lvl, "w:lvlText") or "",
                )
            abstract[item.get(qn("w:abstractNumId"))] = levels
        for num in root.iterchildren(qn("w:num")):
            levels = dict(abstract.get(self._val(num, "w:abstractNumId") or "", {}))
            for override in num.iterchildren(qn("w:lvlOverride")):
                ilvl = int(override.get(qn("w:ilvl"), "0"))
                start = self._val(override, "w:startOverride")
                if start and ilvl in levels:
                    levels[ilvl] = (int(start), *levels[ilvl][1:])
            self.levels[num.get(qn("w:numId"))] = levels

    def _val(self, element: Any, tag: str) -> str | None:
        child = element.find(self.qn(tag))
        return None if child is None else child.get(self.qn("w:val"))

    def label(self, num_id: str, ilvl: int) -> str:
        levels = self.levels.get(num_id)
        if not levels or ilvl not in levels:
            return ""
        counters = self.counters.setdefault(num_id, {})
        start, _fmt, text = levels[ilvl]
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]  # a new item restarts its sub-lists
        for k in range(9):
            if f"%{k + 1}" in text:
                k_start, k_fmt, _ = levels.get(k, (1, "decimal", ""))
                text = text.replace(f"%{k + 1}", format_number(counters.get(k, k_start), k_fmt))
        return text


def _num_pr(paragraph: Any, qn: Any, by_style: dict[str | None, Any]) -> tuple[str, int] | None:
    """(numId, ilvl) of a paragraph, from its own properties or its style's.

    A style's answer is kept in ``by_style``: python-docx finds a paragraph's style by scanning
    every style of the document, too slow to do for each of tens of thousands of paragraphs.
    """
    own = _num_pr_in(paragraph._p.pPr, qn)
    if own is not _UNSET:
        return own
    style_id = paragraph._p.style
    if style_id not in by_style:
        found: Any = _UNSET
        style = paragraph.style
        while style is not None and found is _UNSET:
            found = _num_pr_in(style.element.pPr, qn)
            style = style.base_style
        by_style[style_id] = None if found is _UNSET else found
    return by_style[style_id]


_UNSET = object()


def _num_pr_in(ppr: Any, qn: Any) -> Any:
    """(numId, ilvl), None when numbering is switched off, ``_UNSET`` when ``ppr`` says nothing."""
    num_pr = None if ppr is None else ppr.find(qn("w:numPr"))
    if num_pr is None:
        return _UNSET
    num_id = num_pr.find(qn("w:numId"))
    ilvl = num_pr.find(qn("w:ilvl"))
    if num_id is None:
        return _UNSET
    value = num_id.get(qn("w:val"))
    if value == "0":  # numbering explicitly switched off
        return None
    return value, int(ilvl.get(qn("w:val"))) if ilvl is not None else 0


def read_docx(data: bytes) -> Extracted:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    check_zip(data)
    try:
        document = Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises anything from KeyError to lxml errors
        raise SeedError(f"Word 文件已损坏,无法读取({type(exc).__name__})") from None
    # Empty paragraphs cost no characters but time each: a 70 KB file can hold millions.
    paragraphs = sum(1 for _ in document.element.body.iter(qn("w:p")))
    if paragraphs > MAX_PARAGRAPHS:
        raise SeedError(f"Word 文件段落过多({paragraphs} 段,上限 {MAX_PARAGRAPHS} 段)")
    numbering = _Numbering(document)
    by_style: dict[str | None, Any] = {}
    blocks: list[Block] = []

    def walk(container: Any) -> Iterator[Any]:
        for child in container.iterchildren():
            if child.tag == qn("w:sdt"):  # content controls wrap ordinary paragraphs
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    yield from walk(content)
            else:
                yield child

    for child in walk(document.element.body):
        if child.tag == qn("w:p"):
            paragraph = Paragraph(child, document)
            num = _num_pr(paragraph, qn, by_style)
            label = numbering.label(*num) if num else ""
            blocks.append(label + paragraph.text)
        elif child.tag == qn("w:tbl"):
            blocks.append(_table(child, qn))
    return Extracted(format=DOCX, blocks=tuple(blocks))


def _table(tbl: Any, qn: Any) -> Table:
    rows: list[tuple[str | None, ...]] = []
    for tr in tbl.iterchildren(qn("w:tr")):
        cells: list[str | None] = []
        for tc in tr.iterchildren(qn("w:tc")):
            tc_pr = tc.find(qn("w:tcPr"))
            span, continued = 1, False
            if tc_pr is not None:
                grid_span = tc_pr.find(qn("w:gridSpan"))
                if grid_span is not None:
                    span = int(grid_span.get(qn("w:val"), "1"))
                v_merge = tc_pr.find(qn("w:vMerge"))
                continued = v_merge is not None and v_merge.get(qn("w:val")) != "restart"
            text = "\n".join(
                "".join(t.text or "" for t in p.iter(qn("w:t"))).strip()
                for p in tc.iterchildren(qn("w:p"))
            ).strip()
            # A cell spanning columns counts in each; one continuing a merge above is None.
            cells.extend([None if continued else text] * span)
        rows.append(tuple(cells))
        if len(rows) > MAX_TABLE_ROWS:
            raise SeedError(f"表格行数过多(超过 {MAX_TABLE_ROWS} 行)")
    width = max((len(r) for r in rows), default=0)
    return Table(rows=tuple(r + ("",) * (width - len(r)) for r in rows))
