"""Work plans (工作要点, 任务分解方案, 若干措施): a numbered item closed by its 分工 is one task,
its owners the units that lead, its co-owners the ones that help, its deadline the 分工's or
the item's, in the year the document states.  Short texts written for these tests, one per
form the genre uses, in full-width and half-width punctuation."""

from __future__ import annotations

from datetime import date

import pytest

from commitments.importer.assignments import Assignment, read_assignment
from commitments.importer.parse import ParsedDirective, ParsedDocument, parse_document


def parse(text: str, reference: date | None = None) -> ParsedDocument:
    return parse_document(text.encode("utf-8"), reference_date=reference)


def tasks(doc: ParsedDocument) -> list[ParsedDirective]:
    return list(doc.of_kind("task"))


def facts(d: ParsedDirective) -> tuple[str, tuple[str, ...], tuple[str, ...], date | None]:
    return d.text, d.owners, d.co_owners, d.deadline


# --------------------------------------------------------------------------- the 分工 itself


@pytest.mark.parametrize(
    ("clause", "owners", "co_owners", "deadline"),
    [
        ("农业科牵头负责", ("农业科",), (), ""),
        ("农业科负责", ("农业科",), (), ""),
        ("农业科牵头，各乡镇配合", ("农业科",), ("各乡镇",), ""),
        ("农业科牵头,各乡镇配合", ("农业科",), ("各乡镇",), ""),
        (
            "县农业农村局、县林业局牵头，县直有关部门按职责分工负责，2025年6月底前完成",
            ("县农业农村局", "县林业局"),
            ("县直有关部门",),
            "2025年6月底前完成",
        ),
        ("各乡镇人民政府按职责分工负责", ("各乡镇人民政府",), (), ""),
        ("县水利局会同县财政局负责", ("县水利局",), ("县财政局",), ""),
        (
            "牵头单位：县水利局；责任单位：各乡镇、县财政局",
            ("县水利局",),
            ("各乡镇", "县财政局"),
            "",
        ),
        ("牵头单位:县水利局;配合单位:县财政局", ("县水利局",), ("县财政局",), ""),
        ("责任单位：县统计局；完成时限：9月底前", ("县统计局",), (), "9月底前"),
        ("责任股室：纪检组、办公室", ("纪检组", "办公室"), (), ""),
        ("负责部门：县商务局，适用范围：开发区", ("县商务局",), (), ""),
        ("2025年底前完成", (), (), "2025年底前完成"),
    ],
)
def test_a_clause_states_who_leads_who_helps_and_by_when(
    clause: str, owners: tuple[str, ...], co_owners: tuple[str, ...], deadline: str
) -> None:
    assert read_assignment(clause) == Assignment(owners, co_owners, deadline)


@pytest.mark.parametrize(
    "clause",
    [
        "试行",
        "以下简称县医共体",
        "2025年3月28日",
        "含各乡镇",
        "按规定负责",
        "个人负责",
        "详见附件",
        "本办法由县财政局负责解释",
        "各乡镇、各部门要认真落实",
        "社会各界积极参与",
    ],
)
def test_brackets_that_state_no_division_of_work_are_none(clause: str) -> None:
    assert read_assignment(clause) is None


def test_a_subject_with_shall_is_no_division_of_work() -> None:
    # "各单位要按职责分工负责" is a sentence with 要, never the 分工 of an item.
    assert read_assignment("各单位要按职责分工负责", bare=True) is None
    assert read_assignment("县医院负责", bare=True) is None  # outside brackets: a lead or help
    assert read_assignment("由县医院牵头，各卫生院配合", bare=True) == Assignment(
        ("县医院",), ("各卫生院",)
    )


# --------------------------------------------------------------------------- brackets


TRAILING = """某县农业农村局2025年工作要点
一、总体要求
坚持农业农村优先发展，全面推进乡村振兴。
二、重点任务
1.稳定粮食生产。落实粮食播种面积50万亩，6月底前完成夏粮收购。（县农业农村局、县粮食局牵头，各乡镇按职责分工负责）
2.建设高标准农田。新建高标准农田2万亩。（农田建设股牵头负责，2025年11月底前完成）
3.发展乡村产业。培育农业龙头企业3家。(产业股牵头,县财政局、各乡镇配合)
三、保障措施
4.强化督导考核。年底前开展一次专项督查。（督查室负责）
"""


def test_an_item_closed_by_its_bracket_is_one_task_of_the_units_that_lead() -> None:
    doc = parse(TRAILING)
    found = tasks(doc)
    assert [facts(d) for d in found] == [
        (
            "稳定粮食生产。落实粮食播种面积50万亩，6月底前完成夏粮收购。",
            ("县农业农村局", "县粮食局"),
            ("各乡镇",),
            date(2025, 6, 30),  # from the item, in the year the title names
        ),
        (
            "建设高标准农田。新建高标准农田2万亩。",
            ("农田建设股",),
            (),
            date(2025, 11, 30),  # from the bracket
        ),
        ("发展乡村产业。培育农业龙头企业3家。", ("产业股",), ("县财政局", "各乡镇"), None),
        ("强化督导考核。年底前开展一次专项督查。", ("督查室",), (), date(2025, 12, 31)),
    ]
    # Items numbered on across the parts are items of their part.
    assert [d.ref for d in found] == ["2.1-1", "2.2-1", "2.3-1", "3.4-1"]
    assert found[3].section.startswith("三、保障措施 / 4.")
    assert doc.reference_date is None  # the title's year is no date of the document
    assert doc.skipped == ()


def test_the_general_requirements_paragraph_is_no_task() -> None:
    doc = parse(TRAILING)
    assert not any("乡村振兴" in d.text for d in tasks(doc))


def test_an_item_of_several_lines_runs_from_its_number_to_its_bracket() -> None:
    doc = parse(
        "某局2025年工作要点\n"
        "（一）完善监测体系\n"
        "新建监测站点5个。\n"
        "9月底前实现数据联网。（监测科牵头，信息中心配合）\n"
        "（二）加强执法检查\n"
        "开展执法检查4次。（执法队负责）\n"
    )
    assert [facts(d) for d in tasks(doc)] == [
        (
            "完善监测体系\n新建监测站点5个。\n9月底前实现数据联网。",
            ("监测科",),
            ("信息中心",),
            date(2025, 9, 30),
        ),
        ("加强执法检查\n开展执法检查4次。", ("执法队",), (), None),
    ]


def test_a_bracket_after_an_items_title_is_the_division_of_its_whole_body() -> None:
    doc = parse(
        "某局2025年工作要点\n"
        "1.加强队伍建设（人事科牵头，各科室配合）\n"
        "开展全员轮训。\n"
        "年底前完成年度考核。\n"
        "2.完善内控制度。修订考勤办法。（办公室负责）\n"
    )
    first, second = tasks(doc)
    assert (first.owners, first.co_owners, first.deadline) == (
        ("人事科",),
        ("各科室",),
        date(2025, 12, 31),
    )
    assert first.text.endswith("年底前完成年度考核。") and "开展全员轮训" in first.text
    assert facts(second) == ("完善内控制度。修订考勤办法。", ("办公室",), (), None)


# --------------------------------------------------------------------------- label lines


LABELS = """某镇人民政府关于印发2025年重点工作任务分解方案的通知
各村（社区），镇属各单位：
现将方案印发给你们，请认真抓好落实。
某镇人民政府
2025年2月20日
一、发展目标
1.农村居民人均可支配收入增长7%。
牵头单位：镇经发办
责任单位：各村（社区），镇财政所，镇工业园区
2.招商引资到位资金5亿元。
牵头领导：李某
牵头单位：镇招商办
配合单位：镇经发办
完成时限：2025年12月底
二、重点项目
3.建成镇卫生院新院区，1月底前完成设备采购。
责任单位：镇卫生院
"""


HALF_WIDTH = str.maketrans({"：": ":", "，": ",", "（": "(", "）": ")", "；": ";"})


@pytest.mark.parametrize("width", ["full", "half"])
def test_label_lines_below_an_item_are_its_owners_and_deadline(width: str) -> None:
    # A web page's copy has half-width punctuation and a blank line between paragraphs.
    half = width == "half"
    text = LABELS.translate(HALF_WIDTH).replace("\n", "\n\n") if half else LABELS
    doc = parse(text)
    found = [d for d in tasks(doc) if d.section != "通知"]
    expected = [
        (
            "农村居民人均可支配收入增长7%。",
            ("镇经发办",),
            ("各村（社区）", "镇财政所", "镇工业园区"),
            None,
        ),
        ("招商引资到位资金5亿元。", ("镇招商办",), ("镇经发办",), date(2025, 12, 31)),
        (
            "建成镇卫生院新院区，1月底前完成设备采购。",
            ("镇卫生院",),
            (),
            # January is over when the plan is issued in February: no date is made up.
            None,
        ),
    ]
    if half:
        expected = [
            (words.translate(HALF_WIDTH), lead, tuple(u.translate(HALF_WIDTH) for u in co), day)
            for words, lead, co, day in expected
        ]
    assert [facts(d) for d in found] == expected
    assert [d.ref for d in found] == ["1.1-1", "1.2-1", "2.3-1"]
    # The label lines are the items' 分工, not paragraphs left unread.
    assert doc.skipped == ()


def test_a_person_or_an_event_time_on_a_label_line_closes_no_item() -> None:
    doc = parse(
        "某镇2025年春季植树活动安排\n"
        "一、活动安排\n"
        "组织干部群众开展义务植树。\n"
        "时间：2025年3月12日\n"
        "联系人：王某\n"
    )
    # 时间 is when the event is held, not a deadline the paragraph above is closed by.
    assert tasks(doc) == []


# --------------------------------------------------------------------------- sentences


def test_a_last_sentence_that_names_the_lead_closes_the_item() -> None:
    doc = parse(
        "某区2025年营商环境工作要点\n"
        "1.优化开办服务。推行企业开办一窗通办。由区市场监管局牵头，区税务局配合。\n"
        "2.规范涉企检查。由区司法局牵头，各执法部门配合，年内建立检查计划统筹制度。\n"
    )
    assert [facts(d) for d in tasks(doc)] == [
        ("优化开办服务。推行企业开办一窗通办。", ("区市场监管局",), ("区税务局",), None),
        (
            "规范涉企检查。由区司法局牵头，各执法部门配合，年内建立检查计划统筹制度。",
            ("区司法局",),
            ("各执法部门",),
            date(2025, 12, 31),
        ),
    ]


def test_lead_and_helpers_in_a_speech_sentence_stay_one_task() -> None:
    doc = parse(
        "在全区安全生产会议上的讲话\n（2025年3月3日）\n张某\n同志们：\n"
        "今年要抓好隐患排查。由区应急局牵头，各街道配合，5月底前完成一轮全覆盖检查。\n"
    )
    found = [d for d in tasks(doc) if "全覆盖" in d.text]
    assert [(d.owners, d.co_owners, d.deadline) for d in found] == [
        (("区应急局",), ("各街道",), date(2025, 5, 31))
    ]


def test_a_duty_without_work_is_no_task_and_makes_no_owner_of_its_words() -> None:
    doc = parse(
        "某局2025年工作要点\n"
        "一、指导思想\n"
        "以新发展理念为引领，统筹发展和安全。各单位要按职责分工负责。\n"
        "二、重点工作\n"
        "1.完成年度预算编制。（财务科负责）\n"
    )
    assert [(d.text, d.owners) for d in tasks(doc)] == [("完成年度预算编制。", ("财务科",))]
    owners = {u for d in doc.directives for u in (*d.owners, *d.co_owners)}
    assert not any("职责" in u or "（" in u or "(" in u for u in owners)


# --------------------------------------------------------------------------- tables as text


@pytest.mark.parametrize(
    "rows",
    [
        [
            "序号 | 重点工作任务 | 牵头单位 | 责任单位 | 完成时限",
            "1 | 新建社区养老服务站3个 | 区民政局 | 各街道 | 9月底前",
            "2 | 改造雨污管网15公里 | 区住建局 | 区水务公司、各街道 | 年底前",
        ],
        [
            "| 序号 | 重点工作任务 | 牵头单位 | 责任单位 | 完成时限 |",
            "|---|---|---|---|---|",
            "| 1 | 新建社区养老服务站3个 | 区民政局 | 各街道 | 9月底前 |",
            "| 2 | 改造雨污管网15公里 | 区住建局 | 区水务公司、各街道 | 年底前 |",
        ],
        [
            "序号\t重点工作任务\t牵头单位\t责任单位\t完成时限",
            "1\t新建社区养老服务站3个\t区民政局\t各街道\t9月底前",
            "2\t改造雨污管网15公里\t区住建局\t区水务公司、各街道\t年底前",
        ],
    ],
    ids=["bars", "markdown", "tabs"],
)
def test_table_rows_copied_as_text_give_lead_and_responsible_units(rows: list[str]) -> None:
    doc = parse("某区2025年民生实事任务分解表\n" + "\n".join(rows) + "\n")
    assert [(d.owners, d.co_owners, d.deadline) for d in tasks(doc)] == [
        (("区民政局",), ("各街道",), date(2025, 9, 30)),
        (("区住建局",), ("区水务公司", "各街道"), date(2025, 12, 31)),
    ]
    assert "新建社区养老服务站3个" in tasks(doc)[0].text


# --------------------------------------------------------------------------- the year


def test_without_any_year_the_items_deadline_waits_for_a_person() -> None:
    doc = parse("重点工作安排\n1.完成档案整理。6月底前全部归档。（档案室负责）\n")
    (d,) = tasks(doc)
    assert (d.owners, d.deadline, d.deadline_text, d.deadline_pending) == (
        ("档案室",),
        None,
        "6月底前",
        True,
    )


def test_a_given_reference_date_sets_the_year_over_the_title() -> None:
    doc = parse(
        "某局2024年工作要点\n1.完成档案整理。（档案室负责，6月底前完成）\n",
        reference=date(2025, 1, 10),
    )
    assert [d.deadline for d in tasks(doc)] == [date(2025, 6, 30)]


COVERED = """关于印发《某镇2025年人居环境整治工作方案》的通知
各村（社区），镇直各单位：
经镇党委同意，现将《某镇2025年人居环境整治工作方案》印发给你们，请结合实际认真贯彻落实。
某镇人民政府
2025年3月2日
某镇2025年人居环境整治工作方案
1.清理村庄垃圾。4月底前完成主干道沿线垃圾清运。（镇环卫所牵头，各村配合）
"""


def test_the_cover_sentence_of_a_transmitted_plan_is_context_not_a_task() -> None:
    doc = parse(COVERED)
    assert [(d.text, d.owners) for d in tasks(doc)] == [
        ("清理村庄垃圾。4月底前完成主干道沿线垃圾清运。", ("镇环卫所",)),
    ]
    # kept as 背景, so the clerk can still make it a task in the preview
    assert [d.text[:6] for d in doc.of_kind("context")] == ["经镇党委同意"]


@pytest.mark.parametrize(
    ("sentence", "transmits"),
    [
        ("现将《工作要点》印发给你们，请认真抓好落实。", True),
        ("经区政府同意,现将《分工方案》印发给你们,请结合实际,认真贯彻落实。", True),
        ("现将有关工作安排予以发布，请各处室对照清单落实。", True),
        # A date of its own makes it work to track.
        ("现将《工作要点》下发给你们，请于3月底前报送落实情况。", False),
        ("现将有关事项通知如下：", False),
        ("区教育局要将方案印发各校。", False),
    ],
)
def test_a_transmittal_is_told_from_work_that_happens_to_mention_sending(
    sentence: str, transmits: bool
) -> None:
    from commitments.importer.measures import transmits as is_transmittal

    assert is_transmittal(sentence) is transmits


def test_the_units_a_subject_works_together_with_are_its_helpers() -> None:
    doc = parse(
        "在全区安全生产工作会议上的讲话\n"
        "一、突出重点\n"
        "区住建局要会同各街道、区城管局，对在建工地开展一次拉网式检查。\n"
        "区交警大队要联合检查隐患路段。\n"
    )
    assert [(d.owners, d.co_owners) for d in tasks(doc)] == [
        (("区住建局",), ("各街道", "区城管局")),
        (("区交警大队",), ()),  # 联合检查: no unit follows, no helper made up
    ]
