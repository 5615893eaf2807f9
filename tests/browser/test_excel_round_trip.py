"""The office's Excel round trip in Chromium at 1366×768: export the 台账, fill in progress
and a co-unit by its alias in Excel, load it back, see the updated commitment."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from commitments.models import Commitment, UnitAlias
from commitments.services.excel import HEADERS
from tests.factories import CommitmentFactory, ProgressUpdateFactory, SuperuserFactory, UnitFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_office_exports_the_ledger_fills_in_progress_and_loads_it_back(web, admin_login, tmp_path):
    # given a commitment in progress, and a unit known as 住建局
    edu = UnitFactory(name="市教育局")
    housing = UnitFactory(name="市住房和城乡建设局")
    UnitAlias.objects.create(unit=housing, name="住建局")
    work = CommitmentFactory(
        title="新建三所公办幼儿园",
        lead_unit=edu,
        status=Commitment.Status.IN_PROGRESS,
        deadline=timezone.localdate() + timedelta(days=40),
    )
    ProgressUpdateFactory(commitment=work, text="已完成选址", percent=30)
    office = SuperuserFactory(username="office-admin", last_name="王", first_name="芳")
    page = web.page
    page.set_viewport_size({"width": 1366, "height": 768})
    admin_login(office)

    # when the office exports the 台账
    page.goto("/admin/commitments/commitment/")
    with page.expect_download() as info:
        page.click("#ledger-export-xlsx")
    workbook = load_workbook(io.BytesIO(open(info.value.path(), "rb").read()))  # noqa: SIM115
    sheet = workbook.worksheets[0]
    assert sheet.auto_filter.ref and sheet.cell(2, 1).value == "ID"
    assert sheet.cell(3, 1).value == work.pk
    # and fills in the new progress and a co-unit as the unit wrote it
    sheet.cell(3, HEADERS.index("进展情况") + 1).value = "主体结构封顶"
    sheet.cell(3, HEADERS.index("配合单位") + 1).value = "住建局"
    edited = tmp_path / "台账(已填).xlsx"
    workbook.save(edited)
    page.goto("/admin/commitments/commitment/import-xlsx/")
    web.screenshot("import-page")
    page.set_input_files("input[type=file]", str(edited))
    page.click("#content-main input[type=submit]")
    page.wait_for_load_state()
    web.screenshot("imported")

    # then the same commitment is updated, nothing new is created
    assert "已导入 0 项承诺事项,更新已有事项 1 项。" in page.inner_text("ul.messagelist")
    assert Commitment.objects.count() == 1
    work.refresh_from_db()
    assert list(work.co_units.all()) == [housing]
    assert work.progress_updates.order_by("-created_at", "-id").first().text == "主体结构封顶"
    assert not web.script_errors and not web.csp_violations
