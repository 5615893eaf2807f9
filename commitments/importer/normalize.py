"""Undo the synonym substitutions of a rewriting tool (开展 for 发展, 效劳 for 服务, ...).

The cleaned text stays the record; this produces an extra reading.  Every rule replaces a word
by one of the same length, so the normalised text is aligned character for character with the
cleaned text and a directive's span selects its normalised reading too.  Rules look at the
context, because most substituted words are also correct words elsewhere (开展活动 stays).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PEOPLE = "党员|干部|教育工作者|教职工|师生|青年|职工|妇女|群众|人民|农民|工人|官兵|团员|学生|教师"
# Verbs and nouns after which 开展 is the genuine "carry out" and must stay.
_CARRY_OUT_OBJECTS = "活动|工作|对标|创先|起来|以来|好|情况|经常|多种|了|各项|专项|“"


def _after(words: str, word: str) -> str:
    """``word`` right after any of ``words``.  The word comes first and the look-behinds
    (one per width, as Python needs) check it: a pattern that opens with a literal is
    searched for that literal, one opening with a look-behind is tried at every character."""
    return word + "(?:" + "|".join(f"(?<={w}{word})" for w in words.split("|")) + ")"


_RULES: tuple[tuple[str, str, str], ...] = (
    # (name, pattern matching exactly the substituted word, replacement of the same length)
    ("体现到", r"表到达", "体现到"),  # 体现到 → 表达到 (体现→表达) → 表到达 (达到→到达)
    ("发展", r"开展(?<=科学开展)", "发展"),
    ("发展", r"开展(?=观|水平|后劲|方式|的新起点|的坚实|的现实需要|的良好局面|之先)", "发展"),
    (
        "发展",
        _after("较快|快速|协调|更快|又快|加快|改革和|教育|经济|自身|深化|层次的|十二五", "开展")
        + f"(?!{_CARRY_OUT_OBJECTS})",
        "发展",
    ),
    ("服务", r"效劳", "服务"),
    ("基础", r"根底", "基础"),
    ("广大", rf"广阔(?=(?:{_PEOPLE}))", "广大"),
    ("督促", r"催促(?:(?<=检查催促)|(?=检查|落实|兑现|整改))", "督促"),
    (
        "安全",
        _after("学校|校园|生产|食品|消防|交通|药品|饮水|网络|信息", "平安") + "(?!建设|创建)",
        "安全",
    ),
    (
        "达到",
        r"到达(?:(?=全国|全省|国际|国内|一流|先进|[^，。,；;]{0,8}?(?:水平|标准|要求|目标))"
        r"|(?<=可能到达)(?=的))",
        "达到",
    ),
    ("坚定", r"坚决(?=信念)", "坚定"),
    ("巩固", r"稳固(?=深化|提高|拓展)", "巩固"),
    ("动员", rf"发动(?:(?=大会|会|令|讲话|{_PEOPLE}|广阔|广大)|(?<=誓师发动))", "动员"),
    ("广播", r"播送(?=电视)", "广播"),
    ("氛围", _after("良好|社会|浓厚|浓郁|学习", "气氛"), "氛围"),
    ("体现", r"表达(?=了[^，。,]{0,8}特色)", "体现"),
    ("规范", r"标准(?<=整合标准)", "规范"),
    ("计划", r"方案(?<=有方案)(?=有节奏)", "计划"),
    ("不足", _after("差距和|差距与", "缺乏"), "不足"),
    ("推进", r"推开(?=工作)", "推进"),
    ("争当", r"争领(?<=崇尚先进、学习先进、争领)(?=先进)", "争当"),
)

_COMPILED = tuple((name, re.compile(pattern), repl) for name, pattern, repl in _RULES)
for _name, _pattern, _repl in _COMPILED:
    # Alignment with the cleaned text depends on this.
    assert all(len(m) == len(_repl) for m in re.findall(r"[\u4e00-\u9fff]+", _repl))


@dataclass(frozen=True)
class Correction:
    start: int
    end: int
    original: str
    replacement: str
    rule: str


def corrections(text: str) -> list[Correction]:
    """Substitutions to undo, in text order, never overlapping."""
    found: list[Correction] = []
    taken = [False] * len(text)
    for name, pattern, repl in _COMPILED:
        for m in pattern.finditer(text):
            if len(m.group(0)) != len(repl) or any(taken[m.start() : m.end()]):
                continue
            for k in range(m.start(), m.end()):
                taken[k] = True
            found.append(Correction(m.start(), m.end(), m.group(0), repl, name))
    return sorted(found, key=lambda c: c.start)


def normalize_text(text: str) -> str:
    """The normalised reading of ``text``; same length, same positions."""
    parts: list[str] = []
    pos = 0
    for c in corrections(text):
        parts.append(text[pos : c.start])
        parts.append(c.replacement)
        pos = c.end
    parts.append(text[pos:])
    return "".join(parts)
