"""导入Excel台账 of untrusted workbooks: a row cap, hostile XML refused with a reason, no 500."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from commitments.importer.errors import SeedError
from commitments.importer.parse import parse_document
from commitments.models import Commitment
from commitments.services.excel import commitments_import_xlsx
from tests.factories import UnitFactory
from tests.importer import bombs, builders
from tests.outputs.test_excel import OFFICE_HEADERS as HEADERS

pytestmark = pytest.mark.django_db

IMPORT_PAGE = "/admin/commitments/commitment/import-xlsx/"


def _ledger_sheet(titles: list[str]) -> bytes:
    book = Workbook()
    book.active.append(list(HEADERS))
    for number, title in enumerate(titles, start=1):
        book.active.append([number, title, "市教育局"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _with_sheet_xml(workbook: bytes, edit) -> bytes:
    """``workbook`` with its first sheet's XML passed through ``edit``."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            part = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                part = edit(part)
            target.writestr(name, part)
    return out.getvalue()


def _inline(cell_xml: bytes):
    """Put an inline-string cell holding ``cell_xml`` in row 2, column B (the 事项)."""

    def edit(sheet: bytes) -> bytes:
        cell = b'<c r="B2" t="inlineStr"><is><t>' + cell_xml + b"</t></is></c>"
        start = sheet.index(b'<c r="B2"')
        end = sheet.index(b"</c>", start) + len(b"</c>")
        return sheet[:start] + cell + sheet[end:]

    return edit


def _declare(doctype: bytes):
    def edit(sheet: bytes) -> bytes:
        prolog_end = sheet.index(b"?>") + 2 if sheet.startswith(b"<?xml") else 0
        return sheet[:prolog_end] + doctype + _inline(b"&x;")(sheet[prolog_end:])

    return edit


HOSTILE = {
    "entity": _declare('<!DOCTYPE worksheet [<!ENTITY x "注入的标题">]>'.encode()),
    "billion-laughs": _declare(
        b'<!DOCTYPE worksheet [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY x "&c;&c;&c;&c;&c;&c;&c;">]>'
    ),
    "external-entity": _declare(b'<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'),
    "undefined-entity": _inline(b"&undefined;"),
    "broken-xml": _inline(b"<unclosed>"),
}


@pytest.fixture
def unit():
    return UnitFactory(name="市教育局")


def test_a_sheet_over_the_row_cap_is_refused_and_nothing_is_written(unit, settings):
    # given: a cap of 5 rows and a sheet of 6
    settings.LEDGER = {**settings.LEDGER, "IMPORT_MAX_ROWS": 5}
    data = _ledger_sheet([f"事项{i}" for i in range(6)])

    # when
    result = commitments_import_xlsx(source=data)

    # then
    assert [str(e) for e in result.errors] == [
        "第7行「文件」:行数过多:一次最多导入 5 行,请分成几个文件导入"
    ]
    assert Commitment.objects.count() == 0


def test_a_sheet_at_the_row_cap_is_imported(unit, settings):
    settings.LEDGER = {**settings.LEDGER, "IMPORT_MAX_ROWS": 5}

    result = commitments_import_xlsx(source=_ledger_sheet([f"事项{i}" for i in range(5)]))

    assert result.ok, [str(e) for e in result.errors]
    assert Commitment.objects.count() == 5


def test_the_row_cap_counts_rows_with_values_not_rows_styled_below(unit, settings):
    settings.LEDGER = {**settings.LEDGER, "IMPORT_MAX_ROWS": 5}
    book = Workbook()
    book.active.append(list(HEADERS))
    book.active.append([1, "唯一的事项", "市教育局"])
    for row in range(3, 3000):  # a template formatted far down, cells without values
        book.active.cell(row=row, column=2).number_format = "@"
    buffer = io.BytesIO()
    book.save(buffer)

    result = commitments_import_xlsx(source=buffer.getvalue())

    assert result.ok, [str(e) for e in result.errors]


def test_the_default_row_cap_is_ten_thousand(settings):
    assert settings.LEDGER["IMPORT_MAX_ROWS"] == 10_000


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_xml_in_a_ledger_sheet_is_refused_with_a_reason(unit, hostile):
    data = _with_sheet_xml(_ledger_sheet(["正常事项"]), HOSTILE[hostile])

    result = commitments_import_xlsx(source=data)

    assert not result.ok
    [error] = result.errors
    assert str(error).startswith("文件:工作表已损坏或含有不允许的内容"), str(error)
    assert Commitment.objects.count() == 0


@pytest.mark.parametrize("hostile", ["entity", "undefined-entity"])
def test_the_admin_import_page_answers_hostile_xml_with_its_reason_not_a_500(
    client, superuser, unit, hostile
):
    client.force_login(superuser)
    data = _with_sheet_xml(_ledger_sheet(["正常事项"]), HOSTILE[hostile])

    response = client.post(IMPORT_PAGE, {"file": SimpleUploadedFile("台账.xlsx", data)})

    assert response.status_code == 200
    assert "工作表已损坏或含有不允许的内容" in response.content.decode()
    assert Commitment.objects.count() == 0


def test_a_ledger_workbook_that_unpacks_to_gigabytes_is_refused(unit):
    data = bombs.office_with_big_part(_ledger_sheet(["正常事项"]), "docProps/core.xml", 1024)

    result = commitments_import_xlsx(source=data)

    assert [str(e) for e in result.errors] == ["文件:文件解压后过大(超过 100 MB)"]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_xml_in_an_imported_task_table_is_refused_with_a_reason(hostile):
    data = _with_sheet_xml(builders.xlsx_table(), HOSTILE[hostile])

    with pytest.raises(SeedError, match="已损坏或含有不允许的内容"):
        parse_document(data)


def test_a_worksheet_beyond_its_streaming_budget_is_refused_before_it_is_read(unit):
    # given: 400,000 rows of 109 bytes, 41 MB of sheet XML, a few kilobytes packed
    data = bombs.workbook_with_rows(("事项", "责任单位"), ("修订制度", "市教育局"), 400)

    result = commitments_import_xlsx(source=data)

    assert [str(e) for e in result.errors] == ["文件:工作表数据过多(解压后 41 MB,上限 32 MB)"]
    with pytest.raises(SeedError, match="工作表数据过多"):
        parse_document(data)
