"""Celery tasks: thin wrappers that take primitive ids and call one service.

The services never import this module: a task decides how the batches a service hands on are
run (QUEUE), and the webhook sender is handed to the webhook service when the app starts
(commitments.apps), so the import graph runs one way, from here to the services.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from celery import shared_task
from celery.signals import worker_ready
from django.utils import timezone

from .selectors.office import office_today
from .services.channels.delivery import channel_messages_send
from .services.figures import figure_tally_refresh
from .services.reminders.compose import reminder_digests_compose_send
from .services.reminders.notices import notice_digests_send
from .services.reminders.send import reminder_messages_send, reminder_retry_countdown
from .services.reminders.sweep import reminder_sweep_run, reminder_sweeps_resume
from .services.webhooks import (
    WebhookDeliveryError,
    webhook_deliveries_requeue_stale,
    webhook_delivery_attempt,
    webhook_overdue_sweep,
)


@shared_task(
    bind=True,
    autoretry_for=(WebhookDeliveryError,),
    retry_backoff=5,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=8,
)
def deliver_webhook(self, delivery_id: int) -> None:
    """One attempt; Celery retries with exponential backoff; the last attempt marks it failed."""
    webhook_delivery_attempt(
        delivery_id=delivery_id, final=self.request.retries >= self.max_retries
    )


@shared_task
def webhook_overdue_sweep_task() -> int:
    """Daily: "overdue" events, and deliveries a lost worker left unsettled for a day."""
    webhook_deliveries_requeue_stale(created_before=timezone.now() - timedelta(days=1))
    return webhook_overdue_sweep(today=office_today())


@shared_task(ignore_result=True)
def figure_tally_refresh_task() -> None:
    """Every few minutes (beat): fold the dashboard's tally up to today, or count it again
    after a change of thresholds, so the office's dashboard does not wait for it."""
    figure_tally_refresh(today=office_today())


@shared_task(ignore_result=True)
def import_uploads_purge_task() -> int:
    """Every few minutes (beat): staged admin imports nobody confirmed within the hour."""
    from .services.import_uploads import import_uploads_purge

    return import_uploads_purge()


# --- e-mail reminders -------------------------------------------------------------------------


class QueueDispatch:
    """Reminder batches as tasks: each recipient batch is composed and sent by whichever worker
    takes it; each chunk of digests is sent by a task of its own."""

    fans_out = True
    send_threads = 0

    def compose(self, day: date, recipients: Sequence[str]) -> None:
        compose_reminder_digests.delay(day.isoformat(), list(recipients))

    def send(self, message_ids: Sequence[int]) -> None:
        send_reminder_messages.delay(list(message_ids))

    def send_robots(self, channel_ids: Sequence[int]) -> None:
        send_channel_messages.delay(list(channel_ids))


QUEUE = QueueDispatch()


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def reminder_sweep(self, day: str | None = None) -> None:
    """The daily sweep (beat). Safe to redeliver: every claim is unique per period."""
    reminder_sweep_run(today=date.fromisoformat(day) if day else None, dispatch=QUEUE)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def reminder_sweep_resume(self) -> None:
    """Finish what a killed worker left: unfinished sweeps, undigested items, lost sends."""
    reminder_sweeps_resume(dispatch=QUEUE)


@shared_task(
    bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True, max_retries=None
)
def send_reminder_messages(self, message_ids: list[int]) -> None:
    """Send a chunk over one SMTP connection; retry the ones that failed, with backoff + jitter.

    Redelivery is harmless: only messages still `pending` are taken. The number of tries is
    bounded per message (REMINDER_MAX_ATTEMPTS), after which it is marked failed for the admin.
    """
    result = reminder_messages_send(message_ids=message_ids)
    if result.retry:
        raise self.retry(
            args=[result.retry], countdown=reminder_retry_countdown(self.request.retries)
        )


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def compose_reminder_digests(self, day: str, recipients: list[str]) -> None:
    """One chunk of a sweep's fan-out: compose these recipients' digests and send them over
    one SMTP connection; failed ones go on with backoff as send_reminder_messages."""
    result = reminder_digests_compose_send(today=date.fromisoformat(day), recipients=recipients)
    if result.retry:
        send_reminder_messages.apply_async(
            args=[result.retry], countdown=reminder_retry_countdown(0)
        )


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_notice_digests(self) -> None:
    """Every few minutes (beat): one digest per recipient of the 办理通知 not yet e-mailed."""
    notice_digests_send(dispatch=QUEUE)


@worker_ready.connect
def _resume_reminders_when_a_worker_starts(sender: object = None, **kwargs: object) -> None:
    # A worker killed mid-sweep may have left claims undigested or a sweep unfinished; the
    # filesystem broker does not redeliver a task whose worker died, so look on every start.
    reminder_sweep_resume.delay()
    # After a deploy (new or migrated database) the tally is built before anyone asks for it.
    figure_tally_refresh_task.delay()


# --- group robots (钉钉 / 企业微信 / 飞书) -------------------------------------------------------


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_channel_messages(self, channel_ids: list[int]) -> None:
    """Post these robots' due messages, each robot paced; what must wait (pacing, a platform's
    rate limit, a retry's backoff) goes on in a new task with that countdown. Redelivery is
    harmless: only `pending` messages are taken."""
    report = channel_messages_send(channel_ids=channel_ids)
    if report.later:
        send_channel_messages.apply_async(
            args=[sorted(report.later)], countdown=min(report.later.values())
        )
