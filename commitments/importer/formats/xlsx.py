"""Excel (.xlsx): every non-empty sheet is a table; merged ranges are marked for carry-down."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from typing import Any

from commitments.importer.errors import SeedError
from commitments.importer.formats import MAX_TABLE_ROWS, XLSX, Extracted, Table
from commitments.importer.formats.detect import check_unpacked


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

    check_unpacked(data, parts=("xl/",))
    try:
        # Not read_only: merged ranges are only known to a fully loaded sheet.
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises anything from KeyError to lxml errors
        raise SeedError(f"Excel 文件已损坏,无法读取({type(exc).__name__})") from None
    tables = []
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue
        # max_row counts cells that only carry formatting (a template styled down to row
        # 1,048,576 is common); what matters is the last row and column holding a value.
        filled = [key for key, cell in sheet._cells.items() if cell.value not in (None, "")]
        if not filled:
            continue
        last_row = max(r for r, _ in filled)
        last_col = max(c for _, c in filled)
        if last_row > MAX_TABLE_ROWS:
            raise SeedError(f"工作表「{sheet.title}」行数过多(超过 {MAX_TABLE_ROWS} 行)")
        grid: list[list[str | None]] = [
            [_cell_text(v) for v in row]
            for row in sheet.iter_rows(max_row=last_row, max_col=last_col, values_only=True)
        ]
        for merged in sheet.merged_cells.ranges:
            top, left = merged.min_row - 1, merged.min_col - 1
            if top >= len(grid):
                continue
            anchor = grid[top][left]
            for r in range(top, min(merged.max_row, len(grid))):
                for c in range(left, min(merged.max_col, len(grid[r]))):
                    if (r, c) == (top, left):
                        continue
                    # Across: the same value in every column; down: carried by the table reader.
                    grid[r][c] = anchor if r == top else None
        while grid and not any(grid[-1]):
            grid.pop()
        if not grid:
            continue
        width = max(
            (max((i + 1 for i, v in enumerate(row) if v), default=0) for row in grid), default=0
        )
        rows = tuple(tuple(row[:width]) for row in grid)
        tables.append(Table(rows=rows, caption=sheet.title))
    if not tables:
        raise SeedError("Excel 文件中没有内容")
    return Extracted(format=XLSX, blocks=tuple(tables))
