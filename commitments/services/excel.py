"""Excel 台账 in and out, in the layout activity offices use.

Export writes a write-only workbook (constant memory for long lists). Import reads a sheet with
the same headers (a title row above the header is allowed, column order is free), checks every
cell first and writes nothing unless every row is valid.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from ..choices import TrafficLight
from ..importer.errors import SeedError
from ..importer.formats.budget import check_zip
from ..importer.formats.detect import ZIP_MAGIC
from ..importer.owners import unit_key
from ..importer.tables import compact
from ..models import Commitment, ProgressUpdate, Unit, UnitAlias
from ..people import person_name
from ..selectors.access import OFFICE_SYSTEM
from ..selectors.office import office_language
from .ledger import commitment_create, commitment_update
from .workflow.moves import IMPORT_PATHS, commitment_import_state, commitment_report_progress
from .workflow.registry import MOVES

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# (header, column width in characters)
COLUMNS: tuple[tuple[str, int], ...] = (
    ("ID", 7),
    ("序号", 6),
    ("事项", 40),
    ("责任单位", 18),
    ("配合单位", 18),
    ("责任人", 10),
    ("完成时限", 12),
    ("原定时限", 12),
    ("进展情况", 40),
    ("状态", 9),
    ("红黄绿灯", 9),
    ("来源文件", 20),
    ("备注", 20),
)
HEADERS = tuple(h for h, _w in COLUMNS)
REQUIRED_HEADERS = ("事项", "责任单位")

PENDING_DEADLINE = "待定"

# Statuses an import may set (through the moves that lead there), and those whose last move
# needs a reason, which the row's 备注 gives.
IMPORTABLE_STATUSES = tuple(IMPORT_PATHS)
NEEDS_REASON = tuple(
    status
    for status, path in IMPORT_PATHS.items()
    if path and any(i.name == "reason" and i.required for i in MOVES[path[-1]].inputs)
)


def office_status_labels() -> dict[str, str]:
    """Status value -> its Chinese label: the 台账 is the offices' Chinese sheet, written and
    read the same whatever language the person exporting or importing reads the site in."""
    with office_language():
        return {value: str(label) for value, label in Commitment.Status.choices}


def office_light_labels() -> dict[str, str]:
    """Traffic light value -> its Chinese label (红灯 ...), for the same reason."""
    with office_language():
        return {value: str(label) for value, label in TrafficLight.choices}


# What a spreadsheet may take for the start of a formula or a DDE call (OWASP's CSV injection
# list): a unit's progress note "=cmd|' /C calc'!A0" must not run in the office's Excel.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def as_text_cell(cell: WriteOnlyCell) -> WriteOnlyCell:
    """Make a text cell of an export inert: every exported text goes through here.

    The cell is written as a string (openpyxl would write "=…" as a live formula), and text
    that starts like a formula also gets Excel's quote prefix, what Excel itself sets when
    someone types '=…: shown as typed, still text after an edit. The value stays the original
    text, so the sheet reads the same and imports back unchanged.
    """
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.startswith(FORMULA_PREFIXES):
            cell._style.quotePrefix = 1
    return cell


_thin = Side(style="thin", color="999999")
_BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="top", wrap_text=True)


def _person(user: User | None) -> str:
    return "" if user is None else person_name(user)


def export_queryset(commitments: QuerySet[Commitment], today: date) -> QuerySet[Commitment]:
    """The rows of a 台账 with everything a row shows, in one query."""
    latest = ProgressUpdate.objects.filter(commitment=OuterRef("pk")).order_by("-created_at", "-id")
    # Keep the caller's queryset (its filters and ordering, as in the admin changelist).
    rows = commitments.select_related("lead_unit", "responsible", "document").prefetch_related(
        "co_units"
    )
    if "traffic_light" not in rows.query.annotations:
        rows = rows.with_traffic_light(today)  # type: ignore[attr-defined]
    return rows.annotate(latest_progress=Subquery(latest.values("text")[:1]))


def commitments_to_xlsx(
    *, commitments: QuerySet[Commitment], today: date, title: str = "认责承诺事项台账"
) -> bytes:
    """The 台账 as .xlsx bytes: a title row, Chinese headers with autofilter, frozen header
    row, real dates, set widths; the ID column lets the sheet come back as updates."""
    workbook = Workbook(write_only=True)
    workbook.properties.title = title
    sheet = workbook.create_sheet(title="台账")
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    for index, (_header, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width

    def styled(align: Alignment = _WRAP, **style: Any) -> StyleArray:
        # Assigning style objects cell by cell hashes them every time (most of the export's
        # time); each look is built once here and its style ids copied onto every cell.
        template = WriteOnlyCell(sheet)
        template.border = _BORDER
        template.alignment = align
        for key, val in style.items():
            setattr(template, key, val)
        return template._style

    looks = {
        "title": styled(Alignment(vertical="center"), font=Font(bold=True, size=14)),
        "header": styled(
            _CENTER, font=Font(bold=True), fill=PatternFill("solid", fgColor="DDEBF7")
        ),
        "text": styled(_WRAP),
        "center": styled(_CENTER),
        "date": styled(_CENTER, number_format="yyyy-mm-dd"),
        **{
            f"light-{light}": styled(_CENTER, fill=PatternFill("solid", fgColor=light.tint))
            for light in TrafficLight
        },
    }

    def cell(value: Any, look: str = "text") -> WriteOnlyCell:
        c = WriteOnlyCell(sheet, value=value)
        c._style = copy(looks[look])
        return as_text_cell(c)

    status_labels = office_status_labels()
    light_labels = office_light_labels()
    sheet.append([cell(f"{title}({today:%Y-%m-%d})", "title")])
    sheet.merged_cells.ranges.add(f"A1:{get_column_letter(len(COLUMNS))}1")
    sheet.append([cell(h, "header") for h in HEADERS])
    rows = export_queryset(commitments, today)
    number = 0
    for number, c in enumerate(rows.iterator(chunk_size=2000), start=1):
        if c.deadline is not None:
            deadline = cell(c.deadline, "date")
        else:
            deadline = cell(PENDING_DEADLINE if c.deadline_pending else None, "center")
        light = getattr(c, "traffic_light", "")  # annotated by export_queryset
        sheet.append(
            [
                cell(c.pk, "center"),
                cell(number, "center"),
                cell(c.title),
                cell(c.lead_unit.name),
                cell("、".join(u.name for u in c.co_units.all())),
                cell(_person(c.responsible), "center"),
                deadline,
                cell(c.original_deadline, "date") if c.original_deadline else cell(None, "center"),
                cell(getattr(c, "latest_progress", None) or ""),
                cell(status_labels.get(c.status, c.status), "center"),
                cell(
                    light_labels.get(light, ""),
                    f"light-{light}" if light in light_labels else "center",
                ),
                cell(c.document.title if c.document else ""),
                cell(c.status_reason),
            ]
        )
    sheet.auto_filter.ref = f"A2:{get_column_letter(len(COLUMNS))}{number + 2}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- import -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellError:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        if self.row == 0:  # the file as a whole
            return f"{self.column}:{self.reason}"
        return _("第%(row)d行「%(column)s」:%(reason)s") % {
            "row": self.row,
            "column": self.column,
            "reason": self.reason,
        }


@dataclass
class ImportResult:
    errors: list[CellError] = field(default_factory=list)
    created: list[Commitment] = field(default_factory=list)
    updated: list[Commitment] = field(default_factory=list)  # rows with an ID that changed
    rows_read: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    number: int
    title: str
    unit: Unit
    responsible: User | None
    deadline: date | None
    deadline_pending: bool
    progress: str
    status: str
    note: str
    co_units: list[Unit] | None = None  # None: the sheet has no 配合单位 column
    commitment: Commitment | None = None  # the row's ID: an update of this commitment


_LIST_SPLIT = re.compile(r"[、，,；;\n]")

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_deadline(value: Any) -> tuple[date | None, bool]:
    """(date, pending) from a cell; raises ValueError with a Chinese reason."""
    if value is None or _text(value) == "":
        return None, False
    if isinstance(value, datetime):
        return value.date(), False
    if isinstance(value, date):
        return value, False
    text = "".join(_text(value).split())
    if text in (PENDING_DEADLINE, "待定日期", "另行通知"):
        return None, True
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return date(year, month, day), False
            except ValueError:
                break
    raise ValueError(
        _("无法识别的日期“%(value)s”,请填写日期(如 2026-06-30)或“待定”") % {"value": text}
    )


def _locate_header(rows: list[tuple[Any, ...]]) -> int | None:
    """Index of the header row: the first of the top rows that names the 事项 column."""
    for index, row in enumerate(rows[:10]):
        if "事项" in {_text(v) for v in row}:
            return index
    return None


class _People:
    """Looks people up by user name or by 姓名, one query for the whole sheet."""

    def __init__(self) -> None:
        self.by_username: dict[str, User] = {}
        self.by_name: dict[str, list[User]] = {}
        for user in get_user_model().objects.filter(is_active=True):
            self.by_username[user.get_username()] = user
            name = _person(user)
            self.by_name.setdefault(name, []).append(user)

    def find(self, text: str) -> User:
        if text in self.by_username:
            return self.by_username[text]
        matches = self.by_name.get(text, [])
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise ValueError(_("有多个同名人员“%(name)s”,请改填用户名") % {"name": text})
        raise ValueError(_("系统中没有人员“%(name)s”") % {"name": text})


# Where the headers may be: the office's layout has nine columns; a few more are tolerated.
MAX_IMPORT_COLUMNS = 50


def _read_rows(
    source: IO[bytes] | bytes,
) -> tuple[list[tuple[Any, ...]], int] | CellError:
    """The first sheet's rows, streamed; blank rows are kept as ``()`` so that row numbers
    stay right without holding a million empty rows of a template styled to the bottom."""
    data = source if isinstance(source, bytes) else source.read()
    file_column = _("文件")
    try:
        if data.startswith(ZIP_MAGIC):  # anything else is no workbook, said below
            check_zip(data, streamed=("xl/worksheets/",))
    except SeedError as exc:
        return CellError(0, file_column, exc.message)
    unreadable = _("工作表已损坏或含有不允许的内容,无法读取(%(error)s)")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError) as exc:  # no workbook at all
        return CellError(0, file_column, _("不是有效的 .xlsx 文件(%(error)s)") % {"error": exc})
    except Exception as exc:  # malformed XML, a DTD declaring entities (refused by defusedxml)
        return CellError(0, file_column, unreadable % {"error": type(exc).__name__})
    max_rows = settings.LEDGER["IMPORT_MAX_ROWS"]
    rows: list[tuple[Any, ...]] = []
    filled = 0
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # a sheet's declared size is not trusted: rows say
        for row in sheet.iter_rows(max_col=MAX_IMPORT_COLUMNS, values_only=True):
            if all(v is None or _text(v) == "" for v in row):
                rows.append(())
                continue
            filled += 1
            if filled > max_rows + 1:  # + the header row
                return CellError(
                    len(rows) + 1,
                    file_column,
                    _("行数过多:一次最多导入 %(n)d 行,请分成几个文件导入") % {"n": max_rows},
                )
            rows.append(tuple(row))
    except Exception as exc:  # the same, met in the rows (read as they are iterated)
        return CellError(0, file_column, unreadable % {"error": type(exc).__name__})
    finally:
        workbook.close()
    header_index = _locate_header(rows)
    if header_index is None:
        return CellError(1, "事项", _("找不到表头行:前10行中没有“事项”列"))
    return rows, header_index


def _validate(
    rows: list[tuple[Any, ...]], header_index: int
) -> tuple[list[_Row], list[CellError], int]:
    header = [_text(v) for v in rows[header_index]]
    header_row_number = header_index + 1
    errors: list[CellError] = []
    positions = {name: header.index(name) for name in HEADERS if name in header}
    for required in REQUIRED_HEADERS:
        if required not in positions:
            errors.append(CellError(header_row_number, required, _("缺少必需的列")))
    if errors:
        return [], errors, 0

    units = {u.name: u for u in Unit.objects.all()}
    units.update({a.name: a.unit for a in UnitAlias.objects.select_related("unit")})
    people = _People()
    by_id = _exported_commitments(rows[header_index + 1 :], positions.get("ID"))
    ids_seen: dict[int, int] = {}
    labels = office_status_labels()
    status_by_label = {label: value for value, label in labels.items()}
    existing = set(Commitment.objects.values_list("lead_unit__name", "title"))
    seen: dict[tuple[str, str], int] = {}
    valid: list[_Row] = []
    rows_read = 0

    for offset, raw in enumerate(rows[header_index + 1 :], start=1):
        number = header_row_number + offset

        def get(name: str, raw: tuple[Any, ...] = raw) -> Any:
            position = positions.get(name)
            return raw[position] if position is not None and position < len(raw) else None

        if all(_text(v) == "" for v in raw):
            continue
        rows_read += 1
        row_errors: list[CellError] = []

        def fail(column: str, reason: str, number: int = number, errs=row_errors) -> None:
            errs.append(CellError(number, column, reason))

        title = _text(get("事项"))
        if not title:
            fail("事项", _("不能为空"))
        elif len(title) > 300:
            fail("事项", _("不能超过300字(现有%(n)d字)") % {"n": len(title)})

        unit_name = compact(_text(get("责任单位")))
        unit = units.get(unit_name) or units.get(unit_key(unit_name))
        if not unit_name:
            fail("责任单位", _("不能为空"))
        elif unit is None:
            fail("责任单位", _("系统中没有单位“%(name)s”,请先添加该单位") % {"name": unit_name})

        co_units: list[Unit] | None = None
        if "配合单位" in positions:
            co_units = []
            for name in (compact(n) for n in _LIST_SPLIT.split(_text(get("配合单位")))):
                found_unit = units.get(name) or units.get(unit_key(name)) if name else None
                if name and found_unit is None:
                    fail("配合单位", _("系统中没有单位“%(name)s”,请先添加该单位") % {"name": name})
                elif found_unit is not None:
                    co_units.append(found_unit)

        commitment = None
        id_text = _text(get("ID"))
        if id_text:
            commitment = by_id.get(int(id_text)) if id_text.isdigit() else None
            if commitment is None:
                fail(
                    "ID",
                    _("系统中没有编号为 %(id)s 的承诺事项;新增的事项请让 ID 留空")
                    % {"id": id_text},
                )
            elif commitment.pk in ids_seen:
                fail("ID", _("与第%(row)d行重复") % {"row": ids_seen[commitment.pk]})
            else:
                ids_seen[commitment.pk] = number

        responsible = None
        person = _text(get("责任人"))
        if person:
            try:
                responsible = people.find(person)
            except ValueError as exc:
                fail("责任人", str(exc))

        deadline, pending = None, False
        try:
            deadline, pending = _parse_deadline(get("完成时限"))
        except ValueError as exc:
            fail("完成时限", str(exc))

        status_text = "".join(_text(get("状态")).split())
        status: str = Commitment.Status.DRAFT
        if status_text:
            found = status_by_label.get(status_text) or (
                status_text if status_text in Commitment.Status.values else None
            )
            if found is None:
                fail(
                    "状态",
                    _("无法识别的状态“%(value)s”,可填:%(allowed)s")
                    % {
                        "value": status_text,
                        "allowed": "、".join(labels[s] for s in IMPORTABLE_STATUSES),
                    },
                )
            elif found not in IMPORTABLE_STATUSES:
                fail(
                    "状态",
                    _("“%(value)s”不能通过导入设置,请导入后在系统中办理") % {"value": status_text},
                )
            else:
                status = found

        if commitment is not None:
            # An exported row carries the status it had; moves are made in the system.
            if status_text and status != commitment.status:
                fail(
                    "状态",
                    _("已有事项的状态不能通过导入修改(现为“%(status)s”),请在系统中办理")
                    % {"status": labels.get(commitment.status, commitment.status)},
                )
            status = commitment.status

        note = _text(get("备注"))
        if commitment is None and status in NEEDS_REASON and not note:
            fail("备注", _("状态为“%(status)s”时须在备注中写明原因") % {"status": status_text})

        if title and unit is not None and commitment is None:
            key = (unit.name, title)
            if key in existing:
                fail("事项", _("该责任单位已有同名事项,不重复导入"))
            elif key in seen:
                fail("事项", _("与第%(row)d行重复") % {"row": seen[key]})
            else:
                seen[key] = number

        if row_errors:
            errors.extend(row_errors)
            continue
        assert unit is not None
        valid.append(
            _Row(
                number=number,
                title=title,
                unit=unit,
                responsible=responsible,
                deadline=deadline,
                deadline_pending=pending,
                progress=_text(get("进展情况")),
                status=status,
                note=note,
                co_units=co_units,
                commitment=commitment,
            )
        )
    return valid, errors, rows_read


def _exported_commitments(rows: list[tuple[Any, ...]], position: int | None) -> dict[int, Any]:
    """The commitments the sheet's ID column names, with their latest progress, one query."""
    if position is None:
        return {}
    ids = {
        int(text)
        for text in (_text(r[position]) if position < len(r) else "" for r in rows)
        if text.isdigit()
    }
    latest = ProgressUpdate.objects.filter(commitment=OuterRef("pk")).order_by("-created_at", "-id")
    found = (
        Commitment.objects.filter(pk__in=ids)
        .select_related("lead_unit", "responsible")
        .prefetch_related("co_units")
        .annotate(
            latest_progress=Subquery(latest.values("text")[:1]),
            latest_percent=Subquery(latest.values("percent")[:1]),
        )
    )
    return {c.pk: c for c in found}


def commitments_import_xlsx(
    *, source: IO[bytes] | bytes, actor: User | None = None
) -> ImportResult:
    """Create one commitment per valid row; if any cell is bad, report every bad cell and
    write nothing."""
    read = _read_rows(source)
    if isinstance(read, CellError):
        return ImportResult(errors=[read])
    rows, header_index = read
    valid, errors, rows_read = _validate(rows, header_index)
    result = ImportResult(errors=errors, rows_read=rows_read)
    if errors:
        return result
    if not valid:
        result.errors.append(CellError(header_index + 2, "事项", _("表中没有数据行")))
        return result
    try:
        result.created, result.updated = _write_all(valid, actor)
    except ValidationError as exc:
        # A service refused a row the checks let through: report it, keep nothing.
        result.errors.extend(_refusal_cells(exc))
    return result


# The model field a service names in its refusal → the sheet column that holds it.
FIELD_COLUMNS = {
    "title": "事项",
    "lead_unit": "责任单位",
    "co_units": "配合单位",
    "responsible": "责任人",
    "deadline": "完成时限",
    "deadline_pending": "完成时限",
    "progress": "进展情况",
    "text": "进展情况",
    "status": "状态",
    "document": "来源文件",
    "directive": "来源文件",
}


def _refusal_cells(exc: ValidationError) -> list[CellError]:
    """One error per refused field, in the column the clerk typed it in."""
    row = exc.row_number  # type: ignore[attr-defined]
    if not hasattr(exc, "error_dict"):
        return [CellError(row, "—", "; ".join(exc.messages))]
    return [
        CellError(row, FIELD_COLUMNS.get(field, "—"), "; ".join(ValidationError(errors).messages))
        for field, errors in exc.error_dict.items()
    ]


@transaction.atomic
def _write_all(
    rows: Iterable[_Row], actor: User | None
) -> tuple[list[Commitment], list[Commitment]]:
    created: list[Commitment] = []
    updated: list[Commitment] = []
    for row in rows:
        try:
            if row.commitment is not None:
                if _update_from_row(row.commitment, row, actor):
                    updated.append(row.commitment)
                continue
            commitment = commitment_create(
                title=row.title,
                lead_unit=row.unit,
                responsible=row.responsible,
                deadline=row.deadline,
                deadline_pending=row.deadline_pending,
                status_reason=row.note if row.status == Commitment.Status.DRAFT else "",
                co_units=row.co_units or (),
            )
            commitment = commitment_import_state(
                commitment=commitment,
                actor=actor or OFFICE_SYSTEM,
                status=row.status,
                note=row.note,
                progress=row.progress,
            )
        except ValidationError as exc:
            exc.row_number = row.number  # type: ignore[attr-defined]
            raise
        except PermissionDenied as exc:
            refused = ValidationError(str(exc) or _("无权办理此事项"))
            refused.row_number = row.number  # type: ignore[attr-defined]
            raise refused from exc
        created.append(commitment)
    return created, updated


def _update_from_row(commitment: Commitment, row: _Row, actor: User | None) -> bool:
    """Carry an exported row's edits back: fields through ``commitment_update`` (the admin's
    rules), new progress text as a progress report through the workflow. False: no change."""
    data: dict[str, Any] = {}
    if row.title != commitment.title:
        data["title"] = row.title
    if row.unit.pk != commitment.lead_unit_id:
        data["lead_unit"] = row.unit
    if row.responsible != commitment.responsible:
        data["responsible"] = row.responsible
    if (row.deadline, row.deadline_pending) != (commitment.deadline, commitment.deadline_pending):
        data["deadline"] = row.deadline
        data["deadline_pending"] = row.deadline_pending
    co_units = None
    if row.co_units is not None and {u.pk for u in row.co_units} != {
        u.pk for u in commitment.co_units.all()
    }:
        co_units = row.co_units
    if data or co_units is not None:
        commitment_update(commitment=commitment, data=data, co_units=co_units, actor=actor)
    progress = row.progress.strip()
    reported = progress and progress != (getattr(commitment, "latest_progress", None) or "")
    if reported:
        commitment_report_progress(
            commitment=commitment,
            actor=actor or OFFICE_SYSTEM,
            text=progress,
            percent=getattr(commitment, "latest_percent", None) or 0,
        )
    return bool(data or co_units is not None or reported)
