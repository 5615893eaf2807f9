"""Who is responsible (责任主体): the subject of a directive, split into units."""

from __future__ import annotations

import re
from collections.abc import Iterable

from commitments.importer.patterns import CLAUSE_BREAK, TOGETHER

# Endings of names of organisations, in the order they are tried (longest first matters).
UNIT_SUFFIXES: tuple[str, ...] = (
    "基层党组织",
    "领导小组",
    "办公厅",
    "工作专班",
    "专班",
    "总局",
    "总署",
    "监会",
    "地区",
    "省份",
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
    "机构",
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
    "高校",
    "中小学",
    "小学",
    "中学",
    "大学",
    "幼儿园",
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
    "部",
    "署",
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
    r"活动(?!办公室|领导小组|办)|工作(?!委员会|领导小组|办公室|委|组|站|队|专班|部|处|科|中心)|"
    r"问题|方面|过程|"
    r"我们|你们|他们|大家"
)
_LEADING = re.compile(
    r"^(?:特别是|尤其是|同时|另外|此外|因此|所以|并且|而且|希望|请|其中|对此|为此|但是|但|而|由|"
    r"鼓励|支持|引导|督促|指导|推动)+"
)
# A time that opens a clause is not part of its subject (2019年6月底前各省份要……).
_LEADING_TIME = re.compile(
    r"^(?:在|于|到|自|从)?(?:\d{4}\s*年)?(?:\d{1,2}\s*月)?(?:\d{1,2}\s*日)?"
    r"(?:上旬|中旬|下旬|底|末|内)?(?:前|之前|以前|起|以来)?(?=[\u4e00-\u9fff])"
)
# Words that end like a unit's name but are not one (大局, 各处, 全部, 举办 ...).
_FALSE_UNIT_END = re.compile(
    r"(?:全|内|外|局|干|东|西|南|北|上|下|头|面|背|腹|底|顶|俱乐)部$|"
    r"(?:格|布|大|结|当|开|僵|时|终|残|骗)局$|"
    r"(?:好|益|坏|长|短|难|到|各|之|出|相|用|住|深|去|此|彼|该)处$|"
    r"(?:场|处|住|厕)所$|(?:学|本|专|文|理|工|分)科$|(?:教|寝|卧|居)室$|(?:团|排|梯)队$|"
    r"(?:兴|举|承|主|创|开|督|包|代|照|查|协|申|试|筹|停|合|领|严|快|难|好|去|民|公|承)办$|"
    r"(?:庭|四合)院$|(?:部|公)署$|(?:组|排|团|梯|车|带|领|入|归|列)队$"
)
# Owners named as a whole by place (各地, 各省份, 有关地区): real, collective owners.
_COLLECTIVE = re.compile(
    r"^(?:各|有关|相关)(?:地|省|市|县|区|地区|省份|级|方|校)+(?:[（(][省市县区州盟旗、]+[）)])?$"
)
_COLLECTIVE_START = ("各", "有关", "相关")
# Noise before a unit's name: whose it is (我市职业学校 → 职业学校).
_OWN_PREFIX = re.compile(r"^(?:我市|我县|我区|我省|本市|本县|本区|本省|我校|本校|我局|本局)(?=..)")
# "X等部门" / "X等有关单位": the named units are the owners; the generic tail only sums them up.
_GENERIC_TAIL = re.compile(r"等(?:有关|相关)?(?:部门|单位|地区|机构)$")
_TRAILING = re.compile(
    r"(?:都|也|更|还|均|就|则|首先|一定|必须|务必|切实|认真|要|应当|应|需|都要|等)+$"
)
_LIST_SEP = re.compile(r"[、，,；;]")
_PEOPLE = re.compile(r"(?:党员|干部|群众|职工|青年|妇女|同志|负责人|工作人员|教师|学生|党员干部)$")
_AND = re.compile(r"以及|及|和|与|同")
_NOT_IN_UNIT = re.compile(r"[。！？：:“”\s]")
_PARENTHESISED = re.compile(r"[（(][^）)]*[）)]")
_TRAILING_DENG = re.compile(r"等+$")
_AFTER_CLAUSE_END = re.compile(r"(?<=[，,；;：:。])")
_PARENS = re.compile(r"[（()）]")


# Some unit ending occurs. The regex engine looks for an alternation of words by their first
# characters; a branch anchored by ^ next to them would have it try every branch at every
# position, ten times slower: the collective start is tested apart (names_unit_early).
_UNIT_ENDING = re.compile("|".join(sorted(UNIT_SUFFIXES, key=len, reverse=True)))


def names_unit_early(clause: str, within: int = 32) -> bool:
    """Whether a unit's ending occurs in the first ``within`` characters, or the clause opens
    with 各/有关/相关: a quick test before a clause is read closely."""
    return (
        clause.startswith(_COLLECTIVE_START) or _UNIT_ENDING.search(clause, 0, within) is not None
    )


# The last characters of the suffixes: most phrases end in none of them, a set lookup.
_UNIT_LAST_CHARS = frozenset(suffix[-1] for suffix in UNIT_SUFFIXES)
_UNIT_LAST_CHAR = re.compile(f"[{re.escape(''.join(sorted(_UNIT_LAST_CHARS)))}]")


def _ends_with_unit(phrase: str) -> bool:
    return phrase[-1:] in _UNIT_LAST_CHARS and phrase.endswith(UNIT_SUFFIXES)


def is_unit_name(phrase: str) -> bool:
    """True if ``phrase`` reads like the name of one organisation (各县区, 市教育系统 ...)."""
    if _COLLECTIVE.match(phrase):
        return True
    if not 2 <= len(phrase) <= 40 or not _ends_with_unit(phrase):
        return False
    # Its words are two or three characters before the end: searched there, not everywhere.
    if _FALSE_UNIT_END.search(phrase, len(phrase) - 3):
        return False
    return is_name_shaped(phrase)


def is_name_shaped(phrase: str) -> bool:
    """No sentence punctuation, no verb of a clause, brackets that pair up: what any name of a
    unit is, whatever it ends with (纪检组 in a 分工 that lists it)."""
    if _NOT_IN_UNIT.search(phrase):
        return False
    bare = _PARENTHESISED.sub("", phrase)
    # "（基础教育科" is the start of a bracket cut in two, not a name.
    if _PARENS.search(bare):
        return False
    return not _NOT_IN_NAME.search(bare)


def split_units(phrase: str) -> tuple[str, ...]:
    """Split a list of units (A、B和C等) into names; a shared tail is given back to every item.

    ``各县区委、各管理区工委创先争优活动办公室`` names two offices, not a 县区委 and an office.
    """
    phrase = _TRAILING.sub("", _LEADING.sub("", phrase.strip()))
    phrase = _GENERIC_TAIL.sub("", phrase)
    phrase = _TRAILING_DENG.sub("", phrase)
    parts = []
    for piece in split_top_level(phrase, _LIST_SEP):
        pieces = split_top_level(piece, _AND)
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
        p = _GENERIC_TAIL.sub("", _OWN_PREFIX.sub("", p))
        if p and p not in seen:
            seen.append(p)
    return tuple(seen)


def split_top_level(phrase: str, separator: re.Pattern[str]) -> list[str]:
    if not _PARENS.search(phrase):
        # Nothing nested: the same cuts as the walk below, made by the regex engine.
        return [p.strip() for p in separator.split(phrase)]
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
    phrase = _TRAILING.sub("", _LEADING.sub("", _LEADING_TIME.sub("", phrase.strip())))
    if not phrase:
        return ()
    units = split_units(phrase)
    if units and all(is_unit_name(u) for u in units):
        return units
    # "各级党组织和广大党员要……": the units are the owners; people are not units.
    pieces = [
        p
        for piece in split_top_level(phrase, _LIST_SEP)
        for p in split_top_level(_TRAILING_DENG.sub("", piece), _AND)
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


# "区住建局要会同各街道，对……检查": the units the subject works with are its helpers.
_PARTNERS = re.compile(
    rf"(?:{TOGETHER}|商)(?P<units>[^，,。；;]{{2,40}}?)"
    r"(?:[，,]|共同|一起|对|开展|做好|抓好|研究|制定|完成|组织|推进|推动|加强|建立)"
)


def partners_after(sentence: str, cue_end: int) -> tuple[str, ...]:
    """The units a sentence's subject acts together with (会同/联合/协同 A、B), right after its
    要/应, when every one of them reads as a unit."""
    m = _PARTNERS.match(sentence, cue_end)
    if m is None:
        return ()
    units = split_units(m.group("units"))
    return units if units and all(is_unit_name(u) for u in units) else ()


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
    clauses: list[tuple[int, str]] = []
    pos = 0
    for clause in CLAUSE_BREAK.split(sentence[:before]):
        clauses.append((pos, clause))
        pos += len(clause) + 1
    # The clause nearest the cue speaks for it (……，各地在引进……上要有新的突破).
    for pos, clause in reversed(clauses):
        lead = _LEADING.match(clause)
        skip = lead.end() if lead else 0
        text = clause[skip:]
        for end in range(2, min(len(text), 14) + 1):
            candidate = text[:end]
            if (candidate.endswith(_ORG_SUFFIXES) or _COLLECTIVE.match(candidate)) and is_unit_name(
                candidate
            ):
                nxt = text[end : end + 1]
                if (
                    nxt
                    and not _ends_with_unit(text[: end + 1])
                    and not _COLLECTIVE.match(text[: end + 1])
                ):
                    # 各地区、各部门在……时: the whole list opening the clause, not its first.
                    for longer in range(min(len(text), 40), end, -1):
                        units = _as_owner_list(text[:longer])
                        if units and units[0] == candidate:
                            return units, pos + skip
                    return split_units(candidate), pos + skip
    return (), None


# What a unit does when a sentence gives it work without 要/应 (国家卫生健康委推行……,
# 各省份于……前完成……, 财政部负责……): a verb of assigned work right after the subject.
_ACTION = (
    r"负责|牵头|组织|完成|建立|健全|推行|推进|推动|印发|制定|制订|出台|修订|开展|做好|抓好|落实|实施|"
    r"启动|研究|提出|加强|加快|部署|督促|指导|监督|配合|会同|参加|举办|召开|编制|上报|报送|发布|"
    r"建成|设立|完善|优化|探索|申报|审核|核查|排定|确定|统筹|协调|规范|全部纳入|纳入|组队|派|选派|"
    r"承担|执行|办理|开通|上线|公布|汇总|整理|筛选|评估|考核|验收|检查|清理|梳理|参与|参加"
)
_BY_WHEN = r"(?:于|在)[^，。；;]{2,16}?(?:前|之前|以前|内)[，,]?"
_MANNER = (
    r"(?:要|应当|应|须|必须|可|统一|全面|及时|认真|切实|进一步|分别|共同|继续|积极|主动|"
    r"按照?[^，。；;]{1,20}?[，,]?|对照[^，。；;]{1,20}?[，,]?|根据[^，。；;]{1,20}?[，,]?)*"
)
_ACTS = re.compile(
    rf"(?:{_BY_WHEN})?{_MANNER}(?:{_BY_WHEN})?{_MANNER}"
    # 将/把 + what + verb: "各地应于……前将开展情况报省教育厅".
    rf"(?:{_ACTION}|[将把][^，。；;]{{1,20}}?(?:报|交|送|纳入|列入|落实))"
    r"|(?:不能|不得|严禁|禁止|不准)"
)


# A verb inside the would-be name means a clause, not a name (注重发挥系统 | 指导作用).
_VERB_IN_HEAD = re.compile(
    r"注重|坚持|加大|提高|提升|强化|深化|发挥|抓好|做好|通过|围绕|立足|依托|利用|带动|形成|实现|"
    r"确保|推动|落实|开展|加强|加快|完善|健全|[把将让使]|"
    r"^(?:以|在|按|对|从|为|向|与|同|和|随|据|经|给|被|关于)"
)


_ACT_WORD = re.compile(rf"{_ACTION}|不能|不得|严禁|禁止|不准")
_ASSIGNING = re.compile(r"负责|牵头|会同|配合|要|应|须|于|在")


def acting_unit(sentence: str) -> tuple[tuple[str, ...], int]:
    """Units that open a clause and act right after (2019年3月底前，国家卫生健康委推行……):
    the owners and where they start; ``((), -1)`` when no clause opens that way."""
    if not _ACT_WORD.search(sentence):
        return (), -1
    pos = 0
    for clause in _AFTER_CLAUSE_END.split(sentence):
        body = sentence[pos:]  # the clause and what follows: 根据有关规定，负责……
        lead = _LEADING_TIME.match(body)
        skip = lead.end() if lead and lead.end() else 0
        word = _LEADING.match(body, skip)
        skip = word.end() if word else skip
        # Longest first (市委组织部 | 负责, not 市委 | 组织), but never across an assigning
        # verb (国家中医药局 | 负责组织…: 组织 ends names too).
        stop = min(len(clause), skip + 30)
        # Only a head that opens with 各/有关/相关 can be a collective owner: tested once.
        collective = body.startswith(_COLLECTIVE_START, skip)
        if collective:
            ends: Iterable[int] = range(stop, skip + 1, -1)
        else:
            # A unit's name ends only after one of its last characters: the regex engine finds
            # those places (heads of two characters or more), not a test at every position.
            ends = reversed([m.end() for m in _UNIT_LAST_CHAR.finditer(body, skip + 1, stop)])
        for end in ends:
            head = body[skip:end]
            if not (_ends_with_unit(head) or (collective and _COLLECTIVE.match(head))):
                continue
            if _ASSIGNING.search(head) or head[-1] in "，,；;：:。":
                continue
            if not _ACTS.match(body, end) or _VERB_IN_HEAD.search(head):
                continue
            owners = _as_owner_list(head)
            if owners:
                return owners, pos + skip
        pos += len(clause)
    return (), -1


_USE_STRENGTHS = re.compile(r"^要?(?:充分)?发挥(?P<units>[^，,。；;]{2,20}?)的?(?:优势|作用|职能)")


def strengths_subject(sentence: str, cue_start: int) -> tuple[str, ...]:
    """ "要发挥群团部门优势，……": the units whose strengths are called on do the work."""
    m = _USE_STRENGTHS.match(sentence, cue_start)
    if not m:
        return ()
    units = split_units(m.group("units"))
    return units if all(is_unit_name(u) for u in units) else ()


def unit_key(name: str) -> str:
    """The form of a unit's name that the unit directory matches on: without spacing, whose
    it is (我市, 本校) and a summing-up tail (等, 等有关单位): 我市住建局等 is 住建局."""
    key = "".join(name.split())
    key = _GENERIC_TAIL.sub("", _OWN_PREFIX.sub("", key))
    return _TRAILING_DENG.sub("", key) or key
