"""The workflow in the admin: buttons per role, forms that call the services, safe history."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from commitments.models import Commitment, DeadlineExtension, Evidence
from tests.factories import UnitFactory, UserFactory
from tests.workflow.conftest import PDF_BYTES, S, make_commitment

pytestmark = pytest.mark.django_db

BASE = "/admin/commitments/commitment/"


@pytest.fixture
def outsider(db):
    user = UserFactory(username="outsider", is_staff=True)
    user.groups.add(Group.objects.get(name="责任单位人员"))
    UnitFactory(name="市卫健委").members.add(user)
    return user


def move_url(commitment: Commitment, move: str) -> str:
    return f"{BASE}{commitment.pk}/move/{move}/"


def test_change_page_offers_the_moves_of_the_users_role(client, office, member, unit):
    commitment = make_commitment(S.ASSIGNED, lead_unit=unit)
    client.force_login(member)
    page = client.get(f"{BASE}{commitment.pk}/change/").content.decode()
    assert move_url(commitment, "accept") in page
    assert move_url(commitment, "cancel") not in page
    client.force_login(office)
    page = client.get(f"{BASE}{commitment.pk}/change/").content.decode()
    assert move_url(commitment, "accept") in page and move_url(commitment, "cancel") in page


def test_unit_member_accepts_through_the_move_form(client, member, unit):
    commitment = make_commitment(S.ASSIGNED, lead_unit=unit)
    client.force_login(member)
    assert client.get(move_url(commitment, "accept")).status_code == 200
    response = client.post(move_url(commitment, "accept"), follow=True)
    commitment.refresh_from_db()
    assert commitment.status == S.ACCEPTED
    assert "已执行「签收」" in response.content.decode()


def test_a_refused_move_changes_nothing_and_says_why_in_chinese(client, member, unit):
    commitment = make_commitment(S.IN_PROGRESS, lead_unit=unit)
    client.force_login(member)
    response = client.post(move_url(commitment, "cancel"), {"reason": "不想做了"}, follow=True)
    commitment.refresh_from_db()
    assert commitment.status == S.IN_PROGRESS
    assert "您无权对该事项执行「撤销」" in response.content.decode()


def test_move_form_requires_its_reason(client, office, unit):
    commitment = make_commitment(S.SUBMITTED, lead_unit=unit)
    client.force_login(office)
    response = client.post(move_url(commitment, "return"), {"reason": ""})
    assert response.status_code == 200
    commitment.refresh_from_db()
    assert commitment.status == S.SUBMITTED


def test_submit_form_takes_the_evidence_text_and_a_file(client, member, unit):
    commitment = make_commitment(S.IN_PROGRESS, lead_unit=unit)
    client.force_login(member)
    upload = SimpleUploadedFile("验收.pdf", PDF_BYTES, content_type="application/pdf")
    response = client.post(
        move_url(commitment, "submit"), {"evidence_text": "已建成", "file": upload}
    )
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == S.SUBMITTED
    assert Evidence.objects.get().original_name == "验收.pdf"
    page = client.get(f"{BASE}{commitment.pk}/change/").content.decode()
    assert f"/evidence/{Evidence.objects.get().pk}/" in page


def test_submit_with_a_refused_file_submits_nothing(client, member, unit):
    commitment = make_commitment(S.IN_PROGRESS, lead_unit=unit)
    client.force_login(member)
    upload = SimpleUploadedFile("验收.pdf", b"MZ\x90\x00", content_type="application/pdf")
    response = client.post(
        move_url(commitment, "submit"), {"evidence_text": "已建成", "file": upload}
    )
    assert response.status_code == 200
    assert "文件内容与扩展名不符" in response.content.decode()
    commitment.refresh_from_db()
    assert commitment.status == S.IN_PROGRESS and not Evidence.objects.exists()


def test_extension_is_requested_and_decided_in_the_admin(client, office, member, unit):
    commitment = make_commitment(S.IN_PROGRESS, lead_unit=unit, deadline=date(2030, 6, 10))
    client.force_login(member)
    client.post(
        move_url(commitment, "request_extension"),
        {"requested_deadline": "2030-06-30", "reason": "汛期影响施工"},
    )
    extension = DeadlineExtension.objects.get()
    decide = f"/admin/commitments/deadlineextension/{extension.pk}/decide/"
    # The unit may not decide its own request.
    client.post(decide, {"decision": "approve"})
    extension.refresh_from_db()
    assert extension.status == "pending"
    client.force_login(office)
    assert decide in client.get(f"{BASE}{commitment.pk}/change/").content.decode()
    client.post(decide, {"decision": "approve", "note": "同意"})
    commitment.refresh_from_db()
    assert commitment.deadline == date(2030, 6, 30)


def test_another_units_member_cannot_reach_the_move_form_or_the_history(client, outsider, unit):
    commitment = make_commitment(S.ASSIGNED, lead_unit=unit)
    client.force_login(outsider)
    assert client.get(move_url(commitment, "accept")).status_code == 404
    assert client.post(move_url(commitment, "accept")).status_code == 404
    assert client.get(f"{BASE}{commitment.pk}/history/").status_code == 404
    version = commitment.history.first().history_id
    assert client.get(f"{BASE}{commitment.pk}/history/{version}/").status_code == 404
    commitment.refresh_from_db()
    assert commitment.status == S.ASSIGNED


def test_history_page_shows_each_move_with_its_actor(client, office, member, unit):
    commitment = make_commitment(S.ASSIGNED, lead_unit=unit)
    client.force_login(member)
    client.post(move_url(commitment, "accept"))
    page = client.get(f"{BASE}{commitment.pk}/history/").content.decode()
    assert "签收" in page and member.username in page


def test_unit_member_cannot_edit_the_commitments_fields_even_with_the_permission(
    client, member, unit
):
    from django.contrib.auth.models import Permission

    # given a misconfigured account that holds change_commitment
    member.user_permissions.add(Permission.objects.get(codename="change_commitment"))
    commitment = make_commitment(S.IN_PROGRESS, lead_unit=unit, title="原标题")
    client.force_login(member)
    assert client.get(f"{BASE}{commitment.pk}/change/").status_code == 200
    # when
    response = client.post(
        f"{BASE}{commitment.pk}/change/", {"title": "改过的标题", "lead_unit": unit.pk}
    )
    # then
    assert response.status_code == 403
    commitment.refresh_from_db()
    assert commitment.title == "原标题"


def test_unit_member_sees_only_their_units_commitments(client, member, unit):
    mine = make_commitment(S.ASSIGNED, lead_unit=unit, title="本单位事项")
    make_commitment(S.ASSIGNED, lead_unit=UnitFactory(name="市民政局"), title="外单位事项")
    client.force_login(member)
    page = client.get(BASE).content.decode()
    assert mine.title in page and "外单位事项" not in page


@pytest.mark.parametrize("model", ["commitment", "deadlineextension", "evidence", "progressupdate"])
def test_nothing_can_be_deleted(client, office, unit, model):
    commitment = make_commitment(S.IN_PROGRESS, lead_unit=unit)
    objects = {
        "commitment": commitment,
        "deadlineextension": DeadlineExtension.objects.create(
            commitment=commitment,
            deadline_before=commitment.deadline,
            requested_deadline=commitment.deadline + timedelta(days=5),
            reason="理由",
        ),
        "evidence": Evidence.objects.create(
            commitment=commitment,
            file="evidence/x.pdf",
            original_name="x.pdf",
            content_type="application/pdf",
            size=10,
        ),
        "progressupdate": commitment.progress_updates.create(text="进展", percent=10),
    }
    client.force_login(office)
    url = f"/admin/commitments/{model}/{objects[model].pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert type(objects[model]).objects.filter(pk=objects[model].pk).exists()


def test_changelist_shows_and_filters_the_traffic_light(client, office, unit):
    make_commitment(S.IN_PROGRESS, lead_unit=unit, title="逾期的事", deadline=date(2020, 1, 1))
    make_commitment(S.CLOSED, lead_unit=unit, title="办完的事", deadline=date(2020, 1, 1))
    client.force_login(office)
    page = client.get(BASE).content.decode()
    assert page.count('class="ledger-light"') == 2
    red = client.get(BASE + "?light=red").content.decode()
    assert "逾期的事" in red and "办完的事" not in red


def test_batch_action_runs_the_move_for_each_and_reports_refusals(client, office, unit):
    draft = make_commitment(S.DRAFT, lead_unit=unit)
    closed = make_commitment(S.CLOSED, lead_unit=unit)
    client.force_login(office)
    response = client.post(
        BASE,
        {"action": "workflow_assign", "_selected_action": [draft.pk, closed.pk]},
        follow=True,
    )
    draft.refresh_from_db()
    closed.refresh_from_db()
    assert draft.status == S.ASSIGNED and closed.status == S.CLOSED
    assert "不能交办" in response.content.decode()


def test_unit_members_are_offered_only_the_batch_moves_they_may_make(client, member, unit):
    make_commitment(S.ASSIGNED, lead_unit=unit)
    client.force_login(member)
    page = client.get(BASE).content.decode()
    assert 'value="workflow_accept"' in page
    assert 'value="workflow_verify"' not in page and 'value="workflow_assign"' not in page


def test_a_co_units_member_reports_in_the_admin_but_may_not_sign_for_the_lead_unit(
    client, outsider, unit
):
    # given the lead unit's commitment, supported by the outsider's unit
    commitment = make_commitment(S.ASSIGNED, lead_unit=unit)
    commitment.co_units.add(outsider.units.get())
    client.force_login(outsider)
    # when the co-unit's member tries 签收, then it is refused and nothing changes
    assert (
        move_url(commitment, "accept")
        not in client.get(f"{BASE}{commitment.pk}/change/").content.decode()
    )
    response = client.post(move_url(commitment, "accept"), follow=True)
    assert "您无权对该事项执行「签收」" in response.content.decode()
    commitment.refresh_from_db()
    assert commitment.status == S.ASSIGNED
    # and once the lead unit has signed, the co-unit is offered only its progress report
    commitment.status = S.IN_PROGRESS
    commitment.save(update_fields=["status"])
    page = client.get(f"{BASE}{commitment.pk}/change/").content.decode()
    assert move_url(commitment, "report") in page
    assert move_url(commitment, "submit") not in page
    client.post(move_url(commitment, "report"), {"text": "配合部分已完成", "percent": 50})
    assert commitment.progress_updates.get().text == "配合部分已完成"
