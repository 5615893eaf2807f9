"""Work assigned without 要/应, deadlines that stand apart, owners in parentheses, schedule
tables and document facts: texts written for these tests in the genres of real notices,
measures, speeches and school plans, worded unlike the corpus the rules were found on."""

from __future__ import annotations

import io
from datetime import date

import pytest

from commitments.importer.parse import ParsedDirective, ParsedDocument, parse_document
from tests.importer.conftest import fixture_bytes


def parse(name: str, reference: date | None = None) -> ParsedDocument:
    return parse_document(fixture_bytes(name), reference_date=reference, name=name)


def task_with(doc: ParsedDocument, words: str) -> ParsedDirective:
    found = [d for d in doc.directives if d.kind == "task" and words in d.text]
    assert found, f"no task holds {words!r}: {[d.text for d in doc.of_kind('task')]}"
    return found[0]


def no_task_with(doc: ParsedDocument, words: str) -> bool:
    return not any(words in d.text for d in doc.of_kind("task"))


# --------------------------------------------------------------------------- a notice


@pytest.fixture(scope="module")
def notice() -> ParsedDocument:
    return parse("notice_dated_measures.txt")


def test_notice_facts_wrapped_title_number_and_signed_date(notice: ParsedDocument) -> None:
    assert notice.title == "某省教育厅关于做好中小学课后服务工作的通知"
    assert notice.document_number == "教办发〔2023〕7号"
    assert (notice.issuer, notice.issued_on) == ("某省教育厅", date(2023, 8, 20))


def test_a_dated_measure_without_yao_is_a_task_of_its_acting_unit(notice: ParsedDocument) -> None:
    d = task_with(notice, "完成辖区内课后服务需求调查")
    assert (d.owners, d.deadline) == (("各市教育局",), date(2023, 9, 30))


def test_the_next_units_measure_in_the_paragraph_shares_its_date(notice: ParsedDocument) -> None:
    d = task_with(notice, "汇总形成全省课后服务基础台账")
    assert (d.owners, d.deadline) == (("省教育厅",), date(2023, 9, 30))


def test_a_deadline_for_the_work_above_goes_to_the_tasks_before_it(notice: ParsedDocument) -> None:
    d = task_with(notice, "制定课后服务收费标准")
    assert (d.owners, d.deadline) == (("各县（市、区）",), date(2023, 11, 30))
    assert no_task_with(notice, "以上工作于")


def test_a_request_and_a_responsibility_and_a_ban_are_tasks(notice: ParsedDocument) -> None:
    assert task_with(notice, "完成专项督导").owners == ("省督导办",)
    assert task_with(notice, "完成专项督导").deadline == date(2023, 12, 20)
    assert task_with(notice, "负责落实课后服务经费保障").owners == ("省财政厅",)
    assert task_with(notice, "不得擅自提高收费标准").owners == ("各地",)
    assert notice.skipped == ()


# --------------------------------------------------------------------------- measures


def test_owner_parenthesis_gives_lead_and_co_units() -> None:
    doc = parse("measures_owner_parenthesis.txt", date(2024, 3, 1))
    first = task_with(doc, "推行企业开办全程网上办理")
    assert first.owners == ("市市场监管局",)
    assert first.co_owners == ("市税务局", "市人力社保局")
    assert "1个工作日" in first.text  # the whole measure, every sentence of it
    assert task_with(doc, "优化不动产登记流程").owners == ("市自然资源局",)  # not 适用范围
    both = task_with(doc, "优先保障项目用地")
    assert both.owners == ("市发展改革委", "国网某市供电公司")
    assert len(doc.of_kind("task")) == 3


# --------------------------------------------------------------------------- a speech


@pytest.fixture(scope="module")
def speech() -> ParsedDocument:
    return parse("speech_preface_dated_work.txt")


def test_speech_header_below_a_preface(speech: ParsedDocument) -> None:
    assert (speech.title, speech.speaker, speech.delivered_on) == (
        "在全区卫生健康工作会议上的讲话",
        "王立新",
        date(2024, 1, 10),
    )


def test_dated_work_without_a_subject_is_a_task(speech: ParsedDocument) -> None:
    assert task_with(speech, "力争在6月底前投入使用").deadline == date(2024, 6, 30)
    d = task_with(speech, "确保年内完成全部村卫生室标准化改造")
    assert d.deadline == date(2024, 12, 31)
    assert d.owners == ("区人民医院",) and d.owners_inherited


def test_a_clause_with_its_own_subject_is_its_own_task(speech: ParsedDocument) -> None:
    assert task_with(speech, "落实预检分诊制度").owners == ("全区各医疗机构",)
    assert task_with(speech, "不能放松监测预警").owners == ("区疾控中心",)


def test_reports_announcements_and_opinions_are_not_tasks(speech: ParsedDocument) -> None:
    assert no_task_with(speech, "消毒设备配置")  # what was done last year
    assert no_task_with(speech, "我讲三点意见")
    assert no_task_with(speech, "能办的事马上办")
    assert speech.skipped == ()


# --------------------------------------------------------------------------- schedules


def test_rows_below_a_merged_date_cell_take_its_date() -> None:
    doc = parse("schedule_merged_dates.txt", date(2024, 8, 30))
    assert task_with(doc, "发放教材及作业本").owners == ("教务处",)
    assert task_with(doc, "发放教材及作业本").deadline == date(2024, 9, 2)
    assert task_with(doc, "完成新生体检及建档").deadline == date(2024, 9, 5)
    assert task_with(doc, "完成新生体检及建档").owners == ("卫生室",)
    assert task_with(doc, "完成校车安全检查").deadline == date(2024, 9, 20)
    # A row nobody leads is a note of the schedule: listed as skipped, never a task.
    assert no_task_with(doc, "全体学生休息")
    assert any("全体学生休息" in s for s in doc.skipped)
    # 分管领导 holds people, never units.
    assert all("王明" not in d.owners for d in doc.of_kind("task"))


def test_a_term_plan_rolls_january_into_the_next_year_and_ranges_end_late() -> None:
    doc = parse("term_plan_next_year.txt", date(2024, 12, 20))
    assert task_with(doc, "完成教师年度考核").deadline == date(2024, 12, 31)
    assert task_with(doc, "寒假安全教育主题班会").deadline == date(2025, 1, 10)
    assert task_with(doc, "寒假值班安排").deadline == date(2025, 2, 3)
    assert task_with(doc, "期末统一测试").deadline == date(2025, 1, 22)


def test_workbook_measure_column_is_the_task_when_the_goal_repeats() -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2025年度公司重点任务清单"])
    sheet.merge_cells("A1:G1")
    sheet.append(["序号", "重点任务", "年度目标", "分管领导", "牵头部门", "完成时间", "工作举措"])
    goal = "全年营业收入增长8%以上，成本费用率下降0.5个百分点。"
    rows = [
        (
            "1",
            "提质增效",
            goal,
            "周涛",
            "计划财务部\n审计部",
            "12月底",
            "1.分解下达各子公司年度预算；",
        ),
        ("1", "提质增效", goal, "周涛", "计划财务部\n审计部", "6月底", "2.完成存量资产盘活方案；"),
        (
            "2",
            "数字化",
            "建成统一的数据平台。",
            "孙丽",
            "数字化转型工作\n专班",
            "9月底",
            "1.上线数据中台一期；",
        ),
        (
            "2",
            "数字化",
            "建成统一的数据平台。",
            "孙丽",
            "数字化转型工作\n专班",
            "12月底",
            "2.完成业务系统迁移；",
        ),
    ]
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    doc = parse_document(buffer.getvalue(), name="tasks.xlsx")
    first = task_with(doc, "分解下达各子公司年度预算")
    assert first.owners == ("计划财务部", "审计部")  # two names on two lines
    assert first.deadline == date(2025, 12, 31)
    assert task_with(doc, "完成存量资产盘活方案").deadline == date(2025, 6, 30)
    platform = task_with(doc, "上线数据中台一期")
    assert platform.owners == ("数字化转型工作专班",)  # one name wrapped over two lines
    assert platform.deadline == date(2025, 9, 30)
    assert len(doc.of_kind("task")) == 4
    assert all(d.title.startswith(("分解", "完成", "上线")) for d in doc.of_kind("task"))


# --------------------------------------------------------------------------- owners


@pytest.mark.parametrize(
    ("text", "owners"),
    [
        ("鼓励行业协会参与标准制定。", ("行业协会",)),  # never the verb phrase
        ("我市各中小学要在开学前完成校舍排查。", ("各中小学",)),  # no 我市 noise
        ("交通局、公安局等有关部门要加强路面巡查。", ("交通局", "公安局")),  # 等有关部门 sums up
        ("2024年5月底前各街道要完成摸排。", ("各街道",)),  # a date is never an owner
        ("各地区、各部门在制定细则时，要听取基层意见。", ("各地区", "各部门")),
    ],
)
def test_owner_names_are_clean_units(text: str, owners: tuple[str, ...]) -> None:
    doc = parse_document(text.encode(), reference_date=date(2024, 1, 5))
    assert doc.of_kind("task")[0].owners == owners


def test_a_higher_report_quoted_is_not_a_local_task() -> None:
    doc = parse_document("党的二十大报告强调要坚持教育优先发展。".encode())
    assert [d.kind for d in doc.directives] == ["quoted"]


def test_a_school_year_in_the_title_places_spring_dates_without_a_reference_date() -> None:
    doc = parse("term_plan_next_year.txt")  # no date but 2024-2025学年 in its title
    assert task_with(doc, "完成教师年度考核").deadline == date(2024, 12, 31)
    assert task_with(doc, "寒假值班安排").deadline == date(2025, 2, 3)


def test_a_purpose_clause_is_not_a_report_of_the_past() -> None:
    text = "为了了解基层需求，2024年6月底前，市卫健委完成全市村医走访。"
    doc = parse_document(text.encode(), reference_date=date(2024, 1, 5))
    d = task_with(doc, "完成全市村医走访")
    assert (d.owners, d.deadline) == (("市卫健委",), date(2024, 6, 30))


@pytest.mark.parametrize(
    "background",
    [
        "近年来，各地积极推进课后服务工作，取得明显成效。",
        "当前，部分地区落实课后服务经费保障不到位。",
        "省教育厅印发了课后服务指南。",
    ],
)
def test_a_notices_background_is_not_a_task(background: str) -> None:
    assert notice_with(background).of_kind("task") == ()


def notice_with(body: str) -> ParsedDocument:
    head = "某省教育厅关于做好课后服务工作的通知\n各市教育局：\n"
    return parse_document(f"{head}{body}\n某省教育厅\n2024年3月1日".encode())


@pytest.mark.parametrize(
    ("body", "owners", "deadline"),
    [
        (
            "（一）省教育厅牵头制定质量评价办法，2024年9月底前印发实施。",
            ("省教育厅",),
            date(2024, 9, 30),
        ),
        ("各地应于2024年12月31日前将开展情况报省教育厅。", ("各地",), date(2024, 12, 31)),
        ("省财政厅、省人社厅按职责分工做好经费和人员保障。", ("省财政厅", "省人社厅"), None),
    ],
)
def test_measures_of_a_notice_in_other_words(
    body: str, owners: tuple[str, ...], deadline: date | None
) -> None:
    tasks = notice_with(body).of_kind("task")
    assert [(d.owners, d.deadline) for d in tasks] == [(owners, deadline)]
