from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest

from commitments.models import WebhookDelivery, WebhookSubscription
from commitments.services.events import commitment_event
from commitments.services.webhooks import webhook_delivery_attempt, webhook_overdue_sweep
from commitments.tasks import deliver_webhook
from tests.factories import CommitmentFactory
from tests.outputs.conftest import SECRET

pytestmark = pytest.mark.django_db


def _subscribe(url: str, events: list[str], secret: str = SECRET) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        name="督查系统", url=url, secret=secret, events=events
    )


def test_delivery_is_signed_and_verified_by_a_real_local_http_server(
    receiver, django_capture_on_commit_callbacks
):
    # given
    _subscribe(receiver.url, ["status_changed"])
    commitment = CommitmentFactory(title="新建三所幼儿园")
    with django_capture_on_commit_callbacks() as callbacks:
        commitment_event(commitment=commitment, event="status_changed", old_status="assigned")
    [delivery] = WebhookDelivery.objects.all()
    assert len(callbacks) == 1  # queued only after the commit
    assert (callbacks[0].func, callbacks[0].args) == (deliver_webhook.delay, (delivery.pk,))
    # when
    webhook_delivery_attempt(delivery_id=delivery.pk)
    # then
    delivery.refresh_from_db()
    assert receiver.verdicts == [True]
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert (delivery.attempts, delivery.response_code) == (1, 204)
    [body] = receiver.received
    assert body["event"] == "status_changed" and body["old_status"] == "assigned"
    assert body["commitment"]["title"] == "新建三所幼儿园"


def test_receiver_rejects_a_delivery_signed_with_another_secret(receiver):
    _subscribe(receiver.url, ["created"], secret="not-the-receivers-secret")
    commitment_event(commitment=CommitmentFactory(), event="created")
    delivery = WebhookDelivery.objects.get()
    deliver_webhook.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert receiver.verdicts and not any(receiver.verdicts)
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.response_code == 401 and "401" in delivery.last_error


def test_task_retries_until_the_subscriber_answers(receiver):
    receiver.fail_first = 2
    _subscribe(receiver.url, ["closed"])
    commitment_event(commitment=CommitmentFactory(), event="closed")
    delivery = WebhookDelivery.objects.get()
    deliver_webhook.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert delivery.attempts == 3
    assert len(receiver.received) == 1


def test_unreachable_subscriber_is_recorded_and_retried():
    _subscribe("http://127.0.0.1:9/nothing-listens-here", ["created"])
    commitment_event(commitment=CommitmentFactory(), event="created")
    delivery = WebhookDelivery.objects.get()
    with pytest.raises(Exception, match="Error"):
        webhook_delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.RETRYING
    assert delivery.attempts == 1 and delivery.last_error
    webhook_delivery_attempt(delivery_id=delivery.pk, final=True)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED and delivery.attempts == 2


def test_only_active_subscribers_of_the_event_get_a_delivery():
    wanted = _subscribe("http://127.0.0.1:9/a", ["created", "closed"])
    _subscribe("http://127.0.0.1:9/b", ["overdue"])
    WebhookSubscription.objects.create(
        name="停用", url="http://127.0.0.1:9/c", secret="x", events=["created"], is_active=False
    )
    commitment_event(commitment=CommitmentFactory(), event="created")
    assert list(WebhookDelivery.objects.values_list("subscription", flat=True)) == [wanted.pk]


def test_overdue_is_emitted_once_per_overdue_episode():
    # given
    _subscribe("http://127.0.0.1:9/a", ["overdue"])
    today = date(2026, 6, 15)
    late = CommitmentFactory(deadline=today - timedelta(days=2))
    CommitmentFactory(deadline=today + timedelta(days=30))
    # when / then: a second sweep the same day or the next adds nothing
    assert webhook_overdue_sweep(today=today) == 1
    assert webhook_overdue_sweep(today=today) == 0
    assert webhook_overdue_sweep(today=today + timedelta(days=1)) == 0
    # an extended deadline that passes again is a new episode
    late.deadline = today + timedelta(days=3)
    late.save(update_fields=["deadline"])
    assert webhook_overdue_sweep(today=today + timedelta(days=5)) == 1
    assert WebhookDelivery.objects.filter(event="overdue", commitment=late).count() == 2


def test_subscription_rejects_unknown_events():
    from django.core.exceptions import ValidationError

    sub = WebhookSubscription(name="x", url="https://example.org/h", secret="k", events=["eaten"])
    with pytest.raises(ValidationError, match="未知事件"):
        sub.full_clean()


def test_creating_a_commitment_through_the_service_emits_created(unit):
    from commitments.services.ledger import commitment_create

    _subscribe("http://127.0.0.1:9/a", ["created"])
    commitment = commitment_create(title="建成社区食堂", lead_unit=unit)
    [delivery] = WebhookDelivery.objects.all()
    assert (delivery.event, delivery.commitment_id) == ("created", commitment.pk)
    assert delivery.payload["commitment"]["lead_unit"]["name"] == unit.name


def test_workflow_moves_emit_status_changed_and_closing_emits_closed(superuser):
    from commitments.models import Commitment
    from commitments.services.workflow.moves import commitment_assign, commitment_close

    _subscribe("http://127.0.0.1:9/a", ["status_changed", "closed"])
    draft = CommitmentFactory(status=Commitment.Status.DRAFT)
    commitment_assign(commitment=draft, actor=superuser)
    verified = CommitmentFactory(
        status=Commitment.Status.VERIFIED, completed_on=date(2026, 6, 1), finished_on_time=True
    )
    commitment_close(commitment=verified, actor=superuser)
    events = list(WebhookDelivery.objects.order_by("id").values_list("commitment", "event"))
    assert events == [
        (draft.pk, "status_changed"),
        (verified.pk, "status_changed"),
        (verified.pk, "closed"),
    ]
    closed = WebhookDelivery.objects.get(event="closed")
    assert closed.payload["old_status"] == "verified"
    assert closed.payload["commitment"]["status"] == "closed"


def test_unsettled_deliveries_a_lost_worker_left_are_queued_again(
    django_capture_on_commit_callbacks,
):
    from datetime import datetime

    from commitments.services.webhooks import webhook_deliveries_requeue_stale

    _subscribe("http://127.0.0.1:9/a", ["created"])
    commitment_event(commitment=CommitmentFactory(), event="created")
    commitment_event(commitment=CommitmentFactory(), event="created")
    old, done = WebhookDelivery.objects.order_by("id")
    WebhookDelivery.objects.filter(pk=old.pk).update(
        created_at=datetime(2026, 1, 1, tzinfo=UTC), status="retrying"
    )
    WebhookDelivery.objects.filter(pk=done.pk).update(
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        status="succeeded",
        delivered_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    with django_capture_on_commit_callbacks() as callbacks:
        count = webhook_deliveries_requeue_stale(created_before=datetime(2026, 1, 2, tzinfo=UTC))
    assert count == 1 and len(callbacks) == 1
