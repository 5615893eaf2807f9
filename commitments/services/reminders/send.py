"""Send: digests over one SMTP connection per chunk, failures retried with backoff."""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING

from django.db import models, transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from .dispatch import Dispatch

from ...models import ReminderMessage
from .config import reminder_config
from .mail import ReminderOutbox
from .sql import take_pending

logger = logging.getLogger(__name__)


@dataclass
class SendResult:
    sent: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def _record_outcomes(
    *,
    token: str,
    accepted: Sequence[int],
    failures: Sequence[tuple[ReminderMessage, str]],
    result: SendResult,
) -> None:
    """One UPDATE for the accepted messages, one for the failed ones, whatever their number."""
    now = timezone.now()
    if accepted:
        ReminderMessage.objects.filter(id__in=list(accepted), send_token=token).update(
            status=ReminderMessage.Status.SENT, sent_at=now, last_error=""
        )
        result.sent.extend(accepted)
    if not failures:
        return
    limit = reminder_config().max_attempts
    final = [m.id for m, _error in failures if m.attempts >= limit]
    ReminderMessage.objects.filter(id__in=[m.id for m, _e in failures], send_token=token).update(
        status=Case(
            When(id__in=final, then=Value(ReminderMessage.Status.FAILED.value)),
            default=Value(ReminderMessage.Status.PENDING.value),
        ),
        last_error=Case(
            *(When(id=m.id, then=Value(error[:2000])) for m, error in failures),
            output_field=models.TextField(),
        ),
        queued_at=now,
        sending_since=None,
    )
    for message, _error in failures:
        (result.failed if message.id in final else result.retry).append(message.id)


def reminder_messages_send(*, message_ids: Sequence[int]) -> SendResult:
    """Send the still-pending messages among `message_ids` over one SMTP connection, marking
    them sent every REMINDER_MARK_SENT_EVERY and recording failures at the end (see the module
    docstring for the one window this leaves, and how it is recovered)."""
    result = SendResult()
    token = uuid.uuid4().hex
    messages = take_pending(message_ids, token)
    if not messages:
        return result
    outbox = ReminderOutbox()
    mark_every = reminder_config().mark_sent_every
    accepted: list[int] = []
    failures: list[tuple[ReminderMessage, str]] = []
    try:
        for message in messages:
            try:
                outbox.send(message)
            except Exception as exc:  # one recipient must not stop the others
                logger.warning("reminder %s to %s failed: %s", message.id, message.recipient, exc)
                failures.append((message, f"{type(exc).__name__}: {exc}"))
                outbox.reset()
            else:
                accepted.append(message.id)
                if len(accepted) >= mark_every:
                    # Keeps the accepted-but-unrecorded window (module docstring) small.
                    _record_outcomes(token=token, accepted=accepted, failures=(), result=result)
                    accepted = []
    finally:
        # Also when the task is interrupted: what the server accepted is recorded now, the
        # rest stays `sending` until the lease runs out.
        outbox.close()
        _record_outcomes(token=token, accepted=accepted, failures=failures, result=result)
    return result


def reminder_retry_countdown(retries: int) -> float:
    """Exponential backoff with jitter: base·2^retries, capped, then a random 50–100 % of it."""
    config = reminder_config()
    base, cap = float(config.retry_base_seconds), float(config.retry_max_seconds)
    ceiling = min(cap, base * (2**retries))
    return ceiling * random.uniform(0.5, 1.0)  # jitter, not security


def reminder_messages_requeue_stale(*, dispatch: Dispatch) -> int:
    """Re-dispatch pending messages whose task was lost, and (at-least-once, see above) messages
    stuck in `sending` longer than the lease. Sending is idempotent, so a spare dispatch is
    harmless."""
    now = timezone.now()
    config = reminder_config()
    lease = timedelta(seconds=config.sending_lease_seconds)
    ReminderMessage.objects.filter(
        status=ReminderMessage.Status.SENDING, sending_since__lt=now - lease
    ).update(
        status=ReminderMessage.Status.PENDING,
        queued_at=None,
        last_error=_("上次发送中断,结果未知,将重新发送"),
    )
    cutoff = now - timedelta(seconds=config.requeue_after_seconds)
    chunk = config.recipient_batch
    stale = ReminderMessage.objects.filter(status=ReminderMessage.Status.PENDING).filter(
        Q(queued_at__isnull=True) | Q(queued_at__lt=cutoff)
    )
    total = 0
    last_id = 0
    while True:
        ids = list(stale.filter(id__gt=last_id).order_by("id").values_list("id", flat=True)[:chunk])
        if not ids:
            return total
        last_id = ids[-1]
        with transaction.atomic():
            ReminderMessage.objects.filter(id__in=ids).update(queued_at=now)
            transaction.on_commit(partial(dispatch.send, ids))
        total += len(ids)


@transaction.atomic
def reminder_messages_retry(*, message_ids: Sequence[int], dispatch: Dispatch) -> int:
    """The office asks to try failed messages again (admin action)."""
    ids = list(
        ReminderMessage.objects.filter(
            id__in=list(message_ids), status=ReminderMessage.Status.FAILED
        ).values_list("id", flat=True)
    )
    if ids:
        ReminderMessage.objects.filter(id__in=ids).update(
            status=ReminderMessage.Status.PENDING, attempts=0, queued_at=timezone.now()
        )
        transaction.on_commit(partial(dispatch.send, ids))
    return len(ids)
