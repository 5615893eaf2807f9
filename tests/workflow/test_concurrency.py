"""Two moves on the same commitment at the same moment: the row lock lets only one pass."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from commitments.models import Commitment
from commitments.services.errors import TransitionNotAllowed
from commitments.services.workflow.moves import commitment_verify
from tests.workflow.conftest import S, make_commitment

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite serialises writers on its own"
    ),
]


def _someone_waits_for_a_lock() -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


def test_a_concurrent_second_verify_waits_for_the_first_and_is_refused(unit, supervisor):
    commitment = make_commitment(S.SUBMITTED, lead_unit=unit)
    first_moved, release_first = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                commitment_verify(
                    commitment=Commitment.objects.get(pk=commitment.pk), actor=supervisor
                )
                first_moved.set()
                release_first.wait(30)
        finally:
            connections.close_all()

    def second() -> None:
        try:
            commitment_verify(commitment=Commitment.objects.get(pk=commitment.pk), actor=supervisor)
            outcome["second"] = "passed"
        except TransitionNotAllowed as error:
            outcome["second"] = error.current
        finally:
            connections.close_all()

    a = threading.Thread(target=first)
    a.start()
    assert first_moved.wait(30)
    b = threading.Thread(target=second)
    b.start()
    # The second move must be blocked on the row lock before the first commits.
    seen_waiting = False
    for _ in range(600):
        if _someone_waits_for_a_lock():
            seen_waiting = True
            break
        time.sleep(0.05)
    release_first.set()
    a.join(30)
    b.join(30)
    assert seen_waiting
    # Without the lock the second would have read "submitted" before the first committed and
    # verified a second time; with it, it read the committed state and was refused.
    assert outcome["second"] == S.VERIFIED
    commitment.refresh_from_db()
    assert commitment.status == S.VERIFIED
    assert commitment.history.filter(status=S.VERIFIED).count() == 1
