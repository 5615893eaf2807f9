"""Every legal move, every illegal one, and who may make each."""

from __future__ import annotations

import pytest

from commitments.choices import Move
from commitments.models import Commitment, ProgressUpdate
from commitments.services.errors import ActorNotAllowed, InvalidInput, TransitionNotAllowed
from commitments.services.workflow.moves import (
    commitment_cancel,
    commitment_reopen,
    commitment_return,
    commitment_submit,
)
from commitments.services.workflow.transitions import TRANSITIONS, allowed_moves
from tests.factories import UnitFactory, UserFactory
from tests.workflow.conftest import MOVES, S, make_commitment

pytestmark = pytest.mark.django_db

# The roles: the office, the lead unit's members (签收, work, 申请办结 the whole) and the
# co-units' members (配合单位: report progress on their part, nothing more).
SUP, UNIT, CO = "supervisor", "unit", "co_unit"
OPEN = [S.DRAFT, S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS, S.SUBMITTED, S.RETURNED]

# (from, move, who may, to) written out by hand so the table in the code is checked against
# the office's rules, not against itself. `to` None: the status stays.
LEGAL: list[tuple[str, str, set[str], str | None]] = [
    (S.DRAFT, "assign", {SUP}, S.ASSIGNED),
    (S.ASSIGNED, "accept", {SUP, UNIT}, S.ACCEPTED),
    (S.ACCEPTED, "start", {SUP, UNIT}, S.IN_PROGRESS),
    (S.ACCEPTED, "report", {SUP, UNIT, CO}, S.IN_PROGRESS),
    (S.IN_PROGRESS, "report", {SUP, UNIT, CO}, S.IN_PROGRESS),
    (S.RETURNED, "report", {SUP, UNIT, CO}, S.IN_PROGRESS),
    (S.ACCEPTED, "submit", {SUP, UNIT}, S.SUBMITTED),
    (S.IN_PROGRESS, "submit", {SUP, UNIT}, S.SUBMITTED),
    (S.RETURNED, "submit", {SUP, UNIT}, S.SUBMITTED),
    (S.SUBMITTED, "verify", {SUP}, S.VERIFIED),
    (S.VERIFIED, "close", {SUP}, S.CLOSED),
    (S.SUBMITTED, "return", {SUP}, S.RETURNED),
    (S.VERIFIED, "return", {SUP}, S.RETURNED),
    *[(state, "cancel", {SUP}, S.CANCELLED) for state in OPEN],
    (S.VERIFIED, "reopen", {SUP}, S.ASSIGNED),
    (S.CLOSED, "reopen", {SUP}, S.ASSIGNED),
    (S.CANCELLED, "reopen", {SUP}, S.ASSIGNED),
    *[
        (state, "request_extension", {SUP, UNIT}, None)
        for state in (S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS, S.RETURNED)
    ],
    *[
        (state, "add_evidence", {SUP, UNIT}, None)
        for state in (S.ACCEPTED, S.IN_PROGRESS, S.RETURNED, S.SUBMITTED)
    ],
    *[(state, "correct_deadline", {SUP}, None) for state in OPEN],
]
LEGAL_PAIRS = {(state, move) for state, move, _, _ in LEGAL}
ILLEGAL = [
    (state, move) for state in S.values for move in MOVES if (state, move) not in LEGAL_PAIRS
]


def _allowed_for_supervisor(state: str) -> list[str]:
    return [move for move in MOVES if (state, move) in LEGAL_PAIRS]


def test_the_code_table_is_the_office_table():
    in_code = {
        (state, move, frozenset(t.roles), t.target)
        for move, t in TRANSITIONS.items()
        for state in t.sources
    }
    expected = {(state, move, frozenset(roles), to) for state, move, roles, to in LEGAL}
    assert in_code == expected


@pytest.mark.parametrize(("state", "move", "roles", "target"), LEGAL, ids=lambda v: str(v))
def test_legal_move_by_a_permitted_actor_reaches_its_target(
    state, move, roles, target, supervisor, unit, unit_member
):
    # given
    commitment = make_commitment(state, lead_unit=unit)
    actor = unit_member if UNIT in roles else supervisor
    # when
    MOVES[move](commitment, actor)
    # then
    commitment.refresh_from_db()
    assert commitment.status == (target or state)


@pytest.mark.parametrize(("state", "move"), ILLEGAL, ids=lambda v: str(v))
def test_illegal_move_names_the_current_state_and_the_moves_allowed_from_here(
    state, move, supervisor, unit
):
    commitment = make_commitment(state, lead_unit=unit)
    with pytest.raises(TransitionNotAllowed) as caught:
        MOVES[move](commitment, supervisor)
    error = caught.value
    assert error.current == state
    assert error.move == move
    assert error.allowed == _allowed_for_supervisor(state)
    message = str(error)
    assert str(S(state).label) in message
    for allowed in error.allowed:
        assert str(Move(allowed).label) in message
    commitment.refresh_from_db()
    assert commitment.status == state


def test_illegal_move_lists_only_the_moves_of_the_actors_own_role(unit, unit_member):
    commitment = make_commitment(S.SUBMITTED, lead_unit=unit)
    with pytest.raises(TransitionNotAllowed) as caught:
        MOVES["accept"](commitment, unit_member)
    assert caught.value.allowed == ["add_evidence"]
    assert "复核通过" not in str(caught.value)


OFFICE_ONLY = [(state, move) for state, move, roles, _ in LEGAL if roles == {SUP}]
UNIT_MOVES = [(state, move) for state, move, roles, _ in LEGAL if UNIT in roles]


@pytest.mark.parametrize(("state", "move"), OFFICE_ONLY, ids=lambda v: str(v))
def test_unit_member_may_not_make_office_moves(state, move, unit, unit_member):
    commitment = make_commitment(state, lead_unit=unit)
    with pytest.raises(ActorNotAllowed):
        MOVES[move](commitment, unit_member)
    commitment.refresh_from_db()
    assert commitment.status == state


@pytest.mark.parametrize(("state", "move"), LEGAL_PAIRS, ids=lambda v: str(v))
def test_member_of_another_unit_may_make_no_move(state, move, unit, other_member):
    commitment = make_commitment(state, lead_unit=unit)
    with pytest.raises(ActorNotAllowed):
        MOVES[move](commitment, other_member)


@pytest.mark.parametrize(("state", "move"), UNIT_MOVES, ids=lambda v: str(v))
def test_supervisor_may_make_the_unit_moves_too(state, move, unit, supervisor):
    commitment = make_commitment(state, lead_unit=unit)
    MOVES[move](commitment, supervisor)


def test_member_of_a_parent_unit_acts_on_its_sub_units_commitments(unit):
    parent = UnitFactory(name="市委教育工委")
    unit.parent = parent
    unit.save(update_fields=["parent"])
    boss = UserFactory(username="parent-member")
    parent.members.add(boss)
    commitment = make_commitment(S.ASSIGNED, lead_unit=unit)
    MOVES["accept"](commitment, boss)
    assert commitment.status == S.ACCEPTED


CO_UNIT_MOVES = [(state, move) for state, move, roles, _ in LEGAL if CO in roles]
LEAD_UNIT_ONLY = [
    (state, move) for state, move, roles, _ in LEGAL if UNIT in roles and CO not in roles
]


@pytest.mark.parametrize(("state", "move"), CO_UNIT_MOVES, ids=lambda v: str(v))
def test_member_of_a_co_unit_reports_progress_on_its_part(state, move, unit, other_member):
    commitment = make_commitment(state, lead_unit=unit)
    commitment.co_units.add(other_member.units.get())
    MOVES[move](commitment, other_member)
    assert commitment.status == S.IN_PROGRESS


@pytest.mark.parametrize(("state", "move"), LEAD_UNIT_ONLY, ids=lambda v: str(v))
def test_member_of_a_co_unit_may_not_sign_for_submit_or_otherwise_act_for_the_lead_unit(
    state, move, unit, other_member
):
    # given the lead unit's commitment, supported by the member's unit
    commitment = make_commitment(state, lead_unit=unit)
    commitment.co_units.add(other_member.units.get())
    # when / then: 签收, 申请办结, 开始办理, 申请延期 and evidence are the lead unit's
    with pytest.raises(ActorNotAllowed):
        MOVES[move](commitment, other_member)
    commitment.refresh_from_db()
    assert commitment.status == state


def test_a_member_of_both_the_lead_and_a_co_unit_acts_as_the_lead(unit, other_member):
    commitment = make_commitment(S.ASSIGNED, lead_unit=unit)
    commitment.co_units.add(other_member.units.get())
    unit.members.add(other_member)
    MOVES["accept"](commitment, other_member)
    assert commitment.status == S.ACCEPTED


def test_a_co_units_member_is_offered_only_the_report(unit, other_member):
    commitment = make_commitment(S.IN_PROGRESS, lead_unit=unit)
    commitment.co_units.add(other_member.units.get())
    assert allowed_moves(commitment=commitment, actor=other_member) == ["report"]


def test_a_sub_unit_member_may_not_act_on_the_parents_commitment(unit):
    child = UnitFactory(name="市教育局基础教育科", parent=unit)
    member = UserFactory(username="child-member")
    child.members.add(member)
    commitment = make_commitment(S.ASSIGNED, lead_unit=unit)
    with pytest.raises(ActorNotAllowed):
        MOVES["accept"](commitment, member)


def test_inactive_or_anonymous_actors_may_do_nothing(unit):
    from django.contrib.auth.models import AnonymousUser

    commitment = make_commitment(S.ASSIGNED, lead_unit=unit)
    inactive = UserFactory(username="gone", is_active=False)
    unit.members.add(inactive)
    for actor in (inactive, AnonymousUser()):
        with pytest.raises(ActorNotAllowed):
            MOVES["accept"](commitment, actor)


def test_allowed_moves_depend_on_state_and_role(unit, unit_member, supervisor, other_member):
    commitment = make_commitment(S.IN_PROGRESS, lead_unit=unit)
    assert allowed_moves(commitment=commitment, actor=unit_member) == [
        "report",
        "submit",
        "request_extension",
        "add_evidence",
    ]
    assert "cancel" in allowed_moves(commitment=commitment, actor=supervisor)
    assert allowed_moves(commitment=commitment, actor=other_member) == []


def test_a_move_checks_the_state_in_the_database_not_the_callers_stale_copy(unit, supervisor):
    commitment = make_commitment(S.SUBMITTED, lead_unit=unit)
    stale = Commitment.objects.get(pk=commitment.pk)
    MOVES["verify"](commitment, supervisor)
    with pytest.raises(TransitionNotAllowed) as caught:
        MOVES["verify"](stale, supervisor)
    assert caught.value.current == S.VERIFIED


def test_submit_requires_an_evidence_text_and_records_today(unit, unit_member):
    from commitments.selectors.office import office_today

    commitment = make_commitment(S.IN_PROGRESS, lead_unit=unit)
    with pytest.raises(InvalidInput):
        commitment_submit(commitment=commitment, actor=unit_member, evidence_text="  ")
    commitment_submit(commitment=commitment, actor=unit_member, evidence_text="已建成服务站 12 个")
    commitment.refresh_from_db()
    assert commitment.completed_on == office_today()
    assert commitment.completion_note == "已建成服务站 12 个"


def test_return_needs_a_reason_and_clears_the_completion(unit, supervisor):
    commitment = make_commitment(S.SUBMITTED, lead_unit=unit)
    with pytest.raises(InvalidInput):
        commitment_return(commitment=commitment, actor=supervisor, reason="")
    commitment_return(commitment=commitment, actor=supervisor, reason="照片不清晰")
    commitment.refresh_from_db()
    assert commitment.completed_on is None
    assert commitment.status_reason == "照片不清晰"


def test_cancel_needs_a_reason(unit, supervisor):
    commitment = make_commitment(S.IN_PROGRESS, lead_unit=unit)
    with pytest.raises(InvalidInput):
        commitment_cancel(commitment=commitment, actor=supervisor, reason=" ")
    commitment.refresh_from_db()
    assert commitment.status == S.IN_PROGRESS


def test_reopen_clears_the_earlier_completion_and_asks_for_a_new_sign_off(unit, supervisor):
    commitment = make_commitment(S.CLOSED, lead_unit=unit, finished_on_time=True)
    commitment_reopen(commitment=commitment, actor=supervisor, reason="问题反弹")
    commitment.refresh_from_db()
    assert commitment.status == S.ASSIGNED
    assert commitment.completed_on is None and commitment.finished_on_time is None
    assert commitment.accepted_at is None and commitment.assigned_at is not None


def test_first_report_starts_accepted_work_and_is_remembered(unit, unit_member):
    commitment = make_commitment(S.ACCEPTED, lead_unit=unit)
    update = MOVES["report"](commitment, unit_member)
    commitment.refresh_from_db()
    assert commitment.status == S.IN_PROGRESS
    assert commitment.last_progress_at == update.created_at
    assert ProgressUpdate.objects.get().author == unit_member


def test_accept_and_assign_record_when(unit, unit_member, supervisor):
    commitment = make_commitment(S.DRAFT, lead_unit=unit)
    MOVES["assign"](commitment, supervisor)
    MOVES["accept"](commitment, unit_member)
    commitment.refresh_from_db()
    assert commitment.assigned_at is not None
    assert commitment.accepted_at >= commitment.assigned_at


def test_an_impossible_move_is_refused_for_its_state_before_its_missing_reason(unit, supervisor):
    commitment = make_commitment(S.DRAFT, lead_unit=unit)
    with pytest.raises(TransitionNotAllowed):
        commitment_return(commitment=commitment, actor=supervisor, reason="")
