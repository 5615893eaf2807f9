"""延期申请 and the on-time rule: the deadline in force when the work was done counts."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from commitments.models import Commitment, DeadlineExtension
from commitments.selectors.statistics import (
    extension_statistics,
    on_time_deadline,
    on_time_statistics,
)
from commitments.services.errors import ActorNotAllowed, InvalidInput, TransitionNotAllowed
from commitments.services.workflow.extensions import (
    extension_approve,
    extension_reject,
    extension_request,
)
from commitments.services.workflow.moves import commitment_verify
from tests.workflow.conftest import S, make_commitment, shanghai

pytestmark = pytest.mark.django_db


def _request(commitment: Commitment, actor, new: date) -> DeadlineExtension:
    return extension_request(
        commitment=commitment, actor=actor, requested_deadline=new, reason="需协调多个部门"
    )


def _approved(commitment, member, supervisor, new: date, at: datetime) -> DeadlineExtension:
    """An extension to `new`, approved by the office at the moment `at`."""
    extension = _request(commitment, member, new)
    extension_approve(extension=extension, actor=supervisor)
    DeadlineExtension.objects.filter(pk=extension.pk).update(decided_at=at)
    return extension


def _finish(commitment: Commitment, completed_on: date, supervisor) -> Commitment:
    """The unit submitted on `completed_on`; the office verifies now."""
    Commitment.objects.filter(pk=commitment.pk).update(
        status=S.SUBMITTED, completed_on=completed_on, completion_note="已完成"
    )
    commitment.refresh_from_db()
    return commitment_verify(commitment=commitment, actor=supervisor)


# --- requests and decisions ----------------------------------------------------------------------


def test_approval_moves_the_deadline_and_keeps_the_original(unit, unit_member, supervisor):
    commitment = make_commitment(S.IN_PROGRESS, lead_unit=unit, deadline=date(2023, 6, 10))
    extension = _request(commitment, unit_member, date(2023, 6, 30))
    commitment.refresh_from_db()
    assert commitment.deadline == date(2023, 6, 10)
    assert extension.status == "pending" and extension.deadline_before == date(2023, 6, 10)

    extension_approve(extension=extension, actor=supervisor, note="同意延期")

    commitment.refresh_from_db()
    extension.refresh_from_db()
    assert commitment.deadline == date(2023, 6, 30)
    assert commitment.original_deadline == date(2023, 6, 10)
    assert extension.status == "approved"
    assert extension.decided_by == supervisor and extension.decided_at is not None


def test_rejection_keeps_the_deadline_and_needs_a_note(unit, unit_member, supervisor):
    commitment = make_commitment(S.IN_PROGRESS, lead_unit=unit, deadline=date(2023, 6, 10))
    extension = _request(commitment, unit_member, date(2023, 6, 30))
    with pytest.raises(InvalidInput):
        extension_reject(extension=extension, actor=supervisor, note="")
    extension_reject(extension=extension, actor=supervisor, note="理由不充分")
    commitment.refresh_from_db()
    assert commitment.deadline == date(2023, 6, 10)
    assert DeadlineExtension.objects.get().status == "rejected"


def test_a_decided_request_cannot_be_decided_again(unit, unit_member, supervisor):
    commitment = make_commitment(S.IN_PROGRESS, lead_unit=unit)
    extension = _request(commitment, unit_member, commitment.deadline.replace(year=2099))
    extension_reject(extension=extension, actor=supervisor, note="不同意")
    with pytest.raises(InvalidInput):
        extension_approve(extension=extension, actor=supervisor)


def test_only_the_office_decides(unit, unit_member):
    commitment = make_commitment(S.IN_PROGRESS, lead_unit=unit)
    extension = _request(commitment, unit_member, commitment.deadline.replace(year=2099))
    with pytest.raises(ActorNotAllowed):
        extension_approve(extension=extension, actor=unit_member)
    with pytest.raises(ActorNotAllowed):
        extension_reject(extension=extension, actor=unit_member, note="自己驳回")


@pytest.mark.parametrize(
    ("new", "reason"),
    [(date(2023, 6, 10), "理由"), (date(2023, 6, 1), "理由"), (date(2023, 7, 1), "")],
)
def test_request_needs_a_later_date_and_a_reason(unit, unit_member, new, reason):
    commitment = make_commitment(S.IN_PROGRESS, lead_unit=unit, deadline=date(2023, 6, 10))
    with pytest.raises(InvalidInput):
        extension_request(
            commitment=commitment, actor=unit_member, requested_deadline=new, reason=reason
        )


def test_one_pending_request_at_a_time(unit, unit_member):
    commitment = make_commitment(S.IN_PROGRESS, lead_unit=unit, deadline=date(2023, 6, 10))
    _request(commitment, unit_member, date(2023, 6, 30))
    with pytest.raises(InvalidInput):
        _request(commitment, unit_member, date(2023, 7, 30))


def test_no_extension_for_a_commitment_without_deadline(unit, unit_member):
    commitment = make_commitment(S.IN_PROGRESS, lead_unit=unit, deadline=None)
    with pytest.raises(InvalidInput):
        _request(commitment, unit_member, date(2023, 7, 30))


def test_no_request_once_the_work_is_submitted(unit, unit_member):
    commitment = make_commitment(S.SUBMITTED, lead_unit=unit)
    with pytest.raises(TransitionNotAllowed):
        _request(commitment, unit_member, date(2099, 1, 1))


def test_another_units_member_may_not_ask(unit, other_member):
    commitment = make_commitment(S.IN_PROGRESS, lead_unit=unit)
    with pytest.raises(ActorNotAllowed):
        _request(commitment, other_member, date(2099, 1, 1))


# --- on time or late ----------------------------------------------------------------------------


@pytest.fixture
def june_10(unit):
    return make_commitment(S.IN_PROGRESS, lead_unit=unit, deadline=date(2023, 6, 10))


def test_done_by_the_deadline_is_on_time(june_10, supervisor):
    assert _finish(june_10, date(2023, 6, 10), supervisor).finished_on_time is True


def test_done_after_the_deadline_is_late(june_10, supervisor):
    assert _finish(june_10, date(2023, 6, 11), supervisor).finished_on_time is False


def test_extension_approved_in_time_makes_later_work_on_time(june_10, unit_member, supervisor):
    _approved(june_10, unit_member, supervisor, date(2023, 6, 30), shanghai(2023, 6, 5, 10))
    assert _finish(june_10, date(2023, 6, 20), supervisor).finished_on_time is True


def test_extension_approved_on_the_deadline_day_late_evening_still_counts(
    june_10, unit_member, supervisor
):
    # 23:30 in Shanghai on June 10 is 15:30 UTC: the deadline day has not ended.
    _approved(june_10, unit_member, supervisor, date(2023, 6, 30), shanghai(2023, 6, 10, 23, 30))
    assert _finish(june_10, date(2023, 6, 20), supervisor).finished_on_time is True


def test_late_despite_an_extension_approved_after_the_deadline_passed(
    june_10, unit_member, supervisor
):
    # 00:30 on June 11 in Shanghai (June 10 in UTC): the deadline had already passed.
    _approved(june_10, unit_member, supervisor, date(2023, 6, 30), shanghai(2023, 6, 11, 0, 30))
    june_10.refresh_from_db()
    assert june_10.deadline == date(2023, 6, 30)  # the new deadline is in force for what is left
    assert on_time_deadline(june_10) == date(2023, 6, 10)
    assert _finish(june_10, date(2023, 6, 20), supervisor).finished_on_time is False


def test_extension_approved_after_the_work_was_done_does_not_count(
    june_10, unit_member, supervisor
):
    _approved(june_10, unit_member, supervisor, date(2023, 6, 30), shanghai(2023, 6, 9, 10))
    _approved(june_10, unit_member, supervisor, date(2023, 7, 30), shanghai(2023, 6, 25, 10))
    june_10.refresh_from_db()
    june_10.completed_on = date(2023, 6, 20)
    assert on_time_deadline(june_10) == date(2023, 6, 30)


def test_a_chain_stops_at_the_first_approval_after_a_passed_deadline(
    june_10, unit_member, supervisor
):
    _approved(june_10, unit_member, supervisor, date(2023, 6, 20), shanghai(2023, 6, 5, 10))
    _approved(june_10, unit_member, supervisor, date(2023, 7, 10), shanghai(2023, 6, 25, 10))
    assert _finish(june_10, date(2023, 7, 1), supervisor).finished_on_time is False


def test_no_deadline_means_no_on_time_verdict(unit, supervisor):
    commitment = make_commitment(S.IN_PROGRESS, lead_unit=unit, deadline=None)
    assert _finish(commitment, date(2023, 6, 20), supervisor).finished_on_time is None


def test_statistics_count_on_time_late_and_extensions(unit, unit_member, supervisor):
    # given: one on time, one late, one late despite a late extension, one open
    on_time = make_commitment(S.IN_PROGRESS, lead_unit=unit, deadline=date(2023, 6, 10))
    late = make_commitment(S.IN_PROGRESS, lead_unit=unit, deadline=date(2023, 6, 10))
    rescued_too_late = make_commitment(S.IN_PROGRESS, lead_unit=unit, deadline=date(2023, 6, 10))
    still_open = make_commitment(S.IN_PROGRESS, lead_unit=unit, deadline=date(2023, 6, 10))
    _approved(rescued_too_late, unit_member, supervisor, date(2023, 7, 1), shanghai(2023, 6, 12, 9))
    refused = _request(still_open, unit_member, date(2023, 7, 1))
    extension_reject(extension=refused, actor=supervisor, note="不同意")
    _request(still_open, unit_member, date(2023, 7, 2))
    _finish(on_time, date(2023, 6, 9), supervisor)
    _finish(late, date(2023, 6, 12), supervisor)
    _finish(rescued_too_late, date(2023, 6, 20), supervisor)
    # when
    stats = on_time_statistics(Commitment.objects.all())
    extensions = extension_statistics(Commitment.objects.all())
    # then
    assert stats == {
        "finished": 3,
        "on_time": 1,
        "late": 2,
        "no_deadline": 0,
        "on_time_rate": pytest.approx(1 / 3),
    }
    assert extensions == {
        "requested": 3,
        "pending": 1,
        "approved": 1,
        "rejected": 1,
        "commitments_extended": 1,
    }
