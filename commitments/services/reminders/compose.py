"""Compose: put every undigested delivery of a recipient into one digest (ReminderMessage)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

if TYPE_CHECKING:
    from .dispatch import Dispatch

from ...choices import REMINDABLE_STATUSES
from ...models import ReminderDelivery, ReminderMessage
from ...selectors.office import office_language
from ...selectors.reminders import DELIVERY_SUBJECT_FIELDS
from .config import reminder_config
from .mail import DigestItem, DigestWriter, Kind
from .notices import notice_digest_render, notice_items
from .overlap import Overlap
from .send import SendResult, reminder_messages_send
from .sql import insert_returning, link_deliveries, undigested_recipient_batches


def compose(recipients: Sequence[str], *, today: date, notices: bool = False) -> list[int]:
    """Put every undigested delivery of these recipients into one new message each: their
    reminders, or (`notices`) their 办理通知, which go out in a digest of their own every few
    minutes (`notices.notice_digests_send`) rather than with the day's reminders."""
    with transaction.atomic(), office_language():
        deliveries = ReminderDelivery.objects.filter(
            recipient__in=list(recipients), message__isnull=True
        ).order_by()
        if notices:
            deliveries = deliveries.filter(log__kind=Kind.NOTICE)
        else:
            deliveries = deliveries.exclude(log__kind=Kind.NOTICE)
        if db_connection.features.has_select_for_update_skip_locked:
            deliveries = deliveries.select_for_update(skip_locked=True, of=("self",))
        rows = list(
            deliveries.values_list(
                "id",
                "log_id",
                "recipient",
                "role",
                *DELIVERY_SUBJECT_FIELDS,
                "log__commitment__lead_unit__name",
            )
        )
        # A notice, and a 催办's 催办人 and 意见, come from the Notice of their log.
        explained = notice_items(
            [row[1] for row in rows if row[4] in (Kind.NOTICE, Kind.MANUAL)]
            if notices or any(row[4] == Kind.MANUAL for row in rows)
            else []
        )
        items: dict[str, list[Any]] = defaultdict(list)
        delivery_ids: dict[str, list[int]] = defaultdict(list)
        dropped: list[int] = []
        for delivery_id, log_id, recipient, role, kind, cid, title, deadline, status, unit in rows:
            if notices:
                notice = explained.get(log_id)
                if notice is not None:
                    items[recipient].append(replace(notice, role=role))
                    delivery_ids[recipient].append(delivery_id)
                continue
            if status not in REMINDABLE_STATUSES:
                # Closed or cancelled since it was claimed: the claim stays, nothing is sent.
                dropped.append(delivery_id)
                continue
            items[recipient].append(
                DigestItem(kind, cid, title, unit, deadline, role, explained.get(log_id))
            )
            delivery_ids[recipient].append(delivery_id)
        if dropped:
            ReminderDelivery.objects.filter(id__in=dropped).delete()
        if not items:
            return []
        render = notice_digest_render if notices else DigestWriter(today).render
        digests = [(recipient, *render(items[recipient])) for recipient in sorted(items)]
        now = db_connection.ops.adapt_datetimefield_value(timezone.now())
        created = insert_returning(
            ReminderMessage,
            [
                ("recipient", "text"),
                ("subject", "text"),
                ("body_text", "text"),
                ("body_html", "text"),
            ],
            digests,
            ["id", "recipient"],
            constants=[
                ("status", ReminderMessage.Status.PENDING.value),
                ("attempts", 0),
                ("last_error", ""),
                ("send_token", ""),
                ("sweep_day", db_connection.ops.adapt_datefield_value(today)),
                ("created_at", now),
                ("queued_at", now),
            ],
            on_conflict=False,
        )
        link_deliveries(
            [
                (delivery, message)
                for message, recipient in created
                for delivery in delivery_ids[recipient]
            ]
        )
        return sorted(message for message, _recipient in created)


@dataclass
class _ComposeTotals:
    # Digests composed (inline), or compose tasks queued (queue: each composes and sends).
    messages: int = 0
    batches: int = 0


def compose_all(
    *, today: date, dispatch: Dispatch, only: Iterable[str] | None = None
) -> _ComposeTotals:
    """Compose digests for every recipient with undigested deliveries (or only these), a batch
    at a time, and hand them to `dispatch` once they are committed."""
    batch = reminder_config().recipient_batch
    totals = _ComposeTotals()
    if only is not None:
        wanted = sorted(set(only))
        groups: Iterator[list[str]] = (wanted[i : i + batch] for i in range(0, len(wanted), batch))
    else:
        groups = undigested_recipient_batches(batch)
        if dispatch.fans_out:
            # Each group is composed and sent by whichever worker takes it, over one SMTP
            # connection. A lost task leaves its deliveries undigested for the resume task.
            for recipients in groups:
                transaction.on_commit(partial(dispatch.compose, today, recipients))
                totals.messages += 1
                totals.batches += 1
            return totals
    # The digests of one batch may be sent on another connection while the next is composed.
    with Overlap(dispatch.send_threads) as sender:
        for recipients in groups:
            totals.batches += 1
            ids = compose(recipients, today=today)
            if ids:
                totals.messages += len(ids)
                transaction.on_commit(partial(sender.submit, partial(dispatch.send, ids)))
    return totals


def reminder_digests_compose_send(*, today: date, recipients: Sequence[str]) -> SendResult:
    """Compose the digests of these recipients and send them, plus any of their digests of
    the day still pending (a redelivered task finishes what its first run started)."""
    compose(recipients, today=today)
    ids = list(
        ReminderMessage.objects.filter(
            recipient__in=list(recipients),
            sweep_day=today,
            status=ReminderMessage.Status.PENDING,
        ).values_list("id", flat=True)
    )
    return reminder_messages_send(message_ids=ids)
