"""Golden tests on the real seed: what a reader of the speech expects, section by section."""

from __future__ import annotations

from datetime import date

import pytest

from commitments.importer.parse import ParsedDocument

ALL_COUNTIES = ("各县区各系统各部门",)
NOTICE_OFFICES = (
    "各县区委创先争优活动办公室",
    "各管理区工委创先争优活动办公室",
    "高XX县区工委创先争优活动办公室",
    "产业集聚区工委创先争优活动办公室",
    "市直各单位党委(党组)创先争优活动办公室",
)

# ref: (kind, text starts with, owners, deadline, deadline wording)
GOLDEN: dict[str, tuple[str, str, tuple[str, ...], date | None, str]] = {
    "N-1": ("task", "请结合讲话精神", NOTICE_OFFICES, None, ""),
    "0-1": ("task", "希望各县区各部门认真学习借鉴", ("各县区各部门",), None, ""),
    # 一、对标苏州教育……
    "1-1": ("context", "成绩来之不易,更要倍加珍惜", (), None, ""),
    "1-2": ("context", "但同时也要看到", (), None, ""),
    "1-3": ("task", "市教育系统立足", ("市教育系统",), date(2028, 4, 1), "用三至五年的时间"),
    "1-4": ("context", "当前,我市已经站在了", (), None, ""),
    "1-5": ("task", "各级各部门各学校都要", ("各级各部门各学校",), None, ""),
    # 二、扎实开展对标承诺……
    "2-1": ("context", "开展全面对标承诺", (), None, ""),
    "2-2": ("task", "各县区各系统各部门都要以此次发动会为契机", ALL_COUNTIES, None, ""),
    "2.1-1": ("task", "一要坚持高标准推进。", ALL_COUNTIES, None, ""),
    "2.1-2": ("task", "各县区各系统各部门都要立足", ALL_COUNTIES, None, ""),
    "2.2-1": ("task", "二要着力解决实际问题。", ALL_COUNTIES, None, ""),
    "2.2-2": ("task", "全面夺标的过程", ALL_COUNTIES, None, ""),
    "2.2-3": ("task", "要着力解决加快开展、加速转型", ALL_COUNTIES, None, ""),
    "2.2-4": ("task", "对找出的问题,要向社会公开认责承诺", ALL_COUNTIES, None, "限期解决到位"),
    "2.2-5": (
        "task",
        "各级创先争优活动办公室要建立认责承诺台账",
        ("各级创先争优活动办公室",),
        None,
        "",
    ),
    "2.3-1": ("task", "三要注重不断深化创新。", ALL_COUNTIES, None, ""),
    "2.3-2": ("task", "要在创先争优活动中激发", ALL_COUNTIES, None, ""),
    "2.3-3": ("task", "要在创先争优活动中深入挖掘", ALL_COUNTIES, None, ""),
    "2.3-4": ("task", "要及时总结推广", ALL_COUNTIES, None, ""),
    # 三、加大系统指导……
    "3-1": ("task", "希望各县区各系统各部门高度重视、抓紧改进", ALL_COUNTIES, None, ""),
    "3.1-1": ("task", "一要坚持抓系统、系统抓。", ("各县区",), None, ""),
    "3.1-2": ("task", "各县区要坚持地方党委领导", ("各县区",), None, ""),
    "3.1-3": (
        "task",
        "各行业系统的主管部门要切实承担起责任",
        ("各行业系统的主管部门",),
        date(2023, 12, 31),
        "今年",
    ),
    "3.1-4": ("task", "各级活动办公室要主动加强", ("各级活动办公室",), None, ""),
    "3.2-1": ("task", "二要联系实际抓出特色。", ("各系统", "各行业"), None, ""),
    "3.2-2": ("task", "各系统、各行业都要", ("各系统", "各行业"), None, ""),
    "3.2-3": ("quoted", "最近,中央政治局常委、政法委书记周永康同志要求", (), None, ""),
    "3.2-4": ("task", "要对本系统的活动载体进行整合", ("各系统", "各行业"), None, ""),
    "3.2-5": (
        "task",
        "各级窗口效劳单位和行政效劳中心、联合接访中心等,更要突出",
        ("各级窗口服务单位", "行政服务中心", "联合接访中心"),
        None,
        "",
    ),
    "3.3-1": ("task", "三要搞好党群共建创先争优。", ALL_COUNTIES, None, ""),
    "3.3-2": ("task", "要继续把这项工作", ALL_COUNTIES, None, ""),
    "3.3-3": (
        "task",
        "要以纪念“五一、“五四为重要契机,在工会系统、共青团系统表彰",
        ("工会系统", "共青团系统"),
        date(2023, 5, 4),
        "以纪念“五一、“五四为重要契机",
    ),
    "3.3-4": ("task", "要发挥群团部门优势", ("群团部门",), None, ""),
    # 四、深入学习贯彻中央领导指示精神……
    "4-1": ("quoted", "胡锦涛总书记强调,要坚持", (), None, ""),
    "4-2": ("quoted", "其他政治局常委也分别作出重要指示,要求各条战线", (), None, ""),
    "4-3": ("quoted", "3月27日,中组部副部长", (), None, ""),
    "4-4": ("task", "全市各级党组织要认真贯彻落实", ("全市各级党组织",), None, ""),
    "4.1-1": (
        "task",
        "第一,要牢牢把握主题主线和总要求",
        ("各级各部门",),
        date(2023, 12, 31),
        "今年",
    ),
    "4.1-2": ("task", "各级各部门要把握这一大的背景", ("各级各部门",), None, ""),
    "4.1-3": ("task", "要认真落实省委提出的", ("各级各部门",), None, ""),
    "4.2-1": ("task", "第二,要有方案有节奏地推动活动开展", ("各级各部门",), None, ""),
    "4.2-2": (
        "task",
        "各级各部门要把握开展经常性活动的规律和特点,按照“经",
        ("各级各部门",),
        None,
        "",
    ),
}


def test_document_header(seed: ParsedDocument) -> None:
    assert seed.title == "在全市教育系统争创全国一流工作水平发动大会上的讲话"
    assert seed.speaker == "魏福刚"
    assert seed.issuer == "中共XX市委创先争优活动办公室"
    assert seed.issued_on == date(2023, 4, 2)
    assert seed.delivered_on == date(2023, 4, 1)
    assert seed.addressees == (
        "各县区委、各管理区工委、高XX县区工委、产业集聚区工委创先争优活动办公室",
        "市直各单位党委(党组)创先争优活动办公室",
    )


def test_four_parts_with_their_sub_points(seed: ParsedDocument) -> None:
    sections = list(dict.fromkeys(d.section for d in seed.directives))
    assert sections == [
        "通知",
        "开头",
        "一、对标苏州教育、争创全国一流,推动全市各级各类教育全面协调开展",
        "二、扎实开展对标承诺,充分激发基层党组织和广阔党员争创积极性",
        "二、扎实开展对标承诺,充分激发基层党组织和广阔党员争创积极性 / 一要坚持高标准推进",
        "二、扎实开展对标承诺,充分激发基层党组织和广阔党员争创积极性 / 二要着力解决实际问题",
        "二、扎实开展对标承诺,充分激发基层党组织和广阔党员争创积极性 / 三要注重不断深化创新",
        "三、加大系统指导,推动各行业各领域创先争优活动形成特色、抓出成效",
        "三、加大系统指导,推动各行业各领域创先争优活动形成特色、抓出成效 / 一要坚持抓系统、系统抓",
        "三、加大系统指导,推动各行业各领域创先争优活动形成特色、抓出成效 / 二要联系实际抓出特色",
        "三、加大系统指导,推动各行业各领域创先争优活动形成特色、抓出成效 / "
        "三要搞好党群共建创先争优",
        "四、深入学习贯彻中央领导指示精神,进一步把创先争优活动引向深入、推向高潮",
        "四、深入学习贯彻中央领导指示精神,进一步把创先争优活动引向深入、推向高潮 / "
        "第一,要牢牢把握主题主线和总要求,以创先争优的精神组织开展好今年的活动",
        "四、深入学习贯彻中央领导指示精神,进一步把创先争优活动引向深入、推向高潮 / "
        "第二,要有方案有节奏地推动活动开展,不断掀起活动新高潮",
    ]


def test_every_directive_is_the_golden_one(seed: ParsedDocument) -> None:
    assert [d.ref for d in seed.directives] == list(GOLDEN)


@pytest.mark.parametrize("ref", list(GOLDEN))
def test_directive_kind_owners_and_deadline(seed: ParsedDocument, ref: str) -> None:
    kind, starts, owners, deadline, wording = GOLDEN[ref]
    directive = next(d for d in seed.directives if d.ref == ref)
    assert directive.kind == kind
    assert directive.text.startswith(starts)
    assert directive.owners == owners
    assert directive.deadline == deadline
    assert directive.deadline_text == wording


def test_quoted_instructions_of_higher_leaders_are_not_tasks(seed: ParsedDocument) -> None:
    quoted = seed.of_kind("quoted")
    assert {
        leader
        for d in quoted
        for leader in ("胡锦涛", "王秦丰", "周永康", "政治局常委")
        if leader in d.text
    } == {
        "胡锦涛",
        "王秦丰",
        "周永康",
        "政治局常委",
    }
    assert all(d.owners == () and d.deadline is None for d in quoted)
    tasks_text = "".join(d.text for d in seed.of_kind("task"))
    assert "胡锦涛总书记强调" not in tasks_text
    assert "王秦丰" not in tasks_text


def test_statements_of_need_and_fact_are_context_not_tasks(seed: ParsedDocument) -> None:
    context = [d.text for d in seed.of_kind("context")]
    assert any("更要倍加珍惜" in t for t in context)
    assert any("也要看到" in t for t in context)
    assert any(t.startswith("当前,我市已经站在了") for t in context)
    assert all(d.owners == () for d in seed.of_kind("context"))


def test_only_the_limit_without_date_is_pending(seed: ParsedDocument) -> None:
    pending = [d.ref for d in seed.directives if d.deadline_pending]
    assert pending == ["2.2-4"]


def test_no_deadline_without_a_time_expression(seed: ParsedDocument) -> None:
    for d in seed.directives:
        if d.deadline is not None:
            assert d.deadline_text and d.deadline_text in d.normalized_text


def test_spans_select_the_text_in_the_cleaned_document(seed: ParsedDocument) -> None:
    for d in seed.directives:
        start, end = d.span
        assert seed.cleaned_text[start:end] == d.text
        assert seed.normalized_text[start:end] == d.normalized_text


def test_normalised_reading_of_a_directive(seed: ParsedDocument) -> None:
    d = next(d for d in seed.directives if d.ref == "3.2-5")
    assert d.text.startswith("各级窗口效劳单位")  # the record keeps the source words
    assert d.normalized_text.startswith("各级窗口服务单位")


def test_task_count(seed: ParsedDocument) -> None:
    counts = {kind: len(seed.of_kind(kind)) for kind in ("task", "quoted", "context")}
    assert counts == {"task": 35, "quoted": 4, "context": 4}
