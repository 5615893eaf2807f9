"""What every reader hands back: an :class:`Extracted` of paragraphs and :class:`Table` blocks,
and how much text and how many rows it may hold.  The readers import this module, never the
``formats`` package, which imports them."""

from __future__ import annotations

from dataclasses import dataclass

# What the text of any format may amount to: the same ~1.4 million characters a 4 MB text
# file holds, beyond which parsing takes longer than an office would wait for.
MAX_CHARS = 1_500_000
# A task-division table has tens to hundreds of rows.
MAX_TABLE_ROWS = 5000


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[str | None, ...], ...]
    caption: str = ""  # the sheet's name for .xlsx

    def as_lines(self) -> list[str]:
        """The table as TAB-separated lines (how it is read when it is not a task table)."""
        return ["\t".join(cell or "" for cell in row).rstrip("\t") for row in self.rows]


Block = str | Table


@dataclass(frozen=True)
class Extracted:
    format: str  # TEXT | DOCX | XLSX | PDF
    blocks: tuple[Block, ...]
    text: str = ""  # the decoded file, for plain text only
    encoding: str = ""
