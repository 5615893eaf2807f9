"""Celery tasks: thin wrappers that take primitive ids and call one service."""

from celery import shared_task
from celery.signals import worker_ready

from .services.webhooks import WebhookDeliveryError, webhook_delivery_attempt, webhook_overdue_sweep


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
    from datetime import timedelta

    from django.utils import timezone

    from .selectors import office_today
    from .services.webhooks import webhook_deliveries_requeue_stale

    webhook_deliveries_requeue_stale(created_before=timezone.now() - timedelta(days=1))
    return webhook_overdue_sweep(today=office_today())


# --- e-mail reminders -------------------------------------------------------------------------


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def reminder_sweep(self, day: str | None = None) -> None:
    """The daily sweep (beat). Safe to redeliver: every claim is unique per period."""
    from datetime import date

    from .services.reminders import reminder_sweep_run

    reminder_sweep_run(today=date.fromisoformat(day) if day else None, dispatch="queue")


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def reminder_sweep_resume(self) -> None:
    """Finish what a killed worker left: unfinished sweeps, undigested items, lost sends."""
    from .services.reminders import reminder_sweeps_resume

    reminder_sweeps_resume(dispatch="queue")


@shared_task(
    bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True, max_retries=None
)
def send_reminder_messages(self, message_ids: list[int]) -> None:
    """Send a chunk over one SMTP connection; retry the ones that failed, with backoff + jitter.

    Redelivery is harmless: only messages still `pending` are taken. The number of tries is
    bounded per message (REMINDER_MAX_ATTEMPTS), after which it is marked failed for the admin.
    """
    from .services.reminders import reminder_messages_send, reminder_retry_countdown

    result = reminder_messages_send(message_ids=message_ids)
    if result.retry:
        raise self.retry(
            args=[result.retry], countdown=reminder_retry_countdown(self.request.retries)
        )


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def compose_reminder_digests(self, day: str, recipients: list[str]) -> None:
    """One chunk of a sweep's fan-out: compose these recipients' digests and send them over
    one SMTP connection; failed ones go on with backoff as send_reminder_messages."""
    from datetime import date

    from .services.reminders import reminder_digests_compose_send, reminder_retry_countdown

    result = reminder_digests_compose_send(today=date.fromisoformat(day), recipients=recipients)
    if result.retry:
        send_reminder_messages.apply_async(
            args=[result.retry], countdown=reminder_retry_countdown(0)
        )


@worker_ready.connect
def _resume_reminders_when_a_worker_starts(sender: object = None, **kwargs: object) -> None:
    # A worker killed mid-sweep may have left claims undigested or a sweep unfinished; the
    # filesystem broker does not redeliver a task whose worker died, so look on every start.
    reminder_sweep_resume.delay()


# --- group robots (钉钉 / 企业微信 / 飞书) -------------------------------------------------------


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_channel_messages(self, channel_ids: list[int]) -> None:
    """Post these robots' due messages, each robot paced; what must wait (pacing, a platform's
    rate limit, a retry's backoff) goes on in a new task with that countdown. Redelivery is
    harmless: only `pending` messages are taken."""
    from .services.channels.delivery import channel_messages_send

    report = channel_messages_send(channel_ids=channel_ids)
    if report.later:
        send_channel_messages.apply_async(
            args=[sorted(report.later)], countdown=min(report.later.values())
        )
