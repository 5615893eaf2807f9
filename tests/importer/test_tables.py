"""Task tables: headers by meaning, merged cells carried down, units, short deadlines."""

from __future__ import annotations

from datetime import date

import pytest

from commitments.importer.deadlines import schedule_of
from commitments.importer.formats import Table
from commitments.importer.tables import (
    CO,
    CONTENT,
    DEADLINE,
    LEAD,
    LEADER,
    RESPONSIBLE,
    SERIAL,
    TASK,
    find_header,
    header_field,
    read_task_table,
    split_cell_units,
)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("序号", SERIAL),
        ("任务", TASK),
        ("项目", TASK),
        ("重点任务", TASK),
        ("具体内容", CONTENT),
        ("工作措施", CONTENT),
        ("牵头单位", LEAD),
        ("责任单位", LEAD),
        ("负责处室", LEAD),
        ("责任科室", LEAD),
        ("责任股室", LEAD),
        ("牵头部门", LEAD),
        ("责任 单位", LEAD),
        ("配合单位", CO),
        ("配合处室", CO),
        ("协办单位", CO),
        ("责任人", RESPONSIBLE),
        ("具体负责人", RESPONSIBLE),
        ("分管领导", LEADER),
        ("完成时限", DEADLINE),
        ("完成时间", DEADLINE),
        ("时间节点", DEADLINE),
        ("完成时限（年月日）", DEADLINE),
    ],
)
def test_header_cells_are_recognised_by_meaning(header: str, field: str) -> None:
    assert header_field(header) == field


def test_header_row_is_found_below_a_title_and_not_in_an_ordinary_table() -> None:
    rows = (
        ("附件1", "", ""),
        ("任务", "负责处室", "时间节点"),
        ("修订制度", "办公室", "6月底前"),
    )
    assert find_header(rows) == (1, {0: TASK, 1: LEAD, 2: DEADLINE})
    assert find_header((("姓名", "电话", "地址"), ("张三", "1", "x"))) is None


def table(*rows: tuple[str | None, ...]) -> Table:
    return Table(rows=(("序号", "项目", "具体内容", "牵头单位", "完成时限"), *rows))


def test_merged_cells_are_carried_down_to_the_rows_they_cover() -> None:
    parsed = read_task_table(
        table(
            ("1", "平安校园", "排查隐患", "保卫处", "6月底前"),
            (None, None, "整改隐患", None, None),
            ("2", "食堂", "改造食堂", "后勤处", "年底前"),
        )
    )
    assert parsed is not None
    assert [
        (r.serial, r.values[TASK], r.values[LEAD], r.values[DEADLINE]) for r in parsed.rows
    ] == [
        ("1", "平安校园", "保卫处", "6月底前"),
        ("1", "平安校园", "保卫处", "6月底前"),
        ("2", "食堂", "后勤处", "年底前"),
    ]


def test_sub_rows_inherit_the_group_cells_they_leave_empty_but_new_rows_do_not() -> None:
    parsed = read_task_table(
        table(
            ("1—1", "平安校园", "排查隐患", "保卫处", "6月底前"),
            ("1—2", "", "整改隐患", "", "9月底前"),
            ("2—1", "食堂", "改造食堂", "", ""),
            ("3", "", "其他工作", "", ""),
        )
    )
    assert parsed is not None
    values = [(r.values[TASK], r.values[LEAD], r.values[DEADLINE]) for r in parsed.rows]
    assert values == [
        ("平安校园", "保卫处", "6月底前"),
        ("平安校园", "保卫处", "9月底前"),  # its own deadline wins
        ("食堂", "", ""),  # a new group: nothing from 1—x
        ("", "", ""),
    ]


def test_category_rows_label_the_rows_below_and_are_no_tasks() -> None:
    parsed = read_task_table(
        table(
            ("一、党的建设", "一、党的建设", "一、党的建设", "一、党的建设", "一、党的建设"),
            ("1", "主题教育", "开展主题教育", "组织部", "6月底前"),
            ("二、安全稳定", "", "", "", ""),
            ("2", "平安校园", "排查隐患", "保卫处", "年底前"),
        )
    )
    assert parsed is not None
    assert [(r.number, r.category) for r in parsed.rows] == [
        (1, "一、党的建设"),
        (2, "二、安全稳定"),
    ]


@pytest.mark.parametrize(
    ("header", "fields"),
    [
        (("任务", "牵头单位", "责任单位", "完成时限"), (TASK, LEAD, CO, DEADLINE)),
        (("任务", "责任单位", "牵头单位", "完成时限"), (TASK, CO, LEAD, DEADLINE)),
        (("任务", "责任单位", "配合单位", "完成时限"), (TASK, LEAD, CO, DEADLINE)),
    ],
)
def test_beside_a_lead_column_the_responsible_units_help(
    header: tuple[str, ...], fields: tuple[str, ...]
) -> None:
    found = find_header((header,))
    assert found is not None
    assert tuple(found[1][c] for c in range(len(header))) == fields


@pytest.mark.parametrize(
    ("cell", "units"),
    [
        ("团  委", ("团委",)),
        ("工 会", ("工会",)),
        ("团  委、工  会", ("团委", "工会")),
        ("市教育局 市财政局", ("市教育局", "市财政局")),
        ("办公室\n人事处", ("办公室", "人事处")),
        ("教务处和学生处", ("教务处", "学生处")),
        ("各县区教育局", ("各县区教育局",)),
        ("各县（市、区）教育局、市财政局", ("各县（市、区）教育局", "市财政局")),
        ("", ()),
    ],
)
def test_units_in_a_cell(cell: str, units: tuple[str, ...]) -> None:
    assert split_cell_units(cell) == units


Y = 2024


@pytest.mark.parametrize(
    ("cell", "day", "pending"),
    [
        ("6月底前", date(Y, 6, 30), False),
        ("6月底", date(Y, 6, 30), False),
        ("年底前", date(Y, 12, 31), False),
        ("年内", date(Y, 12, 31), False),
        ("9月份", date(Y, 9, 30), False),
        ("2月份", date(Y, 2, 29), False),
        ("一季度", date(Y, 3, 31), False),
        ("第三季度末", date(Y, 9, 30), False),
        ("上半年", date(Y, 6, 30), False),
        ("下半年", date(Y, 12, 31), False),
        ("10月中旬", date(Y, 10, 20), False),
        ("11月15日前", date(Y, 11, 15), False),
        ("2025年3月", date(2025, 3, 31), False),
        ("2024.10.15", date(Y, 10, 15), False),
        ("明年上半年", date(Y + 1, 6, 30), False),
        ("国庆前", date(Y, 10, 1), False),
        ("寒假前", None, True),
        ("开学前", None, True),
        ("秋季开学前", None, True),
        ("待定", None, True),
    ],
)
def test_short_and_fuzzy_deadlines_resolve_against_the_year(cell, day, pending) -> None:
    schedule = schedule_of(cell, Y)
    assert len(schedule.milestones) == 1
    step = schedule.milestones[0]
    assert (step.deadline.on, step.deadline.pending) == (day, pending)
    assert step.deadline.text  # the wording is kept


@pytest.mark.parametrize(
    ("cell", "cycle"),
    [("每月", "monthly"), ("每季度", "quarterly"), ("每周五前", "weekly"), ("按月报送", "monthly")],
)
def test_recurring_wording_is_a_report_cycle_not_a_deadline(cell: str, cycle: str) -> None:
    schedule = schedule_of(cell, Y)
    assert schedule.cycle == cycle
    assert schedule.milestones == ()


def test_a_cycle_and_a_deadline_in_one_cell_give_both() -> None:
    schedule = schedule_of("每月报送进展，年底前完成", Y)
    assert schedule.cycle == "monthly"
    assert [m.deadline.on for m in schedule.milestones] == [date(Y, 12, 31)]


@pytest.mark.parametrize(
    "cell",
    ["2024年6月底前完成规划，10月底前完成验收", "规划：6月底前；验收：10月底前"],
)
def test_two_dates_in_one_task_are_two_steps(cell: str) -> None:
    steps = schedule_of(cell, Y).milestones
    assert [(m.deadline.on, m.label) for m in steps] == [
        (date(Y, 6, 30), "规划"),
        (date(Y, 10, 31), "验收"),
    ]


def test_without_a_year_dates_need_a_person_but_keep_their_wording() -> None:
    step = schedule_of("6月底前", None).milestones[0]
    assert (step.deadline.on, step.deadline.text, step.deadline.pending) == (None, "6月底前", True)
    dated = schedule_of("2024年6月底前", None).milestones[0]
    assert dated.deadline.on == date(2024, 6, 30)


def test_ongoing_work_has_no_deadline_and_is_not_flagged() -> None:
    step = schedule_of("长期坚持", Y).milestones[0]
    assert (step.deadline.on, step.deadline.pending) == (None, False)


def test_speech_sentences_get_report_cycles_month_ends_and_school_terms_flagged() -> None:
    from commitments.importer.parse import parse_document

    text = (
        "在全市教育工作会议上的讲话\n(2024年3月1日)\n张明\n"
        "一、抓好落实\n"
        "各学校要每月报送安全检查情况。\n"
        "市教育局要在9月份完成校舍排查。\n"
        "各县区要在寒假前完成学生安全教育。\n"
    )
    tasks = {d.text: d for d in parse_document(text.encode("utf-8")).of_kind("task")}
    monthly = tasks["各学校要每月报送安全检查情况。"]
    assert (monthly.report_cycle, monthly.deadline) == ("monthly", None)
    september = tasks["市教育局要在9月份完成校舍排查。"]
    assert (september.deadline, september.deadline_text) == (date(2024, 9, 30), "9月份")
    winter = tasks["各县区要在寒假前完成学生安全教育。"]
    assert (winter.deadline, winter.deadline_text, winter.deadline_pending) == (
        None,
        "寒假前",
        True,
    )
