from __future__ import annotations

import re

import pytest

from commitments.importer.owners import (
    UNIT_SUFFIXES,
    is_unit_name,
    names_unit_early,
    split_units,
    subject_before,
)
from commitments.importer.patterns import CLAUSE_BREAK
from tests.importer.conftest import SEED


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


def test_names_unit_early_answers_as_the_one_pattern_it_replaces() -> None:
    # given the clauses of the seed speech and the pattern that held the collective start as
    # a ^ branch beside the unit endings
    one_pattern = re.compile(
        "|".join(sorted(UNIT_SUFFIXES, key=len, reverse=True)) + r"|^(?:各|有关|相关)"
    )
    clauses = CLAUSE_BREAK.split(SEED.read_text(encoding="utf-8").replace("。", "，"))
    clauses += ["各地加快进度", "有关部门", "相关单位", "全面推进"]
    # then the quick test says what the pattern said, for every clause
    answers = [names_unit_early(c) for c in clauses]
    assert answers == [one_pattern.search(c, 0, 32) is not None for c in clauses]
    assert any(answers) and not all(answers)
