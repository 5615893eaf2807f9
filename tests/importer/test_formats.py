"""Word, Excel, PDF and TAB-separated text read into the same parse as the text they hold."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from commitments.importer.errors import SeedError
from commitments.importer.formats import Table, detect_format, read_document
from commitments.importer.formats.docx import format_number
from commitments.importer.formats.pdf import SCANNED
from commitments.importer.parse import ParsedDocument, parse_document
from tests.importer import builders
from tests.importer.conftest import fixture_bytes


def golden(doc: ParsedDocument) -> dict[str, tuple[object, ...]]:
    return {
        d.ref: (
            d.owners,
            d.co_owners,
            d.responsible,
            d.deadline.isoformat() if d.deadline else None,
            d.deadline_text,
            d.deadline_pending,
            d.report_cycle,
            d.milestone,
        )
        for d in doc.directives
        if d.source == "table"
    }


def comparable(doc: ParsedDocument) -> list[tuple[object, ...]]:
    return [
        (d.ref, d.section, d.text, d.owners, d.deadline, d.deadline_text, d.kind)
        for d in doc.directives
    ]


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (builders.docx_table, "docx"),
        (builders.xlsx_table, "xlsx"),
        (lambda: builders.text_pdf(["一、总体要求"]), "pdf"),
        (builders.tsv_table, "text"),
    ],
)
def test_format_is_detected_from_the_content(build, expected) -> None:
    assert detect_format(build()) == expected
    assert parse_document(build(), name="misnamed.txt").source_format == expected


def test_other_zip_files_and_old_office_files_are_refused_with_a_reason() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photo.jpg", b"\xff\xd8")
    with pytest.raises(SeedError, match="不支持的压缩文件"):
        parse_document(buffer.getvalue())
    with pytest.raises(SeedError, match=r"\.doc/\.xls"):
        parse_document(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(SeedError, match="已损坏"):
        parse_document(b"PK\x03\x04broken")


@pytest.mark.parametrize(
    ("name", "promised"), [("讲话.docx", "Word"), ("分解表.XLSX", "Excel"), ("通知.pdf", "PDF")]
)
def test_a_file_whose_content_is_not_what_its_name_says_is_refused_as_such(
    name: str, promised: str
) -> None:
    # a damaged download or a renamed file: the clerk is told the file, not "not a text file"
    with pytest.raises(SeedError, match=f"内容不是 {promised}"):
        parse_document(bytes(range(256)) * 4, name=name)
    # the same bytes without a promising name are judged as text, as before
    with pytest.raises(SeedError, match="二进制"):
        parse_document(bytes(range(256)) * 4, name="讲话.txt")


def test_docx_speech_with_word_numbering_parses_like_the_same_text() -> None:
    text = fixture_bytes("speech_paren_numbering.txt").decode("utf-8")
    from_docx = parse_document(builders.docx_speech(text))
    from_text = parse_document(text.encode("utf-8"))
    assert from_docx.source_format == "docx"
    assert comparable(from_docx) == comparable(from_text)
    sections = {d.section for d in from_docx.directives}
    assert "一、认清形势,增强做好安全生产工作的责任感 / (一)提高思想认识" in sections
    assert from_docx.speaker == "李建国" and from_docx.delivered_on == date(2024, 3, 15)


def test_docx_numbering_restarts_sub_lists_under_each_part() -> None:
    text = "一、甲\n(一)子一\n(二)子二\n二、乙\n(一)子三"
    blocks = read_document(builders.docx_speech(text)).blocks
    assert [b for b in blocks if b] == ["一、甲", "(一)子一", "(二)子二", "二、乙", "(一)子三"]


@pytest.mark.parametrize(
    ("n", "fmt", "shown"),
    [
        (3, "chineseCounting", "三"),
        (12, "chineseCountingThousand", "十二"),
        (21, "ideographTraditional", "二十一"),
        (2, "decimalEnclosedCircle", "②"),
        (4, "lowerLetter", "d"),
        (9, "upperRoman", "IX"),
        (7, "decimal", "7"),
        (1, "bullet", ""),
    ],
)
def test_word_number_formats(n: int, fmt: str, shown: str) -> None:
    assert format_number(n, fmt) == shown


@pytest.mark.parametrize("build", [builders.docx_table, builders.xlsx_table, builders.tsv_table])
def test_task_division_table_rows_have_the_golden_owners_and_dates(build) -> None:
    doc = parse_document(build())
    assert golden(doc) == builders.GOLDEN
    assert doc.title == builders.TITLE


@pytest.mark.parametrize("build", [builders.docx_table, builders.tsv_table])
def test_prose_beside_a_table_is_imported_too(build) -> None:
    doc = parse_document(build())
    prose = [d for d in doc.directives if d.source == "prose"]
    # The prose's "年底前" is in the year the title names, like the table's terse dates.
    assert [(d.owners, d.deadline_text, d.deadline) for d in prose] == [
        (("各处室",), "年底前", date(2024, 12, 31))
    ]
    # Every directive's text is where its span says, tables included.
    for d in doc.directives:
        assert doc.cleaned_text[d.span[0] : d.span[1]] == d.text
        assert len(doc.normalized_text) == len(doc.cleaned_text)


def test_table_row_sections_titles_and_text() -> None:
    rows = {d.ref: d for d in parse_document(builders.docx_table()).directives}
    assert rows["T1-2"].section == f"{builders.TITLE} / 一、党的建设 / 加强党的建设"
    assert rows["T1-2"].title == "召开专题组织生活会"
    assert rows["T1-3.1"].title == "完成食堂改造(规划)"
    assert rows["T1-3.2"].title == "完成食堂改造(验收)"
    assert "牵头单位：组织部" in rows["T1-2"].text and "分管领导：王副局长" in rows["T1-2"].text
    assert rows["T1-6"].section.endswith("二、教育教学 / 假期安全")


def test_excel_date_cells_are_dates() -> None:
    doc = parse_document(builders.xlsx_table(date_cell=date(2024, 11, 15)))
    last = [d for d in doc.directives if d.source == "table"][-1]
    assert (last.deadline, last.deadline_text) == (date(2024, 11, 15), "2024年11月15日")


def test_text_pdf_parses_like_the_same_text() -> None:
    text = fixture_bytes("speech_paren_numbering.txt").decode("utf-8")
    from_pdf = parse_document(builders.text_pdf(text.splitlines()))
    from_text = parse_document(text.encode("utf-8"))
    assert from_pdf.source_format == "pdf"
    assert comparable(from_pdf) == comparable(from_text)


def test_scanned_pdf_without_text_layer_is_refused_with_ocr_hint() -> None:
    with pytest.raises(SeedError) as caught:
        parse_document(builders.scanned_pdf())
    assert caught.value.message == SCANNED
    assert "\n" not in caught.value.message


def test_tab_lines_without_a_task_header_stay_prose() -> None:
    text = "姓名\t电话\n张三\t123\n各单位要按时报送材料。\n"
    doc = parse_document(text.encode("utf-8"))
    assert all(d.source == "prose" for d in doc.directives)
    assert doc.cleaned_text.startswith("姓名")


def test_table_as_lines_round_trips_cells() -> None:
    table = Table(rows=(("a", None, "c"), ("", "b", "")))
    assert table.as_lines() == ["a\t\tc", "\tb"]


def test_empty_word_and_excel_files_are_refused_as_empty() -> None:
    import docx
    import openpyxl

    word, excel = io.BytesIO(), io.BytesIO()
    docx.Document().save(word)
    openpyxl.Workbook().save(excel)
    with pytest.raises(SeedError, match="文件为空"):
        parse_document(word.getvalue())
    with pytest.raises(SeedError, match="没有内容"):
        parse_document(excel.getvalue())


def test_a_table_only_workbook_is_titled_by_its_file_name_when_it_has_no_title_row() -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["任务", "责任单位", "完成时间"])
    book.active.append(["修订制度", "办公室", "2024年6月底前"])
    buffer = io.BytesIO()
    book.save(buffer)
    doc = parse_document(buffer.getvalue(), name="清单.xlsx")
    assert doc.title == "清单.xlsx"
    [row] = doc.directives
    assert (row.owners, row.deadline, row.section) == (("办公室",), date(2024, 6, 30), "表1")


def test_rows_styled_far_below_the_table_do_not_count_as_rows() -> None:
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.load_workbook(io.BytesIO(builders.xlsx_table()))
    book.active.cell(row=200_000, column=3).font = Font(bold=True)  # formatting, no value
    buffer = io.BytesIO()
    book.save(buffer)
    assert golden(parse_document(buffer.getvalue())) == builders.GOLDEN


def test_a_sheet_with_more_rows_than_any_task_table_is_refused() -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.cell(row=6000, column=1, value="x")
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(SeedError, match="行数过多"):
        parse_document(buffer.getvalue())
