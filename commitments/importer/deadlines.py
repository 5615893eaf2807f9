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
_YEAR_MONTH = re.compile(r"(\d{4})年(\d{1,2})月(上旬|中旬|下旬|底|末|份|前|之前)?(?!\d)")
_YEAR_END = re.compile(r"(\d{4})年(?:底|年底|年内|内)(?:前|之前)?")
_MONTH_DAY = re.compile(r"(?<![\d年])(\d{1,2})月(\d{1,2})日(?:前|之前|以前)?")
_MONTH_END = re.compile(r"(?<![\d年])(\d{1,2})月(上旬|中旬|下旬|底|末|份)(?:前|之前)?")
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
    rf"[“\"]?({'|'.join(_FESTIVALS)})[”\"]?(?P<when>节前|节|前夕|之前|前后|前|期间)?"
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
    m = _PROSE_EVENT.search(text)
    if m:  # 寒假前, 开学前: a time the calendar does not know; a person sets the date
        return Deadline(None, m.group(0), True)
    m = _LIMIT.search(text)
    if m:
        return Deadline(None, _clause_at(text, m.start()), True)
    return Deadline.none()


_ONE_YEAR = re.compile(r"(?<![\d—\-~～至到])((?:19|20)\d{2})\s*年(?!\s*[—\-~～至到])")


def year_start(title: str) -> date | None:
    """1 January of the one year a title names (2024年工作要点), the date undated work plans
    are read against; None when it names none or a span (2023—2025年)."""
    years = {m.group(1) for m in _ONE_YEAR.finditer(title)}
    return date(int(years.pop()), 1, 1) if len(years) == 1 else None


def report_cycle_of(text: str) -> str:
    """``"monthly"`` for 每月 (a recurring report, not a deadline), etc.; "" if none."""
    return next((c for pattern, c in _CYCLES if pattern.search(text)), "")


def _future(day: date | None, reference: date | None) -> bool:
    return day is not None and (reference is None or day >= reference)


def _in_month(year: int, month: int, part: str) -> date | None:
    """The last day of a month, or of its 上旬 (10th) / 中旬 (20th)."""
    day = {"上旬": 10, "中旬": 20}.get(part)
    return _safe(date, year, month, day) if day else _safe(_last_day, year, month)


def _explicit(text: str, reference: date | None) -> Deadline | None:
    # Every date below names 年 or 月; most sentences name neither (one scan, not five).
    if "月" not in text and "年" not in text:
        return None
    for m in _FULL.finditer(text):
        day = _safe(date, int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if _future(day, reference):
            return Deadline(day, m.group(0), False)
    for m in _YEAR_END.finditer(text):
        day = _safe(date, int(m.group(1)), 12, 31)
        if _future(day, reference):
            return Deadline(day, m.group(0), False)
    for m in _YEAR_MONTH.finditer(text):
        day = _in_month(int(m.group(1)), int(m.group(2)), m.group(3) or "")
        if _future(day, reference):
            return Deadline(day, m.group(0), False)
    if "月" not in text:
        return None
    if reference is None:
        found = _MONTH_DAY.search(text) or _MONTH_END.search(text)
        return Deadline(None, found.group(0), True) if found else None
    for m in _MONTH_DAY.finditer(text):
        day = _safe(date, reference.year, int(m.group(1)), int(m.group(2)))
        if _future(day, reference):
            return Deadline(day, m.group(0), False)
    for m in _MONTH_END.finditer(text):
        day = _in_month(reference.year, int(m.group(1)), m.group(2))
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


# --------------------------------------------------------------------------- table cells
# A task table's 完成时限 column is terse (6月底前, 年内, 一季度, 每月) and is read against the
# document's year, not as "the first future date in a sentence".

CYCLE_WEEKLY = "weekly"
CYCLE_MONTHLY = "monthly"
CYCLE_QUARTERLY = "quarterly"
_CYCLES = (
    (re.compile(r"每季度?|按季度?|逐季"), CYCLE_QUARTERLY),
    (re.compile(r"每个?月|按月|逐月"), CYCLE_MONTHLY),
    (re.compile(r"每周|每星期|按周|逐周"), CYCLE_WEEKLY),
)
_WHEN = r"(?:前|之前|以前|完成)?"
_CELL_DATE = re.compile(
    r"(?P<full>(?P<fy>\d{4})\s*[年.\-/／]\s*(?P<fm>\d{1,2})\s*[月.\-/／]\s*(?P<fd>\d{1,2})\s*日?)"
    rf"{_WHEN}"
    r"|(?P<ym>(?P<yy>\d{4})\s*年\s*(?P<ymm>\d{1,2})\s*月\s*(?P<ymp>上旬|中旬|下旬|底|末|份|)\s*"
    r"(?P<ymb>前|之前|以前)?)"
    # 1月28-30日, 2月1日-2日: a range inside one month is due on its last day.
    r"|(?P<rm>(?<![\d年])(?P<rmm>\d{1,2})\s*月\s*\d{1,2}\s*日?\s*[-—–~～至到－]\s*"
    r"(?P<rmd>\d{1,2})\s*日)"
    r"|(?P<md>(?<![\d年])(?P<mm>\d{1,2})\s*月\s*(?P<dd>\d{1,2})\s*日)" + _WHEN + "|"
    # 8.23（周日）, 9.1: a schedule's day written with a dot, never a decimal in a sentence.
    r"(?P<dot>(?<![\d.．])(?P<dm>1[0-2]|0?[1-9])[.．](?P<dd2>3[01]|[12]\d|0?[1-9])(?![\d.．])"
    r"(?=\s*(?:[（(]|周|星期|前|$|[-—–~～至到－])))|"
    r"(?P<m>(?<![\d年])(?P<mo>\d{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*"
    r"(?P<mp>上旬|中旬|下旬|底|末|份|)\s*(?P<mb>前|之前|以前)?)"
    r"|(?P<q>(?P<qy>今年|明年|次年|\d{4}年)?(?:第)?(?P<qn>[一二三四1-4])季度(?:末|底)?"
    r"(?:前|之前)?)"
    r"|(?P<h>(?P<hy>今年|明年|次年|\d{4}年)?(?P<hn>上半年|下半年)(?:末|底)?(?:前|之前)?)"
    r"|(?P<ye>(?P<yey>\d{4})\s*年\s*(?:底|末|内|年底)?\s*(?:前|之前)?(?![\d月]))"
    r"|(?P<ny>明年|次年)(?:底|年底|内)?(?:前|之前)?"
    r"|(?P<ty>年底|年末|年内|全年|本年度|今年|当年)(?:底|内)?(?:前|之前)?"
    r"|(?P<fe>[“\"]?(?:元旦|五一|五四|六一|七一|八一|国庆)[”\"]?(?:节)?(?:前|之前|前夕)?)"
)
# School and event terms: a time the office knows but the calendar does not.
_EVENT_TERM = re.compile(
    r"寒假|暑假|假期|开学|学期|学年|期末|期中|春节|中秋|端午|清明|元宵|重阳|春季|秋季|夏季|冬季|"
    r"会前|会后|换届|届满|验收前|检查前|考核前|评估前|活动前|开展前|结束前|开始前"
)
_ONGOING = re.compile(r"长期|持续|常态|长效|经常性|随时|及时")
_PROSE_EVENT = re.compile(
    r"(?:秋季|春季)?(?:寒假|暑假|开学|学期末|期末|期中|春节|中秋|端午|元宵)(?:前|之前|前夕|期间)"
)
_LABEL_TRIM = re.compile(r"^[\s，,、；;：:。（）()前完成]+|[\s，,、；;：:。（(]+$")


@dataclass(frozen=True)
class Milestone:
    deadline: Deadline
    label: str  # what is due by then, from the cell's own words ("完成规划"); "" if nothing


@dataclass(frozen=True)
class Schedule:
    milestones: tuple[Milestone, ...]  # zero, one, or several dated steps
    cycle: str  # "" or a report cycle: CYCLE_WEEKLY / CYCLE_MONTHLY / CYCLE_QUARTERLY
    text: str  # the cell, spacing removed


def _cell_day(m: re.Match[str], year: int | None) -> tuple[date | None, int | None]:
    """The date a match names, and the year it states (later dates in the cell reuse it)."""

    def in_month(y: int, month: int, part: str, before: bool) -> date | None:
        if before and not part:  # "6月前": before June begins
            return _safe(lambda: date.fromordinal(date(y, month, 1).toordinal() - 1))
        day = {"上旬": 10, "中旬": 20}.get(part)
        return _safe(date, y, month, day) if day else _safe(_last_day, y, month)

    def year_of(word: str | None) -> int | None:
        if not word or word == "今年":
            return year
        if word in ("明年", "次年"):
            return year + 1 if year else None
        return int(word[:4])

    if m.group("full"):
        y = int(m.group("fy"))
        return _safe(date, y, int(m.group("fm")), int(m.group("fd"))), y
    if m.group("ym"):
        y = int(m.group("yy"))
        return in_month(y, int(m.group("ymm")), m.group("ymp"), bool(m.group("ymb"))), y
    if m.group("ye"):
        y = int(m.group("yey"))
        return date(y, 12, 31), y
    if m.group("q") or m.group("h"):
        period_year = year_of(m.group("qy") or m.group("hy"))
        if period_year is None:
            return None, None
        if m.group("q"):
            month = 3 * (cn_number(m.group("qn")) or 4)
        else:
            month = 6 if m.group("hn") == "上半年" else 12
        return _last_day(period_year, month), None
    if m.group("ny"):
        return (date(year + 1, 12, 31) if year else None), None
    if year is None:
        return None, None
    if m.group("md"):
        return _safe(date, year, int(m.group("mm")), int(m.group("dd"))), None
    if m.group("rm"):
        return _safe(date, year, int(m.group("rmm")), int(m.group("rmd"))), None
    if m.group("dot"):
        return _safe(date, year, int(m.group("dm")), int(m.group("dd2"))), None
    if m.group("m"):
        month = cn_number(m.group("mo")) or 0
        if not 1 <= month <= 12:
            return None, None
        return in_month(year, month, m.group("mp"), bool(m.group("mb"))), None
    if m.group("ty"):
        return date(year, 12, 31), None
    if m.group("fe"):
        name = re.sub(r"[“”\"节前之夕]", "", m.group("fe"))
        month, day_of_month = _FESTIVALS[name]
        return date(year, month, day_of_month), None
    return None, None


_RANGE_JOIN = re.compile(r"\s*[-—–~～至到－]\s*")


def schedule_of(cell: str, year: int | None, roll_before: date | None = None) -> Schedule:
    """Read a 完成时限 cell: its dated steps, a report cycle, or the wording to be set by hand.

    ``6月底前`` → 30 June; ``年底前``/``年内`` → 31 December; ``9月份`` → 30 September;
    ``一季度``/``上半年`` → the end of that quarter or half; ``每月`` → a monthly report cycle;
    ``寒假前``/``开学前`` → no date, flagged; ``6月底前完成规划，12月底前完成验收`` → two steps.
    Without a ``year`` (the document states none), a date without its own year is flagged.
    A date without its own year that falls before ``roll_before`` belongs to the next year.
    """
    text = "".join(cell.split())
    cycle = report_cycle_of(text)
    found = [m for m in _CELL_DATE.finditer(text) if m.group(0).strip()]
    # "12月28日-1月10日": one stretch of work, due when it ends; only its end is a step.
    matches = [
        m
        for i, m in enumerate(found)
        if not (i + 1 < len(found) and _RANGE_JOIN.fullmatch(text, m.end(), found[i + 1].start()))
    ]
    milestones: list[Milestone] = []
    for i, m in enumerate(matches):
        if _EVENT_TERM.match(text, m.end()):  # "秋季学期开学前" is not a date of the calendar
            continue
        day, stated = _cell_day(m, year)
        if day is not None and not stated and roll_before is not None and day < roll_before:
            # A term plan dated December lists January's work without a year: next year's.
            day = _safe(date, day.year + 1, day.month, day.day) or day
        year = stated or year
        stop = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        after = re.split(r"[，,；;。]", text[m.end() : stop])[0]
        label = _LABEL_TRIM.sub("", after)
        if not label:
            clause_start = max(text.rfind(sep, 0, m.start()) for sep in "，,；;。") + 1
            label = _LABEL_TRIM.sub("", text[clause_start : m.start()])
        wording = m.group(0)
        milestones.append(Milestone(Deadline(day, wording, day is None), label))
    # The same day twice ("6月底前，即6月30日") is one step.
    unique: dict[object, Milestone] = {}
    for item in milestones:
        key = item.deadline.on or item.deadline.text
        unique.setdefault(key, item)
    steps = tuple(unique.values())
    if not steps and text and (_EVENT_TERM.search(text) or not (cycle or _ONGOING.search(text))):
        steps = (Milestone(Deadline(None, text, True), ""),)
    elif not steps and text and _ONGOING.search(text) and not cycle:
        steps = (Milestone(Deadline(None, text, False), ""),)
    return Schedule(steps, cycle, text)
