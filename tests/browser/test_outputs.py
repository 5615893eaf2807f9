"""The office's outputs seen in a real browser: dashboard, Excel export, public page."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from commitments.models import Commitment
from tests.factories import (
    CommitmentFactory,
    ProgressUpdateFactory,
    SuperuserFactory,
    UnitFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def ledger():
    today = timezone.localdate()
    edu, civil = UnitFactory(name="市教育局"), UnitFactory(name="市民政局")
    first = CommitmentFactory(
        title="新建三所公办幼儿园",
        lead_unit=edu,
        is_public=True,
        deadline=today + timedelta(days=40),
    )
    ProgressUpdateFactory(commitment=first, text="已完成选址和立项", is_public=True)
    CommitmentFactory(
        title="改造老旧小区二十个",
        lead_unit=civil,
        is_public=True,
        deadline=today - timedelta(days=2),
    )
    CommitmentFactory(
        title="建成社区养老服务中心",
        lead_unit=civil,
        status=Commitment.Status.CLOSED,
        completed_on=today - timedelta(days=5),
        finished_on_time=True,
    )
    return SuperuserFactory(username="office-admin")


def test_office_opens_the_dashboard_and_exports_the_ledger(web, admin_login, ledger, artifacts):
    # given
    page = web.page
    admin_login(ledger)
    # when: the dashboard
    page.goto("/admin/commitments/rankingsnapshot/dashboard/")
    # then
    assert page.locator("h1").inner_text() == "业绩看板"
    assert page.locator("svg.ledger-chart").count() == 3
    ranking = page.locator("#ranking table tbody tr")
    assert ranking.count() == 2
    assert "市民政局" in ranking.nth(0).inner_text()  # 1 of 2 done beats 0 of 1
    page.screenshot(path=str(artifacts / "outputs-dashboard.png"), full_page=True)

    # when: the office publishes the ranking
    page.fill("#id_title", "第三季度业绩榜")
    page.click("#ranking input[type=submit]")
    # then: it is archived and shown as announced
    assert "第三季度业绩榜" in page.locator("#content").inner_text()
    assert page.locator("table.ledger-ranking tr").count() == 3
    page.screenshot(path=str(artifacts / "outputs-ranking-snapshot.png"), full_page=True)

    # when: export the ledger from the changelist
    page.goto("/admin/commitments/commitment/")
    with page.expect_download() as info:
        page.click("#ledger-export-xlsx")
    download = info.value
    # then
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(open(download.path(), "rb").read())).worksheets[0]  # noqa: SIM115
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:4] == ("ID", "序号", "事项", "责任单位")
    assert {r[2] for r in rows[2:]} == {
        "新建三所公办幼儿园",
        "改造老旧小区二十个",
        "建成社区养老服务中心",
    }
    page.screenshot(path=str(artifacts / "outputs-changelist.png"))
    assert web.csp_violations == [] and web.script_errors == []


def test_public_page_works_without_javascript(chromium, live_server, ledger, artifacts):
    # given: a visitor whose browser runs no JavaScript
    context = chromium.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    # when
    page.goto(live_server.url + "/public/")
    # then
    text = page.locator("body").inner_text()
    assert "向社会公开认责承诺" in text
    assert "新建三所公办幼儿园" in text and "已完成选址和立项" in text
    assert "建成社区养老服务中心" not in text  # not public
    assert "office-admin" not in text
    page.screenshot(path=str(artifacts / "outputs-public.png"), full_page=True)
    page.emulate_media(media="print")
    page.pdf(path=str(artifacts / "outputs-public.pdf"))
    context.close()
