"""Webhooks: record a delivery per subscriber for each commitment event, then send it signed.

Receivers verify a delivery by computing
    HMAC-SHA256(secret, f"{X-Ledger-Timestamp}.{raw body}")
and comparing its hex digest with the `sha256=` value of X-Ledger-Signature. The timestamp is
inside the signed text so an old delivery cannot be replayed with a fresh timestamp.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from ..models import Commitment, WebhookDelivery, WebhookEvent, WebhookSubscription
from ..selectors.office import office_language
from .http import NO_ANSWER, HttpAnswer, http_post_json
from .links import commitment_admin_url

SIGNATURE_HEADER = "X-Ledger-Signature"
TIMESTAMP_HEADER = "X-Ledger-Timestamp"
TIMEOUT_SECONDS = 10
_ERROR_LIMIT = 2000


class WebhookDeliveryError(Exception):
    """A delivery attempt failed and may be retried."""


def sign(*, secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def signature_is_valid(*, secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret=secret, timestamp=timestamp, body=body), signature)


def commitment_payload(
    *, commitment: Commitment, event: str, old_status: str = "", today: date | None = None
) -> dict[str, Any]:
    """What a subscriber receives: ids, names, dates and states; no personal data."""
    # A machine reads this: the label stays in the office's language, whoever made the move.
    with office_language():
        status_display = str(commitment.get_status_display())
    data: dict[str, Any] = {
        "event": event,
        "occurred_at": timezone.now().isoformat(),
        "commitment": {
            "id": commitment.pk,
            "title": commitment.title,
            "lead_unit": {"id": commitment.lead_unit_id, "name": commitment.lead_unit.name},
            "document_id": commitment.document_id,
            "status": commitment.status,
            "status_display": status_display,
            "deadline": commitment.deadline.isoformat() if commitment.deadline else None,
            "original_deadline": (
                commitment.original_deadline.isoformat() if commitment.original_deadline else None
            ),
            "completed_on": (
                commitment.completed_on.isoformat() if commitment.completed_on else None
            ),
            "finished_on_time": commitment.finished_on_time,
            "is_public": commitment.is_public,
            "url": commitment_admin_url(commitment.pk),
        },
    }
    if old_status:
        data["old_status"] = old_status
    if today is not None:
        data["as_of"] = today.isoformat()
    return data


def _subscribers(event: str) -> list[WebhookSubscription]:
    # The table is small and JSON "contains" is not portable to SQLite: filter here.
    return [s for s in WebhookSubscription.objects.filter(is_active=True) if event in s.events]


# How a recorded delivery is sent once its transaction commits: the Celery task's `delay`,
# handed over by commitments.apps at start-up, so that this module never imports the tasks
# (which import it). Without a sender, deliveries stay pending until the daily sweep.
_sender: Callable[[int], object] | None = None


def webhook_sender_set(sender: Callable[[int], object]) -> None:
    global _sender
    _sender = sender


def _queue(deliveries: Iterable[WebhookDelivery]) -> None:
    if _sender is None:
        return
    for delivery in deliveries:
        transaction.on_commit(functools.partial(_sender, delivery.pk))


@transaction.atomic
def webhook_deliveries_create(
    *, commitment: Commitment, event: str, old_status: str = ""
) -> list[WebhookDelivery]:
    """One delivery per active subscriber of `event`, sent after the surrounding commit."""
    if event not in WebhookEvent.values:
        raise ValueError(f"unknown webhook event: {event}")
    subscribers = _subscribers(event)
    if not subscribers:
        return []
    payload = json.loads(
        json.dumps(
            commitment_payload(commitment=commitment, event=event, old_status=old_status),
            cls=DjangoJSONEncoder,
        )
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(subscription=s, commitment=commitment, event=event, payload=payload)
            for s in subscribers
        ]
    )
    _queue(deliveries)
    return deliveries


@transaction.atomic
def webhook_overdue_sweep(*, today: date) -> int:
    """Emit "overdue" once per subscriber per overdue episode (commitment + deadline in force).

    Safe to run any number of times a day; an extended deadline that passes again is a new episode.
    """
    subscribers = _subscribers(WebhookEvent.OVERDUE)
    if not subscribers:
        return 0
    sent = set(
        WebhookDelivery.objects.filter(
            subscription__in=subscribers, dedupe_key__startswith="overdue:"
        ).values_list("subscription_id", "dedupe_key")
    )
    new: list[WebhookDelivery] = []
    for commitment in Commitment.objects.overdue(today).select_related("lead_unit"):
        key = f"overdue:{commitment.pk}:{commitment.deadline.isoformat()}"
        payload: dict[str, Any] | None = None
        for subscription in subscribers:
            if (subscription.pk, key) in sent:
                continue
            if payload is None:
                payload = commitment_payload(
                    commitment=commitment, event=WebhookEvent.OVERDUE, today=today
                )
            new.append(
                WebhookDelivery(
                    subscription=subscription,
                    commitment=commitment,
                    event=WebhookEvent.OVERDUE,
                    payload=payload,
                    dedupe_key=key,
                )
            )
    created = WebhookDelivery.objects.bulk_create(new)
    _queue(created)
    return len(created)


def _post(*, url: str, secret: str, body: bytes, event: str, delivery_id: int) -> HttpAnswer:
    timestamp = str(int(time.time()))
    return http_post_json(
        url,
        body,
        agent="commitments-ledger-webhook/1",
        timeout=TIMEOUT_SECONDS,
        headers={
            "X-Ledger-Event": event,
            "X-Ledger-Delivery": str(delivery_id),
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(secret=secret, timestamp=timestamp, body=body),
        },
        read=0,  # the status is the receiver's whole answer
    )


def webhook_delivery_attempt(*, delivery_id: int, final: bool = False) -> WebhookDelivery:
    """Send one delivery once. Raises WebhookDeliveryError to ask for a retry, unless `final`.

    No transaction is held while waiting for the subscriber's server.
    """
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    if delivery.status in (WebhookDelivery.Status.SUCCEEDED, WebhookDelivery.Status.FAILED):
        return delivery  # a duplicate task: already settled
    subscription = delivery.subscription
    body = json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()
    code: int | None = None
    error = ""
    try:
        answer = _post(
            url=subscription.url,
            secret=subscription.secret,
            body=body,
            event=delivery.event,
            delivery_id=delivery.pk,
        )
    except NO_ANSWER as exc:
        error = f"{type(exc).__name__}: {exc}"
    else:
        code = answer.status
        if not answer.ok:
            error = f"HTTP {answer.status} {answer.reason}"
    delivery.attempts += 1
    delivery.response_code = code
    delivery.last_error = error[:_ERROR_LIMIT]
    if not error and code is not None and 200 <= code < 300:
        delivery.status = WebhookDelivery.Status.SUCCEEDED
        delivery.delivered_at = timezone.now()
    elif final or not subscription.is_active:
        delivery.status = WebhookDelivery.Status.FAILED
    else:
        delivery.status = WebhookDelivery.Status.RETRYING
    delivery.save(
        update_fields=["attempts", "response_code", "last_error", "status", "delivered_at"]
    )
    if delivery.status == WebhookDelivery.Status.RETRYING:
        raise WebhookDeliveryError(error)
    return delivery


@transaction.atomic
def webhook_delivery_retry(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a failed delivery again (the admin's 重新发送)."""
    if delivery.status == WebhookDelivery.Status.SUCCEEDED:
        return delivery
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.save(update_fields=["status"])
    _queue([delivery])
    return delivery


@transaction.atomic
def webhook_deliveries_requeue_stale(*, created_before: datetime) -> int:
    """Queue again the deliveries still unsettled long after their retries should have ended
    (a worker lost them: killed, or the broker was emptied). Sending twice is possible in that
    rare case, so receivers de-duplicate on X-Ledger-Delivery."""
    stale = list(
        WebhookDelivery.objects.filter(
            status__in=(WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRYING),
            created_at__lt=created_before,
            subscription__is_active=True,
        ).only("pk")
    )
    _queue(stale)
    return len(stale)
