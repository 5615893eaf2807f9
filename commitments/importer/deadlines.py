"""Chinese time expressions → a deadline, the words it came from, and a "to be set" flag.

Only what the text says is turned into a date: no wording, no deadline.  Relative wording
(今年, 用三至五年的时间, 以纪念“五四”为契机) is resolved against the document's date.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from commitments.importer.patterns import cn_number


@dataclass(frozen=True)
class Deadline:
    on: date | None
    text: str  # the source wording, kept beside the date
    pending: bool  # a limit is demanded (限期) or implied but no date can be derived

    @classmethod
    def none(cls) -> Deadline:
        return cls(None, "", False)


_NUM = r"[零〇一二两三四五六七八九十\d]{1,3}"
_FULL = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日(?:前|之前|以前)?")
_YEAR_MONTH = re.compile(r"(\d{4})年(\d{1,2})月(?:底|末|份|前|之前)?(?!\d)")
_YEAR_END = re.compile(r"(\d{4})年(?:底|年底|年内|内)(?:前|之前)?")
_MONTH_DAY = re.compile(r"(?<![\d年])(\d{1,2})月(\d{1,2})日(?:前|之前|以前)?")
_MONTH_END = re.compile(r"(?<![\d年])(\d{1,2})月(?:底|末)(?:前|之前)?")
_DURATION = re.compile(
    rf"(?:用|在|力争|争取|利用)?(?P<a>{_NUM})(?:[至到—\-~～](?P<b>{_NUM}))?(?P<ge>个)?"
    r"(?P<unit>年|月|周|天)(?:的?时间|内|之内|以内|左右)"
)
_FESTIVALS = {
    "元旦": (1, 1),
    "三八": (3, 8),
    "五一": (5, 1),
    "五四": (5, 4),
    "六一": (6, 1),
    "七一": (7, 1),
    "八一": (8, 1),
    "十一": (10, 1),
    "国庆": (10, 1),
}
_FESTIVAL = re.compile(
    r"[“\"]?(元旦|三八|五一|五四|六一|七一|八一|十一|国庆)[”\"]?(?P<when>节前|节|前夕|之前|前后|前|期间)?"
)
_FESTIVAL_CONTEXT = re.compile(r"纪念|契机")
_THIS_YEAR = re.compile(r"(?:今年|本年度|年底前|年内|年底)(?:底|年底|内)?(?:前|之前)?")
_THIS_YEAR_NOT_DEADLINE = re.compile(r"今年(?:是|以来|上半年|下半年|初|年初)|在今年的")
_HALF = re.compile(
    r"(今年|明年)?(上半年|下半年|一季度|二季度|三季度|四季度|第[一二三四]季度)(?:前|内|底|末)?"
)
_NEXT_YEAR = re.compile(r"明年(?:底|年底|内)?(?:前|之前)?")
_LIMIT = re.compile(r"限期|限时")
_CLAUSE = re.compile(r"[^，,；;。！？\n]*")
_LEADING_MODAL = re.compile(r"^(?:都|也|还|更|必须|务必|要)+")


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year = day.year + month0 // 12
    month = month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _safe(fn, *args) -> date | None:  # type: ignore[no-untyped-def]
    try:
        return fn(*args)
    except ValueError:
        return None


def _clause_span(text: str, pos: int) -> tuple[int, str]:
    start = max(text.rfind(sep, 0, pos) for sep in "，,；;。！？\n") + 1
    m = _CLAUSE.match(text, start)
    return start, m.group(0) if m else ""


def _clause_at(text: str, pos: int) -> str:
    return _LEADING_MODAL.sub("", _clause_span(text, pos)[1])


def find_deadline(text: str, reference: date | None) -> Deadline:
    """The deadline a directive's text sets, if any.

    Dates before ``reference`` are events the speech reports, not deadlines.
    """
    found = _explicit(text, reference)
    if found:
        return found
    found = _relative(text, reference)
    if found:
        return found
    m = _LIMIT.search(text)
    if m:
        return Deadline(None, _clause_at(text, m.start()), True)
    return Deadline.none()


def _future(day: date | None, reference: date | None) -> bool:
    return day is not None and (reference is None or day >= reference)


def _explicit(text: str, reference: date | None) -> Deadline | None:
    for m in _FULL.finditer(text):
        day = _safe(date, int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if _future(day, reference):
            return Deadline(day, m.group(0), False)
    for m in _YEAR_END.finditer(text):
        day = _safe(date, int(m.group(1)), 12, 31)
        if _future(day, reference):
            return Deadline(day, m.group(0), False)
    for m in _YEAR_MONTH.finditer(text):
        day = _safe(_last_day, int(m.group(1)), int(m.group(2)))
        if _future(day, reference):
            return Deadline(day, m.group(0), False)
    if reference is None:
        found = _MONTH_DAY.search(text) or _MONTH_END.search(text)
        return Deadline(None, found.group(0), True) if found else None
    for m in _MONTH_DAY.finditer(text):
        day = _safe(date, reference.year, int(m.group(1)), int(m.group(2)))
        if _future(day, reference):
            return Deadline(day, m.group(0), False)
    for m in _MONTH_END.finditer(text):
        day = _safe(_last_day, reference.year, int(m.group(1)))
        if _future(day, reference):
            return Deadline(day, m.group(0), False)
    return None


def _relative(text: str, reference: date | None) -> Deadline | None:
    m = _DURATION.search(text)
    if m:
        amount = max(cn_number(m.group("a")) or 0, cn_number(m.group("b") or "") or 0)
        if amount:
            if reference is None:
                return Deadline(None, m.group(0), True)
            unit = m.group("unit")
            if unit == "年":
                day = _add_months(reference, 12 * amount)
            elif unit == "月":
                day = _add_months(reference, amount)
            else:
                span = amount * (7 if unit == "周" else 1)
                day = date.fromordinal(reference.toordinal() + span)
            return Deadline(day, m.group(0), False)

    first = _FESTIVAL.search(text)
    if first:
        _, clause = _clause_span(text, first.start())
        if _FESTIVAL_CONTEXT.search(clause) or first.group("when"):
            occasion = _FESTIVAL_CONTEXT.search(clause)
            wording = _LEADING_MODAL.sub("", clause) if occasion else first.group(0)
            if reference is None:
                return Deadline(None, wording, True)
            days: list[date] = []
            for f in _FESTIVAL.finditer(clause):
                month, day_of_month = _FESTIVALS[f.group(1)]
                day = date(reference.year, month, day_of_month)
                if day < reference:
                    day = date(reference.year + 1, month, day_of_month)
                days.append(day)
            # Several occasions (五一、五四): the work is due by the last of them.
            return Deadline(max(days), wording, False)

    m = _HALF.search(text)
    if m:
        if reference is None:
            return Deadline(None, m.group(0), True)
        year = reference.year + (1 if m.group(1) == "明年" else 0)
        period = m.group(2).lstrip("第")
        last_month = {
            "上半年": 6,
            "下半年": 12,
            "一季度": 3,
            "二季度": 6,
            "三季度": 9,
            "四季度": 12,
        }
        day = _last_day(year, last_month[period])
        if _future(day, reference):
            return Deadline(day, m.group(0), False)

    m = _NEXT_YEAR.search(text)
    if m:
        if reference is None:
            return Deadline(None, m.group(0), True)
        return Deadline(date(reference.year + 1, 12, 31), m.group(0), False)

    for m in _THIS_YEAR.finditer(text):
        window = text[max(0, m.start() - 1) : m.end() + 3]
        if _THIS_YEAR_NOT_DEADLINE.search(window):
            continue
        if reference is None:
            return Deadline(None, m.group(0), True)
        return Deadline(date(reference.year, 12, 31), m.group(0), False)
    return None
