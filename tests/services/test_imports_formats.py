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
