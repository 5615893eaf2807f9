"""An office's day, end to end in a real browser.

The supervisor imports a leader's speech through the admin's upload page (导入讲话/通知: upload,
preview, confirm), completes and assigns (交办) one of its commitments;
the unit's contact signs for it (签收), reports progress (报送进展, asking to publish it) and
asks for closure (申请办结) with a file; the supervisor verifies it (复核通过) and confirms the
note for the public; the dashboard (业绩看板) and the public page (向社会公开) then show it.
Screenshots of every step go to test-artifacts/.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from commitments.models import Commitment, ProgressUpdate, SourceDocument
from commitments.selectors.office import office_today
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SPEECH = Path(__file__).resolve().parents[2] / "seeds" / "000_d59561c663881efd.txt"


def _move(web, commitment: Commitment, label: str, step: str, fill=None) -> None:
    """Click a move button on the change page, fill its small form, confirm, land back."""
    page = web.page
    page.goto(f"/admin/commitments/commitment/{commitment.pk}/change/")
    page.locator("ul.object-tools a.ledger-move", has_text=label).click()
    page.locator("#content-main form").wait_for()
    if fill is not None:
        fill(page)
    web.screenshot(f"{step}-form")
    page.locator("#content-main input[type=submit]").click()
    page.wait_for_url(f"**/admin/commitments/commitment/{commitment.pk}/change/")
    assert f"已执行「{label}」" in page.locator("ul.messagelist").inner_text()
    web.screenshot(f"{step}-done")


def test_an_office_day_from_speech_to_public_page(
    web, admin_login, supervisor, role_groups, settings
):
    page = web.page
    # A file storage of this test's own: the upload waits there (imports/) for confirmation.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    supervisor.groups.add(role_groups["督办人员"])

    # --- the supervisor imports the speech: upload, check the preview, confirm ---
    admin_login(supervisor)
    page.goto("/admin/commitments/sourcedocument/")
    page.click("#ledger-import-document")
    page.wait_for_url("**/admin/commitments/sourcedocument/import/")
    page.set_input_files("#id_file", str(SPEECH))
    web.screenshot("upload")
    page.click("#import-upload input[type=submit]")
    page.locator("#preview-plan").wait_for()
    assert "将新建来源文件 1 份、承诺事项 35 项" in page.locator("#preview-outcome").inner_text()
    planned = page.locator("#preview-plan tbody tr", has_text="建立认责承诺台账")
    assert "各级创先争优活动办公室" in planned.inner_text()
    assert not SourceDocument.objects.exists()  # a preview writes nothing
    web.screenshot("preview")
    page.locator("#import-confirm input[name=confirm]").last.click()  # below the plan
    page.wait_for_url("**/admin/commitments/commitment/?document__id__exact=*")
    assert "新建「" in page.locator("ul.messagelist").inner_text()
    document = SourceDocument.objects.get()
    assert document.source_name == SPEECH.name
    assert default_storage.listdir("imports") == ([], [])  # the staged upload is gone
    commitment = Commitment.objects.get(document=document, title__contains="认责承诺台账")
    assert commitment.status == Commitment.Status.DRAFT
    assert commitment.title[:10] in page.locator("#result_list").inner_text()
    web.screenshot("imported")
    unit = commitment.lead_unit
    contact = UserFactory(username="unit-contact", is_staff=True)
    contact.groups.add(role_groups["责任单位人员"])
    unit.members.add(contact)

    # --- the supervisor sets the deadline and the person, publishes it, and assigns it ---
    deadline = office_today() + timedelta(days=30)
    page.goto(f"/admin/commitments/commitment/{commitment.pk}/change/")
    page.fill("#id_deadline", deadline.strftime("%Y-%m-%d"))
    page.select_option("#id_responsible", label="unit-contact")
    page.check("#id_is_public")
    web.screenshot("details")
    page.click("input[name=_continue]")
    page.wait_for_url(f"**/admin/commitments/commitment/{commitment.pk}/change/")
    commitment.refresh_from_db()
    assert (commitment.deadline, commitment.responsible, commitment.is_public) == (
        deadline,
        contact,
        True,
    )

    _move(web, commitment, "交办", "assign")
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.ASSIGNED
    web.logout_admin()

    # --- the unit's contact signs for it, reports progress and asks for closure ---
    admin_login(contact)
    page.goto("/admin/commitments/commitment/")
    assert (
        page.locator("#result_list tbody tr").count()
        == Commitment.objects.filter(lead_unit=unit).count()
    )
    web.screenshot("unit-changelist")

    _move(web, commitment, "签收", "accept")

    def report(form_page) -> None:
        form_page.fill("#id_text", "已建立认责承诺台账,逐项明确责任人和完成时限。")
        form_page.fill("#id_percent", "60")
        form_page.check("#id_is_public")

    _move(web, commitment, "报送进展", "report", fill=report)
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.IN_PROGRESS

    def submit(form_page) -> None:
        form_page.fill("#id_evidence_text", "台账已建立并每月更新,附台账样表。")
        form_page.set_input_files(
            "#id_file",
            files=[
                {
                    "name": "台账说明.txt",
                    "mimeType": "text/plain",
                    "buffer": "认责承诺台账样表:事项、责任主体、时限、进展。\n".encode(),
                }
            ],
        )

    _move(web, commitment, "申请办结", "submit", fill=submit)
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.SUBMITTED
    assert commitment.evidence.count() == 1
    web.logout_admin()

    # --- the supervisor verifies it ---
    admin_login(supervisor)
    _move(
        web,
        commitment,
        "复核通过",
        "verify",
        fill=lambda form_page: form_page.fill("#id_note", "材料齐全,同意。"),
    )
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.VERIFIED

    # --- and confirms the note the unit asked to publish (申请公开) ---
    page.goto("/admin/commitments/progressupdate/?publish_requested__exact=1")
    page.check("input[name=_selected_action]")
    page.select_option("select[name=action]", "publish_selected")
    page.click("button[name=index]")
    page.wait_for_load_state()
    assert "已公开 1 条进展" in page.locator("ul.messagelist").inner_text()

    # --- the dashboard counts it for the unit ---
    page.goto("/admin/commitments/rankingsnapshot/dashboard/")
    assert page.locator("h1").inner_text() == "业绩看板"
    # The only commitment done in the whole ledger puts its unit first, at 100 %.
    first = page.locator("#ranking table tbody tr").first.inner_text().split()
    assert first[:2] == ["1", unit.name]
    assert first[-1] == "100.0%"
    web.screenshot("dashboard")

    # --- the public page shows it with its public progress note, without personal data ---
    page.goto("/public/")
    row = page.locator("tr", has_text=commitment.title[:20])
    assert row.count() == 1
    row_text = row.inner_text()
    assert "已复核" in row_text
    assert "已建立认责承诺台账" in row_text
    assert "unit-contact" not in page.locator("body").inner_text()
    web.screenshot("public")

    assert ProgressUpdate.objects.filter(commitment=commitment).count() == 1
    assert web.csp_violations == []
    assert web.script_errors == []
    assert web.failed_requests == []
