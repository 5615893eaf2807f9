"""Sentences and what they are: a local task, a quoted instruction of a higher leader, or
context (a statement of need or fact that looks like a directive but assigns no work)."""

from __future__ import annotations

import re
from dataclasses import dataclass

TASK = "task"
QUOTED = "quoted"
CONTEXT = "context"

_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]*")

# A cue added here, to _NEED or to _REPORT needs one of its characters in _ANY_CUE_CHAR below.
# 要 as "shall" -- not inside 重要, 需要, 主要, 要求, 总要求 ...
# The word first, its look-behind after: a pattern that opens with a literal is searched for
# it; one that opens with a look-behind is tried at every character of the sentence.
_YAO = re.compile(r"要(?<![重主需必只首紧纲摘概总扼显提简政想]要)(?![求点素件闻害务领旨诀])")
_HOPE = re.compile(r"希望(?!的|工程|之)")
_PLEASE = re.compile(r"请(?<![^，,。；;：:\n]请)(?![示假教求柬])")  # at the start or after these
_MUST = re.compile(r"必须|务必|应当")
# A local leader's 要求 used as a verb: "要求各单位……".
_DEMAND = re.compile(r"要求(?<![总按照根据的新指示重]要求)(?=各|全|所有|我们|大家|有关|相关|市直)")

# Statements of need or attitude: 需要……, 要看到……, 更要倍加珍惜.
_NEED = re.compile(r"需要|要(?=看到|认识到|清醒|意识到|倍加珍惜|珍惜|明白)")

_REPORT = re.compile(
    r"(?:强调|指出|要求|批示|提出|指示)(?<![总按照根据的新重要]..)"  # every word is two characters
    r"(?=[，,:：]|要|在|各|全|我们|广大|广阔|把|坚持|“)"
)
_AUTHORITY = re.compile(
    r"中央|总书记|政治局|国务院|常委|部长|省委|省长|省政府|上级|主席|总理|中组部|领导小组|书记|"
    r"同志|主任|市长|县长|领导|报告|全会|纲要"
)


@dataclass(frozen=True)
class Classification:
    kind: str | None  # None: not worth keeping (ordinary narration)
    cue_start: int = -1  # first task cue in the sentence (-1 when none)
    cue_end: int = -1
    cue: str = ""


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]``; a sentence ends at 。！？ or a line break."""
    spans = []
    for m in _SENTENCE.finditer(text, start, end):
        s, e = m.span()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans


def task_cues(sentence: str) -> list[re.Match[str]]:
    cues: list[re.Match[str]] = []
    need_spans = [m.span() for m in _NEED.finditer(sentence)]
    for pattern in (_YAO, _HOPE, _PLEASE, _MUST, _DEMAND):
        for m in pattern.finditer(sentence):
            if any(a <= m.start() < b for a, b in need_spans):
                continue
            cues.append(m)
    return sorted(cues, key=lambda m: m.start())


# Every cue, report of a higher leader's words and need holds one of these characters (要 in
# 需要, 必 in 务必): a sentence with none of them is ordinary narration, told by one search
# instead of eight.
_ANY_CUE_CHAR = re.compile("[要希请必应强指批提]")
_NARRATION = Classification(None)


def classify(sentence: str) -> Classification:
    """Classify one sentence (its normalised reading)."""
    if not _ANY_CUE_CHAR.search(sentence):
        return _NARRATION
    cues = task_cues(sentence)
    first_cue = cues[0].start() if cues else len(sentence)
    for m in _REPORT.finditer(sentence):
        if m.start() > first_cue:
            break
        if _AUTHORITY.search(sentence, 0, m.start()):
            return Classification(QUOTED)
    if cues:
        c = cues[0]
        return Classification(TASK, c.start(), c.end(), c.group(0))
    if _NEED.search(sentence):
        return Classification(CONTEXT)
    return Classification(None)
