"""Celery tasks: thin wrappers that take primitive ids and call one service."""

from celery import shared_task

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
    from .selectors import office_today

    return webhook_overdue_sweep(today=office_today())
