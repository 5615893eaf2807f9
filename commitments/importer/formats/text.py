"""Plain text: decoded as before; runs of table rows (cells joined by TAB, or by ``|`` as a
web page or a chat copies them) become table candidates."""

from __future__ import annotations

import re

from commitments.importer.decode import decode_bytes
from commitments.importer.formats.detect import TEXT
from commitments.importer.formats.extracted import Block, Extracted, Table


def read_text(data: bytes) -> Extracted:
    text, encoding = decode_bytes(data)
    return Extracted(format=TEXT, blocks=tuple(text_blocks(text)), text=text, encoding=encoding)


# Cells joined by a bar: "序号 | 任务 | 牵头单位", "| 1 | …… | 区发改局 |" (two bars at least).
_BAR = re.compile(r"\s*[|｜]\s*")
_BAR_ROW = re.compile(r"[|｜].*[|｜]")
_RULE_ROW = re.compile(r"^[\s|｜:：\-–—=+]+$")  # |---|---| under a header


def text_blocks(text: str) -> list[Block]:
    """Lines, with every run of two or more table rows turned into a ``Table``.

    Whether a run is a task table is for ``tables`` to say; if it is not, its lines are read
    back as prose unchanged.
    """
    blocks: list[Block] = []
    run: list[str] = []

    def flush() -> None:
        rows = [_cells(line) for line in run if not _RULE_ROW.match(line)]
        if len(rows) >= 2:
            # Short rows stay short: whether their cells are the leading or the trailing ones
            # (a merged cell above, or empty cells dropped) is for ``tables`` to judge.
            blocks.append(Table(rows=tuple(rows)))
        else:
            blocks.extend(run)
        run.clear()

    for line in text.splitlines():
        # A TAB inside or after the text separates cells; a leading one is indentation.
        body = line.lstrip(" \t\u3000").rstrip("\r\n")
        if body.strip() and ("\t" in body or _BAR_ROW.search(body)):
            run.append(line)
            continue
        flush()
        blocks.append(line)
    flush()
    return blocks


def _cells(line: str) -> tuple[str, ...]:
    if "\t" in line.lstrip(" \t\u3000"):
        return tuple(cell.strip() for cell in line.split("\t"))
    # "| a | b |": the outer bars open and close the row, they hold no cells.
    body = line.strip(" \t\u3000\r\n")
    return tuple(cell.strip() for cell in _BAR.split(body.strip("|｜ ")))
