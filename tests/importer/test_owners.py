from __future__ import annotations

import pytest

from commitments.importer.owners import is_unit_name, split_units, subject_before


@pytest.mark.parametrize(
    ("phrase", "units"),
    [
        ("各系统、各行业", ("各系统", "各行业")),
        ("工会系统、共青团系统", ("工会系统", "共青团系统")),
        (
            "特别是各级窗口服务单位和行政服务中心、联合接访中心等",
            ("各级窗口服务单位", "行政服务中心", "联合接访中心"),
        ),
        ("区住房和城乡建设局、区交通运输局", ("区住房和城乡建设局", "区交通运输局")),
        ("国家发展和改革委员会", ("国家发展和改革委员会",)),
        ("各县区各系统各部门", ("各县区各系统各部门",)),
        (
            "各县区委、各管理区工委创先争优活动办公室",
            ("各县区委创先争优活动办公室", "各管理区工委创先争优活动办公室"),
        ),
    ],
)
def test_unit_lists_are_split(phrase: str, units: tuple[str, ...]) -> None:
    assert split_units(phrase) == units


@pytest.mark.parametrize(
    "name", ["各行业系统的主管部门", "区应急管理局", "市教育督导室", "有关部门"]
)
def test_unit_names_are_recognised(name: str) -> None:
    assert is_unit_name(name)


@pytest.mark.parametrize(
    "phrase",
    ["广大党员干部", "要在创先争优活动中", "我们", "对找出的问题", "（市教育局", "市教育局）"],
)
def test_clauses_and_people_are_not_units(phrase: str) -> None:
    assert not is_unit_name(phrase)


def test_subject_is_the_unit_right_before_the_cue() -> None:
    sentence = "中央领导的重要指示,为活动指明了方向,全市各级党组织要认真贯彻落实"
    owners, start = subject_before(sentence, sentence.index("要认真"))
    assert owners == ("全市各级党组织",)
    assert sentence[start:].startswith("全市各级党组织")
