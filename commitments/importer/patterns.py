"""Character classes and heading markers shared by the text modules."""

from __future__ import annotations

import re

CJK = "\u4e00-\u9fff"
CN_DIGITS = "零〇一二两三四五六七八九十百"

# Sentence-final punctuation: a break after it is a paragraph break, never a wrapped line.
SENTENCE_END = "。！？!?；;：:"
CLOSERS = "）)」』】》"
# Where a sentence's clauses meet (a clause may have a subject of its own after it).
CLAUSE_BREAK = re.compile(r"[，,；;]")
# "A会同B……": A leads and B works with it, in a 分工 and in a sentence alike.
TOGETHER = r"会同|联合|协同"

# Line-start markers of headings, strongest first.  Level 1 are the parts of a speech, level 2
# its sub-points, level 3 items inside sub-points.
_N = f"[{CN_DIGITS}]{{1,3}}"
HEADING_MARKERS: tuple[tuple[str, int, re.Pattern[str]], ...] = (
    ("part", 1, re.compile(rf"^第({_N})部分[、，,:：\s]?")),
    ("cn_dun", 1, re.compile(rf"^({_N})[、.．]")),
    ("cn_paren", 2, re.compile(rf"^[（(]({_N})[）)]")),
    ("cn_yao", 2, re.compile(rf"^({_N})要(?![素点求件])(?=[\u4e00-\u9fff])")),
    ("cn_di", 2, re.compile(rf"^第({_N})[，,、:：]")),
    ("sequence_word", 2, re.compile(r"^(首先|其次|再次|最后)[，,:：]")),
    ("arabic", 3, re.compile(r"^(\d{1,2})[.．、](?!\d)")),
    ("arabic_paren", 3, re.compile(r"^[（(](\d{1,2})[）)]")),
)

HEADING_START = re.compile("|".join(p.pattern for _, _, p in HEADING_MARKERS))

FULL_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
DATE_LINE = re.compile(r"^[（(]?\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*[）)]?$")

_CN_VALUES = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_CN_VALUES.update({"六": 6, "七": 7, "八": 8, "九": 9})
_SEQUENCE_WORDS = {"首先": 1, "其次": 2, "再次": 3, "最后": 9}


def cn_number(text: str) -> int | None:
    """Value of a small Chinese or Arabic numeral (一 → 1, 十二 → 12, 二十 → 20, 3 → 3)."""
    if text.isdigit():
        return int(text)
    if text in _SEQUENCE_WORDS:
        return _SEQUENCE_WORDS[text]
    if not text or any(ch not in _CN_VALUES and ch not in "十百" for ch in text):
        return None
    if "百" in text:
        head, _, rest = text.partition("百")
        hundreds = _CN_VALUES.get(head, 1) if head else 1
        rest_value = cn_number(rest.lstrip("零〇")) if rest else 0
        return hundreds * 100 + (rest_value or 0)
    if "十" in text:
        head, _, tail = text.partition("十")
        tens = _CN_VALUES[head] if head else 1
        return tens * 10 + (_CN_VALUES[tail] if tail else 0)
    if len(text) == 1:
        return _CN_VALUES[text]
    return None


def heading_marker(line: str) -> tuple[str, int, int, str] | None:
    """``(style, level, number, marker_text)`` if ``line`` starts with a heading marker."""
    if not HEADING_START.match(line):  # most lines open with none: one test instead of eight
        return None
    for style, level, pattern in HEADING_MARKERS:
        m = pattern.match(line)
        if m:
            number = cn_number(m.group(1))
            if number is None:
                continue
            return style, level, number, m.group(0)
    return None
