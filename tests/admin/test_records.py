"""Records that cannot be bent: nobody deletes sources, units with work, or commitments (the
superuser included), a finished commitment is read-only, a handed-off deadline is not edited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from commitments.models import Commitment, Directive, ReminderMessage, SourceDocument, Unit
from tests.factories import CommitmentFactory, DirectiveFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sourced(unit):
    directive = DirectiveFactory()
    commitment = CommitmentFactory(
        lead_unit=unit, directive=directive, document=directive.document, status="assigned"
    )
    return directive.document, directive, commitment


@pytest.mark.parametrize("model", ["sourcedocument", "directive", "unit", "commitment"])
def test_the_superuser_gets_no_delete_page_and_no_delete_action(client, superuser, sourced, model):
    # given the superuser `make run` prints, and a document whose directive has a commitment
    document, directive, commitment = sourced
    obj = {
        "sourcedocument": document,
        "directive": directive,
        "unit": commitment.lead_unit,
        "commitment": commitment,
    }[model]
    client.force_login(superuser)
    # when they open the delete page, or post the bulk delete action
    page = client.get(reverse(f"admin:commitments_{model}_delete", args=[obj.pk]))
    changelist = reverse(f"admin:commitments_{model}_changelist")
    listing = client.get(changelist)
    client.post(
        changelist, {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
    )
    # then both are refused and everything is still there
    assert page.status_code == 403
    assert "delete_selected" not in listing.content.decode()
    assert SourceDocument.objects.filter(pk=document.pk).exists()
    assert Directive.objects.filter(pk=directive.pk).exists()
    assert Commitment.objects.get(pk=commitment.pk).document_id == document.pk


def test_the_model_layer_refuses_to_strip_commitments_of_their_source(sourced):
    document, _directive, commitment = sourced
    with pytest.raises(ProtectedError):
        document.delete()
    with pytest.raises(ProtectedError):
        SourceDocument.objects.filter(pk=document.pk).delete()
    assert Commitment.objects.get(pk=commitment.pk).document_id == document.pk


def test_a_unit_that_supports_a_commitment_is_not_deleted(unit):
    co_unit = UnitFactory(name="市财政局")
    CommitmentFactory(lead_unit=unit).co_units.add(co_unit)
    with pytest.raises(ProtectedError):
        co_unit.delete()
    with pytest.raises(ProtectedError):
        Unit.objects.filter(pk=co_unit.pk).delete()
    assert Unit.objects.filter(pk=co_unit.pk).exists()


def test_a_unit_without_commitments_may_still_be_deleted_by_the_superuser(client, superuser):
    spare = UnitFactory(name="临时工作组")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:commitments_unit_delete", args=[spare.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Unit.objects.filter(pk=spare.pk).exists()


@pytest.mark.parametrize("status", ["verified", "closed", "cancelled"])
def test_a_finished_or_cancelled_commitment_is_read_only_in_the_admin(client, superuser, status):
    commitment = CommitmentFactory(
        status=status, completed_on=timezone.localdate(), status_reason="工作调整", title="原标题"
    )
    client.force_login(superuser)
    url = reverse("admin:commitments_commitment_change", args=[commitment.pk])
    page = client.get(url).content.decode()
    response = client.post(url, {"title": "改过的标题"})
    assert 'name="title"' not in page  # shown, not editable
    assert "重新打开" in page  # the one way out is offered
    assert response.status_code == 403
    commitment.refresh_from_db()
    assert commitment.title == "原标题"


def test_the_deadline_of_handed_off_work_is_not_an_edit_field(client, superuser):
    late = timezone.localdate() - timedelta(days=2)
    draft = CommitmentFactory(status="draft", deadline=late)
    assigned = CommitmentFactory(status="assigned", deadline=late)
    client.force_login(superuser)

    def page(c: Commitment) -> str:
        return client.get(
            reverse("admin:commitments_commitment_change", args=[c.pk])
        ).content.decode()

    assert 'name="deadline"' in page(draft)
    assert 'name="deadline"' not in page(assigned)


def test_the_history_reads_as_the_office_speaks(client, superuser, supervisor):
    # given work handed off and a field edited
    from commitments.services.workflow.moves import commitment_assign

    supervisor.last_name, supervisor.first_name = "王", "督办"
    supervisor.save(update_fields=["last_name", "first_name"])
    commitment = CommitmentFactory(
        status="draft", deadline=None, is_long_term=True, title="新建幼儿园", description=""
    )
    commitment_assign(commitment=commitment, actor=supervisor)
    from commitments.services.ledger import commitment_update

    commitment_update(commitment=commitment, data={"description": "按期建成"})
    client.force_login(superuser)
    # when the office opens the history
    page = client.get(
        reverse("admin:commitments_commitment_history", args=[commitment.pk])
    ).content.decode()
    # then it names the person, the move, the fields in Chinese with their values in words
    assert "王督办" in page
    assert "<strong>状态：</strong>立项 → 交办" in page
    assert "<strong>具体内容：</strong>— → 按期建成" in page
    assert "assigned" not in page and "history_change_reason" not in page
    local = timezone.localtime(commitment.history.first().history_date)
    assert local.strftime("%Y-%m-%d %H:%M") in page


def test_a_sent_email_is_shown_without_save_buttons_and_a_commitment_with_its_actions(
    client, office, unit
):
    # given: the office, which may change e-mails (for the retry action), and open work
    office.user_permissions.add(Permission.objects.get(codename="change_remindermessage"))
    message = ReminderMessage.objects.create(
        recipient="x@example.org", subject="【催办】", body_text="…", body_html="<p>…</p>"
    )
    commitment = CommitmentFactory(lead_unit=unit, status="in_progress")
    client.force_login(office)

    # when
    email = client.get(f"/admin/commitments/remindermessage/{message.pk}/change/")
    work = client.get(f"/admin/commitments/commitment/{commitment.pk}/change/").content.decode()

    # then: the e-mail only shows; the commitment offers its moves and 催办
    assert email.status_code == 200 and 'name="_save"' not in email.content.decode()
    assert f"/admin/commitments/commitment/{commitment.pk}/move/report/" in work
    assert f"/admin/commitments/commitment/{commitment.pk}/urge/" in work
