"""What the public reads on /public/ is the office's decision (向社会公开).

A unit proposes (a progress note's 申请公开, the description's 具体内容申请公开); the office
confirms, rewrites or declines. Until it does, /public/ shows what it confirmed before, or
nothing.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ..choices import Move
from ..models import Commitment, ProgressUpdate
from ..selectors.access import acting_person, user_may_publish
from .errors import ActorNotAllowed
from .workflow.transitions import lock_commitment, save_move, sync_instance


def publication_check(actor: User) -> None:
    """ActorNotAllowed unless `actor` decides what is published."""
    if not user_may_publish(actor):
        raise ActorNotAllowed(move=Move.PUBLISH, message=_("只有督办人员可以决定向社会公开的内容"))


@transaction.atomic
def progress_publish(*, update: ProgressUpdate, actor: User, public: bool = True) -> ProgressUpdate:
    """确认公开 (`public`) or 不予公开 / 撤回公开 a progress note; either way the unit's request
    is answered."""
    publication_check(actor)
    locked = ProgressUpdate.objects.select_for_update().get(pk=update.pk)
    locked.is_public = public
    locked.publish_requested = False
    locked._history_user = acting_person(actor)  # type: ignore[attr-defined]
    locked.save(update_fields=["is_public", "publish_requested"])
    return sync_instance(update, locked)


@transaction.atomic
def commitment_description_publish(
    *, commitment: Commitment, actor: User, text: str | None = None
) -> Commitment:
    """公开具体内容: the public reads `text`, or the description as it stands now when `text` is
    None; an empty text publishes nothing. The unit's request is answered either way."""
    publication_check(actor)
    current = lock_commitment(commitment)
    current.public_description = current.description if text is None else text.strip()
    current.description_publish_requested = False
    save_move(
        current,
        actor=actor,
        move=Move.PUBLISH,
        fields=["public_description", "description_publish_requested"],
    )
    return sync_instance(commitment, current)
