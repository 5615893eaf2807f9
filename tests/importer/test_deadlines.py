from __future__ import annotations

from datetime import date

import pytest

from commitments.importer.deadlines import find_deadline

REF = date(2023, 4, 1)


@pytest.mark.parametrize(
    ("text", "expected", "wording"),
    [
        ("以创先争优的精神组织开展好今年的活动。", date(2023, 12, 31), "今年"),
        ("决定要用三至五年的时间,积极推进", date(2028, 4, 1), "用三至五年的时间"),
        (
            "要以纪念“五一、“五四为重要契机,在工会系统表彰",
            date(2023, 5, 4),
            "以纪念“五一、“五四为重要契机",
        ),
        ("在6月30日前完成排查", date(2023, 6, 30), "6月30日前"),
        ("确保2024年3月1日前完成", date(2024, 3, 1), "2024年3月1日前"),
        ("9月底前培育示范点", date(2023, 9, 30), "9月底前"),
        ("年底前完成改厕任务", date(2023, 12, 31), "年底前"),
        ("明年上半年前完成评估", date(2024, 6, 30), "明年上半年前"),
        ("在三个月内完成培训", date(2023, 7, 1), "在三个月内"),
        ("国庆节前完成", date(2023, 10, 1), "国庆节前"),
    ],
)
def test_time_expressions_resolve_against_the_document_date(
    text: str, expected: date, wording: str
) -> None:
    found = find_deadline(text, REF)
    assert found.on == expected
    assert found.text == wording
    assert found.pending is False


def test_limit_without_date_is_flagged_to_be_set() -> None:
    found = find_deadline("对找出的问题,要向社会公开认责承诺,限期解决到位。", REF)
    assert (found.on, found.text, found.pending) == (None, "限期解决到位", True)


@pytest.mark.parametrize(
    "text",
    [
        "要坚持高标准推进。",
        "特别是在今年的“三学习活动中",
        "今年是中国共产党成立90周年",
        "3月27日,王秦丰在我省调研时强调",  # an event before the speech
        "今年以来,各地积极行动",
        "五一劳动奖章获得者",
        "以此次发动会为契机",
    ],
)
def test_no_deadline_is_invented(text: str) -> None:
    found = find_deadline(text, REF)
    assert found.on is None
    assert found.pending is False


def test_relative_wording_without_any_date_stays_pending() -> None:
    found = find_deadline("请各单位于7月10日前报送", None)
    assert (found.on, found.text, found.pending) == (None, "7月10日前", True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10月中旬前完成验收。", date(2024, 10, 20)),
        ("2024年11月上旬完成评审。", date(2024, 11, 10)),
        ("力争9月下旬前投入运行。", date(2024, 9, 30)),
    ],
)
def test_parts_of_a_month_in_prose(text: str, expected: date) -> None:
    assert find_deadline(text, date(2024, 1, 10)).on == expected
