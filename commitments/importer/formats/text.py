"""Plain text: decoded as before; runs of TAB-separated lines become table candidates."""

from __future__ import annotations

from commitments.importer.decode import decode_bytes
from commitments.importer.formats.detect import TEXT
from commitments.importer.formats.extracted import Block, Extracted, Table


def read_text(data: bytes) -> Extracted:
    text, encoding = decode_bytes(data)
    return Extracted(format=TEXT, blocks=tuple(text_blocks(text)), text=text, encoding=encoding)


def text_blocks(text: str) -> list[Block]:
    """Lines, with every run of two or more lines holding a TAB turned into a ``Table``.

    Whether a run is a task table is for ``tables`` to say; if it is not, its lines are read
    back as prose unchanged.
    """
    blocks: list[Block] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) >= 2:
            # Short rows stay short: whether their cells are the leading or the trailing ones
            # (a merged cell above, or empty cells dropped) is for ``tables`` to judge.
            rows = [tuple(cell.strip() for cell in line.split("\t")) for line in run]
            blocks.append(Table(rows=tuple(rows)))
        else:
            blocks.extend(run)
        run.clear()

    for line in text.splitlines():
        # A TAB inside or after the text separates cells; a leading one is indentation.
        body = line.lstrip(" \t\u3000").rstrip("\r\n")
        if "\t" in body and body.strip():
            run.append(line)
            continue
        flush()
        blocks.append(line)
    flush()
    return blocks
