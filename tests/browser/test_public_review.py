"""In a real browser: a unit asks for its progress note to be published, the office confirms it
in the admin, and only then does /public/ show it."""

from __future__ import annotations

import pytest

from commitments.models import Commitment
from tests.browser.conftest import BrowserPage
from tests.factories import CommitmentFactory, SupervisorUnitFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_units_note_reaches_the_public_page_once_the_office_confirms_it(
    web: BrowserPage, admin_login, role_groups
):
    # given a public commitment of 市教育局, one of its members and the office
    unit = UnitFactory(name="市教育局")
    clerk = UserFactory(username="edu", is_staff=True)
    clerk.groups.add(role_groups["责任单位人员"])
    unit.members.add(clerk)
    office = UserFactory(username="office", is_staff=True)
    office.groups.add(role_groups["督办人员"])
    SupervisorUnitFactory().members.add(office)
    commitment = CommitmentFactory(
        title="新建三所幼儿园", lead_unit=unit, status=Commitment.Status.IN_PROGRESS, is_public=True
    )
    page = web.page
    page.set_viewport_size({"width": 1366, "height": 768})
    # when the clerk reports and ticks 申请公开
    admin_login(clerk)
    page.goto(f"/admin/commitments/commitment/{commitment.pk}/move/report/")
    page.fill("#id_text", "三所幼儿园主体结构已封顶")
    page.fill("#id_percent", "60")
    page.check("#id_is_public")
    web.screenshot("unit-asks")
    page.click("input[type=submit]")
    page.wait_for_url(f"**/admin/commitments/commitment/{commitment.pk}/change/")
    # then the public page does not show it yet
    page.goto("/public/")
    assert "主体结构已封顶" not in page.content()
    page.goto("/admin/")
    web.logout_admin()
    # when the office filters the waiting requests and confirms them
    admin_login(office)
    page.goto("/admin/commitments/progressupdate/?publish_requested__exact=1")
    web.screenshot("office-queue")
    page.check("input[name=_selected_action]")
    page.select_option("select[name=action]", "publish_selected")
    page.click("button[name=index]")
    page.wait_for_load_state()
    assert "已公开 1 条进展" in page.content()
    web.screenshot("office-confirmed")
    # then the public page shows it (a new URL: the browser may keep /public/ for 5 minutes)
    page.goto("/public/?after-review")
    assert "三所幼儿园主体结构已封顶" in page.content()
    page.goto(f"/admin/commitments/commitment/{commitment.pk}/change/")
    web.screenshot("commitment-publication-fieldset")
    assert not web.csp_violations and not web.script_errors
