"""The commitment's life: one function per move, checked against one declarative table.

    立项 draft ──交办──▶ 交办 assigned ──签收──▶ 签收 accepted
    accepted ──开始办理 / 报送进展──▶ 办理中 in_progress
    accepted / in_progress / returned ──申请办结 (with evidence)──▶ 申请办结 submitted
    submitted ──复核通过──▶ 已复核 verified ──销号──▶ 销号 closed
    submitted / verified ──退回 (reason)──▶ 退回 returned  (the unit works on and submits again)
    any open state ──撤销 (reason)──▶ 撤销 cancelled
    verified / closed / cancelled ──重新打开 (reason)──▶ 交办 assigned  (signed for again)

"Start" is explicit (`commitment_start`) but also implicit: the first progress report on an
accepted commitment moves it to in_progress, because a unit that reports is evidently working.
A report on a returned commitment does the same: the unit is back at work.

Every function takes the commitment and the acting user, locks the row with
`select_for_update()` so two concurrent moves cannot both pass the state check, checks the
current state and the actor's role against `TRANSITIONS`, and saves with a history change reason
naming the move, so the audit trail shows who did what and why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..models import Commitment, ProgressUpdate, Unit
from ..selectors import office_today, on_time_deadline, user_is_supervisor
from .common import office_language
from .errors import ActorNotAllowed, InvalidInput, TransitionNotAllowed
from .events import commitment_event

S = Commitment.Status
M = TypeVar("M", bound=models.Model)


class Role(models.TextChoices):
    SUPERVISOR = "supervisor", _("督办人员")
    UNIT = "unit", _("责任单位人员")


class Move(models.TextChoices):
    # In Chinese a move and the status it leads to are often the same word (交办, 签收, 退回 ...);
    # the context lets English say "Assign" for the move and "Assigned" for the status.
    ASSIGN = "assign", pgettext_lazy("move", "交办")
    ACCEPT = "accept", pgettext_lazy("move", "签收")
    START = "start", pgettext_lazy("move", "开始办理")
    REPORT = "report", pgettext_lazy("move", "报送进展")
    SUBMIT = "submit", pgettext_lazy("move", "申请办结")
    VERIFY = "verify", pgettext_lazy("move", "复核通过")
    CLOSE = "close", pgettext_lazy("move", "销号")
    RETURN = "return", pgettext_lazy("move", "退回")
    CANCEL = "cancel", pgettext_lazy("move", "撤销")
    REOPEN = "reopen", pgettext_lazy("move", "重新打开")
    REQUEST_EXTENSION = "request_extension", pgettext_lazy("move", "申请延期")
    ADD_EVIDENCE = "add_evidence", pgettext_lazy("move", "上传佐证材料")
    # Not a move on the commitment's own table: the office's answer to REQUEST_EXTENSION.
    DECIDE_EXTENSION = "decide_extension", pgettext_lazy("move", "审批延期")


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    # None: the move records something (a report, a request, a file) and keeps the status,
    # except where its function says otherwise (a report starts accepted work).
    target: str | None
    roles: frozenset[str]


_BOTH = frozenset({Role.SUPERVISOR, Role.UNIT})
_OFFICE = frozenset({Role.SUPERVISOR})
_WORKING = frozenset({S.ACCEPTED, S.IN_PROGRESS, S.RETURNED})

TRANSITIONS: dict[str, Transition] = {
    Move.ASSIGN: Transition(frozenset({S.DRAFT}), S.ASSIGNED, _OFFICE),
    Move.ACCEPT: Transition(frozenset({S.ASSIGNED}), S.ACCEPTED, _BOTH),
    Move.START: Transition(frozenset({S.ACCEPTED}), S.IN_PROGRESS, _BOTH),
    Move.REPORT: Transition(_WORKING, S.IN_PROGRESS, _BOTH),
    Move.SUBMIT: Transition(_WORKING, S.SUBMITTED, _BOTH),
    Move.VERIFY: Transition(frozenset({S.SUBMITTED}), S.VERIFIED, _OFFICE),
    Move.CLOSE: Transition(frozenset({S.VERIFIED}), S.CLOSED, _OFFICE),
    Move.RETURN: Transition(frozenset({S.SUBMITTED, S.VERIFIED}), S.RETURNED, _OFFICE),
    Move.CANCEL: Transition(frozenset(Commitment.OPEN_STATUSES), S.CANCELLED, _OFFICE),
    Move.REOPEN: Transition(frozenset({S.VERIFIED, S.CLOSED, S.CANCELLED}), S.ASSIGNED, _OFFICE),
    Move.REQUEST_EXTENSION: Transition(_WORKING | {S.ASSIGNED}, None, _BOTH),
    Move.ADD_EVIDENCE: Transition(_WORKING | {S.SUBMITTED}, None, _BOTH),
}


def status_label(value: str) -> str:
    return str(S(value).label)


def actor_roles(*, actor: User | AnonymousUser, commitment: Commitment) -> frozenset[str]:
    """The roles `actor` holds towards this commitment (empty: it is none of their business).

    Members of a unit act on the commitments their unit or one of its sub-units leads or
    supports, the same set `commitment_list_for` shows them.
    """
    if actor is None or isinstance(actor, AnonymousUser) or not actor.is_active:
        return frozenset()
    roles: set[str] = set()
    if user_is_supervisor(actor):
        roles.add(Role.SUPERVISOR)
    own = Unit.objects.descendant_ids(
        Unit.objects.filter(members=actor).values_list("id", flat=True)
    )
    if own and (commitment.lead_unit_id in own or commitment.co_units.filter(id__in=own).exists()):
        roles.add(Role.UNIT)
    return frozenset(roles)


def allowed_moves(*, commitment: Commitment, actor: User | AnonymousUser) -> list[str]:
    """The moves `actor` may make on `commitment` in its current state, in table order."""
    roles = actor_roles(actor=actor, commitment=commitment)
    return _allowed_for(commitment.status, roles)


def _allowed_for(status: str, roles: frozenset[str]) -> list[str]:
    return [move for move, t in TRANSITIONS.items() if status in t.sources and roles & t.roles]


def lock_commitment(commitment: Commitment) -> Commitment:
    # Re-read inside the transaction: the caller's copy may be stale, and the row lock makes a
    # concurrent move wait until this one commits, then see the new state.
    return Commitment.objects.select_for_update().get(pk=commitment.pk)


def check_move(*, commitment: Commitment, actor: User | AnonymousUser, move: str) -> None:
    """Raise ActorNotAllowed or TransitionNotAllowed unless `actor` may make `move` now."""
    roles = actor_roles(actor=actor, commitment=commitment)
    if not roles:
        raise ActorNotAllowed(move=move)
    transition = TRANSITIONS[move]
    if commitment.status not in transition.sources:
        raise TransitionNotAllowed(
            current=commitment.status, move=move, allowed=_allowed_for(commitment.status, roles)
        )
    if not roles & transition.roles:
        raise ActorNotAllowed(move=move)


def _required(value: str, *, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, field=field)
    return value


def save_move(
    commitment: Commitment,
    *,
    actor: User,
    move: str,
    fields: list[str],
    reason: str = "",
) -> None:
    # The history row gets the actor even outside a request (API token, Celery, shell), and a
    # change reason naming the move, so the audit trail reads as the office's own log.
    commitment._history_user = actor  # type: ignore[attr-defined]
    with office_language():
        label = str(Move(move).label)
    commitment._change_reason = f"{label}:{reason}" if reason else label  # type: ignore[attr-defined]
    commitment.full_clean()
    commitment.save(update_fields=[*fields, "updated_at"])


def sync_instance(target: M, source: M) -> M:
    """Bring the caller's instance up to date with the saved one, so it is not left stale."""
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return source


def _move(
    *,
    commitment: Commitment,
    actor: User,
    move: str,
    reason: str = "",
    reason_required: str | None = None,
    changes: dict[str, object] | None = None,
) -> Commitment:
    current = lock_commitment(commitment)
    check_move(commitment=current, actor=actor, move=move)
    # After the state check: "not possible from here" tells more than "reason missing".
    if reason_required is not None:
        reason = _required(reason, field="reason", message=reason_required)
    target = TRANSITIONS[move].target
    assert target is not None
    old_status = current.status
    current.status = target
    current.status_reason = reason
    for name, value in (changes or {}).items():
        setattr(current, name, value)
    save_move(
        current,
        actor=actor,
        move=move,
        reason=reason,
        fields=["status", "status_reason", *(changes or {})],
    )
    _announce(current, old_status=old_status, actor=actor)
    return sync_instance(commitment, current)


def _announce(commitment: Commitment, *, old_status: str, actor: User) -> None:
    # Listeners (webhooks) hear every status change; closing is also its own event.
    if commitment.status == old_status:
        return
    commitment_event(
        commitment=commitment, event="status_changed", old_status=old_status, actor=actor
    )
    if commitment.status == S.CLOSED:
        commitment_event(commitment=commitment, event="closed", old_status=old_status, actor=actor)


@transaction.atomic
def commitment_assign(*, commitment: Commitment, actor: User) -> Commitment:
    """交办: the office hands the drafted commitment to its responsible unit."""
    return _move(
        commitment=commitment,
        actor=actor,
        move=Move.ASSIGN,
        changes={"assigned_at": timezone.now()},
    )


@transaction.atomic
def commitment_accept(*, commitment: Commitment, actor: User) -> Commitment:
    """签收: the unit acknowledges the work."""
    return _move(
        commitment=commitment,
        actor=actor,
        move=Move.ACCEPT,
        changes={"accepted_at": timezone.now()},
    )


@transaction.atomic
def commitment_start(*, commitment: Commitment, actor: User) -> Commitment:
    """开始办理: explicit start; a first progress report does the same implicitly."""
    return _move(commitment=commitment, actor=actor, move=Move.START)


@transaction.atomic
def commitment_report_progress(
    *,
    commitment: Commitment,
    actor: User,
    text: str,
    percent: int,
    is_public: bool = False,
) -> ProgressUpdate:
    """报送进展: record a report; accepted or returned work becomes in progress."""
    current = lock_commitment(commitment)
    check_move(commitment=current, actor=actor, move=Move.REPORT)
    text = _required(text, field="text", message=str(_("请填写进展情况")))
    update = ProgressUpdate(
        commitment=current, author=actor, text=text, percent=percent, is_public=is_public
    )
    update._history_user = actor  # type: ignore[attr-defined]
    update.full_clean()
    update.save()
    current.last_progress_at = update.created_at
    fields = ["last_progress_at"]
    old_status = current.status
    if current.status != S.IN_PROGRESS:
        current.status = S.IN_PROGRESS
        current.status_reason = ""
        fields += ["status", "status_reason"]
    save_move(current, actor=actor, move=Move.REPORT, fields=fields)
    _announce(current, old_status=old_status, actor=actor)
    sync_instance(commitment, current)
    return update


@transaction.atomic
def commitment_submit(
    *,
    commitment: Commitment,
    actor: User,
    evidence_text: str,
    files: Iterable[UploadedFile] = (),
) -> Commitment:
    """申请办结: the unit says the work is done, describes the evidence; done today.

    The completion day is always the office's today: a unit cannot backdate its own work to
    make it on time. `files` are attached first with `evidence_add` (same checks, same
    transaction: a refused file refuses the submission and none is stored); more can follow
    while it is reviewed.
    """
    from .evidence import evidence_add, evidence_validate  # evidence builds on this module

    note = _required(evidence_text, field="evidence_text", message=str(_("请填写办结情况说明")))
    # Every check before the first file is stored: a rollback removes rows, not stored files.
    check_move(commitment=lock_commitment(commitment), actor=actor, move=Move.SUBMIT)
    files = list(files)
    for file in files:
        evidence_validate(file=file)
    for file in files:
        evidence_add(commitment=commitment, actor=actor, file=file)
    return _move(
        commitment=commitment,
        actor=actor,
        move=Move.SUBMIT,
        changes={"completion_note": note, "completed_on": office_today()},
    )


@transaction.atomic
def commitment_verify(*, commitment: Commitment, actor: User, note: str = "") -> Commitment:
    """复核通过: the office confirms the work; on-time is decided now and stored.

    `finished_on_time` compares `completed_on` with the deadline in force when the work was
    done (see `selectors.on_time_deadline`), so statistics stay a cheap query.
    """
    current = lock_commitment(commitment)
    check_move(commitment=current, actor=actor, move=Move.VERIFY)
    deadline = on_time_deadline(current)
    current.finished_on_time = (
        None
        if deadline is None or current.completed_on is None
        else current.completed_on <= deadline
    )
    old_status = current.status
    current.status = S.VERIFIED
    current.status_reason = (note or "").strip()
    save_move(
        current,
        actor=actor,
        move=Move.VERIFY,
        reason=current.status_reason,
        fields=["status", "status_reason", "finished_on_time"],
    )
    _announce(current, old_status=old_status, actor=actor)
    return sync_instance(commitment, current)


@transaction.atomic
def commitment_close(*, commitment: Commitment, actor: User) -> Commitment:
    """销号: the verified commitment leaves the ledger's open list for good."""
    return _move(commitment=commitment, actor=actor, move=Move.CLOSE)


@transaction.atomic
def commitment_return(*, commitment: Commitment, actor: User, reason: str) -> Commitment:
    """退回: the reviewer rejects the closure; the work is not done, so no completion day."""
    return _move(
        commitment=commitment,
        actor=actor,
        move=Move.RETURN,
        reason=reason,
        reason_required=str(_("请填写退回理由")),
        changes={"completed_on": None, "finished_on_time": None},
    )


@transaction.atomic
def commitment_cancel(*, commitment: Commitment, actor: User, reason: str) -> Commitment:
    """撤销: the commitment is dropped, with a reason; it stays on record (never deleted)."""
    return _move(
        commitment=commitment,
        actor=actor,
        move=Move.CANCEL,
        reason=reason,
        reason_required=str(_("请填写撤销理由")),
        changes={"finished_on_time": None},
    )


@transaction.atomic
def commitment_reopen(*, commitment: Commitment, actor: User, reason: str) -> Commitment:
    """重新打开: a finished or cancelled commitment is handed to the unit again.

    The earlier completion no longer counts: completion day, on-time flag and completion note
    are cleared (they remain in the history), and the unit signs for the work again.
    """
    return _move(
        commitment=commitment,
        actor=actor,
        move=Move.REOPEN,
        reason=reason,
        reason_required=str(_("请填写重新打开的理由")),
        changes={
            "completed_on": None,
            "finished_on_time": None,
            "completion_note": "",
            "assigned_at": timezone.now(),
            "accepted_at": None,
        },
    )
