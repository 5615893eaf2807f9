"""Task tables → directives: one per row (one per dated step when a row has two dates), its
terse dates (6月底前, 一季度) read in the year the document states."""

from __future__ import annotations

import re
from datetime import date

from commitments.importer.deadlines import Deadline, Milestone, schedule_of
from commitments.importer.directives import TASK
from commitments.importer.normalize import normalize_text
from commitments.importer.result import SECTION_SEPARATOR, ParsedDirective
from commitments.importer.summary import summarize
from commitments.importer.tables import (
    CO,
    CONTENT,
    DEADLINE,
    LEAD,
    RESPONSIBLE,
    TaskTable,
    compact,
    split_cell_units,
)
from commitments.importer.tables import (
    TASK as TASK_COLUMN,
)

ROLL_MARGIN_DAYS = 31
SCHOOL_YEAR_START_MONTH = 8
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_YEAR_SPAN = re.compile(r"((?:19|20)\d{2})\s*[-—–~～至到－]\s*((?:19|20)\d{2})")


def table_calendar(
    reference: date | None, title: str, prose: list[str]
) -> tuple[int | None, date | None]:
    """The year a table's terse dates are in, and the day before which a date belongs to the
    next year (None: never)."""
    # Prose without a date keeps its deadlines pending (as before); a table's terse cells
    # are read against the year the title states (2024年……任务分工方案).
    stated = _stated_years(title, prose)
    year = reference.year if reference else (stated[0] if stated else None)
    # A plan dated late in a year (a term, a winter holiday) lists the next months without
    # a year; unless its title fixes one year, a date well before the document's is next
    # year's.  A day or two before is a date of the document's own week.
    roll = None
    if reference and len(stated) != 1:
        roll = date.fromordinal(reference.toordinal() - ROLL_MARGIN_DAYS)
    elif not reference and len(stated) == 2 and stated[1] == stated[0] + 1:
        # A school year (2020-2021学年) runs from autumn: its spring months are next year's.
        roll = date(stated[0], SCHOOL_YEAR_START_MONTH, 1)
    return year, roll


def _stated_years(title: str, prose: list[str]) -> list[int]:
    """The years a table's terse dates belong to: the one its title (or first lines) name, as
    in 2024年重点工作任务分工方案; two for a school year (2020-2021秋季学期)."""
    for line in (title, *prose[:5]):
        span = _YEAR_SPAN.search(line or "")
        if span:
            return [int(span.group(1)), int(span.group(2))]
        m = _YEAR.search(line or "")
        if m:
            return [int(m.group(1))]
    return []


def table_directives(
    tables: list[TaskTable], year: int | None, start: int, title: str, roll: date | None = None
) -> tuple[tuple[ParsedDirective, ...], list[str], list[str]]:
    """One directive per row (per dated step when a row has two dates), the rows' lines and
    the rows skipped; ``start`` is where the first line begins in the document's text."""
    out: list[ParsedDirective] = []
    lines: list[str] = []
    skipped: list[str] = []
    offset = start
    for number, table in enumerate(tables, start=1):
        name = (table.preamble[0] if table.preamble else "") or (
            title if len(tables) == 1 and title else f"表{number}"
        )
        for row in table.rows:
            line = row.line
            span = (offset, offset + len(line))
            lines.append(line)
            offset += len(line) + 1
            values = row.values
            schedule = schedule_of(values.get(DEADLINE, ""), year, roll)
            steps = schedule.milestones
            cycle = schedule.cycle
            if not values.get(DEADLINE):
                # No 完成时限 cell: dates written into the content count, its other words do not.
                in_content = schedule_of(values.get(CONTENT, ""), year, roll)
                steps = tuple(
                    m for m in in_content.milestones if m.deadline.text != in_content.text
                )
                cycle = in_content.cycle
            owners = split_cell_units(values.get(LEAD, ""))
            co_owners = tuple(u for u in split_cell_units(values.get(CO, "")) if u not in owners)
            if LEAD in table.labels and not owners and not values.get(RESPONSIBLE):
                # Nobody leads it in a table that names a lead for its work (全体师生休息):
                # a note of the schedule, not a task; listed as skipped for the office.
                skipped.append(line)
                continue
            content = values.get(CONTENT, "")
            task = values.get(TASK_COLUMN, "")
            row_title = summarize(content, owners) if content else task
            section = SECTION_SEPARATOR.join(
                part for part in (name, row.category, task if content else "") if part
            )
            if not steps:
                steps = (Milestone(Deadline(None, schedule.text, False), ""),)
            several = len(steps) > 1
            for k, step in enumerate(steps, start=1):
                out.append(
                    ParsedDirective(
                        ref=f"T{number}-{row.number}" + (f".{k}" if several else ""),
                        section=section,
                        text=line,
                        owners=owners,
                        deadline=step.deadline.on,
                        deadline_text=step.deadline.text,
                        deadline_pending=step.deadline.pending,
                        kind=TASK,
                        span=span,
                        normalized_text=normalize_text(line),
                        co_owners=co_owners,
                        responsible=compact(values.get(RESPONSIBLE, "")),
                        report_cycle=cycle,
                        milestone=step.label if several else "",
                        title=f"{row_title}({step.label})" if several and step.label else row_title,
                        source="table",
                    )
                )
    return tuple(out), lines, skipped
