"""更正时限: the one way besides an approved extension that a handed-off deadline moves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from commitments.choices import NoticeEvent
from commitments.services.errors import ActorNotAllowed, InvalidInput, TransitionNotAllowed
from commitments.services.workflow.corrections import commitment_deadline_correct

from .conftest import S, make_commitment

pytestmark = pytest.mark.django_db


def test_the_office_corrects_an_overdue_deadline_with_a_reason_on_record(supervisor, unit):
    # given overdue work
    today = timezone.localdate()
    late = today - timedelta(days=3)
    commitment = make_commitment(lead_unit=unit, deadline=late, original_deadline=late)
    # when the office corrects the deadline, saying why
    commitment_deadline_correct(
        commitment=commitment,
        actor=supervisor,
        deadline=today + timedelta(days=10),
        reason="原文时限识别有误,应为年底前",
    )
    # then the deadline (and, no extension ever approved, the original) moved
    commitment.refresh_from_db()
    assert commitment.deadline == commitment.original_deadline == today + timedelta(days=10)
    # and the history says who, why, from what to what; the unit is told
    record = commitment.history.first()
    assert record.history_user == supervisor
    assert record.history_change_reason.startswith("更正时限：原文时限识别有误")
    assert str(late) in record.history_change_reason
    assert commitment.notices.get().event == NoticeEvent.DEADLINE_CORRECTED


def test_a_correction_needs_the_office_a_reason_and_an_open_commitment(
    supervisor, unit_member, unit
):
    today = timezone.localdate()
    commitment = make_commitment(lead_unit=unit, deadline=today)
    new = today + timedelta(days=5)
    with pytest.raises(ActorNotAllowed):
        commitment_deadline_correct(
            commitment=commitment, actor=unit_member, deadline=new, reason="x"
        )
    with pytest.raises(InvalidInput, match="理由"):
        commitment_deadline_correct(
            commitment=commitment, actor=supervisor, deadline=new, reason=" "
        )
    closed = make_commitment(status=S.CLOSED, lead_unit=unit, deadline=today)
    with pytest.raises(TransitionNotAllowed, match="重新打开"):
        commitment_deadline_correct(commitment=closed, actor=supervisor, deadline=new, reason="x")
    commitment.refresh_from_db()
    assert commitment.deadline == today
