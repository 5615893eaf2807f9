"""更正时限: the office corrects a commitment's deadline, saying why.

Besides an approved extension this is the one way a handed-off deadline changes (the edit form
and the API refuse it, see `services.ledger.commitment_update`). The reason goes into the
history with the old and the new date, and the unit is told.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ...choices import Move, NoticeEvent
from ...models import Commitment
from ...selectors.office import office_language
from ..errors import InvalidInput
from ..reminders.notices import notice_record
from .transitions import check_move, lock_commitment, required_text, sync_instance


@transaction.atomic
def commitment_deadline_correct(
    *, commitment: Commitment, actor: User, deadline: date | None, reason: str
) -> Commitment:
    """Set the deadline to `deadline` (None: no date, e.g. turned 长期) with a reason.

    The original deadline is corrected as well while no extension was ever approved: the
    first date was then simply wrong, and on-time is judged against the corrected one."""
    current = lock_commitment(commitment)
    # Office only, open work only (a finished one is reopened first): TRANSITIONS says so.
    check_move(commitment=current, actor=actor, move=Move.CORRECT_DEADLINE)
    reason = required_text(reason, field="reason", message=str(_("请填写更正时限的理由")))
    old = current.deadline
    if deadline == old:
        raise InvalidInput(str(_("新的完成时限与现行时限相同")), field="deadline")
    current.deadline = deadline
    fields = ["deadline"]
    if not current.extensions.filter(status="approved").exists():
        current.original_deadline = deadline
        fields.append("original_deadline")
    if deadline is not None and current.deadline_pending:
        current.deadline_pending = False
        fields.append("deadline_pending")
    with office_language():
        change = str(_("%(old)s → %(new)s")) % {"old": old or "—", "new": deadline or "—"}
        current._change_reason = f"{_('更正时限')}：{reason}（{change}）"  # type: ignore[attr-defined]
    current._history_user = actor  # type: ignore[attr-defined]
    current.full_clean()
    current.save(update_fields=[*fields, "updated_at"])
    notice_record(
        commitment=current,
        event=NoticeEvent.DEADLINE_CORRECTED,
        actor=actor,
        note=f"{change}\n{reason}",
    )
    return sync_instance(commitment, current)
