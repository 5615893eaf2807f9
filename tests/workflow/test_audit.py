"""Every change leaves a history row with the actor, the move and the old and new values."""

from __future__ import annotations

from datetime import timedelta

import pytest

from commitments.choices import Move
from commitments.models import DeadlineExtension, Evidence, ProgressUpdate
from commitments.services.workflow.extensions import extension_approve, extension_reject
from tests.workflow.conftest import MOVES, S, make_commitment
from tests.workflow.test_transitions import LEGAL, UNIT

pytestmark = pytest.mark.django_db

STATUS_MOVES = [row for row in LEGAL if row[3] is not None]


@pytest.mark.parametrize(("state", "move", "roles", "target"), STATUS_MOVES, ids=str)
def test_each_move_writes_a_history_row_with_actor_reason_and_old_and_new_status(
    state, move, roles, target, supervisor, unit, unit_member
):
    # given
    commitment = make_commitment(state, lead_unit=unit)
    actor = unit_member if UNIT in roles else supervisor
    rows_before = commitment.history.count()
    # when
    MOVES[move](commitment, actor)
    # then
    assert commitment.history.count() == rows_before + 1
    latest, previous = commitment.history.all()[:2]
    assert latest.history_user == actor
    assert latest.history_change_reason.startswith(str(Move(move).label))
    if state != target:
        status_change = next(
            c for c in latest.diff_against(previous).changes if c.field == "status"
        )
        assert (status_change.old, status_change.new) == (state, target)


def test_a_reason_given_with_a_move_is_in_the_audit_trail(unit, supervisor):
    commitment = make_commitment(S.SUBMITTED, lead_unit=unit)
    MOVES["return"](commitment, supervisor)
    assert commitment.history.first().history_change_reason == "退回:佐证材料不全"


def test_progress_report_is_recorded_with_its_author(unit, unit_member):
    commitment = make_commitment(S.IN_PROGRESS, lead_unit=unit)
    update = MOVES["report"](commitment, unit_member)
    row = ProgressUpdate.history.get(id=update.pk)
    assert row.history_type == "+" and row.history_user == unit_member
    assert row.text == "已召开专题会议部署。"


def test_extension_request_and_decision_are_recorded_with_old_and_new_values(
    unit, unit_member, supervisor
):
    commitment = make_commitment(S.IN_PROGRESS, lead_unit=unit)
    old_deadline = commitment.deadline
    extension = MOVES["request_extension"](commitment, unit_member)
    extension_approve(extension=extension, actor=supervisor, note="同意")
    rows = list(DeadlineExtension.history.filter(id=extension.pk).order_by("history_id"))
    assert [(r.history_type, r.history_user, r.status) for r in rows] == [
        ("+", unit_member, "pending"),
        ("~", supervisor, "approved"),
    ]
    latest_commitment_row, before = commitment.history.all()[:2]
    change = next(
        c for c in latest_commitment_row.diff_against(before).changes if c.field == "deadline"
    )
    assert change.old == old_deadline
    assert change.new == old_deadline + timedelta(days=30)
    assert latest_commitment_row.history_user == supervisor


def test_rejected_extension_is_recorded(unit, unit_member, supervisor):
    commitment = make_commitment(S.IN_PROGRESS, lead_unit=unit)
    extension = MOVES["request_extension"](commitment, unit_member)
    extension_reject(extension=extension, actor=supervisor, note="理由不充分")
    latest = DeadlineExtension.history.filter(id=extension.pk).first()
    assert (latest.status, latest.decision_note, latest.history_user) == (
        "rejected",
        "理由不充分",
        supervisor,
    )


def test_evidence_upload_is_recorded_with_the_uploader(unit, unit_member):
    commitment = make_commitment(S.IN_PROGRESS, lead_unit=unit)
    evidence = MOVES["add_evidence"](commitment, unit_member)
    row = Evidence.history.get(id=evidence.pk)
    assert row.history_user == unit_member and row.original_name == "验收报告.pdf"
