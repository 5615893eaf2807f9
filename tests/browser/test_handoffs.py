"""Hand-offs in a real browser at 1366×768: 交办 with 办理要求, the unit's 工作台, the notices
both sides receive through a real SMTP server, and records that cannot be bent (a refused
delete, a closed commitment that cannot be edited). Screenshots go to test-artifacts/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test.utils import override_settings

from commitments.models import Commitment
from commitments.selectors.office import office_today
from commitments.services.reminders.dispatch import INLINE
from commitments.services.reminders.notices import notice_digests_send
from tests.factories import (
    CommitmentFactory,
    DirectiveFactory,
    SuperuserFactory,
    SupervisorUnitFactory,
    UnitFactory,
    UserFactory,
)
from tests.reminders.smtp_sink import SmtpSink

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1366, "height": 768}


@pytest.fixture
def sink():
    with SmtpSink() as server:
        yield server


def _people(role_groups):
    office = SupervisorUnitFactory(name="市创先争优活动办公室", contact_emails="office@example.org")
    clerk = UserFactory(
        username="clerk", is_staff=True, last_name="王", first_name="督办", email="wang@office.org"
    )
    clerk.groups.add(role_groups["督办人员"])
    office.members.add(clerk)
    unit = UnitFactory(name="市教育局", contact_emails="edu@example.org")
    member = UserFactory(username="edu-li", is_staff=True, last_name="李", first_name="办理")
    member.groups.add(role_groups["责任单位人员"])
    unit.members.add(member)
    return clerk, member, unit


def _logout(web) -> None:
    web.logout_admin()
    web.page.context.clear_cookies()


def test_a_hand_off_with_requirements_reaches_the_unit_and_back_to_the_office(
    web, admin_login, role_groups, sink
):
    page = web.page
    page.set_viewport_size(WIDE)
    clerk, member, unit = _people(role_groups)
    deadline = office_today() + timedelta(days=30)
    commitment = CommitmentFactory(
        title="推进集团化办学", lead_unit=unit, status="draft", deadline=deadline
    )

    # --- the office hands it off, saying what it expects ---
    admin_login(clerk)
    web.screenshot("office-workbench")
    page.goto(f"/admin/commitments/commitment/{commitment.pk}/change/")
    page.locator("ul.object-tools a.ledger-move", has_text="交办").click()
    page.locator("#content-main form").wait_for()
    page.fill("#id_requirements", "9月底前完成集团章程起草，每月报送进展。")
    web.screenshot("assign-form")
    page.locator("#content-main input[type=submit]").click()
    page.wait_for_url(f"**/admin/commitments/commitment/{commitment.pk}/change/")
    assert "已执行「交办」" in page.locator("ul.messagelist").inner_text()
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.ASSIGNED
    assert commitment.requirements == "9月底前完成集团章程起草，每月报送进展。"
    _logout(web)

    # --- the unit opens its 工作台: one to sign for; it signs ---
    admin_login(member)
    tile = page.locator(".ledger-tile", has_text="待签收")
    assert tile.locator(".ledger-tile-count").inner_text() == "1"
    web.screenshot("unit-workbench")
    tile.locator("a").click()
    page.locator("#result_list").wait_for()
    assert "推进集团化办学" in page.locator("#result_list").inner_text()
    web.screenshot("unit-to-accept")
    page.goto("/admin/commitments/notice/")
    notices = page.locator("#result_list").inner_text()
    assert "交办" in notices and "9月底前完成集团章程起草" in notices and "王督办" in notices
    web.screenshot("unit-notices")
    page.goto(f"/admin/commitments/commitment/{commitment.pk}/change/")
    page.locator("ul.object-tools a.ledger-move", has_text="签收").click()
    page.locator("#content-main input[type=submit]").click()
    page.wait_for_url(f"**/admin/commitments/commitment/{commitment.pk}/change/")
    _logout(web)

    # --- the beat task sends the digests through a real SMTP server ---
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=sink.port,
    ):
        assert notice_digests_send(dispatch=INLINE) == 2
    by_recipient = {r.rcpt_tos[0]: r for r in sink.received}
    assert sorted(by_recipient) == ["edu@example.org", "office@example.org"]
    to_unit = by_recipient["edu@example.org"].text
    assert "【交办】推进集团化办学" in to_unit and "办理人：王督办（wang@office.org）" in to_unit
    assert "9月底前完成集团章程起草" in to_unit
    assert f"/admin/commitments/commitment/{commitment.pk}/change/" in to_unit
    to_office = by_recipient["office@example.org"].text
    assert "【签收】推进集团化办学" in to_office and "李办理" in to_office

    # --- the office reads the e-mail's link and its own notices ---
    admin_login(clerk)
    page.goto("/admin/commitments/notice/")
    assert "签收" in page.locator("#result_list").inner_text()
    web.screenshot("office-notices")
    assert web.script_errors == [] and web.csp_violations == []


def test_a_delete_is_refused_and_a_closed_commitment_cannot_be_edited(web, admin_login):
    page = web.page
    page.set_viewport_size(WIDE)
    superuser = SuperuserFactory(username="admin")
    directive = DirectiveFactory()
    CommitmentFactory(directive=directive, document=directive.document)
    closed = CommitmentFactory(
        title="建成智慧校园平台",
        status="closed",
        completed_on=office_today(),
        completion_note="平台已上线。",
    )
    admin_login(superuser)

    # the superuser `make run` prints cannot delete the document the commitments come from
    page.goto(f"/admin/commitments/sourcedocument/{directive.document_id}/change/")
    assert page.locator("a.deletelink").count() == 0
    web.screenshot("document-without-delete")
    response = page.goto(f"/admin/commitments/sourcedocument/{directive.document_id}/delete/")
    assert response is not None and response.status == 403
    page.goto("/admin/commitments/sourcedocument/")
    assert page.locator("select[name=action] option[value=delete_selected]").count() == 0

    # a closed commitment is shown, not edited; 重新打开 is the one way out
    page.goto(f"/admin/commitments/commitment/{closed.pk}/change/")
    assert page.locator("input[name=title]").count() == 0
    assert page.locator("input[name=_save]").count() == 0
    assert page.locator("ul.object-tools a.ledger-move", has_text="重新打开").count() == 1
    assert "建成智慧校园平台" in page.locator("#content-main").inner_text()
    web.screenshot("closed-read-only")
    web.failed_requests.clear()  # the 403 above was asked for
    assert web.script_errors == [] and web.csp_violations == []
