"""The two screens the performance work reshaped, judged where they are read: the commitment
list on an office's 1366×768 screen, /public/ on a 390 px phone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group

from commitments.models import Commitment
from commitments.selectors.office import office_today
from tests.factories import (
    CommitmentFactory,
    ProgressUpdateFactory,
    SourceDocumentFactory,
    SupervisorUnitFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

LONG_TITLE = "全面推进城乡环境综合治理,建立健全长效管理机制,确保年内城区主次干道保洁全覆盖"


@pytest.fixture
def ledger(role_groups) -> dict[str, object]:
    today = office_today()
    document = SourceDocumentFactory(title="在全市创先争优活动推进会上的讲话(2026年第二次)")
    education = UnitFactory(name="市教育局")
    housing = UnitFactory(name="市住房和城乡建设局")
    clerk = UserFactory(username="office-clerk", first_name="晓明", last_name="王", is_staff=True)
    clerk.groups.add(Group.objects.get(name="督办人员"))
    SupervisorUnitFactory().members.add(clerk)
    rows = [
        (LONG_TITLE, housing, -12, Commitment.Status.IN_PROGRESS),
        ("新建三所公办幼儿园", education, 40, Commitment.Status.ACCEPTED),
        ("改造老旧小区二十个,完成雨污分流和加装电梯", housing, 5, Commitment.Status.ASSIGNED),
        ("建成社区养老服务中心", housing, None, Commitment.Status.DRAFT),
    ]
    for i, (title, unit, days, status) in enumerate(rows * 4):
        commitment = CommitmentFactory(
            title=title if i < len(rows) else f"{title}(第{i}项)",
            lead_unit=unit,
            document=document,
            status=status,
            is_public=True,
            responsible_name="张建国" if i % 2 else "",
            deadline=None if days is None else today + timedelta(days=days),
        )
        if i % 3 == 0:
            ProgressUpdateFactory(
                commitment=commitment,
                text="已召开专题会议部署,完成摸底调查,正在组织施工单位进场。",
                is_public=True,
            )
    return {"clerk": clerk, "education": education, "housing": housing}


def test_the_commitment_list_fits_an_office_screen_with_the_status_in_view(
    page, web, admin_login, ledger
):
    # given: the office's usual screen
    page.set_viewport_size({"width": 1366, "height": 768})
    admin_login(ledger["clerk"])
    # when
    page.goto("/admin/commitments/commitment/")
    # then: no sideways scrolling, and 状态 is on screen next to each row
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    status = page.locator("#result_list thead th.column-status")
    box = status.bounding_box()
    # The table scrolls inside its box when too wide: the header must lie within that box.
    shown = page.locator("#changelist .results").bounding_box()
    assert box is not None and shown is not None
    assert box["x"] + box["width"] <= min(shown["x"] + shown["width"], 1366)
    table = page.locator("#result_list").bounding_box()
    assert table is not None and table["x"] + table["width"] <= shown["x"] + shown["width"] + 1
    assert status.inner_text().strip() == "状态"
    # overdue work comes first
    first_row = page.locator("#result_list tbody tr").first.inner_text()
    assert LONG_TITLE[:20] in first_row and "逾期" in first_row
    web.screenshot("changelist-1366")
    assert web.csp_violations == [] and web.script_errors == []


def test_the_public_page_reads_on_a_390px_phone(chromium, live_server, ledger, artifacts):
    # given: a phone, no login
    context = chromium.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    phone = context.new_page()
    try:
        # when
        phone.goto("/public/")
        # then: nothing runs off the side; each commitment is a card with labelled values
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        assert phone.locator("thead").is_hidden()
        card = phone.locator("tbody tr").first
        box = card.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        label = card.locator("td[data-label]").first.evaluate(
            "td => getComputedStyle(td, '::before').content"
        )
        assert "完成时限" in label
        text = card.inner_text()
        assert "已逾期" in text  # overdue work first, marked
        phone.screenshot(path=str(artifacts / "public-390px.png"), full_page=True)
        # the other unit is picked from a list, without JavaScript
        phone.select_option("#unit-picker", str(ledger["education"].pk))
        phone.click("form.unit-picker button")
        assert "新建三所公办幼儿园" in phone.locator("main").inner_text()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.screenshot(path=str(artifacts / "public-390px-unit.png"), full_page=True)
    finally:
        context.close()
