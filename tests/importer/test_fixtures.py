"""Speeches of the same genre, written for these tests, with other numbering styles: the
importer must not merely fit the seed."""

from __future__ import annotations

from datetime import date

import pytest

from commitments.importer.parse import ParsedDocument, parse_document
from tests.importer.conftest import fixture_bytes


def parse(name: str) -> ParsedDocument:
    return parse_document(fixture_bytes(name), name=name)


def by_ref(doc: ParsedDocument) -> dict[str, object]:
    return {d.ref: d for d in doc.directives}


def test_parenthesised_sub_points_under_chinese_parts() -> None:
    doc = parse("speech_paren_numbering.txt")
    assert (doc.title, doc.speaker, doc.delivered_on) == (
        "在全区安全生产工作会议上的讲话",
        "李建国",
        date(2024, 3, 15),
    )
    d = {x.ref: x for x in doc.directives}
    assert d["1.1-1"].section == "一、认清形势,增强做好安全生产工作的责任感 / (一)提高思想认识"
    assert d["1.1-1"].owners == ("各乡镇", "各街道")
    assert d["1.2-1"].owners == ("区应急管理局",)
    assert (d["1.2-1"].deadline, d["1.2-1"].deadline_text) == (date(2024, 6, 30), "6月30日前")
    assert d["2-1"].kind == "quoted"  # 市委书记……强调,要……
    assert d["2.1-1"].owners == ("区住房和城乡建设局", "区交通运输局")
    assert d["2.1-1"].deadline == date(2024, 12, 31)
    # Subject-less sentence inherits the owners of the sentence before it in the sub-point.
    assert d["2.1-2"].owners == ("区住房和城乡建设局", "区交通运输局")
    assert d["2.1-2"].owners_inherited
    assert d["2.1-2"].deadline is None and d["2.1-2"].deadline_pending
    assert d["2.2-2"].owners == ("区委宣传部",)
    # “安全生产月” is a month, not a date: no deadline is made up.
    assert d["2.2-1"].deadline is None and not d["2.2-1"].deadline_pending
    assert [x.kind for x in doc.directives].count("context") == 1


def test_notice_with_part_headings_and_arabic_items() -> None:
    doc = parse("notice_part_numbering.txt")
    assert doc.issuer == "中共某某县委办公室"
    assert doc.addressees == ("各乡镇党委", "县直各单位")
    assert (doc.issued_on, doc.delivered_on) == (date(2024, 5, 8), date(2024, 5, 6))
    assert doc.title == "在全县乡村振兴工作推进会上的讲话"
    assert doc.speaker == "赵光明"
    d = {x.ref: x for x in doc.directives}
    assert list(d) == ["N-1", "1.1-1", "1.2-1", "2.1-1", "2.2-1"]
    # 现将……印发给你们，请认真学习贯彻: the cover hands the speech over; its tasks are inside.
    assert (d["N-1"].kind, d["N-1"].owners) == ("context", ())
    assert d["1.1-1"].section.startswith("第一部分 关于产业发展 / 1.")
    assert d["1.1-1"].owners == ("各乡镇",)
    assert d["1.1-1"].deadline == date(2024, 9, 30)
    assert d["1.2-1"].owners == ("县农业农村局", "县财政局")
    assert d["1.2-1"].deadline == date(2024, 7, 6)  # 用两个月的时间, from 5月6日
    assert d["2.1-1"].owners == ("县住建局",)
    assert (d["2.1-1"].deadline, d["2.1-1"].deadline_text) == (date(2024, 12, 31), "年底前")
    assert d["2.2-1"].owners == ("县直各单位",)


def test_sequence_words_as_sub_points_and_speaker_in_title() -> None:
    doc = parse("speech_sequence_words.txt")
    assert doc.speaker == "张为民"
    assert doc.delivered_on == date(2024, 9, 2)
    d = {x.ref: x for x in doc.directives}
    assert list(d) == ["1-1", "1-2", "2-1", "2-2", "3-1", "3-2"]
    assert d["1-2"].owners == ("各县区教育局",)
    assert d["1-2"].deadline == date(2025, 6, 30)
    assert d["2-2"].deadline_pending and d["2-2"].deadline_text == "限期整改到位"
    assert d["3-1"].owners == ("市教育督导室",)  # heading takes the owner of its sub-point
    assert d["3-2"].deadline == date(2024, 12, 2)


def test_document_without_structure_is_imported_flat() -> None:
    doc = parse("flat_notice.txt")
    assert doc.title == "关于做好防汛值班工作的通知"
    assert [d.owners for d in doc.directives] == [("各镇人民政府",), ("区水利局",), ("各单位",)]
    assert {d.section for d in doc.directives} == {"通知"}
    last = doc.directives[-1]
    # The document carries no date: 7月10日 cannot be placed in a year, so it stays pending.
    assert (last.deadline, last.deadline_text, last.deadline_pending) == (None, "7月10日前", True)


def test_reference_date_gives_relative_wording_its_year() -> None:
    doc = parse_document(fixture_bytes("flat_notice.txt"), reference_date=date(2025, 6, 1))
    last = doc.directives[-1]
    assert (last.deadline, last.deadline_pending) == (date(2025, 7, 10), False)


def test_plain_prose_without_cues_yields_no_directives() -> None:
    doc = parse_document("今天天气很好。我们去公园散步。".encode())
    assert doc.directives == ()
    assert doc.title == "未命名文件"


def test_notice_without_speech_keeps_its_own_numbered_parts() -> None:
    doc = parse("notice_with_sections.txt")
    assert doc.title == "某某区人民政府办公室关于做好2024年防汛工作的通知"
    assert doc.issuer == "某某区人民政府办公室"
    assert doc.addressees == ("各街道办事处", "区直各部门")
    d = {x.ref: x for x in doc.directives}
    assert list(d) == ["1-1", "2-1", "2-2", "3-1"]
    assert d["1-1"].section == "一、压实防汛责任"
    assert d["2-2"].owners == ("区水务局",) and d["2-2"].owners_inherited
    # No date on the notice, but its title names the year: "5月31日前" is in 2024.
    assert (d["1-1"].deadline, d["1-1"].deadline_pending) == (date(2024, 5, 31), False)
    assert doc.reference_date is None  # the year read from the title is no date of the notice
    dated = parse_document(
        fixture_bytes("notice_with_sections.txt"), reference_date=date(2024, 4, 1)
    )
    assert {x.ref: x.deadline for x in dated.directives}["1-1"] == date(2024, 5, 31)


@pytest.mark.parametrize(
    "name",
    [
        "speech_paren_numbering.txt",
        "notice_part_numbering.txt",
        "speech_sequence_words.txt",
        "flat_notice.txt",
        "notice_with_sections.txt",
    ],
)
def test_windows_line_ends_gbk_and_ideographic_spaces_read_the_same(name: str) -> None:
    text = fixture_bytes(name).decode("utf-8")
    office = text.replace("\n", "\r\n").replace(":", ":\u3000").encode("gbk")
    plain, converted = parse_document(text.encode()), parse_document(office)
    assert (converted.title, converted.speaker) == (plain.title, plain.speaker)
    assert [(d.ref, d.kind, d.owners, d.deadline) for d in converted.directives] == [
        (d.ref, d.kind, d.owners, d.deadline) for d in plain.directives
    ]
