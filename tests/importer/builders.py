"""Office files built in the tests: a Word speech with real list numbering, task-division
tables in Word and Excel with merged cells, a TAB-separated text table and PDFs."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

TITLE = "2024年全市教育系统重点工作任务分工方案"
INTRO = "各处室要按照分工抓好落实，年底前报送全年工作总结。"
HEADER = ("序号", "工作任务", "具体内容", "牵头单位", "配合单位", "责任人", "分管领导", "完成时限")
# Rows of the table as an office writes it.  A tuple of one string is a category row spanning
# the table; None is a cell merged with the one above (the group 1 / 1—2 shares its cells).
ROWS: tuple[tuple[str | None, ...], ...] = (
    ("一、党的建设",),
    (
        "1",
        "加强党的建设",
        "开展主题教育",
        "组织部",
        "团  委、工  会",
        "张三",
        "王副局长",
        "6月底前",
    ),
    ("1—2", None, "召开专题组织生活会", None, None, None, None, None),
    (
        "2",
        "校园建设",
        "完成食堂改造",
        "后勤处",
        "财务处、基建处",
        "李四",
        "赵副局长",
        "2024年6月底前完成规划，10月底前完成验收",
    ),
    ("二、教育教学",),
    ("3", "教学质量", "开展教学质量监测", "教务处", "各县区教育局", "王五", "钱副局长", "每月"),
    ("4", "招生工作", "做好秋季招生录取", "招生办", "教务处", "", "钱副局长", "开学前"),
    ("5", "假期安全", "开展假期安全教育", "安全科", "团 委", "周六", "孙副局长", "9月份"),
    ("6", "经费保障", "编制下年度经费预算", "财务处", "各处室", "吴七", "赵副局长", "一季度"),
    ("7", "督查考核", "开展重点工作督查", "督查室", "办公室", "郑八", "王副局长", "每季度"),
    ("8", "信息化", "建成智慧校园平台", "信息中心", "", "冯九", "", "年底前"),
)

# What each row must become: ref → (lead units, co-units, 责任人, deadline, deadline wording,
# to be set by hand, report cycle, step).
GOLDEN: dict[str, tuple[tuple[str, ...], tuple[str, ...], str, str | None, str, bool, str, str]] = {
    "T1-1": (("组织部",), ("团委", "工会"), "张三", "2024-06-30", "6月底前", False, "", ""),
    "T1-2": (("组织部",), ("团委", "工会"), "张三", "2024-06-30", "6月底前", False, "", ""),
    "T1-3.1": (
        ("后勤处",),
        ("财务处", "基建处"),
        "李四",
        "2024-06-30",
        "2024年6月底前",
        False,
        "",
        "规划",
    ),
    "T1-3.2": (
        ("后勤处",),
        ("财务处", "基建处"),
        "李四",
        "2024-10-31",
        "10月底前",
        False,
        "",
        "验收",
    ),
    "T1-4": (("教务处",), ("各县区教育局",), "王五", None, "每月", False, "monthly", ""),
    "T1-5": (("招生办",), ("教务处",), "", None, "开学前", True, "", ""),
    "T1-6": (("安全科",), ("团委",), "周六", "2024-09-30", "9月份", False, "", ""),
    "T1-7": (("财务处",), ("各处室",), "吴七", "2024-03-31", "一季度", False, "", ""),
    "T1-8": (("督查室",), ("办公室",), "郑八", None, "每季度", False, "quarterly", ""),
    "T1-9": (("信息中心",), (), "冯九", "2024-12-31", "年底前", False, "", ""),
}


def _plain_rows() -> list[list[str]]:
    """The rows as a plain table holds them: merged cells left empty in the sub-row."""
    out = []
    for row in ROWS:
        if len(row) == 1:
            out.append([row[0]] + [""] * (len(HEADER) - 1))
        else:
            out.append([cell or "" for cell in row])
    return out


def tsv_table() -> bytes:
    lines = [TITLE, "", INTRO, "", "\t".join(HEADER)]
    lines += ["\t".join(row) for row in _plain_rows()]
    return ("\n".join(lines) + "\n").encode("utf-8")


def docx_table() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(TITLE)
    document.add_paragraph(INTRO)
    table = document.add_table(rows=1 + len(ROWS), cols=len(HEADER))
    # Row by row: table.cell(r, c) walks the whole table on every call.
    rows = table.rows
    for c, text in enumerate(HEADER):
        rows[0].cells[c].text = text
    for r, row in enumerate(ROWS, start=1):
        cells = rows[r].cells
        if len(row) == 1:
            merged = cells[0].merge(cells[len(HEADER) - 1])
            merged.text = row[0]
            continue
        for c, text in enumerate(row):
            if text is None:
                top = rows[r - 1].cells[c]
                value = top.text
                merged = top.merge(cells[c])
                merged.text = value  # merge() joins both texts; the group's first row holds it
            else:
                cells[c].text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx_table(*, date_cell: object = None) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "任务分工"
    width = len(HEADER)
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.append(list(HEADER))
    for row in ROWS:
        r = sheet.max_row + 1
        if len(row) == 1:
            sheet.cell(row=r, column=1, value=row[0])
            sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
            continue
        for c, text in enumerate(row, start=1):
            if text is None:
                # Extend the merge from the row above (a fresh one: rows 1 and 1—2 of group 1).
                sheet.merge_cells(start_row=r - 1, start_column=c, end_row=r, end_column=c)
            else:
                sheet.cell(row=r, column=c, value=text)
    if date_cell is not None:
        sheet.cell(row=sheet.max_row, column=width, value=date_cell)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


CN_NUMBERING = (("chineseCounting", "%1、"), ("chineseCounting", "(%2)"), ("decimal", "%3."))
_MARKER = re.compile(r"^(?:([一二三四五六七八九十]+)、|\(([一二三四五六七八九十]+)\)|(\d+)\.)")


def docx_speech(text: str, *, num_id: int = 77) -> bytes:
    """A .docx of a speech whose part and sub-point numbers are Word list numbering, not text:
    ``一、`` and ``(一)`` at the start of a line become levels 0 and 1 of one Word list."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn

    document = docx.Document()
    numbering = document.part.numbering_part.element
    levels = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
        f'<w:lvlText w:val="{lvl_text}"/></w:lvl>'
        for i, (fmt, lvl_text) in enumerate(CN_NUMBERING)
    )
    numbering.append(
        parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{num_id}">{levels}</w:abstractNum>'
        )
    )
    numbering.append(
        parse_xml(
            f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{num_id}"/></w:num>'
        )
    )
    for line in text.splitlines():
        m = _MARKER.match(line)
        paragraph = document.add_paragraph(line[m.end() :] if m else line)
        if m:
            level = next(i for i, g in enumerate(m.groups()) if g)
            num_pr = parse_xml(
                f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/>'
                f'<w:numId w:val="{num_id}"/></w:numPr>'
            )
            paragraph._p.get_or_add_pPr().append(num_pr)
            assert paragraph._p.pPr.find(qn("w:numPr")) is not None
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def text_pdf(paragraphs: Sequence[str]) -> bytes:
    """A PDF with a text layer, in reportlab's built-in CJK font (no font file needed)."""
    from reportlab.lib.enums import TA_JUSTIFY
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle(
        "body",
        fontName="STSong-Light",
        fontSize=12,
        leading=20,
        wordWrap="CJK",
        alignment=TA_JUSTIFY,
    )
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build(
        [Paragraph(p, style) for p in paragraphs if p.strip()]
    )
    return buffer.getvalue()


def scanned_pdf() -> bytes:
    """A PDF as a scanner makes it: pages of pictures, no text layer."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    for y in range(100, 700, 40):
        page.rect(72, y, 400, 20, fill=1)  # lines of "print" as shapes, like an image
    page.showPage()
    page.save()
    return buffer.getvalue()
