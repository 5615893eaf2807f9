"""Overlap: jobs on worker threads with their own database connections, or inline."""

from __future__ import annotations

import threading
from functools import partial

import pytest
from django.db import connection

from commitments.models import Unit
from commitments.services.reminders.overlap import Overlap


def _backend(i: int) -> tuple[int, int, str]:
    """(i, thread, database session) of a job that uses the database."""
    Unit.objects.count()
    return i, threading.get_ident(), _session()


def _session() -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return str(cursor.fetchone()[0])
    return str(id(connection.connection))


@pytest.mark.django_db
def test_inside_a_transaction_jobs_run_at_once_in_the_callers_thread():
    done: list[tuple[int, int, str]] = []

    with Overlap(2) as overlap:
        overlap.submit(partial(_backend, 1), done.append)
        # run before submit returned: a second connection could not see this transaction
        assert done == [(1, threading.get_ident(), _session())]

    assert overlap.inline


@pytest.mark.django_db(transaction=True)
def test_every_job_runs_and_on_postgresql_on_connections_of_its_own():
    done: list[tuple[int, int, str]] = []

    with Overlap(2) as overlap:
        for i in range(20):
            overlap.submit(partial(_backend, i), done.append)

    assert sorted(i for i, _thread, _session_id in done) == list(range(20))
    if connection.vendor == "postgresql":
        assert not overlap.inline
        assert threading.get_ident() not in {thread for _i, thread, _s in done}
        assert _session() not in {session for _i, _t, session in done}
    else:  # SQLite takes one writer at a time: a second connection would only wait
        assert overlap.inline


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_stops_the_caller_with_its_error():
    def fail() -> None:
        raise ValueError("a claim failed")

    with pytest.raises(ValueError, match="a claim failed"), Overlap(2) as overlap:
        for _ in range(50):
            overlap.submit(fail)
