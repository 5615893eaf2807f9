"""The transition table and the one way a move is made.

Every move locks the row with `select_for_update()` so two concurrent moves cannot both pass
the state check, checks the current state and the actor's role against `TRANSITIONS`, applies
its changes, and saves with a history change reason naming the move, so the audit trail shows
who did what and why. Listeners hear every status change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ...choices import (
    ENDED_STATUSES,
    OPEN_STATUSES,
    WORKING_STATUSES,
    Move,
    Role,
    Status,
)
from ...models import Commitment, WebhookEvent
from ...selectors.access import acting_person, actor_roles
from ...selectors.office import office_language
from ..errors import ActorNotAllowed, InvalidInput, TransitionNotAllowed
from ..events import commitment_event
from ..reminders.notices import notice_for_move

S = Status
M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    # None: the move records something (a request, a file) and keeps the status.
    target: str | None
    roles: frozenset[str]


# The lead unit signs for, submits and answers for the whole; co-units only report on their part.
_LEAD = frozenset({Role.SUPERVISOR, Role.UNIT})
_REPORTERS = frozenset({Role.SUPERVISOR, Role.UNIT, Role.CO_UNIT})
_OFFICE = frozenset({Role.SUPERVISOR})
_WORKING = frozenset(WORKING_STATUSES)

TRANSITIONS: dict[str, Transition] = {
    Move.ASSIGN: Transition(frozenset({S.DRAFT}), S.ASSIGNED, _OFFICE),
    Move.ACCEPT: Transition(frozenset({S.ASSIGNED}), S.ACCEPTED, _LEAD),
    Move.START: Transition(frozenset({S.ACCEPTED}), S.IN_PROGRESS, _LEAD),
    Move.REPORT: Transition(_WORKING, S.IN_PROGRESS, _REPORTERS),
    Move.SUBMIT: Transition(_WORKING, S.SUBMITTED, _LEAD),
    Move.VERIFY: Transition(frozenset({S.SUBMITTED}), S.VERIFIED, _OFFICE),
    Move.CLOSE: Transition(frozenset({S.VERIFIED}), S.CLOSED, _OFFICE),
    Move.RETURN: Transition(frozenset({S.SUBMITTED, S.VERIFIED}), S.RETURNED, _OFFICE),
    Move.CANCEL: Transition(frozenset(OPEN_STATUSES), S.CANCELLED, _OFFICE),
    Move.REOPEN: Transition(frozenset(ENDED_STATUSES), S.ASSIGNED, _OFFICE),
    Move.REQUEST_EXTENSION: Transition(_WORKING | {S.ASSIGNED}, None, _LEAD),
    Move.ADD_EVIDENCE: Transition(_WORKING | {S.SUBMITTED}, None, _LEAD),
    Move.CORRECT_DEADLINE: Transition(frozenset(OPEN_STATUSES), None, _OFFICE),
}

# The moves that must say why (the reason goes to the unit and into the history), with what the
# refusal says when they do not.
REASON_REQUIRED: dict[str, Promise] = {
    Move.RETURN: _("请填写退回理由"),
    Move.CANCEL: _("请填写撤销理由"),
    Move.REOPEN: _("请填写重新打开的理由"),
}


def status_label(value: str) -> str:
    return str(S(value).label)


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


def required_text(value: str, *, field: str, message: str) -> str:
    """`value` stripped, or InvalidInput naming `field` when nothing is left."""
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, field=field)
    return value


def save_move(
    commitment: Commitment,
    *,
    actor: User,
    move: str,
    fields: Iterable[str],
    reason: str = "",
) -> None:
    # The history row gets the actor even outside a request (API token, Celery, shell), and a
    # change reason naming the move, so the audit trail reads as the office's own log.
    commitment._history_user = acting_person(actor)  # type: ignore[attr-defined]
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


# What a move changes besides the status: gets the locked row, sets fields on it (and may write
# rows of its own, such as a progress report), returns the names of the fields it set.
Changes = Callable[[Commitment], Iterable[str]]


def make_move(
    *,
    commitment: Commitment,
    actor: User,
    move: str,
    reason: str = "",
    changes: Changes | None = None,
) -> Commitment:
    """Lock, check, apply `changes`, save with the move's history reason, announce.

    Call inside the caller's transaction. A move of `REASON_REQUIRED` is refused without a
    reason. The status becomes the move's target; a move whose target is the current status (a
    report on work in progress) keeps the status and its reason.
    """
    current = lock_commitment(commitment)
    check_move(commitment=current, actor=actor, move=move)
    # After the state check: "not possible from here" tells more than "reason missing".
    if move in REASON_REQUIRED:
        reason = required_text(reason, field="reason", message=str(REASON_REQUIRED[move]))
    fields = list(changes(current)) if changes is not None else []
    target = TRANSITIONS[move].target
    assert target is not None
    old_status = current.status
    if target != old_status:
        current.status = target
        current.status_reason = reason
        fields += ["status", "status_reason"]
    save_move(current, actor=actor, move=move, reason=reason, fields=fields)
    _announce(current, old_status=old_status, actor=actor)
    notice_for_move(commitment=current, move=move, actor=actor, reason=reason)
    return sync_instance(commitment, current)


def _announce(commitment: Commitment, *, old_status: str, actor: User) -> None:
    # Listeners (webhooks) hear every status change; closing is also its own event.
    if commitment.status == old_status:
        return
    commitment_event(
        commitment=commitment,
        event=WebhookEvent.STATUS_CHANGED,
        old_status=old_status,
        actor=actor,
    )
    if commitment.status == S.CLOSED:
        commitment_event(
            commitment=commitment, event=WebhookEvent.CLOSED, old_status=old_status, actor=actor
        )
