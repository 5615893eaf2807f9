"""Task-division tables (任务分工方案 / 重点工作清单): header by meaning, merged cells carried
down, one task per row with its lead unit, co-units, responsible person and schedule."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from commitments.importer.formats import Table
from commitments.importer.owners import is_unit_name, split_top_level, split_units
from commitments.importer.patterns import heading_marker

SERIAL = "serial"
TASK = "task"
CONTENT = "content"
LEAD = "lead"
CO = "co"
RESPONSIBLE = "responsible"
LEADER = "leader"
DEADLINE = "deadline"
NOTE = "note"
# A second content-like column (年度工作措施 beside 主要目标任务): which of the two is each row's
# own task is decided from the rows (see ``_measure_is_the_task``).
MEASURE = "measure"

# Tried in order, the first match decides (配合单位 before 单位, 责任人 before 责任).
_HEADER_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (SERIAL, re.compile(r"^(?:序号?|编号|No\.?|#)$", re.I)),
    (CO, re.compile(r"配合|协办|协助|参与|协同")),
    (LEADER, re.compile(r"领导|分管")),
    (RESPONSIBLE, re.compile(r"责任人|负责人|联系人|经办人|具体负责")),
    (DEADLINE, re.compile(r"时限|时间|期限|节点|进度安排|完成日期|截止|^日期$")),
    (
        LEAD,
        re.compile(
            r"牵头|责任单位|责任部门|责任处室|责任科室|负责单位|负责部门|负责处室|负责科室|主责|"
            r"承办|责任主体|主办|实施单位|落实单位|责任$|单位$|部门$|处室$|科室$|股室$"
        ),
    ),
    (NOTE, re.compile(r"备注|说明")),
    (CONTENT, re.compile(r"内容|措施|要求|目标|举措|标准|成果")),
    (TASK, re.compile(r"任务|项目|事项|工作|名称")),
)
_LEADS = re.compile(r"牵头|主责|主办")
# Shared by the rows of a group: carried from its first row into the sub-rows that leave them
# empty.  The content of a row is its own.
_SHARED = (TASK, LEAD, CO, RESPONSIBLE, LEADER, DEADLINE)
_SUB_SERIAL = re.compile(r"^(\d+)\s*[—\-－–~～.．、]\s*\d+$|^[（(]\d+[）)]$")
_GROUP_KEY = re.compile(r"^(\d+|[一二三四五六七八九十]+)")


def header_field(cell: str) -> str | None:
    """What a header cell means (``"lead"`` for 牵头单位, 责任单位, 负责处室 ...), or None."""
    text = re.sub(r"\s+|[（(][^）)]*[）)]|[:：*＊]", "", cell or "")
    if not text or len(text) > 12:
        return None
    for field, pattern in _HEADER_RULES:
        if pattern.search(text):
            return field
    return None


@dataclass(frozen=True)
class TaskRow:
    number: int  # 1-based among the table's task rows
    serial: str
    category: str  # the label of a category row above (一、思想建设), if any
    values: dict[str, str]  # field → the cell, merged cells carried down
    line: str  # the row as one readable line (the directive's text)


@dataclass(frozen=True)
class TaskTable:
    preamble: tuple[str, ...]  # rows above the header: the title and such
    labels: dict[str, str]  # field → the header as written (负责处室, 完成时间 ...)
    rows: tuple[TaskRow, ...]


def find_header(rows: tuple[tuple[str | None, ...], ...]) -> tuple[int, dict[int, str]] | None:
    """Index of the header row among the first rows and its column → field map."""
    for index, row in enumerate(rows[:8]):
        columns: dict[int, str] = {}
        for column, cell in enumerate(row):
            field = header_field(cell or "")
            if field and field not in columns.values():
                columns[column] = field
            elif field == LEAD and CO not in columns.values():
                # 牵头单位 | 责任单位: beside the units that lead, the responsible ones help.
                first = next(c for c, f in columns.items() if f == LEAD)
                if _LEADS.search(cell or "") and not _LEADS.search(row[first] or ""):
                    columns[first], columns[column] = CO, LEAD
                elif _LEADS.search(row[first] or ""):
                    columns[column] = CO
            elif field in (CONTENT, TASK) and field in columns.values():
                # 工作任务 | 具体任务: the second is the content.
                other = CONTENT if field == TASK else TASK
                if other not in columns.values():
                    columns[column] = other
                elif MEASURE not in columns.values():
                    columns[column] = MEASURE
        found = set(columns.values())
        if found & {LEAD, DEADLINE} and found & {TASK, CONTENT} and len(found) >= 3:
            return index, columns
    return None


def read_task_table(table: Table) -> TaskTable | None:
    """The table's tasks, or None when it is not a task table (no recognisable header)."""
    header = find_header(table.rows)
    if header is None:
        return None
    index, columns = header
    labels = {f: re.sub(r"\s+", "", table.rows[index][c] or "") for c, f in columns.items()}
    preamble = tuple(
        " ".join(dict.fromkeys(c for c in row if c)) for row in table.rows[:index] if any(row)
    )
    width = len(table.rows[index])
    measure_first = _measure_is_the_task(table.rows[index + 1 :], columns)
    above: list[str] = [""] * width
    group_key: str | None = None
    group: dict[str, str] = {}
    category = ""
    out: list[TaskRow] = []
    for raw in table.rows[index + 1 :]:
        raw = _aligned(tuple(raw), width, columns, above)
        cells = [
            above[c] if cell is None else _clean(cell, keep_lines=columns.get(c) in (LEAD, CO))
            for c, cell in enumerate(raw[:width])
        ]
        above = cells
        if not any(cells):
            continue
        if header_field(cells[0]) == SERIAL:  # a repeated header (a table split over pages)
            continue
        values = {f: cells[c] for c, f in columns.items()}
        if measure_first:
            goal = values.get(CONTENT, "")
            values[CONTENT] = values.pop(MEASURE, "")
            values[TASK] = " / ".join(v for v in (values.get(TASK, ""), _short(goal)) if v)
        else:
            values.pop(MEASURE, None)
        label = _category(raw)
        if label:
            category, group_key, group = label, None, {}
            continue
        serial = values.get(SERIAL, "")
        key_match = _GROUP_KEY.match(serial)
        key = key_match.group(1) if key_match else None
        # Without a 序号 column nothing says which rows form a group: only merged cells
        # (None) carry down, an empty cell stays empty.
        follower = (
            group_key is not None
            and SERIAL in labels
            and (not serial or (_SUB_SERIAL.match(serial) is not None and key == group_key))
        )
        if follower:
            for field in _SHARED:
                if not values.get(field) and group.get(field):
                    values[field] = group[field]
        else:
            group_key, group = (key or serial or str(len(out) + 1)), dict(values)
        if not any(values.get(f) for f in (TASK, CONTENT)):
            continue
        out.append(
            TaskRow(
                number=len(out) + 1,
                serial=serial,
                category=category,
                values=values,
                line=_line(serial, values, labels),
            )
        )
    return TaskTable(preamble=preamble, labels=labels, rows=tuple(out))


def _measure_is_the_task(rows: tuple[tuple[str | None, ...], ...], columns: dict[int, str]) -> bool:
    """True when the content column repeats over runs of rows (a goal: 主要目标任务) while the
    measure column (年度工作措施) differs on every row: then each row's measure is its task."""
    by_field = {f: c for c, f in columns.items()}
    if MEASURE not in by_field or CONTENT not in by_field:
        return False
    measures = [r[by_field[MEASURE]] for r in rows if len(r) > by_field[MEASURE]]
    contents = [r[by_field[CONTENT]] for r in rows if len(r) > by_field[CONTENT]]
    filled = [m for m in measures if m]
    if len(filled) < max(2, len(rows) // 2):
        return False
    repeated = sum(1 for a, b in pairwise(contents) if a is None or a == b)
    return len(set(filled)) > len(filled) * 0.8 and repeated >= len(contents) // 3


def _short(text: str, limit: int = 40) -> str:
    text = _clean(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_DATE_CELL = re.compile(
    r"\d{1,2}\s*[月.．/]\s*\d{0,2}|[一二三四五六七八九十]+月|\d{4}\s*年|季度|半年|年[底内末]|"
    r"上旬|中旬|下旬|期间|[前后]$"
)
_PERSON = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


def _fits(cell: str | None, field: str | None) -> int:
    """How well a cell reads as a value of ``field``: 1 fits, -1 clashes, 0 cannot tell."""
    text = _clean(cell or "")
    if not text or field is None:
        return 0
    if field == SERIAL:
        return 1 if re.fullmatch(r"[\d.—\-－–、]+|[一二三四五六七八九十]+", text) else -1
    if field == DEADLINE:
        return 1 if _DATE_CELL.search(text) and len(text) <= 30 else -1
    if field in (LEAD, CO):
        units = split_cell_units(text)
        return 1 if units and all(is_unit_name(u) for u in units) else -1
    if field in (LEADER, RESPONSIBLE):
        return 1 if _PERSON.match(compact(text)) and not is_unit_name(compact(text)) else -1
    if field in (TASK, CONTENT, MEASURE):
        return 1 if len(text) > 5 and not is_unit_name(text) else 0
    return 0


def _aligned(
    raw: tuple[str | None, ...], width: int, columns: dict[int, str], above: list[str]
) -> tuple[str | None, ...]:
    """A row with fewer cells than the header, as text copied from a web or Word table gives
    it: either the cells below a merged (rowspan) cell, whose missing cells are the leading
    ones and are taken from the row above, or a row whose empty trailing cells were dropped.
    The reading whose cells fit their columns better wins; a tie is read as a merge."""
    missing = width - len(raw)
    if missing <= 0:
        return raw
    if not any(above):
        return raw + ("",) * missing
    shifted = (None,) * missing + raw
    padded = raw + ("",) * missing
    score_shifted = sum(_fits(c, columns.get(i)) for i, c in enumerate(shifted))
    score_padded = sum(_fits(c, columns.get(i)) for i, c in enumerate(padded))
    return shifted if score_shifted >= score_padded else padded


def _category(raw: tuple[str | None, ...]) -> str:
    """The label of a category row (一、党的建设 across the table), or ""."""
    filled = [(i, _clean(c)) for i, c in enumerate(raw) if c]
    if not filled or len({text for _, text in filled}) != 1:
        return ""
    text = filled[0][1]
    if re.fullmatch(r"[\d.、]+", text):
        return ""
    spans = len(filled) >= 2  # one cell merged across columns
    numbered = filled[0][0] == 0 and heading_marker(text) is not None
    return text if spans or numbered else ""


def _clean(cell: str, *, keep_lines: bool = False) -> str:
    # Several paragraphs in one cell read as one line; line breaks become spaces.  Unit cells
    # keep them: two names on two lines are two units, a name wrapped over two lines is one.
    parts = [part.strip() for part in (cell or "").splitlines() if part.strip()]
    return ("\n" if keep_lines else " ").join(parts)


def _line(serial: str, values: dict[str, str], labels: dict[str, str]) -> str:
    head = "：".join(v for v in (values.get(TASK, ""), values.get(CONTENT, "")) if v)
    if serial:
        head = f"{serial}. {head}"
    details = [
        f"{labels[f]}：{values[f].replace(chr(10), '、')}"
        for f in (LEAD, CO, RESPONSIBLE, LEADER, DEADLINE, NOTE)
        if values.get(f) and f in labels
    ]
    return head + (f"({'；'.join(details)})" if details else "")


def compact(name: str) -> str:
    """``团  委`` → ``团委``: spacing inside a name is typesetting, not part of it."""
    return "".join(name.split())


def _unwrapped(cell: str) -> str:
    """Join the lines of a cell where a name was wrapped (农产品流通工作 / 专班); a line that
    ends a unit's name (or a list) starts a new unit."""
    lines = [line.strip() for line in cell.splitlines() if line.strip()]
    out: list[str] = []
    for line in lines:
        if out and not re.search(r"[、，,；;/／]$", out[-1]):
            last = re.split(r"[、，,；;/／]", out[-1])[-1]
            if not is_unit_name(compact(last)):
                out[-1] += line
                continue
        out.append(line)
    return "\n".join(out)


_CELL_SEPARATOR = re.compile(r"[、，,；;/／\n]+")


def split_cell_units(cell: str) -> tuple[str, ...]:
    """Units in a 牵头单位 / 配合单位 cell: 、，；/ and line breaks separate them; so does a
    space between two whole names (市教育局 市财政局), but not the spacing inside one (团  委)."""
    pieces: list[str] = []
    # Not inside brackets: 各县（市、区）教育局 is one unit.
    for part in split_top_level(_unwrapped(cell or ""), _CELL_SEPARATOR):
        words = part.split()
        if len(words) > 1 and all(len(w) >= 2 and is_unit_name(w) for w in words):
            pieces.extend(words)
        elif part.strip():
            pieces.append(compact(part))
    units: list[str] = []
    for piece in pieces:
        for unit in split_units(piece) or (piece,):
            unit = compact(unit)
            if unit and unit not in units:
                units.append(unit)
    return tuple(units)
