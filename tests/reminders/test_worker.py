"""Reminders through a real Celery worker (subprocess), a real broker and a real SMTP server.

The broker is whatever the suite runs with: Redis when CELERY_BROKER_URL says so (CI's
PostgreSQL mode), else the filesystem broker. Each test has a queue of its own.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from commitments.models import Commitment, ReminderLog, ReminderMessage, ReminderSweep, Unit

from .conftest import days
from .worker import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SWEEP = "commitments.tasks.reminder_sweep"
ADMIN_LINK = re.compile(r"/admin/commitments/commitment/(\d+)/change/")


def _overdue_ledger(today, *, units: int, per_unit: int, closed_per_unit: int = 0) -> list[int]:
    """Open overdue work spread over units (one contact address each), plus some closed work."""
    made = Unit.objects.bulk_create(
        Unit(name=f"测试单位{i:03d}", contact_emails=f"unit{i:03d}@example.org")
        for i in range(units)
    )
    rows = []
    for unit in made:
        for j in range(per_unit):
            rows.append(
                Commitment(
                    title=f"{unit.name}承诺事项{j}",
                    lead_unit=unit,
                    deadline=today - days(2),
                    original_deadline=today - days(2),
                    status=Commitment.Status.ASSIGNED,
                )
            )
        for j in range(closed_per_unit):
            rows.append(
                Commitment(
                    title=f"{unit.name}已销号{j}",
                    lead_unit=unit,
                    deadline=today - days(2),
                    status=Commitment.Status.CLOSED,
                    completed_on=today - days(3),
                )
            )
    Commitment.objects.bulk_create(rows, batch_size=500)
    return list(
        Commitment.objects.filter(status=Commitment.Status.ASSIGNED).values_list("id", flat=True)
    )


def _all_settled(expected_messages: int) -> bool:
    if ReminderSweep.objects.filter(finished_at__isnull=True).exists():
        return False
    statuses = Counter(ReminderMessage.objects.values_list("status", flat=True))
    return statuses[ReminderMessage.Status.SENT] >= expected_messages and not (
        statuses[ReminderMessage.Status.PENDING] or statuses[ReminderMessage.Status.SENDING]
    )


def _links_per_commitment(received) -> Counter:
    found: Counter = Counter()
    for item in received:
        found.update(int(i) for i in ADMIN_LINK.findall(item.text))
    return found


def test_a_worker_sends_one_digest_per_unit_and_nothing_for_closed_work(workers, sink, today):
    open_ids = _overdue_ledger(today, units=3, per_unit=4, closed_per_unit=2)
    w = workers(reminder_recipient_batch=1)  # one compose-and-send task per recipient
    w.start()

    w.call(SWEEP, today.isoformat())

    wait_for(lambda: len(sink.received) >= 3 and _all_settled(3), timeout=90, what="3 digests")
    received = sink.received
    assert sorted(r.rcpt_tos[0] for r in received) == [
        "unit000@example.org",
        "unit001@example.org",
        "unit002@example.org",
    ]
    assert _links_per_commitment(received) == Counter({i: 1 for i in open_ids})
    for r in received:
        assert "逾期催办" in r.text and "已逾期 2 天" in r.text
        assert "已销号" not in r.text and "已销号" not in r.html
        assert r.message["Message-ID"].startswith("<ledger-reminder-")
    # the sweep fanned out: one compose-and-send task per recipient (the start-up resume may
    # queue spare ones for digests not yet composed; they find nothing to do)
    done = re.findall(r"compose_reminder_digests\[[^\]]+\] succeeded", w.logs(tail=None))
    assert len(done) >= 3


def test_worker_killed_mid_sweep_then_restarted_sends_each_reminder_exactly_once(
    workers, sink, today
):
    # given enough work for many small claim batches
    open_ids = _overdue_ledger(today, units=40, per_unit=100)
    w = workers(reminder_batch_size=10)
    first = w.start()
    w.call(SWEEP, today.isoformat())

    # when the worker is SIGKILLed once some batches are claimed but the sweep is not done
    wait_for(lambda: ReminderLog.objects.count() >= 200, timeout=90, what="first claims")
    w.kill(first)
    claimed_at_kill = ReminderLog.objects.count()
    assert claimed_at_kill < len(open_ids), "the sweep finished before the kill"
    assert ReminderSweep.objects.get().finished_at is None

    # and a new worker starts
    w.start()

    # then the sweep is finished and every commitment is in exactly one e-mail
    wait_for(lambda: _all_settled(40), timeout=180, what="the resumed sweep")
    wait_for(lambda: len(sink.received) >= 40, timeout=60, what="40 digests")
    assert ReminderLog.objects.count() == len(open_ids)
    assert _links_per_commitment(sink.received) == Counter({i: 1 for i in open_ids})
    assert sorted(r.rcpt_tos[0] for r in sink.received) == [
        f"unit{i:03d}@example.org" for i in range(40)
    ]


def test_two_sweeps_started_at_the_same_moment_send_each_reminder_once(workers, sink, today):
    open_ids = _overdue_ledger(today, units=20, per_unit=50)
    w = workers(reminder_batch_size=10)
    # both tasks wait in the queue, so the two worker processes start them together
    w.call(SWEEP, today.isoformat())
    w.call(SWEEP, today.isoformat())

    w.start("--pool=prefork", "--concurrency=2", "--prefetch-multiplier=1")

    wait_for(
        lambda: ReminderLog.objects.count() == len(open_ids) and _all_settled(20),
        timeout=180,
        what="both sweeps",
    )
    assert _links_per_commitment(sink.received) == Counter({i: 1 for i in open_ids})
    assert ReminderMessage.objects.filter(status=ReminderMessage.Status.SENT).count() == len(
        sink.received
    )


def test_messages_are_delivered_after_the_smtp_server_refuses_the_first_attempts(
    workers, sink, today
):
    _overdue_ledger(today, units=2, per_unit=1)
    sink.handler.refuse_data = 3
    w = workers(reminder_retry_base_seconds=1, reminder_max_attempts=6)
    w.start()

    w.call(SWEEP, today.isoformat())

    wait_for(lambda: len(sink.received) >= 2 and _all_settled(2), timeout=120, what="retries")
    assert sink.handler.refused == 3
    assert sorted(r.rcpt_tos[0] for r in sink.received) == [
        "unit000@example.org",
        "unit001@example.org",
    ]
    attempts = sorted(ReminderMessage.objects.values_list("attempts", flat=True))
    assert sum(attempts) == 5  # 3 refused + 2 accepted
    assert ReminderMessage.objects.filter(status=ReminderMessage.Status.SENT).count() == 2
