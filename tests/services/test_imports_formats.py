"""Task tables and office formats written into the ledger."""

from __future__ import annotations

from datetime import date

import pytest

from commitments.importer.errors import SeedError
from commitments.models import Commitment, Directive, SourceDocument, Unit
from commitments.services.imports import document_import
from tests.factories import UnitFactory, UserFactory
from tests.importer import builders

pytestmark = pytest.mark.django_db


def by_ref() -> dict[str, Commitment]:
    return {
        c.directive.ref: c
        for c in Commitment.objects.select_related("directive", "lead_unit", "responsible")
    }


def test_xlsx_task_table_becomes_commitments_with_lead_co_units_person_and_dates():
    zhang = UserFactory(username="zhangsan", last_name="张", first_name="三")
    UserFactory(username="li4a", last_name="李", first_name="四")
    UserFactory(username="li4b", last_name="李", first_name="四")  # two 李四: no guess

    result = document_import(data=builders.xlsx_table(), name="分工.xlsx")

    assert result.created and result.commitments_created == len(builders.GOLDEN)
    rows = by_ref()
    assert set(rows) == set(builders.GOLDEN)
    for ref, (
        lead,
        co,
        person,
        deadline,
        wording,
        pending,
        cycle,
        _step,
    ) in builders.GOLDEN.items():
        c = rows[ref]
        assert c.lead_unit.name == lead[0], ref
        assert sorted(u.name for u in c.co_units.all()) == sorted(co), ref
        assert c.responsible_name == person, ref
        assert c.deadline == (date.fromisoformat(deadline) if deadline else None), ref
        assert c.original_deadline == c.deadline
        assert (c.deadline_text, c.deadline_pending) == (wording, pending), ref
        assert c.report_cycle == (cycle or Commitment.ReportCycle.NONE), ref
    assert rows["T1-1"].responsible == zhang  # exactly one user has that full name
    assert rows["T1-3.1"].responsible is None  # 李四 is ambiguous: kept as text only
    assert rows["T1-6"].responsible is None  # 周六 has no account
    assert rows["T1-3.1"].title == "完成食堂改造(规划)"
    assert rows["T1-3.2"].title == "完成食堂改造(验收)"
    assert rows["T1-3.1"].directive.owner_names == ["后勤处", "财务处", "基建处"]


def test_spaced_unit_names_are_the_existing_unit():
    youth = UnitFactory(name="团委")
    document_import(data=builders.docx_table(), name="分工.docx")
    assert Unit.objects.filter(name__contains="团").count() == 1
    assert set(youth.supported_commitments.values_list("directive__ref", flat=True)) == {
        "T1-1",
        "T1-2",
        "T1-6",
    }


def test_user_name_matches_by_username_too():
    wang = UserFactory(username="王五")
    document_import(data=builders.tsv_table(), name="分工.txt")
    assert by_ref()["T1-4"].responsible == wang


def test_same_table_again_changes_nothing_and_an_edit_updates_in_place():
    # One build: a .docx is a zip stamped with the time, so two builds seconds apart (a slow
    # import on a busy machine) differ by their bytes and are not "the same table".
    table = builders.docx_table()
    document_import(data=table, name="分工.docx")
    before = set(Commitment.objects.values_list("pk", flat=True))
    again = document_import(data=table, name="分工.docx")
    assert again.unchanged

    edited = builders.tsv_table().replace(
        "建成智慧校园平台".encode(), "建成智慧校园平台二期".encode()
    )
    document_import(data=builders.tsv_table(), name="分工.txt")
    result = document_import(data=edited, name="分工.txt")
    assert not result.created and result.commitments_updated == 1
    assert by_ref()["T1-9"].title == "建成智慧校园平台二期"
    assert before <= set(Commitment.objects.values_list("pk", flat=True))


def test_scanned_pdf_writes_nothing():
    with pytest.raises(SeedError, match="文本层"):
        document_import(data=builders.scanned_pdf(), name="扫描件.pdf")
    assert not SourceDocument.objects.exists()
    assert not Directive.objects.exists()


def resaved(docx: bytes, stamp: str) -> bytes:
    """The same Word file saved again: only the timestamps inside its zip differ."""
    import io
    import re
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            target.writestr(item, data)
    return out.getvalue()


def test_a_word_file_saved_again_is_unchanged_though_its_bytes_differ():
    # given a table imported from Word, and the same file saved again a day later
    first = resaved(builders.docx_table(), "2024-05-01T08:00:00Z")
    again = resaved(builders.docx_table(), "2024-05-02T09:30:00Z")
    assert first != again
    created = document_import(data=first, name="分工.docx")
    # when it is imported again (even under another name)
    result = document_import(data=again, name="分工(1).docx")
    # then nothing is written: same content, same document
    assert result.unchanged and result.document == created.document
    assert SourceDocument.objects.count() == 1


def test_document_number_is_kept_and_skipped_rows_are_reported():
    from tests.importer.conftest import fixture_bytes

    notice = document_import(data=fixture_bytes("notice_dated_measures.txt"), name="通知.txt")
    assert notice.document.document_number == "教办发〔2023〕7号"
    assert notice.document.issued_on == date(2023, 8, 20)

    schedule = document_import(
        data=fixture_bytes("schedule_merged_dates.txt"),
        name="日程.txt",
        reference_date=date(2024, 8, 30),
    )
    assert [s for s in schedule.skipped if "全体学生休息" in s]
    assert not Directive.objects.filter(text__contains="全体学生休息").exists()
