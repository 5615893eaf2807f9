"""Sending over a real SMTP server in-process: failures, retries, at-least-once recovery."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commitments.models import Commitment, ReminderMessage, ReminderSweep
from commitments.services.reminders.dispatch import INLINE
from commitments.services.reminders.send import (
    reminder_messages_requeue_stale,
    reminder_messages_send,
    reminder_retry_countdown,
)
from commitments.services.reminders.sweep import reminder_sweep_run
from tests.factories import UnitFactory

from .conftest import days, make_commitment

pytestmark = pytest.mark.django_db


def _messages_for(run_sweep, today, addresses: list[str]) -> list[int]:
    for address in addresses:
        make_commitment(unit=UnitFactory(contact_emails=address), deadline=today - days(1))
    from commitments.services.reminders.sweep import reminder_sweep_run

    # Composed now; the send waits for a commit that never comes in this test's transaction.
    reminder_sweep_run(today=today, dispatch=INLINE)
    return list(ReminderMessage.objects.order_by("recipient").values_list("id", flat=True))


def test_one_refused_recipient_does_not_stop_the_others_and_fails_after_max_attempts(
    smtp, today, settings, run_sweep
):
    settings.LEDGER = {**settings.LEDGER, "REMINDER_MAX_ATTEMPTS": 2}
    smtp.handler.refuse_rcpt = {"b@example.org"}
    ids = _messages_for(run_sweep, today, ["a@example.org", "b@example.org", "c@example.org"])

    first = reminder_messages_send(message_ids=ids)

    assert sorted(r.rcpt_tos[0] for r in smtp.received) == ["a@example.org", "c@example.org"]
    refused = ReminderMessage.objects.get(recipient="b@example.org")
    assert first.retry == [refused.id] and refused.status == ReminderMessage.Status.PENDING
    assert "550" in refused.last_error

    second = reminder_messages_send(message_ids=ids)

    refused.refresh_from_db()
    assert second.failed == [refused.id] and second.sent == []
    assert refused.status == ReminderMessage.Status.FAILED and refused.attempts == 2
    assert len(smtp.received) == 2  # nothing sent twice


def test_a_message_is_sent_only_while_pending(smtp, today, run_sweep):
    ids = _messages_for(run_sweep, today, ["a@example.org"])

    reminder_messages_send(message_ids=ids)
    again = reminder_messages_send(message_ids=ids)  # a redelivered task

    assert again.sent == [] and len(smtp.received) == 1
    message = ReminderMessage.objects.get()
    assert message.status == ReminderMessage.Status.SENT and message.attempts == 1


def test_a_message_left_sending_by_a_dead_worker_is_sent_again_with_the_same_message_id(
    smtp, today, run_sweep, django_capture_on_commit_callbacks
):
    # given a message whose worker died after the SMTP server took it, before it was marked
    ids = _messages_for(run_sweep, today, ["a@example.org"])
    reminder_messages_send(message_ids=ids)
    ReminderMessage.objects.update(
        status=ReminderMessage.Status.SENDING,
        sent_at=None,
        sending_since=timezone.now() - timedelta(hours=2),
    )

    # when the lease runs out (the sweep or a restarted worker looks)
    with django_capture_on_commit_callbacks(execute=True):
        requeued = reminder_messages_requeue_stale(dispatch=INLINE)

    # then it is sent again (at-least-once at that point) and the copy can be recognised
    assert requeued == 1
    first, second = smtp.received
    assert first.message["Message-ID"] == second.message["Message-ID"]
    assert ReminderMessage.objects.get().status == ReminderMessage.Status.SENT


def test_retry_countdown_grows_exponentially_with_jitter_and_a_cap(settings):
    settings.LEDGER = {
        **settings.LEDGER,
        "REMINDER_RETRY_BASE_SECONDS": 10,
        "REMINDER_RETRY_MAX_SECONDS": 100,
    }
    for retries, ceiling in [(0, 10), (1, 20), (2, 40), (3, 80), (4, 100), (10, 100)]:
        values = {reminder_retry_countdown(retries) for _ in range(20)}
        assert all(ceiling / 2 <= v <= ceiling for v in values)
        assert len(values) > 1


def test_locmem_backend_gets_html_and_text(today, run_sweep):
    make_commitment(unit=UnitFactory(contact_emails="a@example.org"), deadline=today + days(1))
    run_sweep(today)
    (message,) = mail.outbox
    assert "<table" in message.alternatives[0][0] and "<table" not in message.body


def test_a_batch_is_composed_and_sent_in_the_same_number_of_queries_whatever_its_size(
    smtp, today, settings, django_capture_on_commit_callbacks
):
    # Marking sent every N e-mails adds an UPDATE per N; with N above the batch it is one.
    settings.LEDGER = {**settings.LEDGER, "REMINDER_MARK_SENT_EVERY": 100}

    def queries_for(recipients: int) -> int:
        Commitment.objects.all().delete()  # and with them their reminders
        ReminderMessage.objects.all().delete()
        ReminderSweep.objects.update_or_create(day=today, defaults={"finished_at": None})
        for i in range(recipients):
            unit = UnitFactory(contact_emails=f"unit{recipients}-{i}@example.org")
            make_commitment(unit=unit, deadline=today - days(1))
            make_commitment(unit=unit, deadline=today + days(1))
        received = len(smtp.received)
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            reminder_sweep_run(today=today, dispatch=INLINE)
        assert len(smtp.received) - received == recipients
        return len(queries.captured_queries)

    # one claim batch and one compose batch either way: marking the e-mails sent is one
    # UPDATE for the batch, not one per e-mail
    assert queries_for(2) == queries_for(12)
    assert ReminderMessage.objects.filter(status=ReminderMessage.Status.SENT).count() == 12


@pytest.mark.django_db(transaction=True)
def test_accepted_messages_are_marked_sent_during_the_conversation_not_after_it(
    smtp, today, settings
):
    # given eight digests to send, marked sent every three
    settings.LEDGER = {**settings.LEDGER, "REMINDER_MARK_SENT_EVERY": 3}
    for i in range(8):
        unit = UnitFactory(contact_emails=f"unit{i}@example.org")
        make_commitment(unit=unit, deadline=today - days(1))
    smtp.handler.hold_after = 7
    failures: list[BaseException] = []

    def sweep() -> None:
        try:
            reminder_sweep_run(today=today, dispatch=INLINE)
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    # when the SMTP conversation freezes after seven accepted messages
    thread = threading.Thread(target=sweep)
    thread.start()
    assert smtp.handler.holding.wait(timeout=60), "the eighth message never came"
    marked = ReminderMessage.objects.filter(status=ReminderMessage.Status.SENT).count()
    smtp.handler.release.set()
    thread.join(timeout=60)

    # then six of the seven were already recorded: a worker killed now would resend one
    assert marked == 6
    assert not failures
    assert ReminderMessage.objects.filter(status=ReminderMessage.Status.SENT).count() == 8
