"""Document layout: notice header, speech header, and the numbered headings of the speech."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from commitments.importer.patterns import (
    DATE_LINE,
    FULL_DATE,
    SENTENCE_END,
    heading_marker,
)

_NOTICE_TITLE = re.compile(
    r"^(?P<issuer>.*?)关于(?P<subject>.{2,}?)的?(?:通知|通报|意见|决定|实施方案|工作方案|方案|办法|批复)$"
)
# 国办发〔2019〕4号, 教基〔2024〕3号, 浙政办发[2020]12号: the number an issuer gives a document.
DOCUMENT_NUMBER = re.compile(
    r"^[\u4e00-\u9fff]{1,10}\s*[〔\[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]\s*\d{1,5}\s*号$"
)
_SIGNATURE = re.compile(r"^[\u4e00-\u9fff（）()·]{2,40}$")
_SALUTATION = re.compile(r"^(?:尊敬的|各位|同志们|同学们|老师们|朋友们).{0,30}[:：]$")
_SPEAKER_LINE = re.compile(r"^[\u4e00-\u9fff·]{2,5}$")
_SPEAKER_IN_TITLE = re.compile(
    r"^(?P<speaker>[\u4e00-\u9fff]{2,4}?)(?:同志)?在(?P<rest>.+?(?:讲话|致辞|发言|报告))$"
)
_SPEECH_TITLE = re.compile(r"(?:讲话|致辞|发言|报告|讲稿)(?:[（(].{0,10}[）)])?$")
_LABEL_MAX = 60


@dataclass(frozen=True)
class Heading:
    level: int
    style: str
    number: int
    marker: str
    title: str  # the heading's own words, without marker
    start: int  # span of the heading line (or first sentence) in the cleaned text
    end: int

    @property
    def label(self) -> str:
        text = self.marker + self.title
        return text if len(text) <= _LABEL_MAX else text[: _LABEL_MAX - 1] + "…"


@dataclass(frozen=True)
class Region:
    """A stretch of text that shares one heading path (notice, speech opening, a section...)."""

    start: int
    end: int
    path: tuple[Heading, ...]
    part: str  # "notice" | "speech"


@dataclass(frozen=True)
class DocumentFacts:
    """What a document says of itself in its header or signature: title, who speaks or
    issues it, to whom, when.  The layout finds them; a parsed document carries them on."""

    title: str
    speaker: str
    issuer: str
    addressees: tuple[str, ...]
    delivered_on: date | None
    issued_on: date | None


@dataclass(frozen=True)
class DocumentLayout(DocumentFacts):
    regions: tuple[Region, ...]
    headings: tuple[Heading, ...]
    document_number: str = ""


@dataclass(frozen=True)
class _Line:
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def _lines(text: str) -> list[_Line]:
    lines = []
    pos = 0
    for part in text.split("\n"):
        if part.strip():
            lines.append(_Line(part, pos))
        pos += len(part) + 1
    return lines


def _to_date(m: re.Match[str] | None) -> date | None:
    if m is None:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _first_sentence(text: str) -> str:
    m = re.search(f"[{SENTENCE_END}]", text)
    return text[: m.start()] if m else text


def split_list(text: str) -> tuple[str, ...]:
    """Split an addressee list on commas and semicolons, keeping parentheses intact."""
    parts = [p.strip() for p in re.split(r"[，,；;](?![^（(]*[）)])", text)]
    return tuple(p for p in parts if p)


def analyse_layout(text: str, *, name: str = "") -> DocumentLayout:
    """Find header fields, regions and headings of a cleaned document."""
    lines = _lines(text)
    issuer = ""
    addressees: tuple[str, ...] = ()
    issued_on: date | None = None
    title = ""
    speaker = ""
    delivered_on: date | None = None
    notice_start = notice_end = None
    notice_only = False
    body_index = 0

    document_number = ""
    for line in lines[:8]:
        if DOCUMENT_NUMBER.match(line.text.strip()):
            document_number = "".join(line.text.split())
            break

    # --- notice: "<issuer>关于印发……的通知", addressees, body, signature, date
    for k, line in enumerate(lines[:8]):
        m, wrapped = _notice_title(lines, k)
        if not m:
            continue
        issuer = m.group("issuer").strip()
        subject = m.group("subject")
        title = m.group(0)
        j = k + 1 + wrapped
        if j < len(lines) and DOCUMENT_NUMBER.match(lines[j].text.strip()):
            j += 1
        if j < len(lines) and re.search(r"[:：]$", lines[j].text) and len(lines[j].text) < 300:
            addressees = split_list(lines[j].text[:-1])
            j += 1
        notice_start = lines[j].start if j < len(lines) else line.end
        for d in range(j, min(j + 12, len(lines))):
            if DATE_LINE.match(lines[d].text):
                issued_on = _to_date(FULL_DATE.search(lines[d].text))
                sig = lines[d - 1].text if d - 1 >= j else ""
                if not issuer and sig and not re.search(f"[{SENTENCE_END}]", sig):
                    issuer = sig
                last_body = d - 1
                if sig and len(sig) <= 40 and not re.search(f"[{SENTENCE_END}]", sig):
                    last_body = d - 2
                notice_end = lines[last_body].end if last_body >= j else notice_start
                body_index = d + 1
                break
        else:
            # No signature date: the notice is the whole document (its own 一、二、 parts
            # are found below like a speech's).  Its issuer signs at the end, with the date.
            notice_only = True
            notice_start = notice_end = None
            body_index = j
            signed = _signature_at_end(lines[j:])
            if signed is not None:
                issued_on = signed[1]
                issuer = issuer or signed[0]
        speech_in_subject = re.search(r"(?:印发|转发)(.+?(?:讲话|致辞|发言))$", subject)
        # A notice that transmits a speech is titled by the speech (found below if its header
        # follows); any other notice by its own title.
        title = speech_in_subject.group(1) if speech_in_subject else m.group(0)
        break

    # --- speech header: title line(s), date line, speaker, salutation
    header_end = body_index
    title_lines: list[str] = []
    for k in range(body_index, body_index if notice_only else min(body_index + 8, len(lines))):
        row = lines[k].text
        if _SALUTATION.match(row):
            header_end = k + 1
            break
        if DATE_LINE.match(row):
            delivered_on = _to_date(FULL_DATE.search(row))
            header_end = k + 1
            continue
        if delivered_on and _SPEAKER_LINE.match(row.replace(" ", "")) and not speaker:
            speaker = row.replace(" ", "")
            header_end = k + 1
            continue
        if (
            not delivered_on
            and not re.search(f"[{SENTENCE_END}]", row)
            and len(row) <= 80
            and heading_marker(row) is None
        ):
            title_lines.append(row)
            continue
        break
    if delivered_on is None and not notice_only:
        # A speech reprinted under a preface: its title, speaker and date stand on their own
        # lines a little further down ("在……会议上的讲话" / "陈国阳" / "（2010年2月22日）").
        below = _speech_header_below(lines, body_index)
        if below is not None:
            title_lines, speaker, delivered_on, header_end = below
    if delivered_on is None and header_end == body_index and not notice_only:
        # No speech header at all: the "title" lines were body text.
        keep = bool(title_lines) and bool(_SPEECH_TITLE.search(title_lines[0]))
        title_lines = title_lines[:1] if keep else []
        header_end = body_index + len(title_lines)
    if title_lines:
        title = "".join(title_lines)
    m = _SPEAKER_IN_TITLE.match(title)
    if m and not speaker:
        speaker = m.group("speaker")
    if not speaker and title:
        for line in lines[:4]:
            m = re.search(r"印发(?P<speaker>[\u4e00-\u9fff]{2,4}?)同志在", line.text)
            if m:
                speaker = m.group("speaker")
                break
    if not title:
        first = lines[0].text if lines else ""
        if len(lines) > 1 and lines[1].text == first:
            header_end = max(header_end, 1)  # a web page repeats its heading
        title = first if first and len(first) <= 80 and not re.search("[。！？]", first) else ""
        title = title or name or "未命名文件"

    # --- headings of the speech body
    body_start = lines[header_end].start if header_end < len(lines) else len(text)
    headings: list[Heading] = []
    for line in lines[header_end:]:
        found = heading_marker(line.text)
        if not found:
            continue
        style, level, number, marker = found
        rest = line.text[len(marker) :]
        head = _first_sentence(rest) if level > 1 else rest
        if level == 1 and re.search(f"[{SENTENCE_END}]", rest):
            head = _first_sentence(rest)
        end = line.start + len(marker) + len(head)
        if end < line.end and text[end] in SENTENCE_END:
            end += 1
        headings.append(Heading(level, style, number, marker, head, line.start, end))
    headings = _consistent(_renumber_sequence_words(headings))

    regions: list[Region] = []
    if notice_start is not None and notice_end is not None and notice_end > notice_start:
        regions.append(Region(notice_start, notice_end, (), "notice"))
    stack: list[Heading] = []
    cursor = body_start
    body_part = "notice" if notice_only else "speech"
    for h in headings:
        if h.start > cursor:
            regions.append(Region(cursor, h.start, tuple(stack), body_part))
        stack = [s for s in stack if s.level < h.level] + [h]
        cursor = h.start
    if len(text) > cursor:
        regions.append(Region(cursor, len(text), tuple(stack), body_part))
    return DocumentLayout(
        title=title,
        speaker=speaker,
        issuer=issuer,
        addressees=addressees,
        delivered_on=delivered_on,
        issued_on=issued_on,
        regions=tuple(regions),
        headings=tuple(headings),
        document_number=document_number,
    )


def _notice_title(lines: list[_Line], k: int) -> tuple[re.Match[str] | None, int]:
    """The notice title starting on line ``k``, and how many more lines it wraps over
    (国务院办公厅关于加强 / 三级公立医院绩效考核工作的意见)."""
    text = lines[k].text.strip()
    for extra in range(3):
        if k + extra >= len(lines):
            break
        if extra:
            nxt = lines[k + extra].text.strip()
            if re.search(f"[{SENTENCE_END}]", nxt) or DOCUMENT_NUMBER.match(nxt) or len(nxt) > 40:
                break
            text += nxt
        m = _NOTICE_TITLE.match(text)
        if m:
            return m, extra
        if "关于" not in text:
            break
    return None, 0


def _signature_at_end(lines: list[_Line]) -> tuple[str, date] | None:
    """(issuer, date) of the last signature: a short name line above a date line."""
    for d in range(len(lines) - 1, 0, -1):
        if DATE_LINE.match(lines[d].text.strip()):
            day = _to_date(FULL_DATE.search(lines[d].text))
            signer = lines[d - 1].text.strip()
            if day is not None and _SIGNATURE.match(signer):
                return signer, day
    return None


def _speech_header_below(lines: list[_Line], start: int) -> tuple[list[str], str, date, int] | None:
    """Title lines, speaker, date and the header's end of a speech whose date line stands a
    few lines below a preface; None if the first lines hold no such date line."""
    for d in range(start, min(start + 10, len(lines))):
        if not DATE_LINE.match(lines[d].text.strip()):
            continue
        day = _to_date(FULL_DATE.search(lines[d].text))
        if day is None:
            return None
        above: list[str] = []
        for k in range(d - 1, max(start, d - 4) - 1, -1):
            row = lines[k].text.strip()
            if re.search(f"[{SENTENCE_END}]", row) or len(row) > 80:
                break
            above.insert(0, row)
        speaker = ""
        if above and _SPEAKER_LINE.match(above[-1].replace(" ", "")):
            speaker = above.pop().replace(" ", "")
        end = d + 1
        if end < len(lines) and _SALUTATION.match(lines[end].text):
            end += 1
        return above, speaker, day, end
    return None


def _renumber_sequence_words(headings: list[Heading]) -> list[Heading]:
    """首先/其次/再次/最后 count in order of appearance (最后 is the next one, not the 9th)."""
    out = []
    count = 0
    for h in headings:
        if h.style == "sequence_word":
            count = 1 if h.marker.startswith("首先") else count + 1
            h = Heading(h.level, h.style, count, h.marker, h.title, h.start, h.end)
        out.append(h)
    return out


def _consistent(headings: list[Heading]) -> list[Heading]:
    """Keep headings whose numbering runs 1, 2, 3 ... inside their parent, or runs on through
    the document across parents (a work plan numbers its items 1 to 40 over its parts).

    A line that merely starts like a marker (一要素, 3.5亿) breaks the sequence and is dropped.
    """
    kept: list[Heading] = []
    expected: dict[tuple[str, int], int] = {}
    running: dict[tuple[str, int], int] = {}  # the next number if the numbering runs on
    for h in headings:
        key = (h.style, h.level)
        if h.level == 1:
            want = expected.get(key, 1)
            if h.number != want:
                continue
            expected[key] = h.number + 1
            # New part: sub-point numbering starts again.
            for other in list(expected):
                if other[1] > 1:
                    expected.pop(other)
            kept.append(h)
            continue
        want = expected.get(key, 1)
        if h.number == want or (key not in expected and h.number == running.get(key)):
            # A deeper style restarting resets everything below it.
            for other in list(expected):
                if other[1] > h.level:
                    expected.pop(other)
            expected[key] = running[key] = h.number + 1
            kept.append(h)
    return kept
