from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from commitments.models import Commitment, ProgressUpdate, UnitAlias
from commitments.services.excel import (
    HEADERS,
    commitments_import_xlsx,
    commitments_to_xlsx,
)
from tests.factories import (
    CommitmentFactory,
    ProgressUpdateFactory,
    SourceDocumentFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)
S = Commitment.Status


def _sheet_rows(data: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


# A sheet as offices keep their own: no ID column (every row is new), the columns in its order.
OFFICE_HEADERS = (
    "序号",
    "事项",
    "责任单位",
    "责任人",
    "完成时限",
    "进展情况",
    "状态",
    "红黄绿灯",
    "备注",
)


def without_ids(data: bytes) -> bytes:
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    for row in range(3, sheet.max_row + 1):
        sheet.cell(row, 1).value = None
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx(rows: list[list], header: tuple = OFFICE_HEADERS, title_row: str | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if title_row:
        sheet.append([title_row])
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_export_has_a_title_row_chinese_headers_autofilter_frozen_header_and_real_dates():
    # given
    person = UserFactory(username="zs", last_name="张", first_name="三")
    c = CommitmentFactory(
        title="新建三所幼儿园",
        lead_unit=UnitFactory(name="市教育局"),
        responsible=person,
        deadline=TODAY - timedelta(days=1),
        document=SourceDocumentFactory(title="在全市教育工作会议上的讲话"),
    )
    ProgressUpdateFactory(commitment=c, text="旧进展")
    ProgressUpdateFactory(commitment=c, text="已完成选址")
    # when
    data = commitments_to_xlsx(commitments=Commitment.objects.all(), today=TODAY)
    # then
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet.cell(1, 1).value.startswith("认责承诺事项台账") and sheet.cell(1, 1).font.bold
    assert [cell.value for cell in sheet[2]] == list(HEADERS)
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == "A2:M3"
    assert sheet.column_dimensions["C"].width >= 30
    row = [cell.value for cell in sheet[3]]
    assert row[:6] == [c.pk, 1, "新建三所幼儿园", "市教育局", None, "张三"]
    assert isinstance(row[6], datetime) and row[6].date() == TODAY - timedelta(days=1)
    assert sheet.cell(3, 7).is_date and sheet.cell(3, 7).number_format == "yyyy-mm-dd"
    assert row[7].date() == c.original_deadline
    assert row[8:11] == ["已完成选址", "交办", "红灯"]
    assert sheet.cell(3, 11).fill.fgColor.rgb.endswith("F8CBAD")
    assert row[11] == "在全市教育工作会议上的讲话"


def test_export_writes_pending_deadline_as_text_and_respects_the_given_queryset():
    CommitmentFactory(title="要导出", deadline=None, deadline_pending=True)
    CommitmentFactory(title="被筛掉", status=S.IN_PROGRESS)
    data = commitments_to_xlsx(
        commitments=Commitment.objects.filter(status=S.ASSIGNED), today=TODAY
    )
    rows = _sheet_rows(data)
    assert len(rows) == 3
    assert rows[2][2] == "要导出" and rows[2][6] == "待定"


def test_import_reports_every_bad_cell_with_row_column_and_reason_and_writes_nothing():
    # given
    UnitFactory(name="市教育局")
    data = _xlsx(
        [
            [1, "好的一行", "市教育局", None, date(2026, 7, 1), None, "交办", None, None],
            [2, "", "不存在的局", None, "2026-13-40", None, "销号", None, None],
            [3, "撤销却无原因", "市教育局", "查无此人", "下个月", None, "撤销", None, None],
        ],
        title_row="某某活动办公室认责承诺台账",
    )
    # when
    result = commitments_import_xlsx(source=data)
    # then
    assert not result.ok
    found = {(e.row, e.column) for e in result.errors}
    assert found == {
        (4, "事项"),
        (4, "责任单位"),
        (4, "完成时限"),
        (4, "状态"),
        (5, "责任人"),
        (5, "完成时限"),
        (5, "备注"),
    }
    messages = [str(e) for e in result.errors]
    assert "第4行「责任单位」:系统中没有单位“不存在的局”,请先添加该单位" in messages
    assert any("无法识别的日期“下个月”" in m for m in messages)
    assert Commitment.objects.count() == 0


def test_import_rejects_a_sheet_without_required_columns():
    result = commitments_import_xlsx(source=_xlsx([["x"]], header=("序号", "内容")))
    assert [(e.column, e.reason) for e in result.errors] == [
        ("事项", "找不到表头行:前10行中没有“事项”列")
    ]
    result = commitments_import_xlsx(source=_xlsx([["x"]], header=("事项", "备注")))
    assert [(e.row, e.column) for e in result.errors] == [(1, "责任单位")]


def test_import_rejects_a_file_that_is_not_xlsx():
    result = commitments_import_xlsx(source=b"not a spreadsheet")
    assert not result.ok and "不是有效的 .xlsx 文件" in result.errors[0].reason


def test_import_refuses_duplicates_within_the_sheet_and_against_the_ledger():
    unit = UnitFactory(name="市教育局")
    CommitmentFactory(title="已有事项", lead_unit=unit)
    data = _xlsx(
        [
            [1, "已有事项", "市教育局"],
            [2, "新事项", "市教育局"],
            [3, "新事项", "市教育局"],
        ]
    )
    result = commitments_import_xlsx(source=data)
    assert [str(e) for e in result.errors] == [
        "第2行「事项」:该责任单位已有同名事项,不重复导入",
        "第4行「事项」:与第3行重复",
    ]
    assert Commitment.objects.count() == 1


def test_import_accepts_chinese_date_forms_names_and_status_labels():
    UnitFactory(name="市民政局")
    person = UserFactory(username="ls", last_name="李", first_name="四")
    data = _xlsx(
        [
            [1, "甲", " 市民政局 ", "李四", "2026年7月1日", "已部署", "办理中", None, None],
            [2, "乙", "市民政局", "ls", "2026/8/2", None, None, None, None],
            [3, "丙", "市民政局", None, "待定", None, "交办", None, None],
        ]
    )
    result = commitments_import_xlsx(source=data)
    assert result.ok, [str(e) for e in result.errors]
    a, b, c = (Commitment.objects.get(title=t) for t in "甲乙丙")
    assert (a.deadline, a.status, a.responsible) == (date(2026, 7, 1), S.IN_PROGRESS, person)
    assert ProgressUpdate.objects.get(commitment=a).text == "已部署"
    assert (b.deadline, b.status, b.responsible) == (date(2026, 8, 2), S.DRAFT, person)
    assert (c.deadline, c.deadline_pending) == (None, True)


def test_excel_round_trip_export_import_gives_the_same_rows():
    # given: a ledger with people, dates, notes and several states
    edu, civil = UnitFactory(name="市教育局"), UnitFactory(name="市民政局")
    UserFactory(username="zs", last_name="张", first_name="三")
    person = UserFactory(username="zs")
    rows = [
        (
            "新建三所幼儿园",
            edu,
            person,
            TODAY + timedelta(days=40),
            S.IN_PROGRESS,
            "已完成选址",
            "",
        ),
        ("改造老旧小区", civil, None, TODAY - timedelta(days=2), S.ASSIGNED, "", ""),
        ("建设养老服务中心", civil, person, None, S.ACCEPTED, "已立项", ""),
        ("重复的事项", edu, None, TODAY + timedelta(days=90), S.CANCELLED, "", "与第1项合并"),
    ]
    for title, unit, responsible, deadline, status, progress, reason in rows:
        c = CommitmentFactory(
            title=title,
            lead_unit=unit,
            responsible=responsible,
            deadline=deadline,
            deadline_pending=deadline is None,
            status=status,
            status_reason=reason,
        )
        if progress:
            ProgressUpdateFactory(commitment=c, text=progress)
    exported = commitments_to_xlsx(commitments=Commitment.objects.all(), today=TODAY)
    # when: into a clean ledger, as new rows (no IDs)
    ProgressUpdate.objects.all().delete()
    Commitment.objects.all().delete()
    result = commitments_import_xlsx(source=without_ids(exported))
    # then
    assert result.ok, [str(e) for e in result.errors]
    assert len(result.created) == 4
    again = commitments_to_xlsx(commitments=Commitment.objects.all(), today=TODAY)
    assert [r[1:] for r in _sheet_rows(again)[2:]] == [r[1:] for r in _sheet_rows(exported)[2:]]


def test_import_reaches_each_state_through_the_workflow_moves(supervisor):
    # given a sheet with a cancelled and a returned row
    UnitFactory(name="市民政局")
    data = _xlsx(
        [
            [1, "甲", "市民政局", None, "2026年7月1日", None, "撤销", None, "并入其他事项"],
            [2, "乙", "市民政局", None, "2026年8月1日", "已整改", "退回", None, "材料不全"],
        ]
    )
    # when the office imports it
    result = commitments_import_xlsx(source=data, actor=supervisor)
    # then each row went through the moves to its state, with the note as the reason
    assert result.ok, [str(e) for e in result.errors]
    cancelled, returned = (Commitment.objects.get(title=t) for t in "甲乙")
    assert (cancelled.status, cancelled.status_reason) == (S.CANCELLED, "并入其他事项")
    assert (returned.status, returned.status_reason) == (S.RETURNED, "材料不全")
    assert returned.completed_on is None
    reasons = [h.history_change_reason for h in returned.history.order_by("history_id")]
    assert reasons[1:] == [
        "交办:材料不全",
        "签收:材料不全",
        "申请办结",
        "退回:材料不全",
        "报送进展",
    ]
    assert {h.history_user for h in returned.history.all()[:4]} == {supervisor}
    assert ProgressUpdate.objects.get(commitment=returned).author == supervisor


def _edited(data: bytes, changes: dict[tuple[int, str], Any]) -> bytes:
    """The exported sheet with cells (row, header) changed, as an office edits it in Excel."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    for (row, header), value in changes.items():
        sheet.cell(row, HEADERS.index(header) + 1).value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_exported_sheet_comes_back_as_updates_by_id(supervisor):
    # given a ledger exported to Excel, and a unit documents call 住建局
    edu = UnitFactory(name="市教育局")
    housing = UnitFactory(name="市住房和城乡建设局")
    UnitAlias.objects.create(unit=housing, name="住建局")
    working = CommitmentFactory(
        title="新建三所幼儿园", lead_unit=edu, status=S.IN_PROGRESS, deadline=TODAY
    )
    ProgressUpdateFactory(commitment=working, text="已完成选址", percent=30)
    untouched = CommitmentFactory(title="改造老旧小区", lead_unit=edu)
    exported = commitments_to_xlsx(commitments=Commitment.objects.order_by("pk"), today=TODAY)
    # a later deadline typed into the sheet is refused like an edit in the admin: handed-off
    # work moves its deadline only by an approved extension or 更正时限 with a reason
    moved = _edited(exported, {(3, "完成时限"): "2030-06-30"})
    refused = commitments_import_xlsx(source=moved, actor=supervisor)
    assert not refused.ok and "更正时限" in str(refused.errors[0])
    # when the office types new progress and a co-unit by its alias
    edited = _edited(exported, {(3, "进展情况"): "主体结构封顶", (3, "配合单位"): "住建局"})
    result = commitments_import_xlsx(source=edited, actor=supervisor)
    # then the row is updated in place, nothing is created, the other row is left alone
    assert result.ok, [str(e) for e in result.errors]
    assert (result.created, [c.pk for c in result.updated]) == ([], [working.pk])
    working.refresh_from_db()
    assert working.deadline == TODAY
    assert list(working.co_units.all()) == [housing]
    report = working.progress_updates.order_by("-created_at", "-id").first()
    assert (report.text, report.percent, report.author) == ("主体结构封顶", 30, supervisor)
    assert Commitment.objects.count() == 2
    assert untouched.history.count() == 1


def test_a_reimported_row_cannot_move_the_deadline_of_handed_off_work(supervisor):
    # given a commitment in progress, exported
    c = CommitmentFactory(
        title="新建三所幼儿园", lead_unit=UnitFactory(name="市教育局"), status=S.IN_PROGRESS
    )
    exported = commitments_to_xlsx(commitments=Commitment.objects.all(), today=TODAY)
    # when its deadline is typed over in the sheet
    edited = _edited(exported, {(3, "完成时限"): "2030-06-30"})
    result = commitments_import_xlsx(source=edited, actor=supervisor)
    # then the row is refused as the admin would refuse it: only 延期 or 更正时限 move it
    assert not result.ok
    # in the cell the clerk typed it in
    assert (result.errors[0].row, result.errors[0].column) == (3, "完成时限")
    assert "更正时限" in str(result.errors[0])
    c.refresh_from_db()
    assert c.deadline != date(2030, 6, 30)


def test_a_reimported_row_cannot_move_status_or_name_an_unknown_id(supervisor):
    # given an exported commitment
    c = CommitmentFactory(title="新建三所幼儿园", lead_unit=UnitFactory(name="市教育局"))
    exported = commitments_to_xlsx(commitments=Commitment.objects.all(), today=TODAY)
    # when its status is typed over and another row names an ID the ledger does not have
    edited = _edited(exported, {(3, "状态"): "销号", (3, "进展情况"): "x"})
    workbook = load_workbook(io.BytesIO(edited))
    sheet = workbook.worksheets[0]
    sheet.append([999999, 2, "别的事项", "市教育局"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = commitments_import_xlsx(source=buffer.getvalue(), actor=supervisor)
    # then both cells are refused and nothing is written
    assert {(e.row, e.column) for e in result.errors} == {(3, "状态"), (4, "ID")}
    assert c.progress_updates.count() == 0 and Commitment.objects.count() == 1
