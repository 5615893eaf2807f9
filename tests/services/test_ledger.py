from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from commitments.models import Commitment, Unit
from commitments.selectors.access import commitment_list_for, user_is_supervisor
from commitments.services.ledger import (
    commitment_create,
    commitment_update,
    unit_get_or_create,
)
from commitments.services.workflow.moves import commitment_report_progress
from tests.factories import CommitmentFactory, DirectiveFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_unit_get_or_create_treats_spaced_names_as_the_same_unit():
    first, created = unit_get_or_create(name="团  委", kind=Unit.Kind.GROUP)
    again, created_again = unit_get_or_create(name="团委")
    assert created and not created_again
    assert first.pk == again.pk and again.name == "团委"


def test_commitment_create_records_the_original_deadline_and_drops_lead_from_co_units(unit):
    other = UnitFactory(name="市总工会")
    commitment = commitment_create(
        title="建立认责承诺台账",
        lead_unit=unit,
        co_units=[unit, other],
        deadline=date(2023, 12, 31),
        deadline_text="今年",
    )
    assert commitment.status == Commitment.Status.DRAFT
    assert commitment.original_deadline == date(2023, 12, 31)
    assert list(commitment.co_units.all()) == [other]


def test_commitment_create_validates_before_saving(unit):
    with pytest.raises(ValidationError):
        commitment_create(title="", lead_unit=unit)
    assert Commitment.objects.count() == 0


def test_commitment_update_refuses_status_changes(unit):
    commitment = CommitmentFactory(lead_unit=unit)
    with pytest.raises(ValueError, match="status"):
        commitment_update(commitment=commitment, data={"status": "closed"})
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.ASSIGNED


def test_commitment_update_saves_changed_fields_and_keeps_history(unit):
    commitment = CommitmentFactory(lead_unit=unit, title="旧标题")
    commitment_update(commitment=commitment, data={"title": "新标题"})
    commitment.refresh_from_db()
    assert commitment.title == "新标题"
    titles = [h.title for h in commitment.history.order_by("history_date")]
    assert titles[-1] == "新标题"


def test_a_draft_deadline_is_edited_freely_and_is_its_original_deadline(unit):
    commitment = CommitmentFactory(
        lead_unit=unit, deadline=None, original_deadline=None, status="draft"
    )
    commitment_update(commitment=commitment, data={"deadline": date(2024, 1, 31)})
    commitment_update(commitment=commitment, data={"deadline": date(2024, 3, 31)})
    commitment.refresh_from_db()
    assert commitment.original_deadline == commitment.deadline == date(2024, 3, 31)


def test_a_handed_off_commitment_may_get_a_missing_deadline_but_not_a_moved_one(unit):
    # given assigned work whose source gave no date
    commitment = CommitmentFactory(
        lead_unit=unit, deadline=None, original_deadline=None, status="assigned"
    )
    # when the office gives it a deadline, that is its original deadline
    commitment_update(commitment=commitment, data={"deadline": date(2024, 1, 31)})
    # then moving it later by editing is refused, whatever the date
    with pytest.raises(ValidationError) as refused:
        commitment_update(commitment=commitment, data={"deadline": date(2024, 3, 31)})
    assert "更正时限" in str(refused.value.message_dict["deadline"])
    commitment.refresh_from_db()
    assert commitment.original_deadline == commitment.deadline == date(2024, 1, 31)


@pytest.mark.parametrize("status", ["verified", "closed", "cancelled"])
def test_a_finished_or_cancelled_commitment_cannot_be_edited(unit, status):
    commitment = CommitmentFactory(
        lead_unit=unit, status=status, completed_on=date(2024, 1, 1), status_reason="不再需要"
    )
    with pytest.raises(ValidationError) as refused:
        commitment_update(commitment=commitment, data={"title": "改过的标题"})
    assert "重新打开" in str(refused.value)
    commitment.refresh_from_db()
    assert commitment.title != "改过的标题"


def test_progress_report_stamps_last_progress_time(unit_member, unit):
    commitment = CommitmentFactory(lead_unit=unit, status=Commitment.Status.ACCEPTED)
    update = commitment_report_progress(
        commitment=commitment, actor=unit_member, text="已部署", percent=40
    )
    commitment.refresh_from_db()
    assert commitment.last_progress_at == update.created_at


def test_progress_report_rejects_percent_over_100(unit, unit_member):
    commitment = CommitmentFactory(lead_unit=unit, status=Commitment.Status.ACCEPTED)
    with pytest.raises(ValidationError):
        commitment_report_progress(commitment=commitment, actor=unit_member, text="x", percent=101)
    assert commitment.progress_updates.count() == 0


def test_commitment_create_refuses_a_directive_of_another_document(unit):
    # given a directive and a document it does not belong to
    directive = DirectiveFactory()
    other = DirectiveFactory(ref="9.9").document
    # when / then: the service itself refuses the pair, whoever calls it
    with pytest.raises(ValidationError) as refused:
        commitment_create(title="x", lead_unit=unit, directive=directive, document=other)
    assert "directive" in refused.value.message_dict
    assert not Commitment.objects.exists()


def test_commitment_update_keeps_the_directive_chosen_at_creation(unit):
    commitment = CommitmentFactory(lead_unit=unit)
    with pytest.raises(ValidationError) as refused:
        commitment_update(commitment=commitment, data={"directive": DirectiveFactory()})
    assert "directive" in refused.value.message_dict


def test_a_unit_member_may_name_only_a_colleague_responsible(unit, unit_member):
    # given a commitment of the member's unit, and a person of another unit
    commitment = CommitmentFactory(lead_unit=unit)
    outsider = UserFactory()
    UnitFactory(name="市公安局").members.add(outsider)
    # when / then
    with pytest.raises(ValidationError) as refused:
        commitment_update(commitment=commitment, data={"responsible": outsider}, actor=unit_member)
    assert "responsible" in refused.value.message_dict
    commitment_update(commitment=commitment, data={"responsible": unit_member}, actor=unit_member)
    commitment.refresh_from_db()
    assert commitment.responsible == unit_member


def test_unit_member_sees_own_and_sub_unit_commitments_only(unit, unit_member):
    school = UnitFactory(name="市第一中学", parent=unit)
    mine = CommitmentFactory(lead_unit=unit)
    sub = CommitmentFactory(lead_unit=school)
    supported = CommitmentFactory(lead_unit=UnitFactory(name="市卫健委"))
    supported.co_units.add(unit)
    CommitmentFactory(lead_unit=UnitFactory(name="市公安局"))
    visible = set(commitment_list_for(unit_member))
    assert visible == {mine, sub, supported}


def test_supervisor_sees_everything(supervisor, unit):
    CommitmentFactory.create_batch(3, lead_unit=unit)
    assert user_is_supervisor(supervisor)
    assert commitment_list_for(supervisor).count() == 3


def test_user_without_unit_sees_nothing(unit):
    CommitmentFactory(lead_unit=unit)
    assert commitment_list_for(UserFactory()).count() == 0


def test_overdue_and_due_within_use_the_given_day(unit):
    today = date(2023, 6, 1)
    late = CommitmentFactory(lead_unit=unit, deadline=today - timedelta(days=1))
    due_today = CommitmentFactory(lead_unit=unit, deadline=today)
    soon = CommitmentFactory(lead_unit=unit, deadline=today + timedelta(days=3))
    CommitmentFactory(lead_unit=unit, deadline=today + timedelta(days=4))
    CommitmentFactory(
        lead_unit=unit, deadline=today - timedelta(days=5), status="closed", completed_on=today
    )
    assert set(Commitment.objects.overdue(today)) == {late}
    assert set(Commitment.objects.due_within(today, 3)) == {due_today, soon}
