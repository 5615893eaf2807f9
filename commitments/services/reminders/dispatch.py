"""How the batches a sweep hands on are run: the caller decides, the services only hand on.

A Celery task passes the queue (commitments.tasks.QUEUE: each recipient batch becomes a
`compose_reminder_digests` task, each chunk of digests a `send_reminder_messages` task); the
`send_reminders` command and tests pass INLINE (everything in this process, digests sent on a
second connection while the next batch is composed). Batches are handed on only once the
transaction that wrote them has committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from ..channels.delivery import channel_messages_send_inline
from .compose import reminder_digests_compose_send
from .send import reminder_messages_send


class Dispatch(Protocol):
    # True: every recipient batch goes to `compose` (composed and sent elsewhere); False: the
    # sweep composes here and hands the digests to `send`.
    fans_out: bool
    # Threads that send while the next batch is composed (0: in the caller's thread).
    send_threads: int

    def compose(self, day: date, recipients: Sequence[str]) -> None: ...

    def send(self, message_ids: Sequence[int]) -> None: ...

    # Post the due messages of these group robots (services/channels/), each robot paced.
    def send_robots(self, channel_ids: Sequence[int]) -> None: ...


class InlineDispatch:
    """Everything in this process, one batch after the other."""

    fans_out = False
    send_threads = 1

    def compose(self, day: date, recipients: Sequence[str]) -> None:
        reminder_digests_compose_send(today=day, recipients=recipients)

    def send(self, message_ids: Sequence[int]) -> None:
        reminder_messages_send(message_ids=message_ids)

    def send_robots(self, channel_ids: Sequence[int]) -> None:
        channel_messages_send_inline(channel_ids)


INLINE: Dispatch = InlineDispatch()
