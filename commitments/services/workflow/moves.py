"""The commitment's life: one typed function per move, all made by `transitions.make_move`.

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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ...choices import Move, Status
from ...models import Commitment, ProgressUpdate
from ...selectors.access import acting_person, user_may_publish
from ...selectors.office import office_today
from ...selectors.statistics import on_time_deadline
from ..errors import InvalidInput
from ..evidence import evidence_add, evidence_validate
from .transitions import (
    Changes,
    check_move,
    lock_commitment,
    make_move,
    required_text,
    save_move,
)


def _setting(**values: object) -> Changes:
    """A `changes` callback that sets these fields to these values."""

    def changes(current: Commitment) -> list[str]:
        for name, value in values.items():
            setattr(current, name, value)
        return list(values)

    return changes


@transaction.atomic
def commitment_assign(
    *,
    commitment: Commitment,
    actor: User,
    requirements: str = "",
    reason: str = "",
    imported: bool = False,
) -> Commitment:
    """交办: the office hands the drafted commitment to its responsible unit, with its 办理要求.

    Refused without a lead unit, and without either a deadline or the 长期 mark: a missing
    date must be a decision ("standing work"), not an oversight the unit reads as "no hurry".
    The unit is told (办理通知) with the requirements. `imported`: a row of an Excel 台账 whose
    hand-off happened before the ledger; it is recorded as the sheet has it."""

    def hand_off(current: Commitment) -> list[str]:
        if current.lead_unit_id is None:
            raise InvalidInput(str(_("交办前请指定牵头单位")), field="lead_unit")
        if current.deadline is None and not current.is_long_term and not imported:
            raise InvalidInput(
                str(_("交办前请填写完成时限，或将事项标记为「长期」")), field="deadline"
            )
        current.assigned_at = timezone.now()
        fields = ["assigned_at"]
        text = (requirements or "").strip()
        if text:
            current.requirements = text
            fields.append("requirements")
        return fields

    return make_move(
        commitment=commitment, actor=actor, move=Move.ASSIGN, reason=reason, changes=hand_off
    )


@transaction.atomic
def commitment_accept(*, commitment: Commitment, actor: User, reason: str = "") -> Commitment:
    """签收: the unit acknowledges the work."""
    return make_move(
        commitment=commitment,
        actor=actor,
        move=Move.ACCEPT,
        reason=reason,
        changes=_setting(accepted_at=timezone.now()),
    )


@transaction.atomic
def commitment_start(*, commitment: Commitment, actor: User, reason: str = "") -> Commitment:
    """开始办理: explicit start; a first progress report does the same implicitly."""
    return make_move(commitment=commitment, actor=actor, move=Move.START, reason=reason)


def _progress_record(
    current: Commitment, *, actor: User, text: str, percent: int, is_public: bool
) -> ProgressUpdate:
    """The one writer of progress reports: the report, and when the commitment last reported
    (the caller saves the commitment). `is_public` asks for the note to be published: the
    office's own note is at once, a unit's waits for the office's confirmation (申请公开, see
    services.publication)."""
    author = acting_person(actor)
    published = is_public and user_may_publish(actor)
    update = ProgressUpdate(
        commitment=current,
        author=author,
        text=required_text(text, field="text", message=str(_("请填写进展情况"))),
        percent=percent,
        is_public=published,
        publish_requested=is_public and not published,
    )
    update._history_user = author  # type: ignore[attr-defined]
    update.full_clean()
    update.save()
    current.last_progress_at = update.created_at
    return update


@transaction.atomic
def commitment_report_progress(
    *,
    commitment: Commitment,
    actor: User,
    text: str,
    percent: int,
    is_public: bool = False,
) -> ProgressUpdate:
    """报送进展: record a report; accepted or returned work becomes in progress.

    The one writer of progress reports: the report and the commitment's "last reported" move
    together, under the same state and role check as every other move."""
    reports: list[ProgressUpdate] = []

    def record(current: Commitment) -> list[str]:
        reports.append(
            _progress_record(current, actor=actor, text=text, percent=percent, is_public=is_public)
        )
        return ["last_progress_at"]

    make_move(commitment=commitment, actor=actor, move=Move.REPORT, changes=record)
    return reports[0]


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
    note = required_text(evidence_text, field="evidence_text", message=str(_("请填写办结情况说明")))
    # Every check before the first file is stored: a rollback removes rows, not stored files.
    check_move(commitment=lock_commitment(commitment), actor=actor, move=Move.SUBMIT)
    files = list(files)
    for file in files:
        evidence_validate(file=file)
    for file in files:
        evidence_add(commitment=commitment, actor=actor, file=file)
    return make_move(
        commitment=commitment,
        actor=actor,
        move=Move.SUBMIT,
        changes=_setting(completion_note=note, completed_on=office_today()),
    )


@transaction.atomic
def commitment_verify(*, commitment: Commitment, actor: User, note: str = "") -> Commitment:
    """复核通过: the office confirms the work; on-time is decided now and stored.

    `finished_on_time` compares `completed_on` with the deadline in force when the work was
    done (see `selectors.statistics.on_time_deadline`), so statistics stay a cheap query.
    """

    def judge(current: Commitment) -> list[str]:
        deadline = on_time_deadline(current)
        current.finished_on_time = (
            None
            if deadline is None or current.completed_on is None
            else current.completed_on <= deadline
        )
        return ["finished_on_time"]

    return make_move(
        commitment=commitment,
        actor=actor,
        move=Move.VERIFY,
        reason=(note or "").strip(),
        changes=judge,
    )


@transaction.atomic
def commitment_close(*, commitment: Commitment, actor: User) -> Commitment:
    """销号: the verified commitment leaves the ledger's open list for good."""
    return make_move(commitment=commitment, actor=actor, move=Move.CLOSE)


@transaction.atomic
def commitment_return(*, commitment: Commitment, actor: User, reason: str) -> Commitment:
    """退回: the reviewer rejects the closure; the work is not done, so no completion day."""
    changes = _setting(completed_on=None, finished_on_time=None)
    return make_move(
        commitment=commitment, actor=actor, move=Move.RETURN, reason=reason, changes=changes
    )


@transaction.atomic
def commitment_cancel(*, commitment: Commitment, actor: User, reason: str) -> Commitment:
    """撤销: the commitment is dropped, with a reason; it stays on record (never deleted)."""
    changes = _setting(finished_on_time=None)
    return make_move(
        commitment=commitment, actor=actor, move=Move.CANCEL, reason=reason, changes=changes
    )


@transaction.atomic
def commitment_reopen(*, commitment: Commitment, actor: User, reason: str) -> Commitment:
    """重新打开: a finished or cancelled commitment is handed to the unit again.

    The earlier completion no longer counts: completion day, on-time flag and completion note
    are cleared (they remain in the history), and the unit signs for the work again.
    """
    return make_move(
        commitment=commitment,
        actor=actor,
        move=Move.REOPEN,
        reason=reason,
        changes=_setting(
            completed_on=None,
            finished_on_time=None,
            completion_note="",
            assigned_at=timezone.now(),
            accepted_at=None,
        ),
    )


# The moves that bring a new (draft) commitment to the state an imported 台账 row records.
# Finished work (submitted, verified, closed) is not imported: it is closed inside the ledger,
# where the review and on-time rules apply.
IMPORT_PATHS: dict[str, tuple[Move, ...]] = {
    Status.DRAFT: (),
    Status.ASSIGNED: (Move.ASSIGN,),
    Status.ACCEPTED: (Move.ASSIGN, Move.ACCEPT),
    Status.IN_PROGRESS: (Move.ASSIGN, Move.ACCEPT, Move.START),
    Status.RETURNED: (Move.ASSIGN, Move.ACCEPT, Move.SUBMIT, Move.RETURN),
    Status.CANCELLED: (Move.CANCEL,),
}


@transaction.atomic
def commitment_import_state(
    *, commitment: Commitment, actor: User, status: str, note: str = "", progress: str = ""
) -> Commitment:
    """An imported row's state: the new draft is moved along `IMPORT_PATHS[status]` by the
    move functions (checks, history, events as for any move), with the row's 备注 as their
    reason; its 进展情况 is recorded as the report it was, without moving the state."""
    steps: dict[str, Callable[..., Commitment]] = {
        Move.ASSIGN: partial(commitment_assign, imported=True),
        Move.ACCEPT: commitment_accept,
        Move.START: commitment_start,
        Move.RETURN: commitment_return,
        Move.CANCEL: commitment_cancel,
    }
    for move in IMPORT_PATHS[status]:
        if move == Move.SUBMIT:
            # A returned row was submitted once; its note stands for what was said then.
            commitment = commitment_submit(commitment=commitment, actor=actor, evidence_text=note)
        else:
            commitment = steps[move](commitment=commitment, actor=actor, reason=note)
    if progress:
        current = lock_commitment(commitment)
        _progress_record(current, actor=actor, text=progress, percent=0, is_public=False)
        save_move(current, actor=actor, move=Move.REPORT, fields=["last_progress_at"])
        commitment.last_progress_at = current.last_progress_at
    return commitment
