"""Excel (.xlsx): every non-empty sheet is a table; merged ranges are marked for carry-down."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from typing import Any

from openpyxl.utils.cell import range_boundaries

from commitments.importer.errors import SeedError
from commitments.importer.formats.budget import check_zip
from commitments.importer.formats.detect import XLSX
from commitments.importer.formats.extracted import MAX_TABLE_ROWS, Extracted, Table

# A task table is a few hundred rows of ten or so columns.
MAX_TABLE_COLUMNS = 100
MAX_TABLE_CELLS = 200_000


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0):
            value = value.date()
        else:
            return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_xlsx(data: bytes) -> Extracted:
    import openpyxl

    check_zip(data, streamed=("xl/worksheets/",))
    try:
        # Read-only: sheets are parsed row by row when read, never loaded whole.
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # anything from KeyError to XML errors and entities (defusedxml)
        raise SeedError(
            f"Excel 文件已损坏或含有不允许的内容,无法读取({type(exc).__name__})"
        ) from None
    try:
        tables = []
        for sheet in book.worksheets:
            if sheet.sheet_state != "visible":
                continue
            try:
                table = _read_sheet(book, sheet)
            except SeedError:
                raise
            except Exception as exc:  # malformed XML, a DTD with entities (defusedxml) ...
                raise SeedError(
                    f"Excel 工作表「{sheet.title}」已损坏或含有不允许的内容,无法读取"
                    f"({type(exc).__name__})"
                ) from None
            if table is not None:
                tables.append(table)
    finally:
        book.close()
    if not tables:
        raise SeedError("Excel 文件中没有内容")
    return Extracted(format=XLSX, blocks=tuple(tables))


def _read_sheet(book: Any, sheet: Any) -> Table | None:
    """One sheet streamed: its filled cells, stopping past MAX_TABLE_ROWS, and merged ranges.

    openpyxl's read-only sheet does not report merged ranges, which come after the rows in
    the sheet's XML; its row parser does, once the rows are through, so it is used directly.
    """
    from openpyxl.worksheet._reader import WorkSheetParser

    cells: dict[tuple[int, int], str] = {}
    with sheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for row_number, row in parser.parse():
            for cell in row:
                # A template styled down to row 1,048,576 is common: only values count.
                if cell["value"] in (None, ""):
                    continue
                if row_number > MAX_TABLE_ROWS:
                    raise SeedError(f"工作表「{sheet.title}」行数过多(超过 {MAX_TABLE_ROWS} 行)")
                if cell["column"] > MAX_TABLE_COLUMNS:  # the table is rows × columns in memory
                    raise SeedError(f"工作表「{sheet.title}」列数过多(超过 {MAX_TABLE_COLUMNS} 列)")
                cells[(row_number, cell["column"])] = _cell_text(cell["value"])
                if len(cells) > MAX_TABLE_CELLS:
                    raise SeedError(f"工作表「{sheet.title}」单元格过多(超过 {MAX_TABLE_CELLS} 个)")
        merged_ranges = parser.merged_cells.mergeCell if parser.merged_cells else []
    if not cells:
        return None
    last_row = max(r for r, _ in cells)
    last_col = max(c for _, c in cells)
    grid: list[list[str | None]] = [
        [cells.get((r, c), "") for c in range(1, last_col + 1)] for r in range(1, last_row + 1)
    ]
    for merged in merged_ranges:
        min_col, min_row, max_col, max_row = range_boundaries(merged.ref)
        top, left = min_row - 1, min_col - 1
        if top >= len(grid) or left >= last_col:
            continue
        anchor = grid[top][left]
        for r in range(top, min(max_row, len(grid))):
            for c in range(left, min(max_col, len(grid[r]))):
                if (r, c) == (top, left):
                    continue
                # Across: the same value in every column; down: carried by the table reader.
                grid[r][c] = anchor if r == top else None
    while grid and not any(grid[-1]):
        grid.pop()
    if not grid:
        return None
    width = max(
        (max((i + 1 for i, v in enumerate(row) if v), default=0) for row in grid), default=0
    )
    return Table(rows=tuple(tuple(row[:width]) for row in grid), caption=sheet.title)
