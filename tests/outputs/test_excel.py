from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import Workbook, load_workbook

from commitments.models import Commitment, ProgressUpdate
from commitments.services.excel import (
    HEADERS,
    commitments_import_xlsx,
    commitments_to_xlsx,
)
from tests.factories import CommitmentFactory, ProgressUpdateFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)
S = Commitment.Status


def _sheet_rows(data: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def _xlsx(rows: list[list], header: tuple = HEADERS, title_row: str | None = None) -> bytes:
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


def test_export_has_chinese_headers_frozen_header_widths_and_real_dates():
    # given
    person = UserFactory(username="zs", last_name="张", first_name="三")
    c = CommitmentFactory(
        title="新建三所幼儿园",
        lead_unit=UnitFactory(name="市教育局"),
        responsible=person,
        deadline=TODAY - timedelta(days=1),
    )
    ProgressUpdateFactory(commitment=c, text="旧进展")
    ProgressUpdateFactory(commitment=c, text="已完成选址")
    # when
    data = commitments_to_xlsx(commitments=Commitment.objects.all(), today=TODAY)
    # then
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == list(HEADERS)
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width >= 30
    row = [cell.value for cell in sheet[2]]
    assert row[:4] == [1, "新建三所幼儿园", "市教育局", "张三"]
    assert isinstance(row[4], datetime) and row[4].date() == TODAY - timedelta(days=1)
    assert sheet.cell(2, 5).is_date
    assert row[5:8] == ["已完成选址", "交办", "红灯"]
    assert sheet.cell(2, 8).fill.fgColor.rgb.endswith("F8CBAD")
    assert sheet.cell(1, 1).font.bold and sheet.cell(2, 5).number_format == "yyyy-mm-dd"


def test_export_writes_pending_deadline_as_text_and_respects_the_given_queryset():
    CommitmentFactory(title="要导出", deadline=None, deadline_pending=True)
    CommitmentFactory(title="被筛掉", status=S.IN_PROGRESS)
    data = commitments_to_xlsx(
        commitments=Commitment.objects.filter(status=S.ASSIGNED), today=TODAY
    )
    rows = _sheet_rows(data)
    assert len(rows) == 2
    assert rows[1][1] == "要导出" and rows[1][4] == "待定"


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
    # when: into a clean ledger
    ProgressUpdate.objects.all().delete()
    Commitment.objects.all().delete()
    result = commitments_import_xlsx(source=exported)
    # then
    assert result.ok, [str(e) for e in result.errors]
    assert len(result.created) == 4
    again = commitments_to_xlsx(commitments=Commitment.objects.all(), today=TODAY)
    assert _sheet_rows(again) == _sheet_rows(exported)


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
