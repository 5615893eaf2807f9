from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commitments.importer.normalize import corrections, normalize_text


@pytest.mark.parametrize(
    ("damaged", "restored"),
    [
        ("学习实践科学开展观活动", "学习实践科学发展观活动"),
        ("教育事业得到较快开展", "教育事业得到较快发展"),
        ("以创新推动经济社会又好又快开展", "以创新推动经济社会又好又快发展"),
        ("努力效劳人民群众", "努力服务人民群众"),
        ("促进社会和谐的根底工程", "促进社会和谐的基础工程"),
        ("激发广阔青年、职工", "激发广大青年、职工"),
        ("检查催促兑现落实", "检查督促兑现落实"),
        ("学校平安等工作", "学校安全等工作"),
        ("率先到达全国一流", "率先达到全国一流"),
        ("是完全可能到达的", "是完全可能达到的"),
        ("把活动的成效表到达推进各项工作", "把活动的成效体现到推进各项工作"),
        ("坚决信念", "坚定信念"),
        ("张家口播送电视大学", "张家口广播电视大学"),
        ("争创全国一流工作水平发动大会", "争创全国一流工作水平动员大会"),
    ],
)
def test_substitutions_are_undone_in_context(damaged: str, restored: str) -> None:
    assert normalize_text(damaged) == restored


@pytest.mark.parametrize(
    "correct",
    [
        "开展活动",
        "深入开展创先争优活动",
        "推动了各项工作扎实有序开展",
        "把各行业各领域的争创活动开展起来",
        "创先争优活动开展以来",
        "精心组织开展好各项活动",
        "广阔天地大有作为",
        "平安建设",
        "列车到达北京",
        "发动机",
        "制定标准",
        "工作方案",
        "缺乏实效性",
    ],
)
def test_correct_words_are_never_changed(correct: str) -> None:
    assert normalize_text(correct) == correct
    assert corrections(correct) == []


def test_seed_reading_has_no_known_substitution_left(seed) -> None:  # type: ignore[no-untyped-def]
    text = seed.normalized_text
    for damaged in ("科学开展", "效劳", "根底", "广阔党员", "催促", "到达全国", "表到达"):
        assert damaged not in text
    assert "开展创先争优活动" in text


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from("开展发效劳根底广阔党员催促平安学校到达全国一流活动。"),
        max_size=60,
    )
)
def test_normalisation_keeps_length_and_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert len(once) == len(text)
    assert normalize_text(once) == once
