"""分工: who leads a piece of work, who helps and by when, as a work plan states it beside the
item it closes.  Two grammars, each in full-width or half-width punctuation:

* labelled fields: ``牵头单位：A；责任单位：B、C；完成时限：6月底前`` (in a parenthesis, on the
  item's last line, or on label lines of their own below it); a label is read by meaning,
  like a task table's header (:func:`tables.header_field`);
* role phrases: ``A牵头，B配合``, ``A、B牵头，C按职责分工负责，2022年12月底前完成``,
  ``由A牵头负责``, ``A负责``, ``A会同B负责``.

The owners are the units that lead (牵头); where no unit leads, the ones that are responsible
(负责 / 责任单位 / 按职责分工负责).  The co-owners are the ones that help (配合 / 协助 / 参与)
and, beside a lead, the responsible ones.  A clause that reads otherwise is not a 分工 (None).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from commitments.importer import owners as owner_rules
from commitments.importer import tables
from commitments.importer.patterns import TOGETHER

# Labels of a field: the words before a colon at the start or after a separator.
_FIELD = re.compile(r"(?:^|(?<=[；;，,。.\s]))\s*(?P<label>[\u4e00-\u9fff（）()]{2,10}?)\s*[:：]")
_PLAIN_SEPARATORS = " ；;，,。.、"

# Roles of the units a phrase ends on, longest first.
_LEAD_ROLE = r"牵头负责|牵头落实|牵头抓总|牵头实施|牵头|主责|主抓"
_HELP_ROLE = r"配合落实|配合|协助|协办|参与|参加|支持"
_DUTY_ROLE = (
    r"(?:根据|按照?|依)(?:各自)?职责(?:分工)?(?:负责|落实)|按分工(?:负责|落实)|分别负责|共同负责|"
    r"负责落实|具体负责|组织实施|负责|落实|实施|承办|主办"
)
_ROLE = re.compile(
    rf"(?P<units>.+?)(?:(?P<lead>{_LEAD_ROLE})|(?P<help>{_HELP_ROLE})|(?P<duty>{_DUTY_ROLE}))$"
)
_BY = re.compile(r"^(?:由|请|并由)")
_TOGETHER = re.compile(TOGETHER)
# Unit text that is a sentence's subject, not a list: 各单位要（按职责分工负责）.
_MODAL_END = re.compile(
    r"(?:要|应|应当|须|必须|都|也|还|均|认真|切实|务必|积极|主动|全力|一定|进一步|抓紧)$"
)
_PREPOSITION = re.compile(r"^(?:按|依|由|在|对|从|经|以|为|向|根据|按照|通过|围绕|结合|其他|具体)")
_NAME_CHARS = re.compile(r"^[\u4e00-\u9fff（）()·]{2,30}$")
# Endings of names that only a 分工 vouches for (纪检组, 医政股, 区融媒体中心 is a unit anyway):
# out of a 分工 they end too many ordinary words.
_NAME_END = re.compile(r"[组股会馆社团行台司庭岗班村镇乡区园]$")
_NO_UNIT = re.compile(r"^(?:暂无|待定|另定|另行确定|不涉及|全体|所有)$")
_BRACKETED = re.compile(r"[（(][^（()）]*[）)]")

# A time segment: only calendar words and a completion verb (2022年12月底前完成, 长期坚持).
_TIME_WORDS = re.compile(
    r"\d{4}\s*年|\d{1,2}\s*月(?:份)?|\d{1,2}\s*日|(?:第)?[一二三四1-4]季度|上半年|下半年|年底|年末|"
    r"年内|全年|本年度|今年|明年|次年|当年|上旬|中旬|下旬|底|末|前|之前|以前|内|起|至|到|于|在|"
    r"[—\-~～－]|完成|办结|完工|建成|落实到位|到位|见效|长期|持续|常态化|长效|坚持|推进|开展|每年|"
    r"每季度?|每个?月|每半年|[，,\s]"
)
_TIME_MAX = 30  # "2025年6月底前完成" and the like; a longer segment says more than when
_TIME_HAS = re.compile(r"\d|季度|半年|年底|年末|年内|全年|本年度|长期|持续|常态化|长效|每")
_TIME_BY = re.compile(r"前|完成|办结|建成|到位|年底|年内|长期|持续|常态化")
_DEADLINE_LABEL = re.compile(r"时限|完成|截止|节点|期限")
_KNOWN = frozenset({tables.LEAD, tables.CO, tables.DEADLINE, tables.RESPONSIBLE, tables.LEADER})
_LEADING_LABEL = re.compile(r"牵头|主责|主办")


@dataclass(frozen=True)
class Assignment:
    owners: tuple[str, ...]  # the lead units, the first one first
    co_owners: tuple[str, ...] = ()
    deadline: str = ""  # the clause's own wording of the time (6月底前, 2022年12月底前完成)
    responsible: str = ""  # a person named as 责任人

    @property
    def closes(self) -> bool:
        """Whether it closes an item: it names units or a deadline, not a person alone."""
        return bool(self.owners or self.co_owners or self.deadline)


def read_assignment(text: str, *, bare: bool = False) -> Assignment | None:
    """The 分工 a clause states (its inside, without brackets), or None if it states none.

    ``bare`` is a clause outside brackets (the last sentence of an item, a label line): role
    phrases count there only when a unit leads or helps (由A牵头，B配合), never a lone 负责."""
    body = text.strip().strip(_PLAIN_SEPARATORS)
    if not body:
        return None
    first = _FIELD.match(body)
    if first is not None and first.start() == 0:
        found = read_labels(body)
        return found if found is not None and found.closes else None
    return _roles(body, bare=bare)


def read_labels(text: str) -> Assignment | None:
    """The fields of ``牵头单位：A；完成时限：B`` (a label line, a bracket's inside); None unless
    it opens with a label of a 分工.  A line of a deadline or a person alone gives an
    Assignment without owners: it belongs to the label lines above it, if any."""
    body = text.strip().strip(_PLAIN_SEPARATORS)
    fields = list(_FIELD.finditer(body))
    if not fields or fields[0].start() != 0:
        return None
    found: list[tuple[str, str, str]] = []  # (field, label, value)
    for k, m in enumerate(fields):
        stop = fields[k + 1].start() if k + 1 < len(fields) else len(body)
        value = body[m.end() : stop].strip().strip(_PLAIN_SEPARATORS)
        field = tables.header_field(m.group("label"))
        if field is not None:
            found.append((field, m.group("label"), value))
    if not found or not all(f in _KNOWN for f, _, _ in found[:1]):
        return None
    leads = [(label, value) for f, label, value in found if f == tables.LEAD]
    leading = [value for label, value in leads if _LEADING_LABEL.search(label)]
    duty = [value for label, value in leads if not _LEADING_LABEL.search(label)]
    helping = [value for f, _, value in found if f == tables.CO]
    owners = _unit_list(leading or duty)
    co = _unit_list((duty if leading else []) + helping)
    # 时间：3月5日 alone is an event's time; 完成时限：6月底前 alone is an item's deadline.
    deadline = next(
        (
            value
            for f, label, value in found
            if f == tables.DEADLINE and (owners or co or _DEADLINE_LABEL.search(label))
        ),
        "",
    )
    person = next((value for f, _, value in found if f == tables.RESPONSIBLE), "")
    return Assignment(owners, tuple(u for u in co if u not in owners), deadline, person)


def _unit_list(values: list[str]) -> tuple[str, ...]:
    units: list[str] = []
    for value in values:
        for unit in tables.split_cell_units(value):
            unit = _ROLE_TAIL.sub("", unit)
            if unit_like(unit, labelled=True) and unit not in units:
                units.append(unit)
    return tuple(units)


_ROLE_TAIL = re.compile(rf"(?:{_LEAD_ROLE}|{_HELP_ROLE}|{_DUTY_ROLE})$")
_ROLE_LAST = frozenset("头责总施抓实合助办与加持")  # the last characters of every role


_SEGMENTS = re.compile(r"[，,；;]")
_LEADS_WORK = re.compile(_LEAD_ROLE)


class _Roles:
    """Units by role, gathered over the segments of a clause."""

    def __init__(self) -> None:
        self.lead: list[str] = []
        self.duty: list[str] = []
        self.helping: list[str] = []
        self.deadline = ""

    def take(self, segment: str) -> bool:
        """Read one segment (A牵头, B配合, 2022年底前完成) in; False if it is none of them."""
        if is_time(segment):
            self.deadline = self.deadline or segment
            return True
        if segment[-1:] not in _ROLE_LAST:  # most segments end on no role: one lookup
            return False
        m = _ROLE.fullmatch(_BY.sub("", segment))
        if m is None:
            return False
        units_text = m.group("units")
        together = _TOGETHER.search(units_text)
        helpers: tuple[str, ...] = ()
        if together:  # A会同B负责: A leads, B helps
            helpers = _role_units(units_text[together.end() :])
            units_text = units_text[: together.start()]
            if not helpers:
                return False
        units = _role_units(units_text)
        if not units:
            return False
        if m.group("help"):
            self.helping.extend(units)
        elif m.group("lead") or helpers:
            self.lead.extend(units)
        else:
            self.duty.extend(units)
        self.helping.extend(helpers)
        return True

    def assignment(self) -> Assignment:
        owners = tuple(dict.fromkeys(self.lead or self.duty))
        both = (*(self.duty if self.lead else ()), *self.helping)
        co = tuple(u for u in dict.fromkeys(both) if u not in owners)
        return Assignment(owners, co, self.deadline)


def _roles(body: str, *, bare: bool) -> Assignment | None:
    roles = _Roles()
    segments = [x.strip() for x in owner_rules.split_top_level(body, _SEGMENTS) if x.strip()]
    if not segments or not all(roles.take(segment) for segment in segments):
        return None
    if not (roles.lead or roles.duty or roles.helping):
        # A bracket of a time alone closes its item if it says "by": （2022年底前完成）, not
        # a date line （2023年3月28日）.
        by = not bare and _TIME_BY.search(roles.deadline)
        return Assignment((), (), roles.deadline) if by else None
    if bare and not (roles.lead or roles.helping):
        return None
    return roles.assignment()


def leading_roles(sentence: str) -> tuple[Assignment, int] | None:
    """A sentence that opens with its 分工 and goes on with the work: 由A牵头，B配合，年内完成
    门诊改造.  The 分工 and where the work starts; None unless a unit leads there."""
    if not _LEADS_WORK.search(sentence):
        return None
    roles = _Roles()
    pos = 0
    end = 0
    for m in _SEGMENTS.finditer(sentence + "，"):
        segment = sentence[pos : m.start()].strip()
        if not segment or is_time(segment) or not roles.take(segment):
            break
        pos = end = m.end()
    if not roles.lead or end >= len(sentence):
        return None
    return roles.assignment(), end


def _role_units(text: str) -> tuple[str, ...]:
    """The units of a role phrase (A、B及C等部门), or () if any part is not a unit."""
    text = text.strip()
    if not text or _MODAL_END.search(text):
        return ()
    units = owner_rules.split_units(text)
    if not units or not all(unit_like(u) for u in units):
        return ()
    return units


def unit_like(name: str, *, labelled: bool = False) -> bool:
    """A unit by its ending (市教育局), or a name a 分工 lists where its grammar vouches for it
    (纪检组, 医政股): no verb, no preposition, no punctuation inside, and a name's ending unless
    a label (责任单位：立山经济开发区) says what it is."""
    if owner_rules.is_unit_name(name):
        return True
    return bool(
        _NAME_CHARS.match(name)
        and (labelled or _NAME_END.search(_BRACKETED.sub("", name)))
        and not _NO_UNIT.match(name)
        and not _PREPOSITION.match(name)
        and "由" not in name
        and owner_rules.is_name_shaped(name)
    )


def is_time(segment: str) -> bool:
    """Whether a segment says only when (2022年12月底前完成, 长期坚持, 每季度)."""
    text = segment.strip()
    return (
        0 < len(text) <= _TIME_MAX
        and bool(_TIME_HAS.search(text))
        and not _TIME_WORDS.sub("", text)
    )
