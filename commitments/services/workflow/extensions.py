"""延期申请: a unit asks for a later deadline, the office approves or rejects.

Approval moves `Commitment.deadline`; `original_deadline` never changes and every request keeps
the deadline it wanted to replace (`deadline_before`), so the chain stays on record. Whether the
finished work was on time is decided by `selectors.statistics.on_time_deadline`: an extension
approved after the deadline in force had already passed does not make late work on time.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ...choices import Move, NoticeEvent, Role
from ...models import Commitment, DeadlineExtension
from ...selectors.access import actor_roles
from ...selectors.office import office_language
from ..errors import ActorNotAllowed, InvalidInput
from ..reminders.notices import notice_record
from .transitions import check_move, lock_commitment, required_text, save_move, sync_instance

# Who answers a request (approve or reject): the office.
DECIDERS: frozenset[str] = frozenset({Role.SUPERVISOR})


@transaction.atomic
def extension_request(
    *,
    commitment: Commitment,
    actor: User,
    requested_deadline: date,
    reason: str,
) -> DeadlineExtension:
    """The unit asks to move the deadline to `requested_deadline`, giving a reason."""
    current = lock_commitment(commitment)
    check_move(commitment=current, actor=actor, move=Move.REQUEST_EXTENSION)
    reason = required_text(reason, field="reason", message=str(_("请填写延期理由")))
    if current.deadline is None:
        raise InvalidInput(str(_("该事项没有完成时限,无需申请延期")), field="requested_deadline")
    if requested_deadline <= current.deadline:
        raise InvalidInput(
            str(_("申请的时限须晚于现行时限 %(deadline)s")) % {"deadline": current.deadline},
            field="requested_deadline",
        )
    if current.extensions.filter(status=DeadlineExtension.Status.PENDING).exists():
        raise InvalidInput(str(_("已有一份延期申请待审批")), field="requested_deadline")
    extension = DeadlineExtension(
        commitment=current,
        requested_by=actor,
        requested_deadline=requested_deadline,
        deadline_before=current.deadline,
        reason=reason,
    )
    extension._history_user = actor  # type: ignore[attr-defined]
    with office_language():
        extension._change_reason = str(Move.REQUEST_EXTENSION.label)  # type: ignore[attr-defined]
    extension.full_clean()
    extension.save()
    notice_record(
        commitment=current,
        event=NoticeEvent.REQUEST_EXTENSION,
        actor=actor,
        note=_extension_note(extension, reason),
    )
    return extension


def _extension_note(extension: DeadlineExtension, text: str) -> str:
    with office_language():
        line = str(_("现行时限 %(old)s，申请延至 %(new)s")) % {
            "old": extension.deadline_before,
            "new": extension.requested_deadline,
        }
    return f"{line}\n{text}" if text else line


def _decidable(extension: DeadlineExtension, actor: User) -> DeadlineExtension:
    locked = DeadlineExtension.objects.select_for_update().get(pk=extension.pk)
    commitment = lock_commitment(locked.commitment)
    locked.commitment = commitment
    if not DECIDERS & actor_roles(actor=actor, commitment=commitment):
        raise ActorNotAllowed(
            move=Move.DECIDE_EXTENSION, message=str(_("只有督办人员可以审批延期申请"))
        )
    if locked.status != DeadlineExtension.Status.PENDING:
        raise InvalidInput(
            str(_("该延期申请已审批(%(status)s)")) % {"status": locked.get_status_display()}
        )
    return locked


def _decide(extension: DeadlineExtension, *, actor: User, status: str, note: str) -> None:
    extension.status = status
    extension.decided_by = actor
    extension.decided_at = timezone.now()
    extension.decision_note = note
    extension._history_user = actor  # type: ignore[attr-defined]
    with office_language():
        extension._change_reason = str(extension.get_status_display())  # type: ignore[attr-defined]
    extension.full_clean()
    extension.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])


@transaction.atomic
def extension_approve(
    *, extension: DeadlineExtension, actor: User, note: str = ""
) -> DeadlineExtension:
    """The office grants the request: the commitment's deadline becomes the requested one."""
    locked = _decidable(extension, actor)
    commitment = locked.commitment
    if not commitment.is_open or commitment.status == Commitment.Status.SUBMITTED:
        raise InvalidInput(
            str(_("事项当前状态为「%(status)s」,不能再延期"))
            % {"status": commitment.get_status_display()}
        )
    _decide(
        locked, actor=actor, status=DeadlineExtension.Status.APPROVED, note=(note or "").strip()
    )
    old = commitment.deadline
    commitment.deadline = locked.requested_deadline
    with office_language():
        reason = str(_("批准延期 %(old)s → %(new)s")) % {"old": old, "new": commitment.deadline}
    save_move(
        commitment, actor=actor, move=Move.DECIDE_EXTENSION, reason=reason, fields=["deadline"]
    )
    notice_record(
        commitment=commitment,
        event=NoticeEvent.EXTENSION_APPROVED,
        actor=actor,
        note=_extension_note(locked, locked.decision_note),
    )
    sync_instance(extension, locked)
    return locked


@transaction.atomic
def extension_reject(*, extension: DeadlineExtension, actor: User, note: str) -> DeadlineExtension:
    """The office refuses the request, saying why; the deadline stays."""
    note = required_text(note, field="note", message=str(_("请填写不予批准的理由")))
    locked = _decidable(extension, actor)
    _decide(locked, actor=actor, status=DeadlineExtension.Status.REJECTED, note=note)
    notice_record(
        commitment=locked.commitment,
        event=NoticeEvent.EXTENSION_REJECTED,
        actor=actor,
        note=_extension_note(locked, note),
    )
    sync_instance(extension, locked)
    return locked
