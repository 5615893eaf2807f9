"""Who is responsible (责任主体): the subject of a directive, split into units."""

from __future__ import annotations

import re

# Endings of names of organisations, in the order they are tried (longest first matters).
UNIT_SUFFIXES: tuple[str, ...] = (
    "基层党组织",
    "领导小组",
    "主管部门",
    "宣传部",
    "组织部",
    "统战部",
    "武装部",
    "委员会",
    "办公室",
    "党组织",
    "党支部",
    "党总支",
    "部门",
    "单位",
    "系统",
    "中心",
    "党委",
    "党组",
    "工委",
    "县区",
    "乡镇",
    "街道",
    "社区",
    "机关",
    "学校",
    "院校",
    "医院",
    "企业",
    "公司",
    "集团",
    "行业",
    "领域",
    "战线",
    "组织",
    "妇联",
    "团委",
    "工会",
    "政府",
    "班子",
    "协会",
    "小组",
    "窗口",
    "局",
    "厅",
    "委",
    "处",
    "科",
    "所",
    "室",
    "院",
    "校",
    "站",
    "队",
    "办",
)
# Words that make a phrase a clause rather than a name.
_NOT_IN_NAME = re.compile(
    r"[把将对使让被是了着过]|需要|应当|可以|能够|必须|通过|按照|围绕|根据|推动|加强|开展|推进|落实|"
    r"(?<!要)要(?!求)|"
    r"活动(?!办公室|领导小组|办)|工作(?!委员会|领导小组|办公室|委|组|站|队)|问题|方面|过程|"
    r"我们|你们|他们|大家"
)
_LEADING = re.compile(
    r"^(?:特别是|尤其是|同时|另外|此外|因此|所以|并且|而且|希望|请|其中|对此|为此|但是|但|而|由)+"
)
_TRAILING = re.compile(
    r"(?:都|也|更|还|均|就|则|首先|一定|必须|务必|切实|认真|要|应当|应|需|都要|等)+$"
)
_LIST_SEP = re.compile(r"[、，,；;]")
_PEOPLE = re.compile(r"(?:党员|干部|群众|职工|青年|妇女|同志|负责人|工作人员|教师|学生|党员干部)$")
_AND = re.compile(r"以及|及|和|与|同")


def _ends_with_unit(phrase: str) -> bool:
    return phrase.endswith(UNIT_SUFFIXES)


def is_unit_name(phrase: str) -> bool:
    """True if ``phrase`` reads like the name of one organisation (各县区, 市教育系统 ...)."""
    if not 2 <= len(phrase) <= 40 or not _ends_with_unit(phrase):
        return False
    if re.search(r"[。！？：:“”\s]", phrase):
        return False
    bare = re.sub(r"[（(][^）)]*[）)]", "", phrase)
    return not _NOT_IN_NAME.search(bare)


def split_units(phrase: str) -> tuple[str, ...]:
    """Split a list of units (A、B和C等) into names; a shared tail is given back to every item.

    ``各县区委、各管理区工委创先争优活动办公室`` names two offices, not a 县区委 and an office.
    """
    phrase = _TRAILING.sub("", _LEADING.sub("", phrase.strip()))
    phrase = re.sub(r"等+$", "", phrase)
    parts = []
    for piece in _split_top_level(phrase, _LIST_SEP):
        pieces = _split_top_level(piece, _AND)
        # "住房和城乡建设局" is one name: only split on 和 where every piece is a unit itself.
        if len(pieces) > 1 and all(is_unit_name(p) for p in pieces):
            parts.extend(pieces)
        else:
            parts.append(piece)
    parts = [p for p in parts if p]
    if len(parts) > 1:
        last = parts[-1]
        heads = parts[:-1]
        tail_char = heads[0][-1]
        if all(p.endswith(tail_char) for p in heads) and tail_char in last[:-1]:
            cut = last.rindex(tail_char, 0, len(last) - 1) + 1
            tail = last[cut:]
            if tail and _ends_with_unit(tail) and len(tail) >= 3:
                parts = [p + tail for p in heads] + [last]
    seen: list[str] = []
    for p in parts:
        if p not in seen:
            seen.append(p)
    return tuple(seen)


def _split_top_level(phrase: str, separator: re.Pattern[str]) -> list[str]:
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    while i < len(phrase):
        ch = phrase[i]
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        elif depth == 0:
            m = separator.match(phrase, i)
            if m:
                parts.append(phrase[start:i])
                start = i = m.end()
                continue
        i += 1
    parts.append(phrase[start:])
    return [p.strip() for p in parts]


def _as_owner_list(phrase: str) -> tuple[str, ...]:
    phrase = _TRAILING.sub("", _LEADING.sub("", phrase.strip()))
    if not phrase:
        return ()
    units = split_units(phrase)
    if units and all(is_unit_name(u) for u in units):
        return units
    # "各级党组织和广大党员要……": the units are the owners; people are not units.
    pieces = [
        p
        for piece in _split_top_level(phrase, _LIST_SEP)
        for p in _split_top_level(re.sub(r"等+$", "", piece), _AND)
    ]
    named = tuple(p for p in pieces if is_unit_name(p))
    if named and all(is_unit_name(p) or _PEOPLE.search(p) for p in pieces):
        return named
    return ()


def subject_before(sentence: str, cue_start: int) -> tuple[tuple[str, ...], int | None]:
    """Owners named right before the directive cue (……都要, 希望……), and where they start.

    ``cue_start`` indexes ``sentence``.  Returns ``((), None)`` when the clause has no subject.
    """
    clause_start = max(sentence.rfind(sep, 0, cue_start) for sep in "，,；;：:。\n") + 1
    clause = sentence[clause_start:cue_start]
    owners = _as_owner_list(clause)
    if owners:
        lead = _LEADING.match(clause)
        return owners, clause_start + (lead.end() if lead else 0)
    if not _TRAILING.sub("", _LEADING.sub("", clause)) and clause_start > 0:
        # "特别是各级窗口服务单位……等，更要……": the subject is the whole previous clause.
        prev_start = max(sentence.rfind(sep, 0, clause_start - 1) for sep in "，,；;：:。\n") + 1
        prev = sentence[prev_start : clause_start - 1]
        owners = _as_owner_list(prev)
        if owners:
            lead = _LEADING.match(prev)
            return owners, prev_start + (lead.end() if lead else 0)
    return (), None


def subject_after_hope(sentence: str, cue_end: int) -> tuple[str, ...]:
    """Owners right after 希望/请 (希望各县区各部门认真学习): the longest unit list that fits."""
    clause_end = min(
        (i for i in (sentence.find(sep, cue_end) for sep in "，,；;：:。\n") if i != -1),
        default=len(sentence),
    )
    clause = sentence[cue_end:clause_end]
    for end in range(len(clause), 1, -1):
        owners = _as_owner_list(clause[:end])
        if owners and (end == len(clause) or not _ends_with_unit(clause[: end + 1])):
            return owners
    return ()


_ORG_SUFFIXES = (
    "系统",
    "部门",
    "单位",
    "中心",
    "办公室",
    "党组织",
    "党委",
    "党组",
    "县区",
    "机关",
    "学校",
    "委员会",
    "工委",
    "妇联",
    "团委",
    "工会",
    "政府",
)


_LOCATIVE = re.compile(r"(?:^|(?<=[，,]))在(?P<units>[^，,。；;]{2,40})")


def locative_units(sentence: str, after: int) -> tuple[str, ...]:
    """Owners of "要……，在工会系统、共青团系统表彰……": units named as the place of the work."""
    for m in _LOCATIVE.finditer(sentence, after):
        phrase = m.group("units")
        for end in range(len(phrase), 1, -1):
            candidate = phrase[:end]
            if not candidate.endswith(_ORG_SUFFIXES):
                continue
            units = split_units(candidate)
            if all(is_unit_name(u) and len(u) <= 12 for u in units):
                return units
    return ()


def clause_initial_subject(sentence: str, before: int) -> tuple[tuple[str, ...], int | None]:
    """A unit that opens one of the clauses before ``before`` (市教育系统立足……，决定要……)."""
    pos = 0
    for clause in re.split(r"[，,；;]", sentence[:before]):
        lead = _LEADING.match(clause)
        skip = lead.end() if lead else 0
        text = clause[skip:]
        for end in range(3, min(len(text), 14) + 1):
            candidate = text[:end]
            if candidate.endswith(_ORG_SUFFIXES) and is_unit_name(candidate):
                nxt = text[end : end + 1]
                if nxt and not _ends_with_unit(text[: end + 1]):
                    return (candidate,), pos + skip
        pos += len(clause) + 1
    return (), None


_USE_STRENGTHS = re.compile(r"^要?(?:充分)?发挥(?P<units>[^，,。；;]{2,20}?)的?(?:优势|作用|职能)")


def strengths_subject(sentence: str, cue_start: int) -> tuple[str, ...]:
    """ "要发挥群团部门优势，……": the units whose strengths are called on do the work."""
    m = _USE_STRENGTHS.match(sentence, cue_start)
    if not m:
        return ()
    units = split_units(m.group("units"))
    return units if all(is_unit_name(u) for u in units) else ()
