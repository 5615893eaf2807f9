from __future__ import annotations

import itertools
import random
import re

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from commitments.importer import clean
from commitments.importer.clean import clean_text
from commitments.importer.patterns import CJK
from tests.importer.conftest import SEED

HANZI = re.compile(r"[\u4e00-\u9fff]")


def seed_clean() -> str:
    return clean_text(SEED.read_text(encoding="utf-8")).text


def test_chunk_markers_are_removed_and_cut_words_rejoined() -> None:
    text = seed_clean()
    assert "争创全国一流工作水平" in text  # 争创 | 2、全国一流
    assert "能够迈上一个新台阶" in text  # 工作 | 4、能够
    assert not re.search(r"(?m)^\d+、", text)
    assert "10、" not in text and "15、" not in text


def test_page_numbers_inside_sentences_are_removed() -> None:
    text = seed_clean()
    for repaired in (
        "率先到达",
        "高度重视、抓紧改进",
        "普通高中",
        "要着力解决加快开展",
        "每个行业",
    ):
        assert repaired in text
    assert "保障工程" in text
    assert "2023年4月2日\n在全市教育系统争创全国一流工作水平发动大会上的讲话" in text


def test_real_numbers_are_kept() -> None:
    text = seed_clean()
    for number in (
        "4月1日",
        "2023年4月2日",
        "(2023年4月1日)",
        "90周年",
        "三至五年",
        "3月27日",
        "2月份",
    ):
        assert number in text


def test_stray_spaces_between_chinese_characters_are_removed() -> None:
    text = seed_clean()
    assert " " not in text
    assert "工作水平发动大会上的讲话" in text


def test_paragraph_breaks_survive_as_line_breaks() -> None:
    lines = seed_clean().split("\n")
    assert "魏福刚" in lines
    assert "同志们:" in lines
    assert "市委创先争优活动办公室" in lines
    assert "一、对标苏州教育、争创全国一流,推动全市各级各类教育全面协调开展" in lines
    assert any(line.startswith("一要坚持高标准推进。") for line in lines)


def test_offsets_point_back_to_the_same_raw_characters() -> None:
    raw = SEED.read_text(encoding="utf-8")
    result = clean_text(raw)
    assert len(result.offsets) == len(result.text)
    for i, ch in enumerate(result.text):
        if ch != "\n":
            assert raw[result.offsets[i]] == ch


def test_removed_noise_is_reported() -> None:
    result = clean_text(SEED.read_text(encoding="utf-8"))
    kinds = [r.kind for r in result.removals]
    assert kinds.count("chunk_marker") == 15
    assert [r.text for r in result.removals if r.kind == "page_number"] == [
        str(n) for n in range(1, 9)
    ]


def test_numbered_paragraphs_of_a_real_list_are_not_taken_for_chunk_markers() -> None:
    text = "通知\n1、各单位要报送名单。\n2、各部门要做好准备。\n"
    assert clean_text(text).text == "通知\n1、各单位要报送名单。\n2、各部门要做好准备。"


def test_numbers_before_measure_words_are_not_page_numbers() -> None:
    assert clean_text("全市 3个县区和 12家单位").text == "全市3个县区和12家单位"


def test_cleaning_is_idempotent_on_the_seed() -> None:
    once = seed_clean()
    assert clean_text(once).text == once


_PIECES = st.sampled_from(
    [
        "各县区",
        "要",
        "开展",
        "。",
        ",",
        "、",
        " ",
        "  ",
        "\n",
        "3",
        "12",
        "2023年4月1日",
        "1、",
        "第一,",
        "一、",
        "二要",
        "(一)",
        "同志们:",
        "“",
        "abc",
        "\u3000",
    ]
)
_TEXTS = st.one_of(
    st.lists(_PIECES, max_size=40).map("".join),
    st.text(alphabet=st.sampled_from("各县区要一二三、,。 \n123年月日第(一)"), max_size=80),
)


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_cleaning_is_idempotent(text: str) -> None:
    once = clean_text(text).text
    assert clean_text(once).text == once


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_cleaning_never_removes_a_chinese_character(text: str) -> None:
    assert HANZI.findall(clean_text(text).text) == HANZI.findall(text)


_PROSE = st.text(
    alphabet=st.sampled_from("各县区部门要加强落实工作推进服务发展建设党员群众。,、"),
    min_size=200,
    max_size=1200,
)


@settings(max_examples=150, deadline=None)
@given(_PROSE, st.integers(min_value=100, max_value=320), st.data())
def test_simulated_conversion_damage_is_undone_exactly(text: str, width: int, data) -> None:
    """Cut a clean text into numbered chunks and sprinkle page numbers: cleaning restores it.

    (A text that fits in one chunk is left alone: a lone "1、" is as likely a real list item.)
    """
    assume(len(text) > width)
    chunks = [text[i : i + width] for i in range(0, len(text), width)]
    damaged_chunks = []
    page = 1
    for index, chunk in enumerate(chunks):
        # A page number as " 3" before a character -- also right after a chunk marker or at
        # the very end of a chunk, where the conversion put it next to the cut.
        first = 1 if index == 0 else 0
        last = len(chunk) - 1 if index == len(chunks) - 1 else len(chunk)
        at = data.draw(st.integers(min_value=first, max_value=max(first, last)))
        following = chunk[at] if at < len(chunk) else chunks[index + 1][0]
        # Pages are hundreds of characters long: never two page numbers side by side.
        beside_previous = at == 0 and damaged_chunks and damaged_chunks[-1][-1].isdigit()
        if first <= at <= last and HANZI.match(following) and not beside_previous:
            chunk = f"{chunk[:at]} {page}{chunk[at:]}"
            page += 1
        damaged_chunks.append(chunk)
    damaged = "\n".join(f"{n}、{c}" for n, c in enumerate(damaged_chunks, start=1))
    assert clean_text(damaged).text == text


# The fast forms of two cleaning patterns against the readable ones they stand for: the same
# matches, the same digits, on every short string of the characters that matter.
_HS = "[" + clean._HSPACE + "]"
READABLE_PAGE_NUMBER = re.compile(
    rf"(?:(?<=[^\sA-Za-z0-9])\n?{_HS}+(\d{{1,3}})[{clean._HSPACE}\n]*(?=[{CJK}])"
    rf"|(?<=[{CJK}])\n?(\d{{1,3}}){_HS}+\n?(?=[{CJK}]))"
)
READABLE_EMPTY_LINES = re.compile(r"^\n+|\n+$|\n(?=\n)")
ALPHABET = ["中", "a", "1", "2", " ", "\u3000", "\n", "。", "\u200b"]


def _strings() -> list[str]:
    short = ["".join(t) for n in range(6) for t in itertools.product(ALPHABET, repeat=n)]
    rnd = random.Random(13)
    longer = ["".join(rnd.choices(ALPHABET, k=rnd.randint(6, 24))) for _ in range(20000)]
    return short + longer


def test_the_page_number_pattern_matches_what_its_readable_form_matches() -> None:
    for text in _strings():
        fast = [(m.span(), m.span(m.lastindex or 0)) for m in clean._PAGE_NUMBER.finditer(text)]
        readable = [
            (m.span(), m.span(1 if m.group(1) is not None else 2))
            for m in READABLE_PAGE_NUMBER.finditer(text)
        ]
        assert fast == readable, repr(text)


def test_the_empty_lines_pattern_matches_what_its_readable_form_matches() -> None:
    for text in _strings():
        fast = [m.span() for m in clean._EMPTY_LINES.finditer(text)]
        assert fast == [m.span() for m in READABLE_EMPTY_LINES.finditer(text)], repr(text)
