"""Work assigned without 要/应: the wording of measures, notices and work plans (the 分工
that closes an item is read by :mod:`.assignments` and :mod:`.items`).

* a unit that acts: ``2019年3月底前，国家卫生健康委推行……``, ``各省份于……前完成……``,
  ``财政部负责……`` (see :func:`owners.acting_unit`);
* dated work without a subject: ``争取5月底前完成……``, ``确保年内基本建成``;
* deadlines that stand apart: ``以上工作要在……前完成`` belongs to the tasks before it in its
  paragraph, ``该项工作于……完成`` to the one task before it;
* sentences that look like tasks but announce, quote or give an opinion (``提三点希望：``,
  ``我的态度是：``).
"""

from __future__ import annotations

import re
from datetime import date

from commitments.importer.deadlines import Deadline, find_deadline

# A deadline with a "by" word: ……前, 年内, 年底前; or a commitment word before a date.
_BY_DATE = re.compile(
    r"(?:\d{1,2}\s*月|年|季度|半年|旬|\d\s*日)(?:底|末)?\s*(?:前|之前|以前|内)|年内|年底|"
    r"(?:争取|力争|确保|务必|须|必须)[^，。；;]{0,6}?(?:\d{1,2}\s*月|年内|年底|季度|上半年|下半年)"
)
_WORK_VERB = re.compile(
    r"完成|建成|交付|竣工|完工|开工|启动|出台|印发|建立|制定|上报|报送|推行|实施|落实|到位|开展|"
    r"提交|办理|修订|整改|过户|投入使用|投用|运行|发放|验收"
)
# 了 of a finished action, not 为了/除了/了解; 已 of 已经, not 而已/不已.  Also what a notice's
# background says: progress made (近年来……取得明显成效) and problems seen (……不到位).
_PAST = re.compile(
    r"(?<![为除])了(?!解)|已经|(?<![而不])已|曾|去年|上年|过去|以来|先后|业已|"
    r"近年来|近年|多年来|取得|不到位|不力|不够|滞后|存在[^，。；]{0,8}问题"
)


_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


def is_past(sentence: str, reference: date | None) -> bool:
    """A report of what was done or of how things stand (……完成了, 去年……, 2009年……,
    ……取得明显成效, ……落实不到位) rather than work to do."""
    if _PAST.search(sentence):
        return True
    if reference is not None:
        for m in _YEAR.finditer(sentence):
            if int(m.group(1)) < reference.year:
                return True
    return False


def dated_work(sentence: str, reference: date | None) -> Deadline | None:
    """The deadline of a sentence that sets dated work without naming who does it
    (争取5月底前完成拆迁任务, 确保年内基本建成); None if it is not such a sentence."""
    if not _BY_DATE.search(sentence) or not _WORK_VERB.search(sentence):
        return None
    if is_past(sentence, reference):
        return None
    found = find_deadline(sentence, reference)
    return found if found.on is not None or found.pending else None


_ALL_BEFORE = re.compile(r"^(?:以上|上述|前述|以上各项|上述各项)(?:工作|任务|事项|措施)")
_ONE_BEFORE = re.compile(r"^(?:该项|此项|这项|该|此)(?:工作|任务|事项|措施)")


def back_reference(sentence: str) -> str:
    """``"all"`` for 以上工作要在……前完成, ``"one"`` for 该项工作于……完成, else ""."""
    body = sentence.lstrip("，,。；; ")
    if _ALL_BEFORE.match(body):
        return "all"
    if _ONE_BEFORE.match(body):
        return "one"
    return ""


# "提三点希望：", "讲三个问题：": the heading of points, not a task itself; "我的态度是：".
_ANNOUNCES = re.compile(
    r"(?:提|讲|谈|说|强调)(?:[一二三四五六七八九十两几\d]+)(?:点|个|方面|条)[^，。；]{0,8}[:：]\s*$"
    r"|(?:态度|看法|观点|意见|体会|想法)(?:是|就是)[:：]"
)


def announces(sentence: str) -> bool:
    return bool(_ANNOUNCES.search(sentence))


# The transmittal of a 印发/转发 notice: "现将《……》印发给你们，请认真贯彻落实。" hands over
# the attached plan, whose items are the tasks; the sentence itself assigns nothing trackable
# unless it adds a date of its own (……印发给你们，请于3月底前报送落实情况).
_TRANSMITS = re.compile(
    r"^(?:经[^，。；]{1,30}(?:同意|研究)[，,]\s*)?现(?:将|把)?[^。；]{0,80}?"
    r"(?:印发|转发|下发|印送|发布|发给)(?:给)?(?:你们|你单位|各单位|你处|你局)?"
    r"(?P<tail>[，,][^。；]{0,40})?[。；]?\s*$"
)
_DATED = re.compile(r"\d|[一二三四五六七八九十]+[月日]|[前底]")


def transmits(sentence: str) -> bool:
    """The notice's own cover sentence (现将……印发给你们，请……贯彻执行)."""
    found = _TRANSMITS.match(sentence.strip())
    return found is not None and not _DATED.search(found.group("tail") or "")
